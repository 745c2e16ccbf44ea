"""The uploaded file between preview and confirm: kept in a private temporary folder under a random
token with its sha256 (`store_upload`), read back at the confirm (`load_upload`), removed once used
or an hour later (`discard_upload`, `purge_uploads`)."""

import hashlib
import os
import re
import secrets
import tempfile
import time
from pathlib import Path

UPLOAD_MAX_AGE_SECONDS = 3600
_TOKEN = re.compile(r"[0-9a-f]{32}")


def upload_dir():
    path = Path(tempfile.gettempdir()) / "pkkdata-import"
    path.mkdir(mode=0o700, exist_ok=True)
    return path


def _upload_path(token):
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        return None
    return upload_dir() / f"{token}.xlsx"


def store_upload(data):
    """Keep the uploaded bytes until the confirm: (token, sha256)."""
    purge_uploads()
    token = secrets.token_hex(16)
    descriptor = os.open(_upload_path(token), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as fh:
        fh.write(data)
    return token, hashlib.sha256(data).hexdigest()


def load_upload(token, sha256):
    """The stored bytes, or None when the token is unknown, older than an hour or the file changed."""
    path = _upload_path(token)
    if path is None:
        return None
    try:
        age = time.time() - path.stat().st_mtime
        if age > UPLOAD_MAX_AGE_SECONDS:
            path.unlink(missing_ok=True)
            return None
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    if hashlib.sha256(data).hexdigest() != sha256:
        return None
    return data


def discard_upload(token):
    path = _upload_path(token)
    if path is not None:
        path.unlink(missing_ok=True)


def purge_uploads(now=None):
    """Delete the uploads older than an hour (previews nobody confirmed)."""
    now = now or time.time()
    for path in upload_dir().glob("*.xlsx"):
        try:
            if now - path.stat().st_mtime > UPLOAD_MAX_AGE_SECONDS:
                path.unlink()
        except FileNotFoundError:
            continue
