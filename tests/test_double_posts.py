"""The same form posted twice at the same moment (a double tap, a retry on bad signal, two people): the
check before the write sees nothing in both requests, the database refuses the second write, and the
person gets the form's message instead of a 500. PostgreSQL with real threads; both requests are held
at a barrier just before their write, so the race happens on every run."""

import contextlib
import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse

from hierarchy import services as hierarchy_services
from hierarchy.levels import Level, Role
from hierarchy.models import KirimanForm, Unit, User
from hierarchy.tests.cast import build_cast
from households import services as household_services
from households import versions
from households.models import Kelahiran, Keluarga, Warga
from households.tests.cast import add_households
from reports import services as events_services
from reports.tests.url_cases_events import kelahiran_post

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="races need PostgreSQL's concurrent writers"),
]


@pytest.fixture
def cast_tx(transactional_db):
    return add_households(build_cast())


def _hold_writes_of(module, model, monkeypatch):
    """Both threads wait at a barrier when `module` is about to save a `model` (after every check)."""
    barrier = threading.Barrier(2)
    real = module.by_actor

    def by_actor_at_the_barrier(obj, actor):
        if isinstance(obj, model) and obj.pk is None:
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(timeout=3)
        return real(obj, actor)

    monkeypatch.setattr(module, "by_actor", by_actor_at_the_barrier)


def _twice(job):
    """The job in two threads at once: what each was told (None when it went through)."""
    outcomes = [None, None]

    def run(i):
        try:
            job()
        except Exception as exc:
            outcomes[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return outcomes


def _one_saved_one_told(outcomes, field):
    assert outcomes.count(None) == 1, outcomes
    refused = next(o for o in outcomes if o is not None)
    assert isinstance(refused, ValidationError) and field in refused.message_dict, refused
    return refused.message_dict[field][0]


def test_a_household_posted_twice_is_saved_once(cast_tx, monkeypatch):
    cast = cast_tx
    _hold_writes_of(household_services, Keluarga, monkeypatch)
    member = {
        "nama": "Siti Rahma", "jenis_kelamin": "P", "tanggal_lahir": datetime.date(1990, 3, 7),
        "status_dalam_keluarga": "kepala", "status_perkawinan": "janda", "agama": "islam", "pendidikan": "sma",
        "pekerjaan": "pedagang", "nik": None,
    }  # fmt: skip

    def create():
        household_services.rumah_tangga_create(
            actor=cast.users["kader"], dasawisma=cast.dw, data={"alamat": "Jl. Kenari 3"},
            keluarga=[{"no_kk": "6474020103150001", "anggota": [member]}],
        )  # fmt: skip

    message = _one_saved_one_told(_twice(create), "no_kk")
    assert "baru saja tersimpan" in message
    assert Keluarga.objects.filter(no_kk="6474020103150001").count() == 1
    assert Warga.objects.filter(nama="Siti Rahma").count() == 1  # nothing half-written


def test_an_account_created_twice_is_created_once(cast_tx, monkeypatch):
    cast = cast_tx
    _hold_writes_of(hierarchy_services, User, monkeypatch)

    def create():
        hierarchy_services.account_create(
            actor=cast.users["kelurahan"], username="kader_baru", first_name="Kader Baru",
            password="kata-sandi-panjang-2026", home_unit=cast.kel, role=Role.KADER, role_unit=cast.dw,
        )  # fmt: skip

    assert "baru saja dipakai" in _one_saved_one_told(_twice(create), "username")
    assert User.objects.filter(username="kader_baru").count() == 1


def test_a_group_created_twice_is_created_once(cast_tx, monkeypatch):
    cast = cast_tx
    _hold_writes_of(hierarchy_services, Unit, monkeypatch)

    def create():
        hierarchy_services.unit_create(
            actor=cast.users["kelurahan"], parent=cast.rt, level=Level.DASAWISMA, code="DW09", name="Kenanga"
        )

    assert "baru saja dipakai" in _one_saved_one_told(_twice(create), "code")
    assert Unit.objects.filter(parent=cast.rt, code="DW09").count() == 1


def test_two_saves_of_one_member_read_at_the_same_version_keep_one_and_tell_the_other(cast_tx, monkeypatch):
    """Both requests past their checks at once (a barrier in require_entry): the row lock makes the second
    compare after the first committed, and it is refused with the first one's change (households.versions)."""
    cast = cast_tx
    rina = Warga.objects.get(pk=cast.w_rina.pk)
    read = versions.version_of(rina)
    barrier = threading.Barrier(2)
    real = household_services.require_entry

    def require_entry_at_the_barrier(actor, dasawisma):
        real(actor, dasawisma)
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=3)

    monkeypatch.setattr(household_services, "require_entry", require_entry_at_the_barrier)
    changes = iter([{"tempat_lahir": "Samarinda"}, {"keterangan": "Pindah kamar"}])
    lock = threading.Lock()

    def save():
        with lock:
            change = next(changes)
        warga = Warga.objects.get(pk=cast.w_rina.pk)
        data = {name: getattr(warga, name) for name in household_services.WARGA_FIELDS} | change
        household_services.warga_update(actor=cast.users["kader"], warga=warga, data=data, version=read)

    outcomes = _twice(save)
    assert outcomes.count(None) == 1, outcomes
    refused = next(o for o in outcomes if o is not None)
    assert isinstance(refused, versions.EditedMeanwhile) and refused.changes, refused
    rina = Warga.objects.get(pk=cast.w_rina.pk)
    assert (rina.tempat_lahir == "Samarinda") != (rina.keterangan == "Pindah kamar")  # exactly one went through


def test_two_no_kk_forms_read_at_the_same_version_save_one_and_show_it_to_the_other(cast_tx, monkeypatch):
    """The keluarga form through the view: both requests held at a barrier just before the view's version
    check, the row lock makes the second compare after the first committed; it gets the form back with
    the notice and what it typed, and the first one's number stays."""
    cast = cast_tx
    keluarga = Keluarga.objects.get(pk=cast.w_hendra.keluarga_id)
    url = reverse("households:keluarga_edit", args=[keluarga.pk])
    read = str(versions.version_of(keluarga))
    barrier = threading.Barrier(2)
    real = versions.check_version

    def check_at_the_barrier(instance, version, **kwargs):
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=3)
        return real(instance, version, **kwargs)

    monkeypatch.setattr(versions, "check_version", check_at_the_barrier)
    numbers = iter(["6474021202200007", "6474020503210012"])
    lock = threading.Lock()
    responses = {}

    def send():
        with lock:
            no_kk = next(numbers)
        browser = Client()
        browser.force_login(cast.users["kader"])
        responses[no_kk] = browser.post(url, {"no_kk": no_kk, "versi": read})

    assert _twice(send) == [None, None]
    by_status = {r.status_code: (no_kk, r) for no_kk, r in responses.items()}
    assert sorted(by_status) == [200, 302], responses
    kept, _saved = by_status[302]
    typed, refused = by_status[200]
    assert "Diubah orang lain" in refused.content.decode() and refused.context["form"]["no_kk"].value() == typed
    assert Keluarga.objects.get(pk=keluarga.pk).no_kk == kept


def test_the_same_birth_form_sent_twice_at_the_same_moment_records_one_birth(cast_tx, monkeypatch):
    """hierarchy.receipts: both requests past every check before either writes; the second waits on the
    form key's row, is rolled back and sent to the first result."""
    cast = cast_tx
    _hold_writes_of(events_services, Kelahiran, monkeypatch)
    key = "ab" * 16
    url = reverse("reports:kelahiran_add", args=[cast.dw.pk])
    data = kelahiran_post(cast.w_rina, tanggal="2026-03-10", konfirmasi=True) | {"kirim_id": key}
    responses = []

    def send():
        browser = Client()
        browser.force_login(cast.users["kader"])
        responses.append(browser.post(url, data))

    assert _twice(send) == [None, None]
    assert [r.status_code for r in responses] == [302, 302]
    assert responses[0]["Location"] == responses[1]["Location"]
    assert Kelahiran.objects.count() == 1 and Warga.objects.filter(nama="Putri").count() == 1
    assert KirimanForm.objects.count() == 1
