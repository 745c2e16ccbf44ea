"""The uploaded file between preview and confirm: kept in the private storage (STORAGES["private"],
under impor/, so every web process reads the same file) under a random token with its sha256
(`store_upload`), read back at the confirm (`load_upload`), removed once used or an hour later
(`discard_upload`; `purge_uploads`, a step of `manage.py rapikan` and of every new upload)."""

import hashlib
import re
import secrets
import time

from django.core.files.base import ContentFile
from django.core.files.storage import storages

UPLOAD_MAX_AGE_SECONDS = 3600
PREFIX = "impor"
_TOKEN = re.compile(r"[0-9a-f]{32}")


def _storage():
    return storages["private"]


def upload_name(token):
    """The stored name of an upload; None for anything that is not one of our tokens (never a path)."""
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        return None
    return f"{PREFIX}/{token}.xlsx"


def store_upload(data):
    """Keep the uploaded bytes until the confirm: (token, sha256)."""
    purge_uploads()
    token = secrets.token_hex(16)
    _storage().save(upload_name(token), ContentFile(data))
    return token, hashlib.sha256(data).hexdigest()


def _too_old(name, now):
    """Older than an hour by the file system's clock (now: a Unix time)."""
    try:
        modified = _storage().get_modified_time(name).timestamp()
    except FileNotFoundError:
        return False
    return now - modified > UPLOAD_MAX_AGE_SECONDS


def load_upload(token, sha256):
    """The stored bytes, or None when the token is unknown, older than an hour or the file changed."""
    name = upload_name(token)
    if name is None:
        return None
    storage = _storage()
    try:
        if _too_old(name, time.time()):
            storage.delete(name)
            return None
        with storage.open(name, "rb") as file:
            data = file.read()
    except FileNotFoundError:
        return None
    if hashlib.sha256(data).hexdigest() != sha256:
        return None
    return data


def discard_upload(token):
    name = upload_name(token)
    if name is not None:
        _storage().delete(name)


def purge_uploads(now=None):
    """Delete the uploads older than an hour (previews nobody confirmed). Returns a summary line. As a
    step of `manage.py rapikan` it is given the run's time; file ages are read on the file system's
    own clock all the same."""
    now = time.time() if now is None or not isinstance(now, int | float) else now
    storage = _storage()
    try:
        _dirs, names = storage.listdir(PREFIX)
    except FileNotFoundError:
        names = []
    removed = 0
    for file_name in names:
        name = f"{PREFIX}/{file_name}"
        if _too_old(name, now):
            storage.delete(name)
            removed += 1
    return f"{removed} unggahan impor basi dihapus"
