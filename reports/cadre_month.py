"""The cadre's month: what in her own dasawisma asks for her now, for her home page, each item a tap to
act. Read for one dasawisma at a time (a handful of small queries over its own rows), with the rules of
households.rules: who is still there, the 42 days of nifas, a baby's first year.

- pregnancies whose HPL is past or within NEAR_HPL_DAYS (→ record the birth, with the mother chosen);
- mothers in nifas (a birth in the last 42 days) (→ her household);
- babies under one year without an akte kelahiran (→ their household);
- members without NIK (→ the member's edit form);
- households not yet checked this year (→ the dasawisma's yearly check).

Names are shown only to the dasawisma's own recorders (the home page asks access.may_record_events).

Above them, for the ketua dasawisma, the reports of her dasawisma she can send now (reports_to_send):
each a button "Kirim laporan <bulan>" to the month's report page, at its sending form."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Q
from django.urls import reverse

from households import rules
from households.models import Kehamilan, Kelahiran, PendataanTahunan, RumahTangga, Warga
from pkkdata import periods
from pkkdata.periods import date_label

from . import workflow
from .inbox import State, state_of
from .models import Laporan, Status

NEAR_HPL_DAYS = 30
NIFAS_DAYS = 42
SHOWN = 5  # names listed per item; the rest behind "lihat semua"
SEND_MONTHS = 12  # the months whose unsent report the ketua is offered to send: the running one and 11 before


@dataclass
class Person:
    name: str
    note: str
    url: str


@dataclass
class Item:
    key: str
    title: str
    count: int
    people: list = field(default_factory=list)
    more_url: str = ""
    more_label: str = ""


def _household_url(warga):
    return reverse("households:rumah_tangga_detail", args=[warga.keluarga.rumah_tangga_id]) + f"#warga-{warga.pk}"


def cadre_month(dasawisma, today):
    """[Item] with a count above zero, in the order a cadre acts on them."""
    items = []
    there = rules.there_q(today, "ibu__")
    in_dw = {"ibu__keluarga__rumah_tangga__dasawisma": dasawisma}

    pregnancies = (
        Kehamilan.objects.filter(there, tanggal_selesai__isnull=True, perkiraan_lahir__isnull=False, **in_dw)
        .filter(perkiraan_lahir__lte=today + datetime.timedelta(days=NEAR_HPL_DAYS))
        .select_related("ibu")
        .order_by("perkiraan_lahir")
    )
    pregnancies = list(pregnancies)
    if pregnancies:
        birth_url = reverse("reports:kelahiran_add", kwargs={"unit_pk": dasawisma.pk})
        people = []
        for k in pregnancies[:SHOWN]:
            days = (k.perkiraan_lahir - today).days
            note = f"HPL {date_label(k.perkiraan_lahir)}" + (
                f", lewat {-days} hari" if days < 0 else f", {days} hari lagi"
            )
            people.append(Person(k.ibu.nama, note, f"{birth_url}?ibu={k.ibu_id}"))
        events_url = reverse("reports:kejadian_dasawisma", kwargs={"unit_pk": dasawisma.pk})
        title = "Kehamilan mendekati atau lewat HPL"
        items.append(Item("hpl", title, len(pregnancies), people, events_url, "Peristiwa bulan ini"))

    since = today - datetime.timedelta(days=NIFAS_DAYS)
    births = (
        Kelahiran.objects.filter(there, tanggal__gt=since, tanggal__lte=today, **in_dw)
        .select_related("ibu__keluarga")
        .order_by("-tanggal")
    )
    nifas = list({b.ibu_id: b for b in births}.values())
    if nifas:
        people = [
            Person(b.ibu.nama, f"melahirkan {date_label(b.tanggal)}", _household_url(b.ibu)) for b in nifas[:SHOWN]
        ]
        items.append(Item("nifas", "Ibu nifas (42 hari setelah melahirkan)", len(nifas), people))

    babies = list(
        Kelahiran.objects.filter(
            rules.there_q(today, "bayi__"),
            akte_kelahiran=False,
            tanggal__gt=today - datetime.timedelta(days=365),
            bayi__keluarga__rumah_tangga__dasawisma=dasawisma,
        )
        .select_related("bayi__keluarga")
        .order_by("tanggal")
    )
    if babies:
        people = [Person(b.bayi.nama, f"lahir {date_label(b.tanggal)}", _household_url(b.bayi)) for b in babies[:SHOWN]]
        items.append(Item("akte", "Bayi belum punya akte kelahiran", len(babies), people))

    no_nik = (
        Warga.objects.filter(rules.there_q(today), keluarga__rumah_tangga__dasawisma=dasawisma)
        .filter(Q(nik__isnull=True) | Q(nik=""))
        .order_by("nama")
    )
    count = no_nik.count()
    if count:
        people = [
            Person(w.nama, "NIK belum diisi", reverse("households:warga_edit", args=[w.pk])) for w in no_nik[:SHOWN]
        ]
        list_url = reverse("households:rumah_tangga_list", kwargs={"unit_pk": dasawisma.pk})
        items.append(Item("nik", "Warga belum ber-NIK", count, people, list_url, "Daftar rumah tangga"))

    checked = PendataanTahunan.objects.filter(tahun=today.year).values("rumah_tangga_id")
    unchecked = RumahTangga.objects.filter(rules.present_q(today), dasawisma=dasawisma).exclude(pk__in=checked).count()
    if unchecked:
        check_url = reverse("households:pendataan", kwargs={"unit_pk": dasawisma.pk})
        title = f"Rumah tangga belum diperiksa tahun {today.year}"
        items.append(Item("pendataan", title, unchecked, [], check_url, "Pendataan tahunan"))
    return items


# -- the reports the ketua can send ---------------------------------------------------------------


@dataclass
class ToSend:
    month: str
    url: str
    state: State
    reason: str  # why it was returned, when it was


def reports_to_send(user, dasawisma, today):
    """[ToSend] of the dasawisma's reports `user` can send today, latest month first: over the last
    SEND_MONTHS months, each month that is over (workflow.opens_on: its last day has come) whose report
    is a draft or was returned, in a month the group was active, when the user holds kirim_laporan
    there (workflow.may_send, the rule of the report page's form). One query.

    Each leads to the month's report page, at its form (#kirim): the ketua sees the month's rows
    before she sends, and the page knows whether the month goes up as a report or as nihil."""
    months = [periods.shift_month(today.year, today.month, -i) for i in range(SEND_MONTHS)]
    months = [m for m in months if workflow.opens_on(*m) <= today]
    if not months:
        return []
    oldest = months[-1]
    reports = {
        (r.tahun, r.bulan): r
        for r in Laporan.objects.filter(unit=dasawisma, tahun__gte=oldest[0])
        if (r.tahun, r.bulan) >= oldest
    }
    found = []
    for tahun, bulan in months:
        report = reports.get((tahun, bulan)) or Laporan(unit=dasawisma, tahun=tahun, bulan=bulan)
        report.unit = dasawisma
        if not workflow.may_send(user, report):
            continue
        found.append(
            ToSend(
                month=periods.month_label(tahun, bulan),
                url=reverse("reports:laporan_unit", args=[dasawisma.pk, tahun, bulan]) + "#kirim",
                state=state_of(report.status, tahun, bulan, today),
                reason=report.return_reason if report.status == Status.RETURNED else "",
            )
        )
    return found
