"""The kelurahan's Data Warga prepared in the background (UnduhanKelurahan).

A large kelurahan takes seconds to build (about kelurahan.WARGA_PER_SECOND warga a second), during
which a streamed download sends nothing. Instead the user asks for the file (unduhan_minta), a thread
of the web process writes it under settings.PKK_EXPORT_DIR while the job's row counts the warga
written, and a page shows that count until the file is ready. State lives in the database and the
directory, so any worker process can answer the page and serve the file.
"""

import contextlib
import datetime
import logging
import os
import re
import threading
import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone

from documents.exporters import XLSX, Period
from hierarchy import access

from ..models import StatusUnduhan, UnduhanKelurahan
from .kelurahan import DataWargaKelurahanExporter

logger = logging.getLogger(__name__)

OFFERED_AGAIN = datetime.timedelta(minutes=10)  # a ready file this young is offered instead of a new one
KEPT_FOR = datetime.timedelta(days=1)  # older jobs and files are removed when a new job starts
# A job whose row has not moved for this long died with its process (a restart, a killed worker): a
# progress step is written at least every MEMBERS_PER_FETCH warga, a fraction of a second apart.
STALLED_AFTER = datetime.timedelta(minutes=10)
_OUR_FILE = re.compile(r"^[0-9a-f]{32}\.(xlsx|part)$")

GAGAL_UMUM = (
    "Berkas tidak dapat disusun karena ada kesalahan di server. Silakan coba lagi; bila tetap gagal, hubungi admin."
)
GAGAL_SIMPAN = (
    "Berkas tidak dapat disimpan di server (ruang penyimpanan penuh?). Silakan coba lagi nanti atau hubungi admin."
)
GAGAL_TERHENTI = "Penyusunan berkas terhenti (server dimulai ulang). Silakan coba lagi."


def export_dir():
    return Path(settings.PKK_EXPORT_DIR)


def unduhan_path(job, suffix=".xlsx"):
    """Where the job's file lives; None if its stored name is not one of ours (never a path)."""
    name = f"{job.berkas}{suffix}"
    return export_dir() / name if _OUR_FILE.match(name) else None


def unduhan_filename(job):
    """The name the browser saves it under: the same as the streamed download's."""
    stem = DataWargaKelurahanExporter().file_stem(job.kelurahan, Period(job.created_at.year))
    return f"{stem}.{XLSX}"


def unduhan_periksa(job, now=None):
    """The job as the user should see it: a job that stopped moving is marked failed, a ready job whose
    file was removed is marked failed too (both offer to try again)."""
    now = now or timezone.now()
    if job.berjalan and job.updated_at < now - STALLED_AFTER:
        _selesai(job, StatusUnduhan.GAGAL, GAGAL_TERHENTI)
    elif job.status == StatusUnduhan.SIAP and not (unduhan_path(job) and unduhan_path(job).exists()):
        _selesai(job, StatusUnduhan.GAGAL, "Berkas sudah dihapus dari server. Silakan minta lagi.")
    return job


def _selesai(job, status, pesan=""):
    job.status, job.pesan_galat, job.finished_at = status, pesan, timezone.now()
    job.save(update_fields=["status", "pesan_galat", "finished_at", "updated_at"])


def unduhan_minta(*, user, kelurahan):
    """The user's job for the kelurahan's Data Warga: one still running, or a file ready less than
    OFFERED_AGAIN ago, is reused; otherwise a new job is created and started (in a daemon thread
    once the row is committed, or inline when settings.PKK_EXPORT_INLINE). job.thread is the thread
    (None when reused or inline), for callers that wait on it. PermissionDenied without the
    exporter's permission on the kelurahan."""
    exporter = DataWargaKelurahanExporter
    if kelurahan.level != exporter.scope_level or not access.has_perm(user, exporter.required_perm, kelurahan):
        raise PermissionDenied("Peran Anda tidak mengizinkan mengunduh formulir ini.")
    now = timezone.now()
    recent = UnduhanKelurahan.objects.filter(user=user, kelurahan=kelurahan, created_at__gte=now - KEPT_FOR)
    for job in recent.order_by("-created_at")[:3]:
        unduhan_periksa(job, now)
        if job.berjalan or (job.status == StatusUnduhan.SIAP and job.finished_at >= now - OFFERED_AGAIN):
            job.thread = None
            return job
    _bersihkan(now)
    job = UnduhanKelurahan.objects.create(user=user, kelurahan=kelurahan, berkas=uuid.uuid4().hex)
    job.thread = None
    if settings.PKK_EXPORT_INLINE:
        unduhan_jalankan(job.pk)
        job.refresh_from_db()
    else:
        job.thread = threading.Thread(target=_di_thread, args=(job.pk,), name=f"unduhan-{job.pk}", daemon=True)
        # The thread reads the row through its own connection: it must be committed first.
        transaction.on_commit(job.thread.start)
    return job


def _di_thread(job_id):
    try:
        unduhan_jalankan(job_id)
    except Exception:  # unduhan_jalankan records its own failures; this is the last resort
        logger.exception("unduhan %s: gagal di luar penyusunan berkas", job_id)
    finally:
        connection.close()  # the thread's own connection, opened by its first query


def unduhan_jalankan(job_id):
    """Builds the job's file: written to <name>.part and renamed once complete, so a ready name is
    always a whole file and a failure leaves none. The user sees a message, never the error."""
    job = UnduhanKelurahan.objects.select_related("kelurahan").get(pk=job_id)
    UnduhanKelurahan.objects.filter(pk=job.pk).update(status=StatusUnduhan.DIPROSES, updated_at=timezone.now())

    def progress(done, total):
        UnduhanKelurahan.objects.filter(pk=job.pk).update(selesai=done, total=total, updated_at=timezone.now())

    part, final = unduhan_path(job, ".part"), unduhan_path(job)
    try:
        part.parent.mkdir(parents=True, exist_ok=True)
        with part.open("wb") as file:
            DataWargaKelurahanExporter().write_xlsx(job.kelurahan, file, progress=progress)
        os.replace(part, final)
    except Exception as exc:
        logger.exception("unduhan %s: Data Warga %s gagal disusun", job.pk, job.kelurahan.code)
        with contextlib.suppress(OSError):
            part.unlink(missing_ok=True)
        job.refresh_from_db()
        _selesai(job, StatusUnduhan.GAGAL, GAGAL_SIMPAN if isinstance(exc, OSError) else GAGAL_UMUM)
        return
    job.refresh_from_db()
    _selesai(job, StatusUnduhan.SIAP)


def _bersihkan(now):
    """Removes the jobs created more than KEPT_FOR ago with their files, and any file of ours left in
    the directory that old (a .part whose process died): two queries and one directory listing."""
    cutoff = now - KEPT_FOR
    old = UnduhanKelurahan.objects.filter(created_at__lt=cutoff)
    for job in old.only("berkas"):
        for suffix in (".xlsx", ".part"):
            path = unduhan_path(job, suffix)
            if path:
                with contextlib.suppress(OSError):
                    path.unlink(missing_ok=True)
    old.delete()
    with contextlib.suppress(OSError):
        for entry in os.scandir(export_dir()):
            with contextlib.suppress(OSError):
                if _OUR_FILE.match(entry.name) and entry.stat().st_mtime < cutoff.timestamp():
                    os.unlink(entry.path)
