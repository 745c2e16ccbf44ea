"""A large import committed by the background worker (the jobs app): the confirm of a file with more
than BACKGROUND_ROWS rows does not write in the request. The job checks the upload in the private
storage (against its sha256), takes the rows read from it at the upload (uploads.load_rows: the
workbook is not parsed again), commits them exactly as the request would (write.commit: analysed again
on fresh data, all or nothing), and tells the user its counts or, in Bahasa Indonesia, why nothing was
saved."""

import contextlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError

from hierarchy import access
from jobs import services
from jobs.registry import JobFailed, Kind, register

from .analyse import NEW, UPDATE
from .read import dataset_from_json
from .uploads import discard_upload, stored_rows
from .write import ImportBlocked, commit

KIND = "impor-warga"
# A confirm of more rows than this is committed in the background: 5,000 rows take about 5 s to read
# and commit on the benchmark machine (docs/BENCHMARKS.md, bench/import_warga.py), several times that
# on a loaded one; a thousand stay near a second in the request.
BACKGROUND_ROWS = 1000

KEDALUWARSA = "Berkas unggahan sudah kedaluwarsa (lebih dari 1 jam) atau hilang. Tidak ada yang disimpan; unggah lagi."
ADA_GALAT = (
    "Tidak ada yang disimpan: ada baris yang salah (data berubah sejak pratinjau). "
    "Unggah berkas lagi untuk melihat barisnya."
)
BERUBAH = "Tidak ada yang disimpan: data berubah saat disimpan. Unggah berkas lagi lalu simpan."


def start_import(*, user, dasawisma, token, sha256, name, back_url):
    """The background job that commits this upload into the dasawisma (services.TooManyJobs beyond
    the per-user limit; the same upload asked twice is the same job)."""
    return services.start(
        user=user,
        unit=dasawisma,
        kind=KIND,
        key=f"{KIND}:{token}",
        title=f"Impor Data Warga {name} ke dasawisma {dasawisma.name}",
        params={"token": token, "sha256": sha256, "name": name},
        back_url=back_url,
    )


def _run(job, progress, out):
    params = job.params
    dataset = stored_rows(params["token"], params["sha256"], dataset_from_json)
    if dataset is None:
        raise JobFailed(KEDALUWARSA)
    try:
        preview = commit(dataset, actor=job.user, dasawisma=job.unit)
    except ImportBlocked:
        raise JobFailed(ADA_GALAT) from None
    except (ValidationError, IntegrityError):
        raise JobFailed(BERUBAH) from None
    except PermissionDenied:
        raise JobFailed("Peran Anda tidak mengizinkan mengimpor data warga dasawisma ini.") from None
    with contextlib.suppress(OSError):  # saved already: a file left behind goes with the hourly clean-up
        discard_upload(params["token"])
    return f"{preview.counts[NEW]} warga baru, {preview.counts[UPDATE]} diperbarui"


def _allowed(user, job):
    return access.may_import_households(user, job.unit)


def register_kind():
    register(Kind(name=KIND, run=_run, allowed=_allowed, writes_file=False))
