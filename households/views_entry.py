"""The cadres' entry screens: a new rumah tangga with its first keluarga and members in one page, then
editing the household (Data Keluarga), its keluarga (No. KK), members (Data Warga), Kegiatan Warga and
the two household sheets, and recording who left.

Every object is fetched through hierarchy.access.get_for_user with Perm.ENTRY: outside the user's area
404, inside it without the right (RT, RW, kelurahan, kota...) 403. Only the dasawisma's own cadres (isi_data_warga)
get this far: they typed the numbers, so these forms show NIK and No. KK in full; every other screen
masks them. Writes go through households.services / services_entry.

Every form that changes a saved record carries the version it was read at (hidden "versi",
households.versions): a save over a newer version shows what the other person changed above the form,
which keeps what this person typed. The services that take no version are called inside one
transaction after the view's check, so the check's row lock lasts until the write commits."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.urls import reverse

from hierarchy import access
from hierarchy.levels import Level, Perm
from hierarchy.models import Unit, path_related
from hierarchy.receipts import once_per_form
from pkkdata.http import posted

from . import services, services_entry, versions
from .forms import (
    AnggotaFormSet,
    IndustriFormSet,
    KegiatanWargaForm,
    KeluargaForm,
    PekaranganFormSet,
    RumahTanggaEditForm,
    RumahTanggaForm,
    RumahTanggaLeaveForm,
    WargaForm,
    sheet_initial,
    typed_values,
)
from .models import (
    IndustriRumahTangga,
    Kegiatan,
    KegiatanWarga,
    Keluarga,
    PemanfaatanPekarangan,
    RumahTangga,
    StatusWarga,
    Warga,
)
from .selectors import VIA_KELUARGA, VIA_RUMAH_TANGGA, VIA_WARGA
from .validation import mask, regency_codes_text

ADD_ROW = "tambah_baris"

# -- fetching within the user's area ---------------------------------------------------------------


def _dasawisma_for_entry(user, pk):
    unit = access.get_for_user(
        user, Unit.objects.select_related(*path_related()), Perm.ENTRY, "", pk=pk, level=Level.DASAWISMA
    )
    if not unit.is_active:
        raise PermissionDenied("Dasawisma ini sudah ditutup; rumah tangga baru dicatat di dasawisma yang aktif.")
    return unit


def _rumah_tangga_for_entry(user, pk):
    qs = RumahTangga.objects.select_related("dasawisma", "krt", *path_related(VIA_RUMAH_TANGGA))
    return access.get_for_user(user, qs, Perm.ENTRY, VIA_RUMAH_TANGGA, pk=pk)


def _keluarga_for_entry(user, pk):
    qs = Keluarga.objects.select_related("rumah_tangga__dasawisma", *path_related(VIA_KELUARGA))
    return access.get_for_user(user, qs, Perm.ENTRY, VIA_KELUARGA, pk=pk)


def warga_for_entry(user, pk):
    qs = Warga.objects.select_related("keluarga__rumah_tangga__dasawisma", *path_related(VIA_WARGA))
    return access.get_for_user(user, qs, Perm.ENTRY, VIA_WARGA, pk=pk)


# -- where to go afterwards ------------------------------------------------------------------------


def household_url(pk):
    return reverse("households:rumah_tangga_detail", args=[pk])


def household_list_url(unit_pk):
    return reverse("households:rumah_tangga_list", args=[unit_pk])


def saved(request, text, warnings=()):
    messages.success(request, text)
    for warning in warnings:
        messages.warning(request, warning)


# -- service errors back onto the forms ------------------------------------------------------------


def put_back(exc, targets, fallback=None):
    """Put a service's ValidationError on the form that holds each field, so nothing typed is lost.
    targets: [(form, field names)]. Other messages go to the fallback form's top, or are returned for
    the page to show above the rows (a member's message from the service does not say which row)."""
    if hasattr(exc, "error_dict"):
        items = [(field, [m for e in errors for m in e.messages]) for field, errors in exc.error_dict.items()]
    else:
        items = [(None, exc.messages)]
    general = []
    for field, texts in items:
        target = next((form for form, names in targets if field in names and field in form.fields), None)
        if target is not None:
            target.add_error(field, texts)
        elif fallback is not None:
            fallback.add_error(None, texts)
        else:
            general += texts
    return general


def entry_context(rumah_tangga=None, dasawisma=None, **extra):
    dasawisma = dasawisma or rumah_tangga.dasawisma
    context = {
        "dasawisma": dasawisma,
        "dasawisma_path": dasawisma.path_label(),
        "rumah_tangga": rumah_tangga,
        "back_url": household_url(rumah_tangga.pk) if rumah_tangga else household_list_url(dasawisma.pk),
        "add_row": ADD_ROW,
        "kode_kabkota": regency_codes_text(),
    }
    context.update(extra)
    return context


def _members_by_keluarga(rumah_tangga):
    """The household's keluarga with their members (active first, then who left), in two queries."""
    members = Warga.objects.order_by("status", "tanggal_lahir", "pk")
    keluarga_list = list(rumah_tangga.keluarga.order_by("pk").prefetch_related(Prefetch("anggota", queryset=members)))
    for keluarga in keluarga_list:
        keluarga.no_kk_masked = mask(keluarga.no_kk)
    return keluarga_list


# -- rumah tangga ----------------------------------------------------------------------------------


@login_required
@once_per_form
def rumah_tangga_create(request, unit_pk):
    """One page: the household (address, Data Keluarga), its first No. KK and the members."""
    dasawisma = _dasawisma_for_entry(request.user, unit_pk)
    member_kwargs = {"form_kwargs": {"actor": request.user}, "prefix": "anggota"}
    general_errors = []
    if request.method == "POST":
        rt_form = RumahTanggaForm(request.POST, prefix="rt")
        kk_form = KeluargaForm(request.POST, prefix="kk", actor=request.user)
        anggota = AnggotaFormSet(request.POST, **member_kwargs)
        if ADD_ROW in request.POST:
            rt_form = RumahTanggaForm(initial=typed_values(rt_form), prefix="rt")
            kk_form = KeluargaForm(initial=typed_values(kk_form), prefix="kk", actor=request.user)
            anggota = anggota.with_one_more_row(form_kwargs=member_kwargs["form_kwargs"])
        elif all([rt_form.is_valid(), kk_form.is_valid(), anggota.is_valid()]):
            keluarga = {
                "no_kk": kk_form.cleaned_data["no_kk"],
                "no_kk_dikonfirmasi": kk_form.cleaned_data["no_kk_dikonfirmasi"],
                "anggota": anggota.members_data(),
            }
            try:
                rt = services.rumah_tangga_create(
                    actor=request.user, dasawisma=dasawisma, data=rt_form.data_for_service(), keluarga=[keluarga]
                )
            except ValidationError as exc:
                targets = [(rt_form, services.RUMAH_TANGGA_FIELDS), (kk_form, ["no_kk"])]
                general_errors = put_back(exc, targets)
            else:
                n = len(keluarga["anggota"])
                saved(
                    request,
                    f"Rumah tangga {rt.krt.nama if rt.krt else rt.alamat} disimpan dengan {n} anggota.",
                    [*kk_form.warnings, *anggota.warnings],
                )
                return redirect(household_url(rt.pk))
    else:
        rt_form = RumahTanggaForm(prefix="rt")
        kk_form = KeluargaForm(prefix="kk", actor=request.user)
        anggota = AnggotaFormSet(**member_kwargs)
    return render(
        request,
        "households/entry/rumah_tangga_create.html",
        entry_context(
            dasawisma=dasawisma, rt_form=rt_form, kk_form=kk_form, anggota=anggota, general_errors=general_errors
        ),
    )


@login_required
def rumah_tangga_edit(request, pk):
    rt = _rumah_tangga_for_entry(request.user, pk)
    title = str(rt)
    form = RumahTanggaEditForm(posted(request), instance=rt, prefix="rt")
    version, meanwhile = _version_read(request, rt), None
    if request.method == "POST" and form.is_valid():
        try:
            services.rumah_tangga_update(
                actor=request.user,
                rumah_tangga=rt,
                data=form.data_for_service(),
                krt=form.cleaned_data["krt"],
                version=version,
            )
        except versions.EditedMeanwhile as exc:
            version, meanwhile = exc.version, exc
            now = RumahTangga.objects.get(pk=rt.pk)
            typed_krt = form.cleaned_data["krt"]
            if typed_krt is not None and (exc.read is None or exc.read.krt_id != typed_krt.pk):
                now.krt = typed_krt  # this person chose another kepala rumah tangga
            shown = versions.merged(now, exc.read, form.data_for_service())
            form = RumahTanggaEditForm(None, instance=shown, prefix="rt")
        except ValidationError as exc:
            put_back(exc, [(form, [*services.RUMAH_TANGGA_FIELDS, "krt"])], form)
        else:
            saved(request, "Data rumah tangga disimpan.")
            return redirect(household_url(rt.pk))
    context = entry_context(rt, form=form, title=title, keluarga_list=_members_by_keluarga(rt))
    return render(
        request, "households/entry/rumah_tangga_edit.html", {**context, "versi": version, "meanwhile": meanwhile}
    )


@login_required
def rumah_tangga_leave(request, pk):
    rt = _rumah_tangga_for_entry(request.user, pk)
    form = RumahTanggaLeaveForm(posted(request), initial={"tanggal_keluar": rt.tanggal_keluar}, rumah_tangga=rt)
    version, meanwhile = _version_read(request, rt), None
    if request.method == "POST" and form.is_valid():
        on_date = form.cleaned_data["tanggal_keluar"]
        try:
            with transaction.atomic():
                versions.check_version(rt, version)
                services.rumah_tangga_leave(actor=request.user, rumah_tangga=rt, on_date=on_date)
        except versions.EditedMeanwhile as exc:
            version, meanwhile = exc.version, exc
            form = RumahTanggaLeaveForm(initial={"tanggal_keluar": on_date}, rumah_tangga=rt)  # what was typed
        else:
            saved(request, f"{rt} dicatat tidak lagi di dasawisma sejak {on_date:%d-%m-%Y}.")
            return redirect(household_url(rt.pk))
    context = entry_context(rt, form=form, versi=version, meanwhile=meanwhile)
    return render(request, "households/entry/rumah_tangga_leave.html", context)


# -- keluarga --------------------------------------------------------------------------------------


@login_required
@once_per_form
def keluarga_add(request, pk):
    """A further Kartu Keluarga living in the household, with its members."""
    rt = _rumah_tangga_for_entry(request.user, pk)
    member_kwargs = {"form_kwargs": {"actor": request.user}, "prefix": "anggota"}
    general_errors = []
    if request.method == "POST":
        kk_form = KeluargaForm(request.POST, prefix="kk", actor=request.user)
        anggota = AnggotaFormSet(request.POST, **member_kwargs)
        if ADD_ROW in request.POST:
            kk_form = KeluargaForm(initial=typed_values(kk_form), prefix="kk", actor=request.user)
            anggota = anggota.with_one_more_row(form_kwargs=member_kwargs["form_kwargs"])
        elif all([kk_form.is_valid(), anggota.is_valid()]):
            try:
                services_entry.keluarga_add_with_anggota(
                    actor=request.user,
                    rumah_tangga=rt,
                    no_kk=kk_form.cleaned_data["no_kk"],
                    confirmed=kk_form.cleaned_data["no_kk_dikonfirmasi"],
                    anggota=anggota.members_data(),
                )
            except ValidationError as exc:
                general_errors = put_back(exc, [(kk_form, ["no_kk"])])
            else:
                saved(request, "Keluarga baru disimpan.", [*kk_form.warnings, *anggota.warnings])
                return redirect(household_url(rt.pk))
    else:
        kk_form = KeluargaForm(prefix="kk", actor=request.user)
        anggota = AnggotaFormSet(**member_kwargs)
    return render(
        request,
        "households/entry/keluarga_add.html",
        entry_context(rt, kk_form=kk_form, anggota=anggota, general_errors=general_errors),
    )


@login_required
def keluarga_edit(request, pk):
    keluarga = _keluarga_for_entry(request.user, pk)
    rt = keluarga.rumah_tangga
    form = KeluargaForm(posted(request), actor=request.user, keluarga=keluarga)
    version, meanwhile = _version_read(request, keluarga), None
    if request.method == "POST" and form.is_valid():
        typed = {"no_kk": form.cleaned_data["no_kk"], "no_kk_dikonfirmasi": form.cleaned_data["no_kk_dikonfirmasi"]}
        try:
            with transaction.atomic():
                versions.check_version(keluarga, version, hidden=("no_kk",))
                services.keluarga_update(
                    actor=request.user, keluarga=keluarga, no_kk=typed["no_kk"], confirmed=typed["no_kk_dikonfirmasi"]
                )
        except versions.EditedMeanwhile as exc:
            version, meanwhile = exc.version, exc
            shown = versions.merged(Keluarga.objects.get(pk=keluarga.pk), exc.read, typed)
            form = KeluargaForm(actor=request.user, keluarga=shown)
        except ValidationError as exc:
            put_back(exc, [(form, ["no_kk"])], form)
        else:
            saved(request, "No. KK disimpan.", form.warnings)
            return redirect(household_url(rt.pk))
    members = keluarga.anggota.order_by("status", "tanggal_lahir", "pk")
    return render(
        request,
        "households/entry/keluarga_edit.html",
        entry_context(rt, form=form, keluarga=keluarga, members=members, versi=version, meanwhile=meanwhile),
    )


# -- warga -----------------------------------------------------------------------------------------


@login_required
@once_per_form
def warga_add(request, pk):
    keluarga = _keluarga_for_entry(request.user, pk)
    rt = keluarga.rumah_tangga
    form = WargaForm(posted(request), actor=request.user, keluarga=keluarga)
    if request.method == "POST" and form.is_valid():
        try:
            warga = services.warga_add(actor=request.user, keluarga=keluarga, data=form.data_for_service())
        except ValidationError as exc:
            put_back(exc, [(form, services.WARGA_FIELDS)], form)
        else:
            saved(request, f"{warga.nama} ditambahkan.", form.warnings)
            if "lagi" in request.POST:
                return redirect("households:warga_add", pk=keluarga.pk)
            return redirect(household_url(rt.pk))
    return render(
        request,
        "households/entry/warga_form.html",
        entry_context(rt, form=form, keluarga=keluarga, title="Tambah anggota keluarga", adding=True),
    )


@login_required
def warga_edit(request, pk):
    warga = warga_for_entry(request.user, pk)
    rt = warga.keluarga.rumah_tangga
    if not warga.is_active:
        return warga_readonly(request, warga)
    name = warga.nama
    form = WargaForm(posted(request), instance=warga, actor=request.user, keluarga=warga.keluarga)
    version, meanwhile = _version_read(request, warga), None
    if request.method == "POST" and form.is_valid():
        try:
            services.warga_update(actor=request.user, warga=warga, data=form.data_for_service(), version=version)
        except versions.EditedMeanwhile as exc:
            version, meanwhile = exc.version, exc
            now = Warga.objects.get(pk=warga.pk)
            shown = versions.merged(now, exc.read, form.data_for_service())
            form = WargaForm(None, instance=shown, actor=request.user, keluarga=warga.keluarga)
        except ValidationError as exc:
            put_back(exc, [(form, services.WARGA_FIELDS)], form)
        else:
            saved(request, f"Data {warga.nama} disimpan.", form.warnings)
            return redirect(household_url(rt.pk))
    context = entry_context(rt, form=form, keluarga=warga.keluarga, warga=warga, title=f"Ubah data {name}")
    return render(request, "households/entry/warga_form.html", {**context, "versi": version, "meanwhile": meanwhile})


def _version_read(request, instance):
    """The version the form was read at: the posted one, else the record's current one (a new form).
    instance: a record, or a versions.RowSet."""
    if request.method == "POST":
        return versions.parse_version(request.POST.get("versi", ""))
    return versions.version_of(instance)


def warga_readonly(request, warga):
    """Members who moved away or died stay in the history as they were: shown, not edited."""
    return render(
        request,
        "households/entry/warga_readonly.html",
        entry_context(warga.keluarga.rumah_tangga, warga=warga, nik=mask(warga.nik)),
    )


@login_required
def warga_delete(request, pk):
    warga = warga_for_entry(request.user, pk)
    rt = warga.keluarga.rumah_tangga
    if request.method == "POST":
        name = warga.nama
        try:
            services.warga_delete(actor=request.user, warga=warga)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(household_url(rt.pk))
        saved(request, f"Data {name} dihapus.")
        if rt.krt_id is None and rt.keluarga.filter(anggota__status=StatusWarga.AKTIF).exists():
            messages.warning(request, "Pilih kepala rumah tangga yang baru pada Ubah data rumah tangga.")
        return redirect(household_url(rt.pk))
    return render(
        request,
        "households/entry/warga_delete.html",
        entry_context(rt, warga=warga, nik=mask(warga.nik)),
    )


@login_required
def kegiatan_edit(request, pk):
    """Kegiatan Warga (4.14.1b): the 7 rows of one member."""
    warga = warga_for_entry(request.user, pk)
    rt = warga.keluarga.rumah_tangga
    if not warga.is_active:
        return warga_readonly(request, warga)
    form = KegiatanWargaForm(posted(request), warga=warga)
    rows = kegiatan_rows(warga)
    version, meanwhile = _version_read(request, rows), None
    if request.method == "POST" and form.is_valid():
        typed = form.rows_for_service()
        try:
            with transaction.atomic():
                rows.check(version)
                services_entry.kegiatan_warga_set(actor=request.user, warga=warga, rows=typed)
        except versions.EditedMeanwhile as exc:
            version, meanwhile = exc.version, exc
            sent = [(row["kegiatan"], {"aktif": row["aktif"], "keterangan": row["keterangan"]}) for row in typed]
            shown = versions.merged_rows(exc.read, rows.values(rows.rows()), sent)
            initial = {f"{code}_{name}": value for code, values in shown for name, value in values.items()}
            form = KegiatanWargaForm(initial=initial, warga=warga)
        except ValidationError as exc:
            put_back(exc, [], form)
        else:
            saved(request, f"Kegiatan {warga.nama} disimpan.")
            return redirect(household_url(rt.pk))
    context = entry_context(rt, form=form, warga=warga, versi=version, meanwhile=meanwhile)
    return render(request, "households/entry/kegiatan_form.html", context)


def kegiatan_rows(warga):
    """A member's 7 Kegiatan Warga rows as one versions.RowSet: the version is the rows' latest history id
    (not the member's, which changes with Data Warga edits and not with these rows); the member's row is
    locked while checking. Rows not saved yet count as Tidak, so a first save shows as changed answers."""
    return versions.RowSet(
        parent=warga,
        history=KegiatanWarga.history.filter(warga_id=warga.pk),
        fields=("aktif", "keterangan"),
        key="kegiatan",
        fixed_keys=tuple(Kegiatan.values),
        label=lambda row: row.get_kegiatan_display(),
    )


# -- household sheets ------------------------------------------------------------------------------

SHEETS = {
    "pekarangan": {
        "formset": PekaranganFormSet,
        "rows": lambda rt: rt.pekarangan.order_by("kategori", "pk"),
        "model": PemanfaatanPekarangan,
        "service": services_entry.pekarangan_set,
        "title": "Pemanfaatan Tanah Pekarangan (HATINYA PKK)",
        "lampiran": "4.14.2b",
    },
    "industri": {
        "formset": IndustriFormSet,
        "rows": lambda rt: rt.industri.order_by("kategori", "pk"),
        "model": IndustriRumahTangga,
        "service": services_entry.industri_set,
        "title": "Industri Rumah Tangga",
        "lampiran": "4.14.2c",
    },
}


SHEET_ROW_FIELDS = tuple(services_entry.SHEET_FIELDS)


def sheet_rows(rumah_tangga, model):
    """A household sheet (its Pemanfaatan Pekarangan or Industri Rumah Tangga rows) as one versions.RowSet:
    the version is the sheet rows' latest history id (a removed row writes one too), not the household's,
    which changes with Data Keluarga edits and not with the sheet; the household's row is locked while
    checking, as rows are added and removed there."""
    return versions.RowSet(
        parent=rumah_tangga,
        history=model.history.filter(rumah_tangga_id=rumah_tangga.pk),
        fields=SHEET_ROW_FIELDS,
    )


def _sheet_edit(request, pk, kind):
    sheet = SHEETS[kind]
    rt = _rumah_tangga_for_entry(request.user, pk)
    formset_class = sheet["formset"]
    general_errors = []
    rows = sheet_rows(rt, sheet["model"])
    version, meanwhile = _version_read(request, rows), None
    if request.method == "POST":
        formset = formset_class(request.POST, prefix=kind)
        if ADD_ROW in request.POST:
            formset = formset.with_one_more_row()
        elif formset.is_valid():
            typed = formset.rows_for_service()
            try:
                with transaction.atomic():
                    rows.check(version)
                    sheet["service"](actor=request.user, rumah_tangga=rt, rows=typed)
            except versions.EditedMeanwhile as exc:
                version, meanwhile = exc.version, exc
                sent = [(row["id"], {name: row[name] for name in SHEET_ROW_FIELDS}) for row in typed]
                shown = versions.merged_rows(exc.read, rows.values(rows.rows()), sent)
                formset = formset_class(initial=[{"id": k, **values} for k, values in shown], prefix=kind)
            except ValidationError as exc:
                general_errors = put_back(exc, [])
            else:
                saved(request, f"{sheet['title']} disimpan.")
                return redirect(household_url(rt.pk))
    else:
        formset = formset_class(initial=sheet_initial(sheet["rows"](rt)), prefix=kind)
    return render(
        request,
        "households/entry/sheet_form.html",
        entry_context(
            rt, formset=formset, sheet=sheet, general_errors=general_errors, versi=version, meanwhile=meanwhile
        ),
    )


@login_required
def pekarangan_edit(request, pk):
    return _sheet_edit(request, pk, "pekarangan")


@login_required
def industri_edit(request, pk):
    return _sheet_edit(request, pk, "industri")
