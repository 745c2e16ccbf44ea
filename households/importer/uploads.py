"""The uploaded file between preview and confirm: kept in the private storage (STORAGES["private"],
under impor/, so every web process reads the same file) under a random token with its sha256
(`store_upload`), checked again on each page and at the confirm (`load_upload`), removed once used or
an hour later (`discard_upload`; `purge_uploads`, a step of `manage.py rapikan` and of every new upload).

Beside it, impor/<token>.json: the rows read from it (read.dataset_to_json), so that the preview pages
and the confirm never parse the workbook again (`load_rows`). That file carries its own check, an HMAC
of its content bound to the token and the upload's sha256 under the SECRET_KEY: rows changed on disk or
copied from another upload are refused, never used."""

import hashlib
import re
import secrets
import time

from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.utils.crypto import constant_time_compare, salted_hmac

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


def rows_name(token):
    """The stored name of an upload's parsed rows; None for anything that is not one of our tokens."""
    name = upload_name(token)
    return None if name is None else f"{PREFIX}/{token}.json"


_ROWS_SALT = "households.importer.uploads.rows"


def _seal(token, sha256, rows):
    return salted_hmac(_ROWS_SALT, b"%s:%s:%s" % (token.encode(), sha256.encode(), rows), algorithm="sha256")


def store_upload(data, rows=None):
    """Keep the uploaded bytes until the confirm: (token, sha256). rows: the rows read from it (bytes),
    kept beside it with their seal."""
    purge_uploads()
    token = secrets.token_hex(16)
    digest = hashlib.sha256(data).hexdigest()
    storage = _storage()
    storage.save(upload_name(token), ContentFile(data))
    if rows is not None:
        storage.save(rows_name(token), ContentFile(_seal(token, digest, rows).hexdigest().encode() + b"\n" + rows))
    return token, digest


def _too_old(name, now):
    """Older than an hour by the file system's clock (now: a Unix time)."""
    try:
        modified = _storage().get_modified_time(name).timestamp()
    except FileNotFoundError:
        return False
    return now - modified > UPLOAD_MAX_AGE_SECONDS


def _read_fresh(name):
    """The stored file's bytes; None when it is missing, or older than an hour (then it is removed)."""
    storage = _storage()
    try:
        if _too_old(name, time.time()):
            storage.delete(name)
            return None
        with storage.open(name, "rb") as file:
            return file.read()
    except FileNotFoundError:
        return None


def load_upload(token, sha256):
    """The stored bytes, or None when the token is unknown, older than an hour or the file changed."""
    name = upload_name(token)
    data = None if name is None else _read_fresh(name)
    if data is None or hashlib.sha256(data).hexdigest() != sha256:
        return None
    return data


def load_rows(token, sha256):
    """The stored rows of the upload (bytes), or None when missing, older than an hour, or when their seal
    does not match (changed on disk, or another upload's)."""
    name = rows_name(token)
    stored = None if name is None or not isinstance(sha256, str) else _read_fresh(name)
    if stored is None:
        return None
    seal, _newline, rows = stored.partition(b"\n")
    if not constant_time_compare(seal, _seal(token, sha256, rows).hexdigest().encode()):
        return None
    return rows


def stored_rows(token, sha256, decode):
    """decode(the stored rows) of a fresh, unchanged upload (read.dataset_from_json for the Data Warga
    sheet); None when the upload or its rows are gone, older than an hour, changed on disk, or when
    decode refuses them with ValueError (rows of another version of the sheet)."""
    if load_upload(token, sha256) is None:
        return None
    rows = load_rows(token, sha256)
    if rows is None:
        return None
    try:
        return decode(rows)
    except ValueError:
        return None


class SessionUploads:
    """The uploads one user has open for a preview, in the session under `key`: {token: entry}, the
    entry a list the screen chooses (user id first: a token is worth nothing in another user's hands).
    At most `keep` at once; the oldest are discarded with their files."""

    def __init__(self, request, key, keep=5):
        self.request, self.key, self.keep = request, key, keep

    def all(self):
        return dict(self.request.session.get(self.key, {}))

    def get(self, token):
        """The entry of token, when it is this user's; else None."""
        entry = self.all().get(token)
        return entry if entry is not None and entry[0] == self.request.user.pk else None

    def remember(self, token, entry):
        uploads = self.all()
        uploads[token] = entry
        for old in list(uploads)[: -self.keep]:
            discard_upload(old)
            del uploads[old]
        self.request.session[self.key] = uploads

    def forget(self, token, *, keep_file=False):
        uploads = self.all()
        uploads.pop(token, None)
        self.request.session[self.key] = uploads
        if not keep_file:
            discard_upload(token)


def discard_upload(token):
    """Remove the upload and its rows."""
    for name in (upload_name(token), rows_name(token)):
        if name is not None:
            _storage().delete(name)


def purge_uploads(now=None):
    """Delete the uploads older than an hour (previews nobody confirmed), each with its rows. Returns a
    summary line (uploads, not files). As a step of `manage.py rapikan` it is given the run's time; file
    ages are read on the file system's own clock all the same."""
    now = time.time() if now is None or not isinstance(now, int | float) else now
    storage = _storage()
    try:
        _dirs, names = storage.listdir(PREFIX)
    except FileNotFoundError:
        names = []
    removed = set()
    for file_name in names:
        name = f"{PREFIX}/{file_name}"
        if _too_old(name, now):
            storage.delete(name)
            removed.add(file_name.split(".", 1)[0])
    return f"{len(removed)} unggahan impor basi dihapus"
