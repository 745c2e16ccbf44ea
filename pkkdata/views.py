"""The home page: what the user's roles are and what waits for them. It composes the inbox (reports)
and the dashboard links (recaps), so it lives here at the top of the apps, not in any one of them."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from hierarchy import access
from hierarchy.levels import ROLE_PERMS, Perm, Role
from recaps.dashboard import has_dashboard
from reports import workflow
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
