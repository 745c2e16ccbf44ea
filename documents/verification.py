"""The verification code of a recap download: made before the file is laid out (so the file can print
it), registered with the sha256 of the exact bytes delivered, and looked up by the public page.

A code is 10 characters of an alphabet without look-alikes (no 0/O, 1/I/L), from the system's secure
random source, printed grouped as "K7QM-2XPA-9D": 31^10 ≈ 8·10^14 codes, so one cannot be guessed
from another. What a code reveals (the form, the unit, the period, the JUMLAH counts and who
downloaded and approved it) is not personal data; the rows of a file are never stored.
"""

import hashlib
import secrets

from django.conf import settings
from django.urls import reverse

from .models import DokumenRekap

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10
GROUPS = (4, 4, 2)
# The verification page compares uploads up to this size; recap files are a few hundred kilobytes.
MAX_UPLOAD_BYTES = 5 * 1024 * 1024


def new_code():
    """A fresh code not yet registered (a clash is astronomically rare; the loop makes it impossible)."""
    while True:
        raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
        code = _grouped(raw)
        if not DokumenRekap.objects.filter(kode=code).exists():
            return code


def _grouped(raw):
    parts, start = [], 0
    for size in GROUPS:
        parts.append(raw[start : start + size])
        start += size
    return "-".join(parts)


def normalize(text):
    """The code as stored ("K7QM-2XPA-9D") from what a person typed (any case, spaces or dashes
    anywhere), or None when it cannot be a code."""
    raw = "".join(ch for ch in str(text or "").upper() if ch.isalnum())
    if len(raw) != CODE_LENGTH or any(ch not in ALPHABET for ch in raw):
        return None
    return _grouped(raw)


def page_url(base=None):
    """The verification page's address as printed in a file: absolute when the caller knows the site
    (the request, or the first CSRF_TRUSTED_ORIGINS entry for a command), else the path."""
    path = reverse("documents:verifikasi")
    if base is None:
        origins = list(getattr(settings, "CSRF_TRUSTED_ORIGINS", []))
        base = origins[0] if origins else ""
    return base.rstrip("/") + path


def size_label(n):
    """'5 MB', '300 KB': a size as the page states a limit."""
    return f"{n // (1024 * 1024)} MB" if n >= 1024 * 1024 else f"{max(1, n // 1024)} KB"


def sha256_of(content):
    """The hex sha256 of bytes, or of an iterable of bytes (a streamed file)."""
    digest = hashlib.sha256()
    if isinstance(content, (bytes, bytearray)):
        digest.update(content)
    else:
        for chunk in content:
            digest.update(chunk)
    return digest.hexdigest()


def register(*, kode, formulir, judul, unit, period, edisi, data, fmt, content, jumlah, keterangan, approval, user, at):
    """Store the delivered file's row. ``jumlah`` is [(group, label, value)] as printed in the JUMLAH
    row; ``keterangan`` the approval line as printed; ``approval`` is (approved_by, approved_at) when the
    file says it is approved, else None."""
    approved_by, approved_at = approval if approval else ("", None)
    return DokumenRekap.objects.create(
        kode=kode,
        formulir=formulir,
        judul=judul[:300],
        unit=unit,
        tahun=period.tahun,
        bulan=period.bulan,
        edisi=edisi,
        data=data,
        format=fmt,
        sha256=sha256_of(content),
        ukuran=len(content),
        jumlah=[{"kelompok": group, "label": label, "nilai": value} for group, label, value in jumlah],
        keterangan=keterangan[:300],
        approved_by=approved_by[:200],
        approved_at=approved_at,
        created_by=user,
        created_at=at,
    )


def find(text):
    """The registered file for a typed code, or None."""
    code = normalize(text)
    if code is None:
        return None
    return DokumenRekap.objects.select_related("unit", "created_by").filter(kode=code).first()


def matches(dokumen, uploaded):
    """Whether an uploaded file (a Django UploadedFile) has exactly the registered bytes."""
    if uploaded.size != dokumen.ukuran:
        return False
    digest = hashlib.sha256()
    for chunk in uploaded.chunks():
        digest.update(chunk)
    return secrets.compare_digest(digest.hexdigest(), dokumen.sha256)
