"""Reads that aggregate: the Data Keluarga counts (4.14.2a items 2-11) computed from the members in
the database, one query for a whole list of rumah tangga, whatever its length."""

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from hierarchy import access
from hierarchy.levels import Perm

from . import rules
from .models import Kehamilan, RumahTangga, Warga

# The lookup path from each model to its dasawisma unit, for hierarchy.access.scope(via=...).
VIA_RUMAH_TANGGA = "dasawisma__"
VIA_KELUARGA = "rumah_tangga__dasawisma__"
VIA_WARGA = "keluarga__rumah_tangga__dasawisma__"
VIA_KEHAMILAN = f"ibu__{VIA_WARGA}"
VIA_KELAHIRAN = f"ibu__{VIA_WARGA}"
VIA_KEMATIAN = f"warga__{VIA_WARGA}"

COUNT_FIELDS = [
    ("jml_anggota", "Jumlah anggota keluarga"),
    ("jml_l", "Laki-laki"),
    ("jml_p", "Perempuan"),
    ("jml_kk", "Jumlah KK"),
    ("balita_l", "Balita laki-laki"),
    ("balita_p", "Balita perempuan"),
    ("jml_pus", "PUS"),
    ("jml_wus", "WUS"),
    ("buta_l", "3 buta laki-laki"),
    ("buta_p", "3 buta perempuan"),
    ("ibu_hamil", "Ibu hamil"),
    ("ibu_menyusui", "Ibu menyusui"),
    ("lansia", "Lansia"),
    ("berkebutuhan_khusus", "Berkebutuhan khusus"),
]


def member_count_annotations(on, prefix="keluarga__anggota__", *, rows_counted=False):
    """Count(...) expressions for items 2-11 over the members reached by prefix, as of a date.

    rows_counted: the rows are Warga already narrowed to rules.counted_q(on), one row per person (a
    recap's GROUP BY over warga): the condition is then not repeated in every column and no DISTINCT is
    needed, which halves the time of the largest recap query."""
    m = prefix
    counted = Q() if rows_counted else rules.counted_q(on, m)
    laki, perempuan = Q(**{f"{m}jenis_kelamin": "L"}), Q(**{f"{m}jenis_kelamin": "P"})

    def count(condition):
        return Count(f"{m}pk", filter=counted & condition, distinct=not rows_counted)

    return {
        "jml_anggota": count(Q()),
        "jml_l": count(laki),
        "jml_p": count(perempuan),
        "balita_l": count(rules.balita_q(on, m) & laki),
        "balita_p": count(rules.balita_q(on, m) & perempuan),
        "jml_pus": count(rules.pus_q(on, m)),
        "jml_wus": count(rules.wus_q(on, m)),
        "buta_l": count(rules.buta_q(m) & laki),
        "buta_p": count(rules.buta_q(m) & perempuan),
        "ibu_menyusui": count(Q(**{f"{m}ibu_menyusui": True}) & perempuan),
        "lansia": count(rules.lansia_q(on, m)),
        "berkebutuhan_khusus": count(rules.berkebutuhan_khusus_q(m)),
    }


def with_counts(qs, on=None):
    """Annotate rumah tangga with the Data Keluarga counts as of `on` (default today)."""
    on = on or timezone.localdate()
    hamil = (
        Kehamilan.objects.filter(rules.hamil_on_q(on), ibu__keluarga__rumah_tangga=OuterRef("pk"))
        .filter(rules.counted_q(on, "ibu__"))
        .order_by()
        .values("ibu__keluarga__rumah_tangga")
        .annotate(n=Count("ibu", distinct=True))
        .values("n")
    )
    return qs.annotate(
        **member_count_annotations(on),
        # JML KK: the keluarga with at least one member counted that day (rules.keluarga_counted_q)
        jml_kk=Count("keluarga", filter=rules.counted_q(on, "keluarga__anggota__"), distinct=True),
        ibu_hamil=Coalesce(Subquery(hamil, output_field=IntegerField()), Value(0)),
    )


def rumah_tangga_for_user(user, perm=Perm.VIEW):
    return access.scope(RumahTangga.objects.all(), user, perm, VIA_RUMAH_TANGGA)


def warga_for_user(user, perm=Perm.VIEW):
    return access.scope(Warga.objects.all(), user, perm, VIA_WARGA)


def active_rumah_tangga(qs, on=None):
    on = on or timezone.localdate()
    return qs.filter(rules.present_q(on))


def households_present(dasawisma_ids, day):
    """{dasawisma id: households present on the day} (registered for the unit pages, hierarchy.counts)."""
    rows = (
        RumahTangga.objects.filter(rules.present_q(day), dasawisma_id__in=list(dasawisma_ids))
        .values("dasawisma_id")
        .annotate(n=Count("pk"))
    )
    return {row["dasawisma_id"]: row["n"] for row in rows}


def households_held(dasawisma_id, day):
    """[(household, address of its move page)] of the households present in the dasawisma on the day
    (registered for closing a dasawisma, hierarchy.counts)."""
    rows = (
        RumahTangga.objects.filter(rules.present_q(day), dasawisma_id=dasawisma_id)
        .select_related("krt")
        .order_by("alamat", "pk")
    )
    return [(f"{rt} · {rt.alamat}", reverse("households:rumah_tangga_move", args=[rt.pk])) for rt in rows]
