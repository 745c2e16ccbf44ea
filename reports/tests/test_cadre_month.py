"""The cadre's month on her home page: pregnancies near or past their HPL, mothers in nifas, babies
without akte, members without NIK and households not checked this year, each counted in her own
dasawisma only and each a link to act; nobody else's names, and nothing for those who do not record."""

import datetime

from django.urls import reverse
from django.utils import timezone

from households.models import Kehamilan, Kelahiran, PendataanTahunan, RumahTangga, Warga
from households.tests import factories as f
from reports.cadre_month import cadre_month


def _items(dasawisma, today):
    return {item.key: item for item in cadre_month(dasawisma, today)}


def test_what_asks_for_the_cadre_this_month(cast):
    today = timezone.localdate()
    rina = cast.w_rina
    Kehamilan.objects.create(ibu=rina, tanggal_mulai=today - datetime.timedelta(days=250),
                             perkiraan_lahir=today - datetime.timedelta(days=3))  # fmt: skip
    # A pregnancy far from its HPL is not listed; nor one in another dasawisma.
    Kehamilan.objects.create(ibu=cast.w_maria, tanggal_mulai=today - datetime.timedelta(days=250),
                             perkiraan_lahir=today + datetime.timedelta(days=5))  # fmt: skip
    items = _items(cast.dw, today)
    assert items["hpl"].count == 1 and items["hpl"].people[0].name == rina.nama
    assert "lewat 3 hari" in items["hpl"].people[0].note
    assert items["hpl"].people[0].url.endswith(f"?ibu={rina.pk}")

    # After the birth: a mother in nifas and a baby without akte, the pregnancy gone from the list.
    sumiati_kel = cast.w_sumiati.keluarga
    bayi = f.warga(rina.keluarga, "Bayi Wijayakusuma", today - datetime.timedelta(days=10), "L")
    kehamilan = Kehamilan.objects.get(ibu=rina)
    kehamilan.tanggal_selesai, kehamilan.hasil = today - datetime.timedelta(days=10), "lahir_hidup"
    kehamilan.save()
    Kelahiran.objects.create(ibu=rina, bayi=bayi, kehamilan=kehamilan, tanggal=today - datetime.timedelta(days=10))
    items = _items(cast.dw, today)
    assert "hpl" not in items
    assert items["nifas"].count == 1 and items["akte"].count == 1
    assert items["akte"].people[0].name == "Bayi Wijayakusuma"
    # 42 days later she is no longer in nifas; the baby still has no akte.
    later = _items(cast.dw, today + datetime.timedelta(days=40))
    assert "nifas" not in later and later["akte"].count == 1

    # Members without NIK of her dasawisma only (Maria of Belimbing is not hers).
    Warga.objects.filter(pk__in=[cast.w_dimas.pk, cast.w_maria.pk]).update(nik=None)
    items = _items(cast.dw, today)
    expected = Warga.objects.filter(keluarga__rumah_tangga__dasawisma=cast.dw, nik__isnull=True, status="aktif").count()
    assert items["nik"].count == expected and cast.w_dimas.nama in [p.name for p in items["nik"].people]
    assert cast.w_maria.nama not in [p.name for p in items["nik"].people]
    assert sumiati_kel.rumah_tangga.dasawisma == cast.dw

    # Households not checked this year: checking one takes it off.
    present = RumahTangga.objects.filter(dasawisma=cast.dw, tanggal_keluar__isnull=True)
    assert items["pendataan"].count == present.count()
    PendataanTahunan.objects.create(rumah_tangga=present.first(), tahun=today.year, diperiksa_oleh=cast.users["kader"])
    assert _items(cast.dw, today)["pendataan"].count == present.count() - 1


def test_the_home_page_shows_it_to_the_cadre_only(client, cast):
    today = timezone.localdate()
    Kehamilan.objects.create(ibu=cast.w_rina, tanggal_mulai=today - datetime.timedelta(days=250),
                             perkiraan_lahir=today + datetime.timedelta(days=7))  # fmt: skip
    client.force_login(cast.users["kader"])
    body = client.get(reverse("home")).content.decode()
    assert "Perlu perhatian di dasawisma Anda" in body and cast.w_rina.nama in body
    assert reverse("reports:kelahiran_add", kwargs={"unit_pk": cast.dw.pk}) + f"?ibu={cast.w_rina.pk}" in body
    for who in ("rt", "kelurahan", "kecamatan"):
        client.force_login(cast.users[who])
        body = client.get(reverse("home")).content.decode()
        assert "Perlu perhatian di dasawisma Anda" not in body and cast.w_rina.nama not in body, who
