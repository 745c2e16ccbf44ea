"""The dashboard of the TP PKK desa/kelurahan, kecamatan and kabupaten/kota: charts of the last twelve
months and the area's key figures (recaps.dashboard builds them; recaps.svg draws the charts).

The unit comes through hierarchy.access (404 outside the user's area). Below the desa/kelurahan there
is no dashboard: the page answers 404 with a message and a link to the kelurahan's dashboard when the
user sees it."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from hierarchy import access
from pkkdata import periods
from pkkdata.dbrouter import reads_from_replica

from . import dashboard


@login_required
@reads_from_replica
def dasbor(request, unit_pk):
    user = request.user
    unit = access.get_unit_for_user(user, unit_pk)
    path = [{"unit": a, "dasbor": dashboard.has_dashboard(a)} for a in access.visible_ancestors(user, unit)]
    context = {"unit": unit, "unit_name": unit.title, "path": path}
    if not dashboard.has_dashboard(unit):
        context["message"] = dashboard.NOT_AVAILABLE
        context["up"] = next((p["unit"] for p in reversed(path) if p["dasbor"]), None)
        return render(request, "recaps/dasbor.html", context, status=404)
    today = timezone.localdate()
    context.update(
        {
            "board": dashboard.build(unit, today, unit_label=unit.title),
            "today": periods.date_label(today),
            "can_intervensi": access.may_see_intervention_lists(user, unit),
            "children": list(
                unit.children.active_on(today).filter(level__in=dashboard.DASHBOARD_LEVELS).order_by("code")
            ),
        }
    )
    return render(request, "recaps/dasbor.html", context)
