"""Writes of the cadres' entry screens that households/services.py does not cover: a new keluarga with
its members in one step, Kegiatan Warga (Lampiran 4.14.1b) and the two household sheets (4.14.2b
Pemanfaatan Tanah Pekarangan, 4.14.2c Industri Rumah Tangga).

Same rules as households/services.py: keyword arguments, one transaction, the actor's right checked
here (services.require_entry), the actor named in the change history."""

from django.core.exceptions import ValidationError
from django.db import transaction

from . import services
from .models import IndustriRumahTangga, Kegiatan, KegiatanWarga, PemanfaatanPekarangan
from .services import by_actor

SHEET_FIELDS = ["kategori", "komoditi", "jumlah"]


def _require_active(warga):
    if not warga.is_active:
        raise ValidationError("Data warga yang sudah pindah atau meninggal tidak dapat diubah lagi.")


@transaction.atomic
def keluarga_add_with_anggota(*, actor, rumah_tangga, no_kk, confirmed=False, anggota):
    """A further Kartu Keluarga in an existing rumah tangga, with its members: all saved or none."""
    services.require_entry(actor, rumah_tangga.dasawisma)
    if not anggota:
        raise ValidationError("Isi sekurang-kurangnya satu anggota keluarga.")
    keluarga = services.keluarga_add(actor=actor, rumah_tangga=rumah_tangga, no_kk=no_kk, confirmed=confirmed)
    for data in anggota:
        services.warga_add(actor=actor, keluarga=keluarga, data=data)
    return keluarga


@transaction.atomic
def kegiatan_warga_set(*, actor, warga, rows):
    """Set the Kegiatan Warga rows of one member.

    rows: [{"kegiatan": Kegiatan value, "aktif": bool, "keterangan": str}, ...]; kegiatan not named keep
    their row. Keterangan (the activity followed) only stays with Aktivitas = Y. Rows that do not
    change are not saved again, so the history shows only real changes."""
    services.require_entry(actor, warga.keluarga.rumah_tangga.dasawisma)
    _require_active(warga)
    existing = {row.kegiatan: row for row in warga.kegiatan.all()}
    saved = []
    for data in rows:
        code = data["kegiatan"]
        if code not in Kegiatan.values:
            raise ValidationError({"kegiatan": f"Kegiatan tidak dikenal: {code}."})
        aktif = bool(data.get("aktif"))
        keterangan = (data.get("keterangan") or "").strip() if aktif else ""
        row = existing.get(code) or KegiatanWarga(warga=warga, kegiatan=code)
        if row.pk is None or (row.aktif, row.keterangan) != (aktif, keterangan):
            row.aktif, row.keterangan = aktif, keterangan
            row.full_clean(exclude=["warga"], validate_unique=False)
            by_actor(row, actor).save()
        saved.append(row)
    return saved


@transaction.atomic
def _sheet_set(model, *, actor, rumah_tangga, rows):
    """Make the sheet of a rumah tangga exactly `rows`: rows with an "id" update that row, rows without
    one are added, and rows of the sheet not named any more are removed."""
    services.require_entry(actor, rumah_tangga.dasawisma)
    existing = {row.pk: row for row in model.objects.filter(rumah_tangga=rumah_tangga)}
    kept, result = set(), []
    for data in rows:
        pk = data.get("id")
        if pk:
            row = existing.get(pk)
            if row is None:
                # Another cadre removed it meanwhile, or the id was tampered with.
                raise ValidationError("Sebuah baris sudah tidak ada. Muat ulang halaman lalu isi lagi.")
            kept.add(pk)
        else:
            row = model(rumah_tangga=rumah_tangga)
        values = {name: (data.get(name) or "").strip() for name in SHEET_FIELDS}
        if row.pk is None or any(getattr(row, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            row.full_clean(exclude=["rumah_tangga"])
            by_actor(row, actor).save()
        result.append(row)
    for pk, row in existing.items():
        if pk not in kept:
            by_actor(row, actor).delete()
    return result


def pekarangan_set(*, actor, rumah_tangga, rows):
    """4.14.2b Pemanfaatan Tanah Pekarangan: rows of {"id"?, "kategori", "komoditi", "jumlah"}."""
    return _sheet_set(PemanfaatanPekarangan, actor=actor, rumah_tangga=rumah_tangga, rows=rows)


def industri_set(*, actor, rumah_tangga, rows):
    """4.14.2c Industri Rumah Tangga: rows of {"id"?, "kategori", "komoditi", "jumlah"}."""
    return _sheet_set(IndustriRumahTangga, actor=actor, rumah_tangga=rumah_tangga, rows=rows)
