from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from pkkdata.http import errors_onto_form, posted

from . import access, handover, services
from . import counts as counts_of_units
from .forms import (
    AccountCreateForm,
    AccountForm,
    RoleGrantForm,
    SetPasswordForm,
    UnitCloseForm,
    UnitCreateForm,
    UnitEditForm,
    UnitMoveForm,
)
from .levels import (
    DASAWISMA_MAX,
    DASAWISMA_MIN,
    LOCAL_LEVELS,
    RANK,
    ROLE_LEVEL,
    Level,
    Perm,
    Role,
    child_levels,
)
from .models import RoleAssignment, Unit, User

# -- helpers ---------------------------------------------------------------------------------------


def _get_account_for_user(request, pk):
    """An account the user may see: 404 when it is outside their account-management area."""
    qs = access.manageable_users(request.user, User.objects.select_related("home_unit"))
    user = qs.filter(pk=pk).first()
    if user is None:
        raise Http404("Akun tidak ditemukan.")
    return user


def _require_manage(request, target):
    if not access.can_manage_account(request.user, target):
        raise PermissionDenied("Akun ini tidak dapat Anda ubah.")


# -- logging out ----------------------------------------------------------------------------------


class LogoutView(auth_views.LogoutView):
    """POST logs out; a GET (a typed or bookmarked /keluar/) asks for confirmation instead of an error."""

    http_method_names = ["get", "post", "options"]

    def get(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect("login")
        return render(request, "registration/logout_confirm.html")

    def get_success_url(self):
        return reverse("login") + "?keluar=1"


class PasswordChangeView(auth_views.PasswordChangeView):
    """The owner's own password change; it also ends the first-login requirement of a one-time
    password."""

    def form_valid(self, form):
        first_login = form.user.must_change_password
        response = super().form_valid(form)
        services.own_password_changed(user=form.user)
        if first_login:
            messages.success(self.request, "Kata sandi Anda disimpan. Selamat datang!")
            return redirect("home")
        return response

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {"first_login": self.request.user.must_change_password}


def locked_out(request, original_response=None, credentials=None):
    """django-axes' lock-out page (AXES_LOCKOUT_CALLABLE), with the cool-off in whole minutes."""
    minutes = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))
    return render(request, "registration/locked_out.html", {"cooloff_minutes": minutes}, status=429)


# -- units -----------------------------------------------------------------------------------------


@login_required
def unit_roots(request):
    tops = access.top_units(request.user)
    if len(tops) == 1:
        return redirect(tops[0])
    return render(request, "hierarchy/unit_roots.html", {"units": tops})


@login_required
def unit_detail(request, pk):
    unit = access.get_unit_for_user(request.user, pk)
    today = timezone.localdate()
    show_closed = request.GET.get("tutup") == "1"
    children = unit.children.order_by("code")
    if not show_closed:
        # Groups closed before today are hidden; those that open in the future are shown with their date.
        children = children.filter(Q(active_to__isnull=True) | Q(active_to__gte=today))
    sub_counts = {
        lv: Count("pk", filter=Q(level=lv) & ~Q(pk=unit.pk)) for lv in LOCAL_LEVELS if lv in _levels_below(unit.level)
    }
    paginator = Paginator(children, 50)
    page = paginator.get_page(request.GET.get("hal"))
    # Groups below each child: one aggregate per child level (children may mix RW and RT), grouped by
    # that level's ancestor column; a child never counts itself.
    counts = {}
    for child_level in {c.level for c in page.object_list} - {Level.DASAWISMA}:
        ids = [c.pk for c in page.object_list if c.level == child_level]
        rows = (
            Unit.objects.filter(**{f"{child_level}_id__in": ids})
            .exclude(pk__in=ids)
            .active_on(today)
            .values(f"{child_level}_id")
            .annotate(rt=Count("pk", filter=Q(level="rt")), dasawisma=Count("pk", filter=Q(level="dasawisma")))
        )
        counts.update({row[f"{child_level}_id"]: row for row in rows})
    households_of = counts_of_units.households_present(
        [c.pk for c in page.object_list if c.level == Level.DASAWISMA], today
    )
    for child in page.object_list:
        child.sub = counts.get(child.pk, {})
        child.jumlah_rumah_tangga = households_of.get(child.pk, 0) if child.level == Level.DASAWISMA else None
    is_open = unit.active_to is None
    can_manage = access.has_perm(request.user, Perm.MANAGE_UNITS, unit) and unit.level in LOCAL_LEVELS
    can_add_child = (
        is_open
        and access.may_add_groups(request.user, unit)
        and any(lv in LOCAL_LEVELS for lv in child_levels(unit.level))
    )
    can_manage_accounts = is_open and access.has_perm(request.user, Perm.MANAGE_ACCOUNTS, unit)
    holders = []
    if access.has_perm(request.user, Perm.MANAGE_ACCOUNTS, unit):
        holders = unit.role_assignments.select_related("user").order_by("role")
    totals = Unit.objects.filter(**{f"{unit.level}_id": unit.pk}).active_on(today).aggregate(**sub_counts)
    households = None
    if unit.level == Level.DASAWISMA:
        households = counts_of_units.households_present([unit.pk], today).get(unit.pk, 0)
    return render(
        request,
        "hierarchy/unit_detail.html",
        {
            "unit": unit,
            "path": access.visible_ancestors(request.user, unit),
            "page": page,
            "show_closed": show_closed,
            "today": today,
            "totals": {lv: totals[lv] for lv in sub_counts},
            "can_manage": can_manage,
            "can_add_child": can_add_child,
            "can_manage_accounts": can_manage_accounts,
            "account_roles": [r for r in Role if ROLE_LEVEL[r] == unit.level],
            "holders": holders,
            "households": households,
            "can_see_intervensi": access.may_see_intervention_lists(request.user, unit),
            "can_import_households": unit.level == Level.DESA and access.may_import_households(request.user, unit),
            "households_ok": households is None or DASAWISMA_MIN <= households <= DASAWISMA_MAX,
            "close_form": UnitCloseForm(initial={"on_date": today}) if can_manage and is_open else None,
        },
    )


def _levels_below(level):
    return [lv for lv in RANK if RANK[lv] > RANK[level]]


@login_required
def unit_create(request, pk):
    parent = access.get_unit_for_user(request.user, pk)
    if not access.may_add_groups(request.user, parent):
        raise PermissionDenied("Anda tidak berhak membuat kelompok di wilayah ini.")
    if not any(lv in LOCAL_LEVELS for lv in child_levels(parent.level)):
        raise PermissionDenied("Di bawah satuan ini tidak dapat dibuat kelompok.")
    form = UnitCreateForm(posted(request), parent=parent, initial={"active_from": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            unit = services.unit_create(actor=request.user, parent=parent, **form.cleaned_data)
        except ValidationError as exc:
            errors_onto_form(exc, form)
        else:
            messages.success(request, f"{unit} dibuat.")
            return redirect(parent)
    return render(request, "hierarchy/unit_form.html", {"form": form, "unit": parent, "title": "Tambah kelompok"})


@login_required
def unit_edit(request, pk):
    unit = access.get_unit_for_user(request.user, pk, Perm.MANAGE_UNITS)
    if unit.level not in LOCAL_LEVELS:
        raise PermissionDenied("Nama dan kode wilayah resmi diatur oleh impor kode Kemendagri.")
    form = UnitEditForm(posted(request), unit=unit, initial={"code": unit.code, "name": unit.name})
    if request.method == "POST" and form.is_valid():
        try:
            services.unit_rename(actor=request.user, unit=unit, **form.cleaned_data)
        except ValidationError as exc:
            errors_onto_form(exc, form)
        else:
            messages.success(request, "Perubahan disimpan.")
            return redirect(unit)
    return render(request, "hierarchy/unit_form.html", {"form": form, "unit": unit, "title": f"Ubah {unit}"})


@login_required
def unit_move(request, pk):
    unit = access.get_unit_for_user(request.user, pk, Perm.MANAGE_UNITS)
    if unit.level not in LOCAL_LEVELS:
        raise PermissionDenied("Wilayah resmi tidak dapat dipindah.")
    form = UnitMoveForm(posted(request), unit=unit, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.unit_move(actor=request.user, unit=unit, new_parent=form.cleaned_data["parent"])
        except ValidationError as exc:
            errors_onto_form(exc, form)
        else:
            messages.success(request, f"{unit} dipindah ke bawah {form.cleaned_data['parent'].path_label()}.")
            return redirect(unit)
    return render(request, "hierarchy/unit_form.html", {"form": form, "unit": unit, "title": f"Pindahkan {unit}"})


@login_required
@require_POST
def unit_close(request, pk):
    unit = access.get_unit_for_user(request.user, pk, Perm.MANAGE_UNITS)
    form = UnitCloseForm(request.POST)
    if form.is_valid():
        try:
            services.unit_close(actor=request.user, unit=unit, on_date=form.cleaned_data["on_date"])
        except services.StillHoldsHouseholds as exc:
            context = {"unit": unit, "households": exc.households, "message": exc.messages[0]}
            return render(request, "hierarchy/unit_close_blocked.html", context)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, f"{unit} ditutup per {form.cleaned_data['on_date']:%d-%m-%Y}.")
    else:
        messages.error(request, "Tanggal tutup tidak sah.")
    return redirect(unit)


@login_required
@require_POST
def unit_reopen(request, pk):
    unit = access.get_unit_for_user(request.user, pk, Perm.MANAGE_UNITS)
    try:
        services.unit_reopen(actor=request.user, unit=unit)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, f"{unit} aktif kembali.")
    return redirect(unit)


# -- accounts --------------------------------------------------------------------------------------


def _require_any_manage_accounts(user):
    if not access.holds_anywhere(user, Perm.MANAGE_ACCOUNTS):
        raise PermissionDenied("Peran Anda tidak mengelola akun.")


@login_required
def account_list(request):
    _require_any_manage_accounts(request.user)
    q = request.GET.get("q", "").strip()
    qs = access.manageable_users(request.user, User.objects.all())
    if q:
        qs = qs.filter(Q(username__icontains=q) | Q(first_name__icontains=q) | Q(last_name__icontains=q))
    qs = qs.select_related("home_unit").prefetch_related(
        Prefetch("role_assignments", queryset=RoleAssignment.objects.select_related("unit"))
    )
    page = Paginator(qs.order_by("username"), 30).get_page(request.GET.get("hal"))
    return render(
        request,
        "hierarchy/account_list.html",
        {"page": page, "q": q, "top_units": access.top_units(request.user, Perm.MANAGE_ACCOUNTS)},
    )


@login_required
def account_create(request, unit_pk):
    unit = access.get_unit_for_user(request.user, unit_pk, Perm.MANAGE_ACCOUNTS)
    if unit.active_to is not None:
        raise PermissionDenied("Satuan ini sudah ditutup: akun baru dibuat pada satuan yang masih aktif.")
    form = AccountCreateForm(posted(request), unit=unit, manager=request.user)
    if not form.fields["role"].choices:
        raise PermissionDenied("Tidak ada peran yang dapat Anda berikan pada satuan ini.")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, password = services.account_invite(
                actor=request.user,
                username=data["username"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                phone=data["phone"],
                home_unit=unit,
                role=data["role"],
                role_unit=unit,
            )
        except ValidationError as exc:
            errors_onto_form(exc, form)
        else:
            # The one-time password is in this response only: no redirect, nothing kept.
            slips = [
                handover.slip(
                    user=user,
                    password=password,
                    role=Role(data["role"]).label,
                    unit=str(unit),
                    address=handover.login_address(request),
                )
            ]
            context = {"slips": slips, "title": f"Akun {user.username} dibuat", "back": unit}
            return render(request, "hierarchy/handover.html", context | {"address": handover.login_address(request)})
    return render(request, "hierarchy/account_form.html", {"form": form, "unit": unit, "title": "Akun baru"})


@login_required
def account_detail(request, pk):
    _require_any_manage_accounts(request.user)
    target = _get_account_for_user(request, pk)
    assignments = target.role_assignments.select_related("unit", "unit__desa", "unit__rt", "granted_by")
    can_manage = access.can_manage_account(request.user, target)
    return render(
        request,
        "hierarchy/account_detail.html",
        {
            "target": target,
            # Revoking follows the account rule (can_manage) as well as the role's own.
            "assignments": [
                (ra, can_manage and access.can_grant_role(request.user, ra.role, ra.unit)) for ra in assignments
            ],
            "can_manage": can_manage,
        },
    )


@login_required
def account_edit(request, pk):
    _require_any_manage_accounts(request.user)
    target = _get_account_for_user(request, pk)
    _require_manage(request, target)
    form = AccountForm(
        posted(request),
        initial={"first_name": target.first_name, "last_name": target.last_name, "phone": target.phone},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.account_update(actor=request.user, user=target, **form.cleaned_data)
        except ValidationError as exc:
            errors_onto_form(exc, form)
        else:
            messages.success(request, "Data akun disimpan.")
            return redirect("hierarchy:account_detail", pk=target.pk)
    return render(request, "hierarchy/account_form.html", {"form": form, "target": target, "title": "Ubah akun"})


@login_required
def account_password(request, pk):
    _require_any_manage_accounts(request.user)
    target = _get_account_for_user(request, pk)
    _require_manage(request, target)
    form = SetPasswordForm(posted(request), user=target)
    if request.method == "POST" and form.is_valid():
        services.account_set_password(actor=request.user, user=target, password=form.cleaned_data["password1"])
        messages.success(request, f"Kata sandi {target.username} diganti. Sampaikan kepada pemiliknya secara langsung.")
        return redirect("hierarchy:account_detail", pk=target.pk)
    return render(
        request, "hierarchy/account_form.html", {"form": form, "target": target, "title": "Ganti kata sandi akun"}
    )


@login_required
@require_POST
def account_active(request, pk):
    _require_any_manage_accounts(request.user)
    target = _get_account_for_user(request, pk)
    _require_manage(request, target)
    active = request.POST.get("aktif") == "1"
    services.account_set_active(actor=request.user, user=target, active=active)
    messages.success(request, f"Akun {target.username} {'diaktifkan' if active else 'dinonaktifkan'}.")
    return redirect("hierarchy:account_detail", pk=target.pk)


@login_required
def role_grant(request, pk):
    _require_any_manage_accounts(request.user)
    target = _get_account_for_user(request, pk)
    _require_manage(request, target)
    form = RoleGrantForm(posted(request), manager=request.user, target=target)
    if request.method == "POST" and form.is_valid():
        role, unit = form.cleaned_data["role"], form.cleaned_data["unit"]
        if target.role_assignments.filter(role=role, unit=unit).exists():
            messages.info(request, f"{target.display_name} sudah memegang peran itu pada {unit}.")
            return redirect("hierarchy:account_detail", pk=target.pk)
        try:
            services.role_grant(actor=request.user, user=target, role=role, unit=unit)
        except ValidationError as exc:
            errors_onto_form(exc, form)
        else:
            messages.success(request, f"Peran {Role(role).label} pada {unit} diberikan.")
            return redirect("hierarchy:account_detail", pk=target.pk)
    return render(request, "hierarchy/account_form.html", {"form": form, "target": target, "title": "Beri peran"})


@login_required
@require_POST
def role_revoke(request, pk):
    _require_any_manage_accounts(request.user)
    assignment = (
        RoleAssignment.objects.select_related("user", "unit")
        .filter(pk=pk, user__in=access.manageable_users(request.user, User.objects.all()))
        .first()
    )
    if assignment is None:
        raise Http404("Peran tidak ditemukan.")
    services.role_revoke(actor=request.user, assignment=assignment)
    messages.success(request, f"Peran {assignment.get_role_display()} pada {assignment.unit} dicabut.")
    return redirect("hierarchy:account_detail", pk=assignment.user_id)
