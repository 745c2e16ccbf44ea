"""The home page: what the user's roles are and what waits for them. It composes the inbox (reports)
and the dashboard links (recaps), so it lives here at the top of the apps, not in any one of them."""

import shutil
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_http_methods

from hierarchy import access
from hierarchy.levels import ROLE_PERMS, Level, Perm, Role
from jobs.services import workers_alive
from recaps.dashboard import has_dashboard
from reports import workflow
from reports.cadre_month import cadre_month, reports_to_send
from reports.inbox import inbox_for


def _what_the_role_does(assignment):
    """The permissions of a role as its holder meets them: approving only where the approval chain
    (reports.workflow.chain) sends reports (a kecamatan holds the right, but no report waits for it)."""
    perms = set(ROLE_PERMS[Role(assignment.role)])
    if assignment.unit.level not in workflow.chain():
        perms.discard(Perm.APPROVE)
    return perms


@login_required
def home(request):
    user = request.user
    today = timezone.localdate()
    assignments = list(
        user.role_assignments.select_related("unit", "unit__desa", "unit__kecamatan", "unit__kabkota", "unit__rt")
    )
    roles = [
        {
            "assignment": ra,
            "path": [*access.visible_ancestors(user, ra.unit), ra.unit],
            "can": sorted(Perm.LABELS[p] for p in _what_the_role_does(ra)),
            "intervensi": access.may_see_intervention_lists(user, ra.unit),
            "dasbor": has_dashboard(ra.unit),
            # The cadre's month: what in her dasawisma asks for her now (reports.cadre_month).
            "bulan": cadre_month(ra.unit, today)
            if ra.unit.level == Level.DASAWISMA and access.may_record_events(user, ra.unit)
            else None,
            # The ketua's reports that can be sent now (the card of the role that sends them only).
            "kirim": reports_to_send(user, ra.unit, today)
            if ra.unit.level == Level.DASAWISMA and Perm.SUBMIT in ROLE_PERMS[Role(ra.role)]
            else [],
        }
        for ra in assignments
    ]
    return render(
        request,
        "home.html",
        {
            "roles": roles,
            "is_global": access.is_global(user),
            "top_units": access.top_units(user)[:20],
            "inbox": inbox_for(user),
        },
    )


SERVICE_WORKER = settings.BASE_DIR / "static" / "js" / "sw.js"


@require_http_methods(["GET", "HEAD"])
def service_worker(request):
    """The service worker (static/js/sw.js) at the root, so that its scope is every page; never cached
    by the browser (a new release reaches the phones at their next visit)."""
    response = HttpResponse(SERVICE_WORKER.read_bytes(), content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    add_never_cache_headers(response)
    return response


def offline(request):
    """What the service worker shows for a page it has not kept, without a connection."""
    return render(request, "offline.html")


@login_required
def antrian(request):
    """The forms waiting on this phone (drawn by static/js/antrian.js from the phone's storage)."""
    return render(request, "antrian.html")


_migrated = False  # once seen complete, stays so for this process (a new release restarts it)


def _migrations_applied():
    global _migrated
    if not _migrated:
        executor = MigrationExecutor(connection)
        _migrated = not executor.migration_plan(executor.loader.graph.leaf_nodes())
    return _migrated


@require_http_methods(["GET", "HEAD"])
def healthz(request):
    """For an uptime monitor, without login: the database answers, every migration is applied, a
    background worker was seen in the last minute (with the database queue), and the private
    directory has room. Plain JSON of ok/error per check and 503 when one fails; no personal data."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
        checks["migrations"] = "ok" if _migrations_applied() else "error: belum di-migrate"
        if settings.TASK_BACKEND == "db":
            checks["worker"] = "ok" if workers_alive().exists() else "error: tidak ada pekerja latar"
        else:
            checks["worker"] = f"tidak diperiksa ({settings.TASK_BACKEND})"
    except DatabaseError:
        checks["database"] = "error: tidak terhubung"
    # The directory is made on the first file: until then, the disk it will be on.
    place = Path(settings.PKK_PRIVATE_DIR)
    while not place.exists() and place != place.parent:
        place = place.parent
    free_mb = shutil.disk_usage(place).free // (1024 * 1024)
    checks["disk"] = f"error: sisa {free_mb} MB" if free_mb < settings.PKK_MIN_FREE_DISK_MB else "ok"
    ok = all(not str(value).startswith("error") for value in checks.values())
    response = JsonResponse({"status": "ok" if ok else "error", "checks": checks}, status=200 if ok else 503)
    add_never_cache_headers(response)
    return response


@require_http_methods(["GET", "HEAD"])
def healthz_web(request):
    """For a load balancer choosing among web servers: this process answers and reaches the database.
    (The worker and the disk are /healthz's: their failure must not take every web server out.)"""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        response = JsonResponse({"status": "error", "checks": {"database": "error: tidak terhubung"}}, status=503)
    else:
        response = JsonResponse({"status": "ok", "checks": {"database": "ok"}})
    add_never_cache_headers(response)
    return response
