"""The pages of background jobs: the user's list of them, one job's progress (reloading itself while
it runs), its file, and asking again after a failure. A job is visible only to the user who asked for
it, and only while its kind still allows that user (a role revoked meanwhile closes it): 404 otherwise."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from . import services
from .models import Job, Status
from .registry import get_kind
from .runner import storage

REFRESH_SECONDS = 2


def _job_or_404(request, pk):
    job = get_object_or_404(Job.objects.select_related("unit"), pk=pk, user=request.user)
    kind = get_kind(job.kind)
    if kind is None or not kind.allowed(request.user, job):
        raise Http404("Pekerjaan tidak ditemukan.")
    return services.checked(job)


def _back_url(request, job):
    if job.back_url and url_has_allowed_host_and_scheme(job.back_url, {request.get_host()}):
        return job.back_url
    return None


@login_required
@require_http_methods(["GET", "HEAD"])
def daftar(request):
    now = timezone.now()
    jobs = [
        services.checked(job, now)
        for job in Job.objects.filter(user=request.user, created_at__gte=now - services.KEPT_FOR)
        .select_related("unit")
        .order_by("-created_at")[:50]
        if (kind := get_kind(job.kind)) is not None and kind.allowed(request.user, job)
    ]
    return render(
        request,
        "jobs/daftar.html",
        {"jobs": jobs, "kept_hours": int(services.KEPT_FOR.total_seconds() // 3600)},
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def status(request, pk):
    job = _job_or_404(request, pk)
    return render(
        request,
        "jobs/status.html",
        {
            "job": job,
            "back_url": _back_url(request, job),
            "refresh_seconds": REFRESH_SECONDS,
            "siap": job.status == Status.SIAP,
            "no_worker": services.waiting_for_a_worker(job),
            "kept_hours": int(services.KEPT_FOR.total_seconds() // 3600),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def berkas(request, pk):
    """The ready file under its own name; before it is ready (or once removed), the job's page."""
    job = _job_or_404(request, pk)
    if job.status != Status.SIAP or not job.berkas:
        return redirect("jobs:status", pk=job.pk)
    try:
        file = storage().open(job.berkas, "rb")
    except OSError:
        return redirect("jobs:status", pk=job.pk)
    response = FileResponse(file, as_attachment=True, filename=job.filename, content_type=job.content_type)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def ulangi(request, pk):
    """Asks for the same work again (a new job): after a failure, or for a fresh copy."""
    job = _job_or_404(request, pk)
    try:
        again = services.retry(job)
    except services.TooManyJobs as exc:
        messages.error(request, exc.message)
        return redirect("jobs:status", pk=job.pk)
    return redirect("jobs:status", pk=again.pk)
