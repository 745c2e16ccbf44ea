"""Imports committed by the background worker (the jobs app).

- `impor-warga`: the confirm of a dasawisma file with more than BACKGROUND_ROWS rows does not write in
  the request. The job checks the upload in the private storage (against its sha256), takes the rows
  read from it at the upload (uploads.load_rows: the workbook is not parsed again), commits them exactly
  as the request would (write.commit: analysed again on fresh data, all or nothing), and tells the user
  its counts or, in Bahasa Indonesia, why nothing was saved.
- `impor-warga-kelurahan`: every confirm of a kelurahan file (kelurahan.commit_kelurahan): analysed
  again, then committed dasawisma by dasawisma with its progress in dasawisma; the result says how many
  dasawisma and warga were saved, which were held back and which failed at that moment (the same file
  uploaded again completes them)."""

import contextlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError

from hierarchy import access
from jobs import services
from jobs.registry import JobFailed, Kind, register

from .analyse import NEW, UPDATE
from .kelurahan import commit_kelurahan
from .read import dataset_from_json
from .uploads import discard_upload, stored_rows
from .write import ImportBlocked, commit

KIND = "impor-warga"
KIND_KELURAHAN = "impor-warga-kelurahan"
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


def _stored_dataset(params):
    """The rows read at the upload (the workbook is not parsed again), or JobFailed when it is gone."""
    dataset = stored_rows(params["token"], params["sha256"], dataset_from_json)
    if dataset is None:
        raise JobFailed(KEDALUWARSA)
    return dataset


def _discard(params):
    with contextlib.suppress(OSError):  # saved already: a file left behind goes with the hourly clean-up
        discard_upload(params["token"])


def _run(job, progress, out):
    params = job.params
    dataset = _stored_dataset(params)
    try:
        preview = commit(dataset, actor=job.user, dasawisma=job.unit)
    except ImportBlocked:
        raise JobFailed(ADA_GALAT) from None
    except (ValidationError, IntegrityError):
        raise JobFailed(BERUBAH) from None
    except PermissionDenied:
        raise JobFailed("Peran Anda tidak mengizinkan mengimpor data warga dasawisma ini.") from None
    _discard(params)
    return f"{preview.counts[NEW]} warga baru, {preview.counts[UPDATE]} diperbarui"


def _allowed(user, job):
    return access.may_import_households(user, job.unit)


# -- a whole kelurahan -----------------------------------------------------------------------------------

SEMUA_SALAH = (
    "Tidak ada yang disimpan: setiap dasawisma di berkas ini mempunyai baris yang salah. "
    "Unggah berkas lagi untuk melihat barisnya."
)
RESULT_LENGTH = 300  # what the job keeps of its result (jobs.models.Job.hasil)


def start_kelurahan_import(*, user, desa, token, sha256, name, strict, back_url):
    """The background job that commits this upload into the dasawisma of the desa (strict: only if every
    row is right); services.TooManyJobs beyond the per-user limit; the same upload asked twice is the
    same job."""
    return services.start(
        user=user,
        unit=desa,
        kind=KIND_KELURAHAN,
        key=f"{KIND_KELURAHAN}:{token}",
        title=f"Impor Data Warga {name} ke {desa}",
        params={"token": token, "sha256": sha256, "name": name, "strict": bool(strict)},
        unit_label="dasawisma",
        back_url=back_url,
    )


def _run_kelurahan(job, progress, out):
    params = job.params
    dataset = _stored_dataset(params)
    strict = bool(params.get("strict"))
    try:
        result = commit_kelurahan(dataset, actor=job.user, desa=job.unit, strict=strict, progress=progress)
    except ImportBlocked:
        raise JobFailed(ADA_GALAT if strict else SEMUA_SALAH) from None
    except PermissionDenied:
        raise JobFailed("Peran Anda tidak mengizinkan mengimpor data warga kelurahan ini.") from None
    _discard(params)
    if not result.saved:
        raise JobFailed(kelurahan_result(result))
    return kelurahan_result(result)


def kelurahan_result(result):
    """What a kelurahan import did, in at most RESULT_LENGTH characters: the dasawisma saved with their new
    and updated warga, the rows without a dasawisma, the dasawisma held back (a wrong row) and those that
    failed at that moment; lists of names too long are cut to "… dan N lainnya"."""
    held = [g.label for g in result.held]
    failed = [g.label for g in result.failed]
    shown = [len(held), len(failed)]
    while True:
        text = _result_text(result, _names(held, shown[0]), _names(failed, shown[1]))
        if len(text) <= RESULT_LENGTH or not any(shown):
            return text[:RESULT_LENGTH]
        longer = 0 if shown[0] >= shown[1] else 1
        shown[longer] -= 1


def _result_text(result, held, failed):
    if result.saved:
        text = (
            f"{len(result.saved)} dasawisma disimpan: {_count(result.new)} warga baru, "
            f"{_count(result.updated)} diperbarui."
        )
    else:
        text = "Tidak ada dasawisma yang disimpan."
    if held:
        text += f" Ditahan karena ada baris salah: {held}."
    if result.unplaced:
        text += f" {_count(result.unplaced)} baris tanpa dasawisma tidak disimpan."
    if failed:
        text += f" Gagal karena data berubah saat disimpan: {failed}; unggah berkas yang sama lagi untuk melengkapinya."
    return text


def _names(labels, shown):
    if not labels or shown >= len(labels):
        return ", ".join(labels)
    if shown == 0:
        return f"{len(labels)} dasawisma"
    return ", ".join(labels[:shown]) + f" dan {len(labels) - shown} lainnya"


def _count(number):
    return f"{number:,}".replace(",", ".")


def register_kind():
    register(Kind(name=KIND, run=_run, allowed=_allowed, writes_file=False))
    register(Kind(name=KIND_KELURAHAN, run=_run_kelurahan, allowed=_allowed, writes_file=False))
