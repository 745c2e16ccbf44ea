"""A download prepared in the background: any registered exporter (documents.exporters) written by
the worker through the contract's write(), with its progress when the exporter reports one.

start_export() is what a download view calls for a file too large to build in the request; the job
keeps the exporter's identifier, the target (model label and primary key: the target is read again
in the worker, and its rights checked again, by the exporter itself), the period, the edition, the
format and the options."""

from django.apps import apps
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied

from documents.exporters import CONTENT_TYPES, Exporter, Period, get_exporter
from hierarchy import access
from pkkdata.dbrouter import may_read_replica, on_replica

from . import services
from .registry import JobFailed, Kind, register

KIND = "ekspor"


def start_export(*, user, exporter: Exporter, target, period: Period, edition, fmt, options=None, back_url=""):
    """The user's background job for this file (found again when the same file is already on its
    way or freshly made; services.TooManyJobs beyond the per-user limit)."""
    exporter.check(user=user, target=target, edition=edition, fmt=fmt)
    label = target._meta.label_lower
    options = options or {}
    params = {
        "exporter": exporter.identifier,
        "target": [label, target.pk],
        "tahun": period.tahun,
        "bulan": period.bulan,
        "edition": edition,
        "fmt": fmt,
        "options": options,
        # Read from the replica unless its person wrote in the last few seconds (pkkdata.dbrouter).
        "replika": may_read_replica(),
    }
    key = ":".join([KIND, exporter.identifier, label, str(target.pk), period.slug, edition, fmt, _options_key(options)])
    return services.start(
        user=user,
        unit=exporter.unit_of(target),
        kind=KIND,
        key=key[:200],
        title=f"{exporter.title}: {target} ({period.label})",
        params=params,
        unit_label=exporter.progress_unit,
        filename=f"{exporter.file_stem(target, period)}.{fmt}",
        content_type=CONTENT_TYPES[fmt],
        back_url=back_url,
    )


def latest_export(*, user, exporter: Exporter, target):
    """The user's latest job for this exporter and target (any period and format), or None."""
    prefix = f"{KIND}:{exporter.identifier}:{target._meta.label_lower}:{target.pk}:"
    jobs = services.Job.objects.filter(user=user, key__startswith=prefix, created_at__gte=services.recent_since())
    job = jobs.order_by("-created_at").first()
    return services.checked(job) if job else None


def _options_key(options):
    return ",".join(f"{k}={options[k]}" for k in sorted(options))


def _exporter(job):
    exporter = get_exporter(job.params.get("exporter", ""))
    if exporter is None:
        raise JobFailed("Formulir ini tidak dikenal lagi oleh server.")
    return exporter


def _target(job):
    label, pk = job.params["target"]
    try:
        return apps.get_model(label).objects.get(pk=pk)
    except (LookupError, ObjectDoesNotExist):
        raise JobFailed("Data yang diminta sudah tidak ada.") from None


def _run(job, progress, out):
    params = job.params

    def write():
        _exporter(job).write(
            user=job.user,
            target=_target(job),
            period=Period(params["tahun"], params.get("bulan")),
            edition=params["edition"],
            fmt=params["fmt"],
            options=params.get("options") or {},
            out=out,
            progress=progress,
        )

    def start_over():  # the replica stopped answering half way: the file is written again on "default"
        out.seek(0)
        out.truncate()

    try:
        on_replica(write, enabled=bool(params.get("replika")), again=start_over)
    except PermissionDenied as exc:
        raise JobFailed(str(exc) or "Peran Anda tidak mengizinkan mengunduh formulir ini.") from None
    return ""


def _allowed(user, job):
    exporter = get_exporter(job.params.get("exporter", ""))
    return exporter is not None and access.has_perm(user, exporter.required_perm, job.unit)


def register_kind():
    register(Kind(name=KIND, run=_run, allowed=_allowed, writes_file=True))
