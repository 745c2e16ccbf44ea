"""Writes of the monthly vital events: a pregnancy, its end, a birth (the baby becomes a warga of the
mother's keluarga), a death. Each records the event once, against the person.

Who: the dasawisma's cadres (isi_data_warga), unless the month's report is submitted or approved
(reports.workflow.is_locked); TP PKK desa/kelurahan staff (kelola_satuan) may correct at any time, and
an approved month then shows "berubah setelah disetujui".

Checks, with messages in Bahasa Indonesia: dates not in the future and not before the person's birth;
no event after the person's death; a mother is a woman of plausible age (10 to 55 years); a second
delivery within six months is refused (twins share one date); a birth without a recorded pregnancy,
and the death of a child aged 60 to 71 months (just past balita, so not on the monthly form), are
warnings the cadre confirms."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from hierarchy import access
from households import rules
from households.models import HasilKehamilan, Kehamilan, Kelahiran, Kematian, StatusDalamKeluarga, StatusWarga, Warga
from households.services import by_actor, close_open_pregnancies, continue_nifas, require_entry, warga_problems
from pkkdata import periods
from pkkdata.db import unique_or_message

from .workflow import is_locked, lock_month_of

MOTHER_MIN_YEARS, MOTHER_MAX_YEARS = 10, 55
SIX_MONTHS_DAYS = 183


class NeedsConfirmation(ValidationError):
    """A warning the cadre must confirm (the form shows a checkbox and submits again)."""


def _dasawisma_of(warga):
    return warga.keluarga.rumah_tangga.dasawisma


def may_record_in(user, dasawisma, *, locked):
    """Whether the user may record events of the dasawisma in a month whose lock state is `locked`: TP
    PKK desa/kelurahan (correctors) always, its cadres while the month's report is not submitted or
    approved. _require_event_rights enforces the same rule, with a message for each case."""
    return access.is_corrector(user, dasawisma) or (access.may_record_events(user, dasawisma) and not locked)


def _require_event_rights(actor, warga, day):
    dasawisma = _dasawisma_of(warga)
    if access.is_corrector(actor, dasawisma):
        return
    lock_month_of(dasawisma)  # the same lock as report_submit: a nihil report and this event never cross
    if not access.may_record_events(actor, dasawisma):
        raise PermissionDenied("Hanya kader dasawisma ini yang dapat mencatat peristiwanya.")
    if is_locked(dasawisma, day):
        raise ValidationError(
            f"Laporan {periods.month_label(day.year, day.month)} dasawisma ini sudah dikirim atau disetujui: "
            "minta ketua kelompok RT mengembalikannya dulu, atau minta TP PKK kelurahan memperbaikinya."
        )


def _check_date(day, warga, label, field="tanggal"):
    today = timezone.localdate()
    if day > today:
        raise ValidationError({field: f"Tanggal {label} tidak boleh di masa depan."})
    if day < warga.tanggal_lahir:
        raise ValidationError({field: f"Tanggal {label} tidak boleh sebelum tanggal lahir {warga.nama}."})
    death = getattr(warga, "kematian", None) if hasattr(warga, "kematian") else None
    if death is not None and day > death.tanggal:
        raise ValidationError({field: f"{warga.nama} sudah meninggal pada {death.tanggal:%d-%m-%Y}."})


def _check_mother(ibu, day):
    if ibu.jenis_kelamin != "P":
        raise ValidationError({"ibu": "Ibu harus perempuan."})
    age = rules.age_years(ibu.tanggal_lahir, day)
    if not MOTHER_MIN_YEARS <= age <= MOTHER_MAX_YEARS:
        raise ValidationError({"ibu": f"Usia ibu {age} tahun pada tanggal itu: periksa tanggal lahirnya."})


@transaction.atomic
def kehamilan_record(*, actor, ibu, tanggal_mulai, perkiraan_lahir=None):
    _require_event_rights(actor, ibu, tanggal_mulai)
    _check_date(tanggal_mulai, ibu, "mulai hamil", field="tanggal_mulai")
    _check_mother(ibu, tanggal_mulai)
    if perkiraan_lahir is not None and perkiraan_lahir <= tanggal_mulai:
        raise ValidationError({"perkiraan_lahir": "Hari perkiraan lahir harus sesudah tanggal mulai hamil."})
    if perkiraan_lahir is not None and perkiraan_lahir > tanggal_mulai + datetime.timedelta(
        days=rules.MAX_PREGNANCY_DAYS
    ):
        raise ValidationError(
            {"perkiraan_lahir": "Hari perkiraan lahir paling lambat 10 bulan sesudah mulai hamil: periksa tahunnya."}
        )
    if ibu.kehamilan.filter(tanggal_selesai__isnull=True).exists():
        raise ValidationError("Kehamilan ibu ini masih tercatat berlangsung: akhiri dulu kehamilan itu.")
    earlier = ibu.kehamilan.filter(tanggal_selesai__gte=tanggal_mulai).order_by("-tanggal_selesai").first()
    if earlier is not None:
        raise ValidationError(
            {
                "tanggal_mulai": f"Kehamilan sebelumnya berakhir pada {earlier.tanggal_selesai:%d-%m-%Y}: "
                "kehamilan baru harus dimulai sesudahnya."
            }
        )
    k = Kehamilan(ibu=ibu, tanggal_mulai=tanggal_mulai, perkiraan_lahir=perkiraan_lahir)
    with unique_or_message("ibu", "Kehamilan ibu ini baru saja tercatat.", column="ibu_id"):
        by_actor(k, actor).save()
    return k


@transaction.atomic
def kehamilan_end(*, actor, kehamilan, tanggal, hasil):
    """End a pregnancy without a live birth (keguguran, lahir mati); births go through kelahiran_record."""
    _require_event_rights(actor, kehamilan.ibu, tanggal)
    if kehamilan.tanggal_selesai is not None:
        raise ValidationError("Kehamilan ini sudah berakhir dan tercatat.")
    _check_date(tanggal, kehamilan.ibu, "berakhir")
    if tanggal < kehamilan.tanggal_mulai:
        raise ValidationError({"tanggal": "Tanggal berakhir tidak boleh sebelum kehamilan dimulai."})
    if hasil not in (HasilKehamilan.KEGUGURAN, HasilKehamilan.LAHIR_MATI):
        raise ValidationError({"hasil": "Pilih keguguran atau lahir mati; kelahiran hidup dicatat sebagai kelahiran."})
    kehamilan.tanggal_selesai, kehamilan.hasil = tanggal, hasil
    by_actor(kehamilan, actor).save(update_fields=["tanggal_selesai", "hasil"])
    return kehamilan


@transaction.atomic
def kelahiran_record(*, actor, ibu, tanggal, bayi, akte_kelahiran, confirm_without_pregnancy=False):
    """Record a live birth: the baby becomes a warga of the mother's keluarga, the ongoing pregnancy
    ends as melahirkan. bayi: {"nama", "jenis_kelamin", optional "nik", "tempat_lahir"}."""
    _require_event_rights(actor, ibu, tanggal)
    _check_date(tanggal, ibu, "lahir")
    _check_mother(ibu, tanggal)
    twins = Kelahiran.objects.filter(ibu=ibu, tanggal=tanggal)
    earlier = Kelahiran.objects.filter(
        ibu=ibu,
        tanggal__gt=tanggal - datetime.timedelta(days=SIX_MONTHS_DAYS),
        tanggal__lt=tanggal + datetime.timedelta(days=SIX_MONTHS_DAYS),
    ).exclude(tanggal=tanggal)
    if earlier.exists():
        other = earlier.first()
        raise ValidationError(
            {"tanggal": f"{ibu.nama} sudah tercatat melahirkan pada {other.tanggal:%d-%m-%Y}: kurang dari enam bulan."}
        )
    pregnancy = (
        ibu.kehamilan.filter(tanggal_mulai__lte=tanggal)
        .filter(tanggal_selesai__isnull=True)
        .order_by("-tanggal_mulai")
        .first()
    )
    twin = twins.first()
    if pregnancy is None and twin is not None:
        pregnancy = twin.kehamilan
    if pregnancy is None:
        pregnancy = _born_before_the_move(actor, ibu, tanggal)
    if pregnancy is None and not confirm_without_pregnancy:
        raise NeedsConfirmation(
            "Kehamilan ibu ini belum tercatat. Centang konfirmasi bila kelahiran ini memang benar, "
            "atau catat dulu kehamilannya."
        )
    data = {
        "nama": bayi["nama"],
        "jenis_kelamin": bayi["jenis_kelamin"],
        "tanggal_lahir": tanggal,
        "tempat_lahir": bayi.get("tempat_lahir", ""),
        "nik": bayi.get("nik") or None,
        "nik_dikonfirmasi": bool(bayi.get("nik_dikonfirmasi")),
        "status_dalam_keluarga": StatusDalamKeluarga.ANAK
        if ibu.status_dalam_keluarga in (StatusDalamKeluarga.KEPALA, StatusDalamKeluarga.ISTRI)
        else StatusDalamKeluarga.LAIN,
        "status_perkawinan": "lajang",
        "agama": ibu.agama,
        "pendidikan": "belum_sekolah",
        "pekerjaan": "tidak_bekerja",
    }
    errors = warga_problems(data, actor=actor)
    if errors:
        raise ValidationError(errors)
    baby = Warga(keluarga=ibu.keluarga, **data)
    baby.full_clean()
    by_actor(baby, actor).save()
    unrecorded = pregnancy is None
    if unrecorded:
        # Every birth is a delivery: without a recorded pregnancy the birth brings its own, begun and
        # ended on the day, so the mother counts as melahirkan and then nifas like any other
        # (households.rules); it never reaches back into months already reported.
        pregnancy = Kehamilan(ibu=ibu, tanggal_mulai=tanggal, tanggal_selesai=tanggal, hasil=HasilKehamilan.MELAHIRKAN)
        by_actor(pregnancy, actor).save()
    elif pregnancy.tanggal_selesai is None:
        pregnancy.tanggal_selesai, pregnancy.hasil = tanggal, HasilKehamilan.MELAHIRKAN
        by_actor(pregnancy, actor).save(update_fields=["tanggal_selesai", "hasil"])
    birth = Kelahiran(
        ibu=ibu,
        bayi=baby,
        kehamilan=pregnancy,
        tanggal=tanggal,
        akte_kelahiran=akte_kelahiran,
        tanpa_kehamilan_dikonfirmasi=unrecorded or (twin is not None and twin.tanpa_kehamilan_dikonfirmasi),
    )
    by_actor(birth, actor).save()
    return birth


def _born_before_the_move(actor, ibu, tanggal):
    """A birth recorded after the household moved, but dated before the move, while the pregnancy ran:
    the pregnancy ended with this birth where she then lived (its row before the move), the row that
    continued it after the move never was (removed, with its history kept), and the nifas from the move
    on goes on in the new dasawisma. None when that is not the case."""
    before = (
        ibu.kehamilan.filter(
            hasil=HasilKehamilan.PINDAH,
            pindah_pada__isnull=False,
            tanggal_mulai__lte=tanggal,
            tanggal_selesai__gte=tanggal,
        )
        .order_by("-tanggal_mulai")
        .first()
    )
    if before is None:
        return None
    continued = ibu.kehamilan.filter(lanjutan=True, tanggal_mulai=before.pindah_pada).exclude(
        hasil=HasilKehamilan.NIFAS_LANJUTAN
    )
    if continued.filter(tanggal_selesai__isnull=False).exists():
        raise ValidationError(
            {"tanggal": "Kehamilan ini sudah dicatat berakhir di dasawisma barunya: periksa tanggal kelahiran ini."}
        )
    target = continued.first().dasawisma if continued.exists() else None
    for row in continued:
        by_actor(row, actor).delete()
    before.tanggal_selesai, before.hasil = tanggal, HasilKehamilan.MELAHIRKAN
    by_actor(before, actor).save(update_fields=["tanggal_selesai", "hasil"])
    if target is not None:
        continue_nifas(before, target, before.pindah_pada, actor)
    return before


@transaction.atomic
def kematian_record(*, actor, warga, tanggal, sebab, confirm_age=False):
    """Record a death: the person is marked meninggal (kept in the history), an ongoing pregnancy ends."""
    _require_event_rights(actor, warga, tanggal)
    if hasattr(warga, "kematian"):
        raise ValidationError("Kematian orang ini sudah tercatat.")
    _check_date(tanggal, warga, "meninggal")
    later_birth = Kelahiran.objects.filter(ibu=warga, tanggal__gt=tanggal).first()
    if later_birth is not None:
        raise ValidationError(
            {"tanggal": f"{warga.nama} tercatat melahirkan pada {later_birth.tanggal:%d-%m-%Y}, sesudah tanggal ini."}
        )
    if not (sebab or "").strip():
        raise ValidationError({"sebab": "Isi sebab meninggal (boleh 'tidak diketahui')."})
    months = rules.age_months(warga.tanggal_lahir, tanggal)
    if rules.BALITA_YEARS * 12 <= months < 72 and not confirm_age:
        raise NeedsConfirmation(
            f"Usia {warga.nama} {months} bulan, lebih dari 59 bulan: kematian ini tidak dihitung sebagai "
            "kematian balita. Centang konfirmasi bila tanggal lahir dan tanggal meninggal sudah benar."
        )
    death = Kematian(warga=warga, tanggal=tanggal, sebab=sebab.strip(), usia_dikonfirmasi=confirm_age)
    with unique_or_message("warga", f"Kematian {warga.nama} baru saja tercatat.", column="warga_id"):
        by_actor(death, actor).save()
    close_open_pregnancies(actor=actor, women=[warga], on_date=tanggal, hasil=HasilKehamilan.IBU_MENINGGAL)
    warga.status, warga.tanggal_status = StatusWarga.MENINGGAL, tanggal
    by_actor(warga, actor).save(update_fields=["status", "tanggal_status", "updated_at"])
    return death


# -- a member leaves: moving out or dying ends what they count for ---------------------------------


@transaction.atomic
def warga_leave(*, actor, warga, status, on_date, keterangan=""):
    """A member moves out (pindah) or dies (meninggal): kept in the history, dropped from counts after
    the date."""
    require_entry(actor, warga.keluarga.rumah_tangga.dasawisma)
    if status not in (StatusWarga.PINDAH, StatusWarga.MENINGGAL):
        raise ValidationError({"status": "Pilih pindah atau meninggal."})
    if on_date > timezone.localdate():
        raise ValidationError({"tanggal_status": "Tanggal tidak boleh di masa depan."})
    if on_date < warga.tanggal_lahir:
        raise ValidationError({"tanggal_status": "Tanggal tidak boleh sebelum tanggal lahir."})
    if status == StatusWarga.MENINGGAL and not hasattr(warga, "kematian"):
        # A death is also an event of the monthly form (4.18a): record it once, as the event screens do.
        kematian_record(
            actor=actor, warga=warga, tanggal=on_date, sebab=keterangan or "Tidak diketahui", confirm_age=True
        )
    if status == StatusWarga.PINDAH:
        close_open_pregnancies(actor=actor, women=[warga], on_date=on_date, hasil=HasilKehamilan.PINDAH)
    warga.status, warga.tanggal_status = status, on_date
    if keterangan:
        warga.keterangan = keterangan
    by_actor(warga, actor).save(update_fields=["status", "tanggal_status", "keterangan", "updated_at"])
    rt = warga.keluarga.rumah_tangga
    if rt.krt_id == warga.pk:
        successor = (
            Warga.objects.filter(keluarga__rumah_tangga=rt, status=StatusWarga.AKTIF)
            .order_by("-status_dalam_keluarga", "tanggal_lahir")
            .first()
        )
        rt.krt = successor
        by_actor(rt, actor).save(update_fields=["krt", "updated_at"])
    return warga
