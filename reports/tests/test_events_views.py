"""The monthly vital events screens as a cadre on a phone uses them: record a pregnancy, a birth (twins
too), a death; confirm what the service asks to confirm without retyping; see the month as the 4.18a
rows and totals; a submitted month closed to the cadre and open to the kelurahan's corrections."""

import datetime
import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from households import rules
from households.models import Kehamilan, Kelahiran, Kematian, Warga
from households.tests import factories as f
from pkkdata import periods
from reports import events
from reports import services as ev
from reports.models import Laporan

from .url_cases_events import kehamilan_post, kelahiran_post, kematian_post

TODAY = timezone.localdate()
# A month two months back: every date in it is in the past, and it is not the current month.
FIRST = periods.add_months(TODAY.replace(day=1), -2)
TAHUN, BULAN = FIRST.year, FIRST.month
BULAN_PARAM = f"{TAHUN:04d}-{BULAN:02d}"


def day(n):
    return FIRST + datetime.timedelta(days=n - 1)


def iso(n):
    return day(n).isoformat()


def url(name, *args, **query):
    path = reverse(f"reports:{name}", args=args)
    if query:
        path += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return path


def month_page(client, cast, bulan=BULAN_PARAM):
    return client.get(url("kejadian_dasawisma", cast.dw.pk, bulan=bulan))


def text(response):
    return response.content.decode()


def shown_messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def totals_on(page):
    return {key: int(value) for key, value in re.findall(r'data-total="(\w+)">(\d+)<', page)}


def login(client, cast, role):
    client.force_login(cast.users[role])
    return client


@pytest.fixture
def kader(client, cast):
    return login(client, cast, "kader")


@pytest.fixture
def kelurahan(client, cast):
    return login(client, cast, "kelurahan")


def lock(cast, status="dikirim", **fields):
    return Laporan.objects.create(unit=cast.dw, tahun=TAHUN, bulan=BULAN, status=status, **fields)


# -- the whole path --------------------------------------------------------------------------------


def test_kader_records_a_pregnancy_then_the_birth_and_the_baby_becomes_a_member(kader, cast):
    start = periods.add_months(FIRST, -7)
    response = kader.post(url("kehamilan_add", cast.dw.pk), kehamilan_post(cast.w_rina, mulai=start.isoformat()))
    assert response.status_code == 302
    assert "Kehamilan Rina Wijayakusuma dicatat." in shown_messages(response)

    page = text(month_page(kader, cast))
    assert "Rina Wijayakusuma" in page and "Hamil" in page and "Catat kelahiran" in page

    pregnancy = Kehamilan.objects.get(ibu=cast.w_rina)
    shortcut = url("kelahiran_add", cast.dw.pk, ibu=cast.w_rina.pk)
    assert f'value="{cast.w_rina.pk}" selected' in text(kader.get(shortcut))

    data = kelahiran_post(cast.w_rina, tanggal=iso(10), nama="Putri Wijayakusuma", jenis_kelamin="P", akte="1")
    response = kader.post(url("kelahiran_add", cast.dw.pk), data)
    assert response.status_code == 302
    assert response["Location"] == url("kejadian_dasawisma", cast.dw.pk, bulan=BULAN_PARAM)

    baby = Warga.objects.get(nama="Putri Wijayakusuma")
    assert baby.keluarga_id == cast.w_rina.keluarga_id and baby.tanggal_lahir == day(10) and baby.is_active
    pregnancy.refresh_from_db()
    assert (pregnancy.tanggal_selesai, pregnancy.hasil) == (day(10), "melahirkan")

    page = text(month_page(kader, cast))
    assert "Melahirkan" in page and "Putri Wijayakusuma" in page and "suami: Hendra Wijayakusuma" in page
    totals = totals_on(page)
    assert totals["ibu_melahirkan"] == 1 and totals["bayi_lahir"] == 1 and totals["ibu_hamil"] == 0
    assert "Tidak ada kehamilan yang sedang berlangsung." in page


def test_the_mother_list_shows_only_women_of_childbearing_age_of_this_dasawisma(kader, cast):
    page = text(kader.get(url("kehamilan_add", cast.dw.pk)))
    age = rules.age_years(cast.w_rina.tanggal_lahir, TODAY)
    assert f"Rina Wijayakusuma — {age} th — RT 001, Jl. Melati 1 No. 2" in page
    for name in ["Sumiati", "Hendra", "Dimas", "Bambang", "Maria Siregar"]:
        assert name not in page


def test_a_mother_from_another_dasawisma_is_refused_by_the_form(kader, cast):
    response = kader.post(url("kehamilan_add", cast.dw.pk), kehamilan_post(cast.w_maria))
    assert response.status_code == 200
    assert "Pilih nama dari daftar warga dasawisma ini." in text(response)
    assert not Kehamilan.objects.exists()


def test_an_empty_post_shows_the_messages_at_the_fields(kader, cast):
    page = text(kader.post(url("kehamilan_add", cast.dw.pk), {}))
    assert "Pilih nama dari daftar." in page and "Isi tanggal mulai hamil / pertama diketahui." in page
    page = text(kader.post(url("kelahiran_add", cast.dw.pk), {}))
    assert "Isi nama bayi" in page and "Pilih jenis kelamin bayi." in page
    page = text(kader.post(url("kematian_add", cast.dw.pk), {}))
    assert "Isi sebab meninggal" in page and "Isi tanggal meninggal." in page


def test_a_service_message_lands_at_its_field_and_the_typed_values_stay(kader, cast):
    future = (TODAY + datetime.timedelta(days=3)).isoformat()
    response = kader.post(url("kehamilan_add", cast.dw.pk), kehamilan_post(cast.w_rina, mulai=future))
    page = text(response)
    assert response.status_code == 200
    assert "Tanggal mulai hamil tidak boleh di masa depan." in page
    assert f'value="{future}"' in page and f'value="{cast.w_rina.pk}" selected' in page
    field = page[page.index('id="id_tanggal_mulai"') - 400 : page.index('id="id_tanggal_mulai"')]
    assert "has-error" in field


# -- confirmations ---------------------------------------------------------------------------------


def test_a_birth_without_a_recorded_pregnancy_asks_for_confirmation_and_keeps_what_was_typed(kader, cast):
    data = kelahiran_post(cast.w_rina, tanggal=iso(3), nama="Bayi Rina", tempat_lahir="RSUD Taman Husada")
    response = kader.post(url("kelahiran_add", cast.dw.pk), data)
    page = text(response)
    assert response.status_code == 200
    assert "Kehamilan ibu ini belum tercatat." in page
    assert "Saya sudah memeriksa, kelahiran ini benar" in page
    assert 'value="Bayi Rina"' in page and 'value="RSUD Taman Husada"' in page and f'value="{iso(3)}"' in page
    assert not Kelahiran.objects.exists()

    response = kader.post(url("kelahiran_add", cast.dw.pk), {**data, "konfirmasi": "on"})
    assert response.status_code == 302
    birth = Kelahiran.objects.get()
    assert birth.tanpa_kehamilan_dikonfirmasi and birth.bayi.tempat_lahir == "RSUD Taman Husada"


def test_the_confirmation_box_is_not_shown_before_it_is_needed(kader, cast):
    page = text(kader.get(url("kelahiran_add", cast.dw.pk)))
    assert "Saya sudah memeriksa" not in page


def test_a_death_just_past_balita_age_asks_for_confirmation(kader, cast):
    Warga.objects.filter(pk=cast.w_dimas.pk).update(tanggal_lahir=periods.add_months(day(15), -61))
    data = kematian_post(cast.w_dimas, tanggal=iso(15), sebab="demam berdarah")
    response = kader.post(url("kematian_add", cast.dw.pk), data)
    page = text(response)
    assert "lebih dari 59 bulan" in page and "Saya sudah memeriksa, data kematian ini benar" in page
    assert 'value="demam berdarah"' in page
    assert not Kematian.objects.exists()

    response = kader.post(url("kematian_add", cast.dw.pk), {**data, "konfirmasi": "on"})
    assert response.status_code == 302
    dimas = Warga.objects.get(pk=cast.w_dimas.pk)
    assert (dimas.status, dimas.tanggal_status) == ("meninggal", day(15))
    assert "Dimas Wijayakusuma kini berstatus meninggal" in " ".join(shown_messages(response))


def test_the_death_page_says_the_person_will_be_marked_meninggal(kader, cast):
    page = text(kader.get(url("kematian_add", cast.dw.pk, warga=cast.w_sumiati.pk)))
    assert "ditandai meninggal" in page
    assert f'value="{cast.w_sumiati.pk}" selected' in page
    assert "Bambang" not in page


def test_an_adult_death_is_kept_and_shown_outside_the_4_18a_rows(kader, cast):
    response = kader.post(url("kematian_add", cast.dw.pk), kematian_post(cast.w_sumiati, tanggal=iso(8)))
    assert response.status_code == 302
    page = text(month_page(kader, cast))
    assert "Kematian lain" in page and "Sumiati Wijayakusuma" in page
    assert totals_on(page)["balita_meninggal"] == 0


# -- twins -----------------------------------------------------------------------------------------


def test_twins_in_one_post_make_two_members_of_one_pregnancy(kader, cast):
    ev.kehamilan_record(actor=cast.users["kader"], ibu=cast.w_rina, tanggal_mulai=periods.add_months(FIRST, -8))
    twin = {"nama": "Kembar Dua", "jenis_kelamin": "L", "akte": "0"}
    data = kelahiran_post(cast.w_rina, tanggal=iso(4), nama="Kembar Satu", twin=twin)
    response = kader.post(url("kelahiran_add", cast.dw.pk), data)
    assert response.status_code == 302
    assert "Kelahiran Kembar Satu dan Kembar Dua dicatat" in shown_messages(response)[0]
    births = list(Kelahiran.objects.order_by("pk"))
    assert [b.bayi.nama for b in births] == ["Kembar Satu", "Kembar Dua"]
    assert births[0].kehamilan_id == births[1].kehamilan_id is not None
    assert [b.akte_kelahiran for b in births] == [True, False]
    totals = totals_on(text(month_page(kader, cast)))
    assert totals["bayi_lahir"] == 2 and totals["ibu_melahirkan"] == 1


def test_a_twin_can_also_be_recorded_again_for_the_same_mother_and_date(kader, cast):
    ev.kehamilan_record(actor=cast.users["kader"], ibu=cast.w_rina, tanggal_mulai=periods.add_months(FIRST, -8))
    for name in ["Kembar A", "Kembar B"]:
        response = kader.post(url("kelahiran_add", cast.dw.pk), kelahiran_post(cast.w_rina, tanggal=iso(4), nama=name))
        assert response.status_code == 302, text(response)
    assert Kelahiran.objects.filter(ibu=cast.w_rina, tanggal=day(4)).count() == 2


def test_a_refused_second_baby_saves_neither(kader, cast):
    ev.kehamilan_record(actor=cast.users["kader"], ibu=cast.w_rina, tanggal_mulai=periods.add_months(FIRST, -8))
    taken = cast.w_hendra.nik
    twin = {"nama": "Kembar Dua", "jenis_kelamin": "L", "akte": "0", "nik": taken}
    response = kader.post(url("kelahiran_add", cast.dw.pk), kelahiran_post(cast.w_rina, tanggal=iso(4), twin=twin))
    page = text(response)
    assert response.status_code == 200
    assert not Kelahiran.objects.exists() and not Warga.objects.filter(nama="Putri").exists()
    assert Kehamilan.objects.get().tanggal_selesai is None
    assert '<details class="box twin" open>' in page and 'value="Kembar Dua"' in page
    error_at = page.index('id="id_bayi2_nik"')
    assert '<p class="error">' in page[error_at : error_at + 600]


def test_a_half_filled_second_baby_asks_for_its_name(kader, cast):
    data = kelahiran_post(cast.w_rina, tanggal=iso(4), konfirmasi=True, twin={"jenis_kelamin": "L"})
    page = text(kader.post(url("kelahiran_add", cast.dw.pk), data))
    assert "Isi nama bayi kedua, atau kosongkan bagian bayi kedua." in page
    assert not Kelahiran.objects.exists()


# -- ending a pregnancy ----------------------------------------------------------------------------


def test_a_miscarriage_ends_the_pregnancy_and_it_leaves_the_ongoing_list(kader, cast):
    k = ev.kehamilan_record(actor=cast.users["kader"], ibu=cast.w_rina, tanggal_mulai=periods.add_months(FIRST, -1))
    page = text(month_page(kader, cast))
    assert url("kehamilan_end", k.pk) in page and "Akhiri (keguguran / lahir mati)" in page
    response = kader.post(url("kehamilan_end", k.pk), {"tanggal": iso(20), "hasil": "keguguran"})
    assert response.status_code == 302
    k.refresh_from_db()
    assert (k.tanggal_selesai, k.hasil) == (day(20), "keguguran")
    assert "Tidak ada kehamilan yang sedang berlangsung." in text(month_page(kader, cast))


def test_an_ended_pregnancy_cannot_be_ended_again(kader, cast):
    k = ev.kehamilan_record(actor=cast.users["kader"], ibu=cast.w_rina, tanggal_mulai=periods.add_months(FIRST, -8))
    ev.kelahiran_record(actor=cast.users["kader"], ibu=cast.w_rina, tanggal=day(2), bayi={"nama": "Bayi",
                        "jenis_kelamin": "L"}, akte_kelahiran=True)  # fmt: skip
    assert "sudah berakhir" in text(kader.get(url("kehamilan_end", k.pk)))
    response = kader.post(url("kehamilan_end", k.pk), {"tanggal": iso(5), "hasil": "keguguran"})
    assert response.status_code == 200 and "tidak dapat diakhiri lagi" in text(response)
    k.refresh_from_db()
    assert k.hasil == "melahirkan"


# -- the month lock --------------------------------------------------------------------------------


def test_a_submitted_month_refuses_the_cadre_with_a_message(kader, cast):
    lock(cast)
    page = text(month_page(kader, cast))
    assert "sudah <strong>dikirim</strong>" in page and "tidak dapat lagi ditambah atau diubah oleh kader" in page
    assert "+ Kehamilan" not in page and "+ Kelahiran" not in page

    data = kematian_post(cast.w_sumiati, tanggal=iso(6))
    response = kader.post(url("kematian_add", cast.dw.pk), data)
    assert response.status_code == 200
    assert "sudah dikirim atau disetujui: minta ketua kelompok RT mengembalikannya" in text(response)
    assert not Kematian.objects.exists()

    # The current month is not locked: the same cadre records there.
    assert "+ Kehamilan" in text(kader.get(url("kejadian_dasawisma", cast.dw.pk)))


def test_the_kelurahan_corrects_an_approved_month_and_it_shows_changed_after_approval(kelurahan, cast):
    lock(cast, "disetujui", snapshot=events.numbers_for(cast.dw, TAHUN, BULAN))
    page = text(month_page(kelurahan, cast))
    assert "sudah <strong>disetujui</strong>" in page and "+ Kelahiran" in page
    assert "Berubah setelah disetujui" not in page

    form_page = text(kelurahan.get(url("kelahiran_add", cast.dw.pk)))
    assert "berubah setelah disetujui" in form_page

    data = kelahiran_post(cast.w_rina, tanggal=iso(12), nama="Koreksi", konfirmasi=True)
    response = kelurahan.post(url("kelahiran_add", cast.dw.pk), data)
    assert response.status_code == 302
    assert any("berubah setelah disetujui" in m for m in shown_messages(response))
    page = text(month_page(kelurahan, cast))
    assert "Berubah setelah disetujui" in page and "Koreksi" in page


def test_the_kelurahan_records_in_a_submitted_month(kelurahan, cast):
    lock(cast)
    response = kelurahan.post(url("kehamilan_add", cast.dw.pk), kehamilan_post(cast.w_rina, mulai=iso(2)))
    assert response.status_code == 302
    assert any("menunggu persetujuan" in m for m in shown_messages(response))
    assert Kehamilan.objects.filter(ibu=cast.w_rina).exists()


def test_the_cadre_sees_no_lock_sentence_when_the_report_was_returned(kader, cast):
    lock(cast, "dikembalikan")
    page = text(month_page(kader, cast))
    assert "+ Kematian" in page and "sudah <strong>" not in page


# -- who may come in -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"), [("rt", 403), ("kota", 403), ("rw", 403), ("outsider", 404), ("nobody", 404)]
)
@pytest.mark.parametrize("name", ["kehamilan_add", "kelahiran_add", "kematian_add"])
def test_entry_pages_refuse_viewers_and_hide_from_outsiders(client, cast, role, status, name):
    login(client, cast, role)
    assert client.get(url(name, cast.dw.pk)).status_code == status
    assert client.post(url(name, cast.dw.pk), kematian_post(cast.w_sumiati)).status_code == status
    assert not Kematian.objects.exists()


@pytest.mark.parametrize(("role", "status"), [("rt", 403), ("kota", 403), ("outsider", 404)])
def test_ending_a_pregnancy_is_refused_likewise(client, cast, role, status):
    k = Kehamilan.objects.create(ibu=cast.w_rina, tanggal_mulai=day(1))
    login(client, cast, role)
    assert client.post(url("kehamilan_end", k.pk), {"tanggal": iso(9), "hasil": "keguguran"}).status_code == status
    k.refresh_from_db()
    assert k.tanggal_selesai is None


def test_the_rt_sees_the_month_without_entry_buttons(client, cast):
    Kehamilan.objects.create(ibu=cast.w_rina, tanggal_mulai=day(1))
    page = text(month_page(login(client, cast, "rt"), cast))
    assert "Rina Wijayakusuma" in page
    assert "+ Kehamilan" not in page and "Catat kelahiran" not in page and "Akhiri" not in page


def test_a_unit_that_is_not_a_dasawisma_is_not_found(kader, cast):
    assert kader.get(url("kejadian_dasawisma", cast.rt.pk)).status_code == 404


# -- the month's page ------------------------------------------------------------------------------


def test_the_month_totals_match_the_numbers_the_report_stores(kader, cast):
    actor = cast.users["kader"]
    # Rina: pregnant since before the month, delivers in it; Ani: pregnant through the month; Dimas dies
    # at 4 years (balita); a baby born and died in the month (bayi).
    ani = f.warga(cast.w_sumiati.keluarga, "Ani Wijayakusuma", datetime.date(1995, 2, 2), "P")
    ev.kehamilan_record(actor=actor, ibu=cast.w_rina, tanggal_mulai=periods.add_months(FIRST, -8))
    ev.kehamilan_record(actor=actor, ibu=ani, tanggal_mulai=periods.add_months(FIRST, -2))
    birth = ev.kelahiran_record(actor=actor, ibu=cast.w_rina, tanggal=day(3), bayi={"nama": "Bayi Satu",
                                "jenis_kelamin": "L"}, akte_kelahiran=False)  # fmt: skip
    ev.kematian_record(actor=actor, warga=birth.bayi, tanggal=day(9), sebab="sesak napas")
    Warga.objects.filter(pk=cast.w_dimas.pk).update(tanggal_lahir=periods.add_months(day(12), -50))
    ev.kematian_record(actor=actor, warga=Warga.objects.get(pk=cast.w_dimas.pk), tanggal=day(12), sebab="diare")

    page = text(month_page(kader, cast))
    expected = events.catatan_totals(events.numbers_for(cast.dw, TAHUN, BULAN))
    assert totals_on(page) == expected
    assert expected == {"ibu_hamil": 1, "ibu_melahirkan": 1, "ibu_nifas": 0, "ibu_meninggal": 0, "bayi_lahir": 1,
                        "bayi_meninggal": 1, "balita_meninggal": 1}  # fmt: skip
    # Next month Rina is nifas.
    nxt = periods.add_months(FIRST, 1)
    page = text(month_page(kader, cast, bulan=f"{nxt.year:04d}-{nxt.month:02d}"))
    assert totals_on(page)["ibu_nifas"] == 1 and "Nifas" in page


def test_the_month_page_defaults_to_this_month_and_navigates(kader, cast):
    page = text(kader.get(url("kejadian_dasawisma", cast.dw.pk)))
    assert f'data-month="{TODAY:%Y-%m}"' in page
    prev = periods.add_months(TODAY.replace(day=1), -1)
    assert url("kejadian_dasawisma", cast.dw.pk, bulan=f"{prev:%Y-%m}") in page
    assert 'rel="next"' not in page  # nothing to record in the future

    page = text(month_page(kader, cast))
    nxt = periods.add_months(FIRST, 1)
    assert url("kejadian_dasawisma", cast.dw.pk, bulan=f"{nxt:%Y-%m}") in page


def test_an_unreadable_month_falls_back_to_this_month_with_a_notice(kader, cast):
    response = month_page(kader, cast, bulan="maret")
    assert response.status_code == 200
    assert f'data-month="{TODAY:%Y-%m}"' in text(response)
    assert "Bulan “maret” tidak dikenal; ditampilkan bulan ini." in shown_messages(response)


def _many_events(cast, n):
    actor = cast.users["kader"]
    for i in range(n):
        hh = f.rumah_tangga(cast.dw, alamat=f"Jl. Melati 1 No. {20 + i}")
        kel = f.keluarga(hh)
        ibu = f.warga(kel, f"Ibu {i} Wijayakusuma", datetime.date(1990, 1, 1 + i), "P", status_dalam_keluarga="istri",
                      status_perkawinan="menikah")  # fmt: skip
        f.warga(kel, f"Suami {i} Wijayakusuma", datetime.date(1988, 1, 1 + i), "L", status_dalam_keluarga="kepala",
                status_perkawinan="menikah")  # fmt: skip
        ev.kehamilan_record(actor=actor, ibu=ibu, tanggal_mulai=periods.add_months(FIRST, -8))
        birth = ev.kelahiran_record(actor=actor, ibu=ibu, tanggal=day(2 + i), bayi={"nama": f"Bayi {i}",
                                    "jenis_kelamin": "LP"[i % 2]}, akte_kelahiran=bool(i % 2))  # fmt: skip
        if i % 3 == 0:
            ev.kematian_record(actor=actor, warga=birth.bayi, tanggal=day(20), sebab="sakit")
        old = f.warga(kel, f"Kakek {i} Wijayakusuma", datetime.date(1940, 1, 1 + i), "L")
        ev.kematian_record(actor=actor, warga=old, tanggal=day(21), sebab="sakit tua")
        ev.kehamilan_record(actor=actor, ibu=f.warga(kel, f"Adik {i} Wijayakusuma", datetime.date(1999, 1, 1 + i),
                            "P"), tanggal_mulai=day(1))  # fmt: skip


@pytest.mark.parametrize("n", [1, 12])
def test_the_month_page_needs_the_same_queries_for_one_or_many_events(kader, cast, n, django_assert_max_num_queries):
    _many_events(cast, n)
    lock(cast, "disetujui", snapshot=events.empty_numbers())  # the approved-and-changed path too
    with django_assert_max_num_queries(28):
        response = month_page(kader, cast)
    assert response.status_code == 200
    assert f"Bayi {n - 1}" in text(response)


@pytest.mark.parametrize("n", [1, 12])
def test_the_entry_forms_list_their_people_in_constant_queries(kader, cast, n, django_assert_max_num_queries):
    _many_events(cast, n)
    for name in ["kehamilan_add", "kelahiran_add", "kematian_add"]:
        with django_assert_max_num_queries(8):
            assert kader.get(url(name, cast.dw.pk)).status_code == 200


def test_a_pregnancy_left_open_past_its_hpl_asks_to_be_closed(kader, cast):
    start = TODAY - datetime.timedelta(days=200)
    k = Kehamilan.objects.create(
        ibu=cast.w_rina, tanggal_mulai=start, perkiraan_lahir=start + datetime.timedelta(days=280)
    )
    assert "Sudah lewat perkiraan lahir" not in text(month_page(kader, cast))
    k.perkiraan_lahir = TODAY - datetime.timedelta(days=15)
    k.save()
    assert "Sudah lewat perkiraan lahir" in text(month_page(kader, cast))
    # without an HPL: ten months after its start
    k.perkiraan_lahir, k.tanggal_mulai = None, TODAY - datetime.timedelta(days=301)
    k.save()
    assert "Sudah lewat perkiraan lahir" in text(month_page(kader, cast))
