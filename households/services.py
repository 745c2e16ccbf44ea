"""Writes on households: each a named function with keyword arguments in a transaction, checking the
actor's rights (hierarchy.access) and the rules (households.validation) before it writes.

Field values arrive already typed (from a form's cleaned_data or the import's rows). Every model
write names the actor for the change history (django-simple-history)."""

import datetime
import logging
import threading

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.signals import request_finished, request_started
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone

from hierarchy import access
from hierarchy.levels import Level, Perm
from hierarchy.services import by_actor  # names the actor in the change history
from pkkdata.db import unique_or_message

from . import rules, validation, versions
from .models import (
    AksesNIK,
    HasilKehamilan,
    JenisAkses,
    Kehamilan,
    Kelahiran,
    Keluarga,
    Kematian,
    KoreksiKegiatanPKK,
    PendataanTahunan,
    RumahTangga,
    StatusDalamKeluarga,
    StatusWarga,
    SumberCek,
    Warga,
)

logger = logging.getLogger(__name__)

# A unique number saved a moment ago by another request (a double tap, two cadres at once).
NO_KK_SAVED_ALREADY = "No. KK ini baru saja tersimpan (mungkin formulir terkirim dua kali): periksa daftar keluarga."
NIK_SAVED_ALREADY = "NIK ini baru saja tersimpan (mungkin formulir terkirim dua kali): periksa daftar anggota."

# Fields of each model that the services accept from forms and imports.
RUMAH_TANGGA_FIELDS = [
    "no_registrasi", "alamat", "makanan_pokok", "makanan_pokok_jenis", "punya_jamban", "jumlah_jamban",
    "air_pdam", "air_sumur", "air_sungai", "air_lainnya", "air_lainnya_jenis", "punya_tempat_sampah",
    "punya_spal", "stiker_p4k", "punya_mck_septic", "kriteria_rumah", "aktivitas_up2k", "jenis_usaha_up2k",
    "kesehatan_lingkungan",
]  # fmt: skip
WARGA_FIELDS = [
    "no_registrasi", "nik", "nik_dikonfirmasi", "nama", "jabatan", "jenis_kelamin", "tempat_lahir", "tanggal_lahir",
    "status_perkawinan", "status_dalam_keluarga", "agama", "alamat", "pendidikan", "pekerjaan", "akseptor_kb",
    "jenis_kb", "aktif_posyandu", "frekuensi_posyandu", "ikut_bkb", "punya_tabungan", "ikut_kelompok_belajar",
    "jenis_kelompok_belajar", "ikut_paud", "ikut_koperasi", "jenis_koperasi", "buta_baca", "buta_tulis",
    "buta_hitung", "berkebutuhan_khusus", "ibu_menyusui", "keterangan",
]  # fmt: skip


def require_entry(actor, dasawisma):
    """Cadres of the dasawisma (and the system administrator) enter household data."""
    if not access.has_perm(actor, Perm.ENTRY, dasawisma):
        raise PermissionDenied("Hanya kader dasawisma ini yang dapat mengisi atau mengubah data warganya.")


def _set(instance, data, allowed):
    unknown = set(data) - set(allowed)
    if unknown:
        raise ValueError(f"unknown fields: {sorted(unknown)}")
    for name, value in data.items():
        setattr(instance, name, value)
    return instance


# -- checks shared with the forms and the import ---------------------------------------------------


# A number typed in a form or an import that is registered outside the user's area is a "lookup hit":
# the answer "sudah terdaftar di wilayah lain" tells the user that the number exists (issue 11).
NIK_ELSEWHERE = "NIK ini sudah terdaftar di wilayah lain."
NO_KK_ELSEWHERE = "No. KK ini sudah terdaftar di wilayah lain."
LOOKUP_LIMIT_MESSAGE = (
    "Terlalu banyak pemeriksaan NIK yang cocok dengan data di wilayah lain dalam 24 jam. Hubungi TP PKK desa/kelurahan."
)
LOOKUP_WINDOW = datetime.timedelta(hours=24)
DEFAULT_LOOKUP_LIMIT = 20


def nik_lookup_limit():
    """How many lookup hits one account may have in LOOKUP_WINDOW (setting PKK_NIK_LOOKUP_LIMIT)."""
    return getattr(settings, "PKK_NIK_LOOKUP_LIMIT", DEFAULT_LOOKUP_LIMIT)


class NikLookups:
    """The lookups of one check (a form's NIK or No. KK, or a whole import file) by one account.

    - A hit (the number is registered outside the actor's area, i.e. where access.can_see says no) is
      logged as AksesNIK(jenis="cek") with the record hit, the field and the source (formulir/impor).
    - Once per (account, record, field) per LOOKUP_WINDOW (rolling 24 hours): a hit on a record already
      logged in the window is answered again without a new row and without counting again, so a preview
      re-rendered (each page, each "tampil" switch), the confirm that analyses the file again and the
      service that repeats the form's check log nothing more. The window is the limit's window: what the
      account learnt in it is counted once.
    - The limit: an account with nik_lookup_limit() hits in the window gets no further answer. Any number
      not already logged for it in the window, hit or free, is refused with LOOKUP_LIMIT_MESSAGE (were
      free numbers answered, the refusal itself would mean "registered elsewhere"). Nothing is written
      for a refused lookup. Numbers in the actor's own area are named as before, neither logged nor
      limited; a record's own unchanged number is no lookup at all (the callers skip it).
    - `ahead`: the (field, pk) keys the whole check will hit (an import knows them after its queries).
      Those already logged are not counted in advance but where they come, so that a file analysed again
      gives the same answers row by row whatever was logged by its earlier analyses.
    """

    def __init__(self, actor, sumber, *, ahead=()):
        self.actor, self.sumber, self.limit = actor, sumber, nik_lookup_limit()
        since = timezone.now() - LOOKUP_WINDOW
        rows = AksesNIK.objects.filter(user_id=actor.pk, jenis=JenisAkses.CEK, at__gte=since).values_list(
            "field", "warga_id", "keluarga_id"
        )
        self.logged = {(field, warga_id or keluarga_id) for field, warga_id, keluarga_id in rows}
        self.used = len(self.logged - set(ahead))
        self.answered = {}

    def hit(self, *, warga=None, keluarga=None):
        """Whether the hit may be answered ("terdaftar di wilayah lain"); logs it when it is new."""
        field, record = ("nik", warga) if warga is not None else ("no_kk", keluarga)
        key = (field, record.pk)
        if key not in self.answered:
            allowed = key in self.logged or self.used < self.limit
            if allowed and key not in self.logged:
                _log_lookup(self.actor, field, warga, keluarga, self.sumber)
                self.logged.add(key)
            if allowed:
                self.used += 1
            self.answered[key] = allowed
        return self.answered[key]

    def free(self):
        """Whether a number registered nowhere may be answered as free (the account is under its limit)."""
        return self.used < self.limit


def _log_lookup(actor, field, warga, keluarga, sumber):
    AksesNIK.objects.create(
        user=actor, warga=warga, keluarga=keluarga, field=field, jenis=JenisAkses.CEK, sumber=sumber
    )
    if transaction.get_connection().in_atomic_block:
        # The check may be rolled back with what it refused (a service's ValidationError, a blocked
        # import confirm), the answer is shown all the same: written again after the request.
        pending = _pending()
        pending.append((actor.pk, field, getattr(warga, "pk", None), getattr(keluarga, "pk", None), sumber))
        del pending[:-PENDING_KEPT]  # a worker thread sees no request end: keep its list small


_local = threading.local()
PENDING_KEPT = 1000


def _pending():
    return _local.__dict__.setdefault("pending", [])


def _forget_pending_lookups(**_kwargs):
    _local.pending = []  # left by work outside a request (a job, a shell): not this request's


def flush_pending_lookups(**_kwargs):
    """After the request (request_finished): the lookup hits of this request that were rolled back with
    its transaction are written now (those that were committed are found and not written twice)."""
    entries, _local.pending = _pending(), []
    since = timezone.now() - LOOKUP_WINDOW
    for user_id, field, warga_id, keluarga_id, sumber in entries:
        record = {"warga_id": warga_id} if warga_id else {"keluarga_id": keluarga_id}
        try:
            with transaction.atomic():
                logged = AksesNIK.objects.filter(user_id=user_id, jenis=JenisAkses.CEK, field=field, at__gte=since)
                owner = Warga if warga_id else Keluarga
                if logged.filter(**record).exists() or not owner.objects.filter(pk=warga_id or keluarga_id).exists():
                    continue
                AksesNIK.objects.create(user_id=user_id, field=field, jenis=JenisAkses.CEK, sumber=sumber, **record)
        except DatabaseError:
            logger.exception("a NIK lookup hit could not be logged after the request")
    connection = transaction.get_connection()
    if entries and not connection.in_atomic_block:
        # Django closed the request's connection just before (close_old_connections): as it would.
        connection.close_if_unusable_or_obsolete()


request_started.connect(_forget_pending_lookups, dispatch_uid="households.nik_lookups.start")
request_finished.connect(flush_pending_lookups, dispatch_uid="households.nik_lookups.finish")


def nik_taken_message(nik, actor, exclude_pk=None):
    """None when the NIK is free; otherwise a message that names the place only inside the actor's area.

    A NIK outside the area is a lookup hit, logged and limited (NikLookups); past the limit any NIK but
    the record's own is refused with LOOKUP_LIMIT_MESSAGE."""
    if not nik:
        return None
    other = (
        Warga.objects.filter(nik=nik).exclude(pk=exclude_pk).select_related("keluarga__rumah_tangga__dasawisma").first()
    )
    if other is not None:
        dasawisma = other.keluarga.rumah_tangga.dasawisma
        if access.can_see(actor, dasawisma):
            return f"NIK ini sudah terdaftar atas nama {other.nama} di {dasawisma}."
        return NIK_ELSEWHERE if NikLookups(actor, SumberCek.FORMULIR).hit(warga=other) else LOOKUP_LIMIT_MESSAGE
    if exclude_pk is not None and Warga.objects.filter(pk=exclude_pk, nik=nik).exists():
        return None  # the member's own NIK, unchanged
    return None if NikLookups(actor, SumberCek.FORMULIR).free() else LOOKUP_LIMIT_MESSAGE


def no_kk_taken_message(no_kk, actor, exclude_pk=None):
    """As nik_taken_message, for a keluarga's No. KK."""
    if not no_kk:
        return None
    other = (
        Keluarga.objects.filter(no_kk=no_kk).exclude(pk=exclude_pk).select_related("rumah_tangga__dasawisma").first()
    )
    if other is not None:
        if access.can_see(actor, other.rumah_tangga.dasawisma):
            return f"No. KK ini sudah terdaftar di {other.rumah_tangga.dasawisma}."
        return NO_KK_ELSEWHERE if NikLookups(actor, SumberCek.FORMULIR).hit(keluarga=other) else LOOKUP_LIMIT_MESSAGE
    if exclude_pk is not None and Keluarga.objects.filter(pk=exclude_pk, no_kk=no_kk).exists():
        return None  # the keluarga's own No. KK, unchanged
    return None if NikLookups(actor, SumberCek.FORMULIR).free() else LOOKUP_LIMIT_MESSAGE


def warga_problems(data, *, actor, exclude_pk=None, today=None):
    """Blocking problems of one member's data, as {field: [messages]}."""
    errors = {}
    born = data.get("tanggal_lahir")
    if born:
        for p in validation.check_birth_date(born, today or timezone.localdate()):
            errors.setdefault("tanggal_lahir", []).append(p.message)
    nik = data.get("nik")
    if nik:
        problems = validation.check_nik(nik, tanggal_lahir=born, jenis_kelamin=data.get("jenis_kelamin"))
        for p in validation.blocking(problems, data.get("nik_dikonfirmasi", False)):
            errors.setdefault("nik", []).append(p.message)
        taken = nik_taken_message(nik, actor, exclude_pk)
        if taken:
            errors.setdefault("nik", []).append(taken)
    return errors


def _check_one_kepala(keluarga, members):
    """members: the keluarga's active members after the change."""
    heads = [m for m in members if m.status_dalam_keluarga == StatusDalamKeluarga.KEPALA and m.is_active]
    if len(heads) > 1:
        raise ValidationError({"status_dalam_keluarga": "Satu keluarga hanya mempunyai satu Kepala Keluarga."})


# -- rumah tangga ----------------------------------------------------------------------------------


@transaction.atomic
def rumah_tangga_create(*, actor, dasawisma, data, keluarga):
    """Create a rumah tangga with its keluarga and members in one transaction.

    keluarga: a list of {"no_kk": str, "no_kk_dikonfirmasi": bool, "anggota": [warga data, ...]}.
    The kepala keluarga of the first keluarga becomes the kepala rumah tangga (KRT)."""
    if dasawisma.level != Level.DASAWISMA:
        raise ValidationError("Rumah tangga dicatat pada sebuah dasawisma.")
    require_entry(actor, dasawisma)
    if not keluarga or not any(k.get("anggota") for k in keluarga):
        raise ValidationError("Isi sekurang-kurangnya satu keluarga dengan satu anggota.")
    rt = _set(RumahTangga(dasawisma=dasawisma), data, RUMAH_TANGGA_FIELDS)
    rt.full_clean(exclude=["krt"])
    by_actor(rt, actor).save()
    krt = None
    for k in keluarga:
        kel = keluarga_add(actor=actor, rumah_tangga=rt, no_kk=k["no_kk"], confirmed=k.get("no_kk_dikonfirmasi", False))
        for member in k["anggota"]:
            w = warga_add(actor=actor, keluarga=kel, data=member)
            if krt is None and w.status_dalam_keluarga == StatusDalamKeluarga.KEPALA:
                krt = w
    rt.krt = krt or Warga.objects.filter(keluarga__rumah_tangga=rt).order_by("tanggal_lahir").first()
    by_actor(rt, actor).save(update_fields=["krt"])
    return rt


@transaction.atomic
def rumah_tangga_update(*, actor, rumah_tangga, data, krt=None, version=None):
    """version: the change-history version the form was read at (households.versions); None: no check."""
    require_entry(actor, rumah_tangga.dasawisma)
    versions.check_version(rumah_tangga, version)
    _set(rumah_tangga, data, RUMAH_TANGGA_FIELDS)
    if krt is not None:
        if krt.keluarga.rumah_tangga_id != rumah_tangga.pk or not krt.is_active:
            raise ValidationError({"krt": "Kepala rumah tangga harus anggota aktif rumah tangga ini."})
        rumah_tangga.krt = krt
    rumah_tangga.full_clean()
    by_actor(rumah_tangga, actor).save()
    return rumah_tangga


@transaction.atomic
def rumah_tangga_move(*, actor, rumah_tangga, dasawisma):
    """Move a rumah tangga to another dasawisma of the same kelurahan (TP PKK desa/kelurahan only)."""
    if dasawisma.level != Level.DASAWISMA or not dasawisma.is_active:
        raise ValidationError({"dasawisma": "Pilih dasawisma yang masih aktif."})
    current = rumah_tangga.dasawisma
    if not (
        access.has_perm(actor, Perm.MANAGE_UNITS, current) and access.has_perm(actor, Perm.MANAGE_UNITS, dasawisma)
    ):
        raise PermissionDenied("Hanya TP PKK desa/kelurahan yang dapat memindahkan rumah tangga.")
    if current.desa_id != dasawisma.desa_id:
        raise ValidationError({"dasawisma": "Rumah tangga hanya dapat dipindah di dalam desa/kelurahan yang sama."})
    rumah_tangga.dasawisma = dasawisma
    by_actor(rumah_tangga, actor).save(update_fields=["dasawisma", "updated_at"])
    events_follow_move(actor=actor, households=[rumah_tangga], dasawisma=dasawisma, day=timezone.localdate())
    return rumah_tangga


def events_follow_move(*, actor, households, dasawisma, day):
    """The households moved to `dasawisma` on `day` (today for a move made now; a past day for the demo's
    regroupings): what happened before stays counted where it happened (events carry their own
    dasawisma); the events from that day count here; a pregnancy running that day ends in the old
    dasawisma ("pindah") and goes on here as a continuation, counted here from the next month; a mother
    in her nifas has its months from that day on counted here (households.rules)."""
    people = {"ibu__keluarga__rumah_tangga__in": households}
    Kelahiran.objects.filter(tanggal__gte=day, **people).update(dasawisma=dasawisma)
    Kematian.objects.filter(tanggal__gte=day, warga__keluarga__rumah_tangga__in=households).update(dasawisma=dasawisma)
    for k in (
        Kehamilan.objects.filter(tanggal_mulai__gte=day, **people).exclude(dasawisma=dasawisma).select_for_update()
    ):
        k.dasawisma = dasawisma  # begun that day or later: simply counted here
        by_actor(k, actor).save(update_fields=["dasawisma"])
    running = Kehamilan.objects.filter(
        Q(tanggal_selesai__isnull=True) | Q(tanggal_selesai__gt=day), tanggal_mulai__lt=day
    )
    for k in running.filter(**people).select_for_update():
        end, hasil = k.tanggal_selesai, k.hasil
        k.tanggal_selesai, k.hasil, k.pindah_pada = day, HasilKehamilan.PINDAH, day
        by_actor(k, actor).save(update_fields=["tanggal_selesai", "hasil", "pindah_pada"])
        continued = Kehamilan(
            ibu_id=k.ibu_id, tanggal_mulai=day, perkiraan_lahir=k.perkiraan_lahir, tanggal_selesai=end, hasil=hasil,
            dasawisma=dasawisma, lanjutan=True,
        )  # fmt: skip
        by_actor(continued, actor).save()
        Kelahiran.objects.filter(kehamilan=k, tanggal__gte=day).update(kehamilan=continued)
    in_nifas = Kehamilan.objects.filter(
        hasil__in=rules.DELIVERY_OUTCOMES,
        pindah_pada__isnull=True,
        tanggal_selesai__lte=day,
        tanggal_selesai__gte=day - datetime.timedelta(days=rules.NIFAS_DAYS),
        **people,
    ).exclude(dasawisma=dasawisma)
    for k in in_nifas.select_for_update():
        continue_nifas(k, dasawisma, day, actor)


def continue_nifas(kehamilan, dasawisma, day, actor):
    """The nifas after a delivery goes on in another dasawisma from `day` (a move): the delivery's row
    keeps the months before, a NIFAS_LANJUTAN row begun that day takes the months after."""
    kehamilan.pindah_pada = day
    by_actor(kehamilan, actor).save(update_fields=["pindah_pada"])
    carrier = Kehamilan(
        ibu_id=kehamilan.ibu_id,
        tanggal_mulai=day,
        tanggal_selesai=kehamilan.tanggal_selesai,
        hasil=HasilKehamilan.NIFAS_LANJUTAN,
        dasawisma=dasawisma,
        lanjutan=True,
    )
    by_actor(carrier, actor).save()


def close_open_pregnancies(*, actor, women, on_date, hasil):
    """End the running pregnancies of women who stopped being there (died, moved out, household left)
    on on_date, with the reason: from that day they no longer count as ibu hamil (households.rules). A
    pregnancy recorded as starting later still ends, on its own first day."""
    for k in Kehamilan.objects.filter(ibu__in=women, tanggal_selesai__isnull=True).select_for_update():
        k.tanggal_selesai, k.hasil = max(on_date, k.tanggal_mulai), hasil
        by_actor(k, actor).save(update_fields=["tanggal_selesai", "hasil"])


@transaction.atomic
def leave_date_problem(rumah_tangga, on_date):
    """Why a household cannot have left on on_date (a message), or None: not before its dasawisma was
    formed (it would drop out of months it was counted in before it could have been there)."""
    formed = rumah_tangga.dasawisma.active_from
    if formed and on_date < formed:
        return f"Tanggal tidak boleh sebelum dasawisma ini dibentuk ({formed:%d-%m-%Y})."
    return None


def rumah_tangga_leave(*, actor, rumah_tangga, on_date):
    """The whole rumah tangga moved away or dissolved: kept in the history, dropped from counts from
    on_date; its members' running pregnancies end that day as "pindah"."""
    require_entry(actor, rumah_tangga.dasawisma)
    problem = leave_date_problem(rumah_tangga, on_date)
    if problem:
        raise ValidationError({"tanggal_keluar": problem})
    rumah_tangga.tanggal_keluar = on_date
    by_actor(rumah_tangga, actor).save(update_fields=["tanggal_keluar", "updated_at"])
    women = Warga.objects.filter(keluarga__rumah_tangga=rumah_tangga)
    close_open_pregnancies(actor=actor, women=women, on_date=on_date, hasil=HasilKehamilan.PINDAH)
    return rumah_tangga


# -- keluarga and warga ----------------------------------------------------------------------------


@transaction.atomic
def keluarga_add(*, actor, rumah_tangga, no_kk, confirmed=False):
    require_entry(actor, rumah_tangga.dasawisma)
    problems = validation.blocking(validation.check_no_kk(no_kk), confirmed)
    taken = no_kk_taken_message(no_kk, actor)
    messages = [p.message for p in problems] + ([taken] if taken else [])
    if messages:
        raise ValidationError({"no_kk": messages})
    kel = Keluarga(rumah_tangga=rumah_tangga, no_kk=no_kk, no_kk_dikonfirmasi=confirmed)
    kel.full_clean()
    with unique_or_message("no_kk", NO_KK_SAVED_ALREADY):
        by_actor(kel, actor).save()
    return kel


@transaction.atomic
def keluarga_update(*, actor, keluarga, no_kk, confirmed=False):
    require_entry(actor, keluarga.rumah_tangga.dasawisma)
    problems = validation.blocking(validation.check_no_kk(no_kk), confirmed)
    taken = no_kk_taken_message(no_kk, actor, exclude_pk=keluarga.pk)
    messages = [p.message for p in problems] + ([taken] if taken else [])
    if messages:
        raise ValidationError({"no_kk": messages})
    keluarga.no_kk, keluarga.no_kk_dikonfirmasi = no_kk, confirmed
    by_actor(keluarga, actor).save(update_fields=["no_kk", "no_kk_dikonfirmasi", "updated_at"])
    return keluarga


@transaction.atomic
def warga_add(*, actor, keluarga, data):
    require_entry(actor, keluarga.rumah_tangga.dasawisma)
    errors = warga_problems(data, actor=actor)
    if errors:
        raise ValidationError(errors)
    w = _set(Warga(keluarga=keluarga), data, WARGA_FIELDS)
    w.nik = w.nik or None
    _check_one_kepala(keluarga, [*keluarga.anggota.filter(status=StatusWarga.AKTIF), w])
    w.full_clean()
    with unique_or_message("nik", NIK_SAVED_ALREADY):
        by_actor(w, actor).save()
    return w


@transaction.atomic
def warga_update(*, actor, warga, data, version=None):
    """version: the change-history version the form was read at (households.versions); None: no check."""
    require_entry(actor, warga.keluarga.rumah_tangga.dasawisma)
    versions.check_version(warga, version, hidden=("nik",))
    errors = warga_problems(data, actor=actor, exclude_pk=warga.pk)
    if errors:
        raise ValidationError(errors)
    _set(warga, data, WARGA_FIELDS)
    warga.nik = warga.nik or None
    others = warga.keluarga.anggota.filter(status=StatusWarga.AKTIF).exclude(pk=warga.pk)
    _check_one_kepala(warga.keluarga, [*others, warga])
    warga.full_clean()
    by_actor(warga, actor).save()
    return warga


def has_events(warga):
    """Whether the person is on a monthly form: a pregnancy, a delivery, their own birth or death."""
    return (
        Kehamilan.objects.filter(ibu=warga).exists()
        or Kelahiran.objects.filter(Q(ibu=warga) | Q(bayi=warga)).exists()
        or Kematian.objects.filter(warga=warga).exists()
    )


@transaction.atomic
def warga_delete(*, actor, warga):
    """Remove a member entered by mistake (someone who never belonged here). People who leave are
    recorded with warga_leave instead, so that history and past counts stay right."""
    require_entry(actor, warga.keluarga.rumah_tangga.dasawisma)
    if has_events(warga):
        # The events are on the monthly forms (some perhaps approved): they are not deleted with the
        # person, and households never write events (the month lock is the reports app's).
        raise ValidationError(
            f"{warga.nama} sudah tercatat dalam peristiwa bulanan (kehamilan, kelahiran atau kematian), jadi "
            "tidak dapat dihapus. Bila ia tidak lagi tinggal di sini, catat sebagai pindah atau meninggal."
        )
    rt = warga.keluarga.rumah_tangga
    if rt.krt_id == warga.pk:
        rt.krt = None
        by_actor(rt, actor).save(update_fields=["krt", "updated_at"])
    by_actor(warga, actor).delete()


# -- yearly check, corrections, NIK reveal ---------------------------------------------------------


@transaction.atomic
def pendataan_confirm(*, actor, rumah_tangga, tahun):
    require_entry(actor, rumah_tangga.dasawisma)
    row, _created = PendataanTahunan.objects.get_or_create(
        rumah_tangga=rumah_tangga, tahun=tahun, defaults={"diperiksa_oleh": actor}
    )
    return row


@transaction.atomic
def koreksi_kegiatan_set(*, actor, warga, tahun, kolom, diikuti, keterangan=""):
    """Correct one Catatan Keluarga column for a member and year; diikuti=None removes the correction."""
    require_entry(actor, warga.keluarga.rumah_tangga.dasawisma)
    existing = KoreksiKegiatanPKK.objects.filter(warga=warga, tahun=tahun, kolom=kolom).first()
    if diikuti is None:
        if existing:
            by_actor(existing, actor).delete()
        return None
    row = existing or KoreksiKegiatanPKK(warga=warga, tahun=tahun, kolom=kolom)
    row.diikuti, row.keterangan = diikuti, keterangan
    by_actor(row, actor).save()
    return row


def nik_reveal(*, actor, warga=None, keluarga=None):
    """Return the unmasked number for a holder of buka_nik over the record, logging the reveal."""
    target = warga or keluarga
    dasawisma = (warga.keluarga.rumah_tangga if warga else keluarga.rumah_tangga).dasawisma
    if not access.has_perm(actor, Perm.REVEAL_NIK, dasawisma):
        raise PermissionDenied("Peran Anda tidak dapat membuka NIK atau No. KK.")
    AksesNIK.objects.create(user=actor, warga=warga, keluarga=keluarga, field="nik" if warga else "no_kk")
    return target.nik if warga else target.no_kk
