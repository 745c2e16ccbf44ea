"""python manage.py import_wilayah: small CSV files written into tmp_path, and one import of Kota
Bontang from the files shipped in data/wilayah."""

import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from hierarchy.levels import LEVEL_ORDER, RANK, Level
from hierarchy.models import Unit
from hierarchy.wilayah import default_data_dir, import_wilayah, read_wilayah, readable_name, unit_name

HEADERS = {
    "provinces.csv": "code,name",
    "regencies.csv": "code,province_code,name",
    "districts.csv": "code,regency_code,name",
    "villages.csv": "code,district_code,name",
}
SMALL = {
    "provinces.csv": ["64,KALIMANTAN TIMUR", "31,DKI JAKARTA"],
    "regencies.csv": ["64.74,64,KOTA BONTANG", "64.01,64,KABUPATEN PASER", "31.71,31,KOTA ADMINISTRASI JAKARTA PUSAT"],
    "districts.csv": [
        "64.74.02,64.74,Bontang Selatan",
        "64.74.03,64.74,Bontang Barat",
        "64.01.01,64.01,Batu Sopang",
        "31.71.01,31.71,Gambir",
    ],
    "villages.csv": [
        "64.74.02.1002,64.74.02,Berbas Tengah",
        "64.74.02.1003,64.74.02,Berbas Pantai",
        "64.74.03.1001,64.74.03,Belimbing",
        "64.01.01.2001,64.01.01,Batu Kajang",
        "31.71.01.1001,31.71.01,Gambir",
    ],
}
SMALL_COUNTS = {Level.PROVINSI: 2, Level.KABKOTA: 3, Level.KECAMATAN: 4, Level.DESA: 5}


def write_wilayah(folder, **overrides):
    """Write the four files into folder: SMALL, with a file's data lines replaced by overrides
    (keyword = file name without .csv). An override may also be a whole text (str, header included),
    raw bytes, or None to leave the file out."""
    folder.mkdir(parents=True, exist_ok=True)
    for filename, header in HEADERS.items():
        content = overrides.get(filename.removesuffix(".csv"), SMALL[filename])
        if content is None:
            continue
        if isinstance(content, bytes):
            (folder / filename).write_bytes(content)
            continue
        text = content if isinstance(content, str) else "\n".join([header, *content]) + "\n"
        (folder / filename).write_text(text, encoding="utf-8")
    return folder


def run(folder, *args, **options):
    out = io.StringIO()
    call_command("import_wilayah", *args, dir=str(folder), stdout=out, **options)
    return out.getvalue()


def level_counts():
    return Counter(Unit.objects.values_list("level", flat=True))


def assert_ancestor_columns_correct():
    """Every unit carries its ancestors' ids and its own id, nothing below (as Unit.save() does)."""
    by_code = {(u.level, u.code): u for u in Unit.objects.all()}
    for unit in by_code.values():
        expected = {}
        node = unit
        while node is not None:
            expected[node.level] = node.pk
            parent_key = (LEVEL_ORDER[RANK[node.level] - 1], node.code.rsplit(".", 1)[0])
            node = by_code.get(parent_key) if "." in node.code else None
        parent_level = LEVEL_ORDER[RANK[unit.level] - 1] if RANK[unit.level] else None
        assert unit.parent_id == expected.get(parent_level), unit.code
        for level in LEVEL_ORDER:
            assert getattr(unit, f"{level}_id") == expected.get(level), (unit.code, level)


# -- names -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("KOTA BONTANG", "Kota Bontang"),
        ("KABUPATEN ACEH SELATAN", "Kabupaten Aceh Selatan"),
        ("DKI JAKARTA", "DKI Jakarta"),
        ("DI YOGYAKARTA", "DI Yogyakarta"),
        ("DAERAH ISTIMEWA YOGYAKARTA", "Daerah Istimewa Yogyakarta"),
        ("NTB", "NTB"),
        ("KABUPATEN PANGKAJENE DAN KEPULAUAN", "Kabupaten Pangkajene dan Kepulauan"),
        ("KABUPATEN TOJO UNA-UNA", "Kabupaten Tojo Una-Una"),
        ("KOTA ADM. JAKARTA PUSAT", "Kota Adm. Jakarta Pusat"),
        ("KOTA BAU BAU", "Kota Bau Bau"),
        ("KI'E", "Ki'e"),
        ("SUNGAI II (DUA)", "Sungai II (Dua)"),
        ("  KOTA   BONTANG ", "Kota Bontang"),
        ("Kota Bontang", "Kota Bontang"),  # already readable: kept
        ("Kota DKI-ish", "Kota DKI-ish"),
        ("", ""),
    ],
)
def test_readable_name(raw, expected):
    assert readable_name(raw) == expected


def test_only_provinsi_and_kabkota_names_are_title_cased():
    assert unit_name(Level.PROVINSI, "KALIMANTAN TIMUR") == "Kalimantan Timur"
    assert unit_name(Level.KABKOTA, "KOTA BONTANG") == "Kota Bontang"
    assert unit_name(Level.KECAMATAN, "KI'E") == "KI'E"
    assert unit_name(Level.DESA, 'Soka"an') == 'Soka"an'


# -- importing -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_import_creates_the_tree_with_ancestor_columns(tmp_path):
    out = run(write_wilayah(tmp_path))
    assert level_counts() == SMALL_COUNTS
    assert_ancestor_columns_correct()
    berbas = Unit.objects.get(level=Level.DESA, code="64.74.02.1002")
    assert berbas.name == "Berbas Tengah" and berbas.parent.name == "Bontang Selatan"
    assert berbas.kabkota.name == "Kota Bontang" and berbas.provinsi.name == "Kalimantan Timur"
    assert Unit.objects.get(code="31").name == "DKI Jakarta"
    assert Unit.objects.get(code="31.71").name == "Kota Administrasi Jakarta Pusat"
    # Imported rows are found the way the app looks for them.
    assert set(berbas.kecamatan.subtree().values_list("code", flat=True)) == {
        "64.74.02",
        "64.74.02.1002",
        "64.74.02.1003",
    }
    assert "Baru" in out and "Ganti nama" in out and "Desa/Kelurahan" in out and "seluruh Indonesia" in out


@pytest.mark.django_db
def test_rerun_is_idempotent_and_renames(tmp_path):
    folder = write_wilayah(tmp_path)
    first = import_wilayah(data_dir=folder)
    assert first.created == 14 and first.renamed == 0 and first.unchanged == 0
    ids = dict(Unit.objects.values_list("code", "id"))

    second = import_wilayah(data_dir=folder)
    assert second.created == 0 and second.renamed == 0 and second.unchanged == 14
    assert level_counts() == SMALL_COUNTS
    assert dict(Unit.objects.values_list("code", "id")) == ids

    villages = [line.replace("Berbas Pantai", "Berbas Pantai Baru") for line in SMALL["villages.csv"]]
    write_wilayah(
        folder,
        regencies=[line.replace("KOTA BONTANG", "KOTA BONTANG RAYA") for line in SMALL["regencies.csv"]],
        villages=villages,
    )
    third = import_wilayah(data_dir=folder)
    assert third.counts[Level.DESA].renamed == 1 and third.counts[Level.KABKOTA].renamed == 1
    assert third.created == 0 and third.unchanged == 12
    assert Unit.objects.get(code="64.74.02.1003").name == "Berbas Pantai Baru"
    # The change history: one "+" row per created unit, one "~" row per rename, nothing for re-runs.
    history = Counter(Unit.history.values_list("history_type", "history_change_reason"))
    assert history == {("+", "import_wilayah"): 14, ("~", "import_wilayah"): 2}
    renamed = Unit.objects.get(code="64.74.02.1003").history.order_by("history_date", "history_id")
    assert [h.name for h in renamed] == ["Berbas Pantai", "Berbas Pantai Baru"]
    assert Unit.objects.get(code="64.74").name == "Kota Bontang Raya"
    assert dict(Unit.objects.values_list("code", "id")) == ids
    assert_ancestor_columns_correct()


@pytest.mark.django_db
def test_new_rows_under_existing_ones(tmp_path):
    """A later file with one more desa: it is added under the existing kecamatan, ancestors filled."""
    folder = write_wilayah(tmp_path)
    import_wilayah(data_dir=folder)
    write_wilayah(folder, villages=[*SMALL["villages.csv"], "64.74.02.1004,64.74.02,Satimpo"])
    summary = import_wilayah(data_dir=folder)
    assert summary.created == 1 and summary.counts[Level.DESA].created == 1
    assert Unit.objects.get(code="64.74.02.1004").parent.code == "64.74.02"
    assert_ancestor_columns_correct()


@pytest.mark.django_db
def test_existing_units_made_by_save_are_matched(tmp_path):
    """Units created one by one by the app (the demo cast, say) are matched by (level, code)."""
    prov = Unit(level=Level.PROVINSI, code="64", name="Kalimantan Timur")
    prov.save()
    kota = Unit(level=Level.KABKOTA, code="64.74", name="Bontang", parent=prov)
    kota.save()
    summary = import_wilayah(data_dir=write_wilayah(tmp_path), kode=["64.74"])
    assert summary.counts[Level.PROVINSI].unchanged == 1 and summary.counts[Level.KABKOTA].renamed == 1
    assert Unit.objects.get(pk=kota.pk).name == "Kota Bontang"
    assert level_counts() == {Level.PROVINSI: 1, Level.KABKOTA: 1, Level.KECAMATAN: 2, Level.DESA: 3}
    assert_ancestor_columns_correct()


@pytest.mark.django_db
def test_parent_already_in_database_is_enough(tmp_path):
    """A file set without the province: allowed when the province is already in the database."""
    Unit(level=Level.PROVINSI, code="64", name="Kalimantan Timur").save()
    folder = write_wilayah(
        tmp_path,
        provinces=[],
        regencies=["64.74,64,KOTA BONTANG"],
        districts=["64.74.02,64.74,Bontang Selatan"],
        villages=["64.74.02.1002,64.74.02,Berbas Tengah"],
    )
    summary = import_wilayah(data_dir=folder)
    assert summary.created == 3
    assert_ancestor_columns_correct()


@pytest.mark.django_db
def test_kode_limits_the_import(tmp_path):
    folder = write_wilayah(tmp_path)
    run(folder, kode=["64.74"])
    assert set(Unit.objects.values_list("code", flat=True)) == {
        "64",
        "64.74",
        "64.74.02",
        "64.74.03",
        "64.74.02.1002",
        "64.74.02.1003",
        "64.74.03.1001",
    }
    assert_ancestor_columns_correct()
    # Then the rest: the Bontang rows are kept, the others added.
    summary = import_wilayah(data_dir=folder)
    assert summary.created == 7 and summary.unchanged == 7
    assert level_counts() == SMALL_COUNTS
    assert_ancestor_columns_correct()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "options", "expected"),
    [
        (["--kode", "64.74.03"], {}, {"64", "64.74", "64.74.03", "64.74.03.1001"}),
        (
            ["--kode", "64.74.03,31"],
            {},
            {"64", "64.74", "64.74.03", "64.74.03.1001", "31", "31.71", "31.71.01", "31.71.01.1001"},
        ),
        (
            ["--kode", "64.74.03", "--kode", "31.71.01.1001"],
            {},
            {"64", "64.74", "64.74.03", "64.74.03.1001", "31", "31.71", "31.71.01", "31.71.01.1001"},
        ),
        ([], {"kode": "64.01"}, {"64", "64.01", "64.01.01", "64.01.01.2001"}),
        (
            [],
            {"kode": ["64.01", "31.71.01"]},
            {"64", "64.01", "64.01.01", "64.01.01.2001", "31", "31.71", "31.71.01", "31.71.01.1001"},
        ),
    ],
)
def test_kode_forms(tmp_path, args, options, expected):
    run(write_wilayah(tmp_path), *args, **options)
    assert set(Unit.objects.values_list("code", flat=True)) == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kode", "message"),
    [
        ("64.7", "tidak sah"),
        ("6474", "tidak sah"),
        ("abc", "tidak sah"),
        ("64.99", "Kode 64.99 tidak ditemukan di regencies.csv"),
        ("99", "provinces.csv"),
        (",", "kosong"),
    ],
)
def test_bad_kode_writes_nothing(tmp_path, kode, message):
    with pytest.raises(CommandError, match=message):
        run(write_wilayah(tmp_path), kode=[kode])
    assert Unit.objects.count() == 0


@pytest.mark.django_db
def test_dry_run_writes_nothing(tmp_path):
    out = run(write_wilayah(tmp_path), "--dry-run")
    assert Unit.objects.count() == 0
    assert "Uji coba" in out and "tidak ada perubahan yang disimpan" in out
    summary = import_wilayah(data_dir=tmp_path, dry_run=True)
    assert summary.created == 14 and Unit.objects.count() == 0


# -- bad files ---------------------------------------------------------------------------------------


BAD_FILES = {
    "missing file": ({"districts": None}, r"tidak ditemukan .*districts\.csv"),
    "wrong header": (
        {"regencies": "code,provinsi,name\n64.74,64,KOTA BONTANG\n"},
        r"regencies\.csv baris 1: baris judul",
    ),
    "extra header column": ({"provinces": "code,name,extra\n64,X,Y\n"}, r"provinces\.csv baris 1"),
    "empty file": ({"provinces": ""}, r"provinces\.csv baris 1: berkas kosong"),
    "bad code format": (
        {"districts": [*SMALL["districts.csv"], "64.74.4,64.74,Bontang Utara"]},
        r"districts\.csv baris 6: kode '64\.74\.4' tidak sesuai format",
    ),
    "code of another level": (
        {"villages": [*SMALL["villages.csv"], "64.74.02,64.74.02,X"]},
        r"villages\.csv baris 7: .*format",
    ),
    "parent not the code's prefix": (
        {"villages": [*SMALL["villages.csv"], "64.74.02.1004,64.74.03,Satimpo"]},
        r"villages\.csv baris 7: kode induk '64\.74\.03' tidak cocok",
    ),
    "unknown parent": (
        {"villages": [*SMALL["villages.csv"], "64.74.01.1001,64.74.01,Bontang Baru"]},
        r"villages\.csv baris 7: kode induk 64\.74\.01 .* tidak ada di districts\.csv",
    ),
    "unknown province": (
        {"regencies": [*SMALL["regencies.csv"], "65.71,65,KOTA TARAKAN"]},
        r"regencies\.csv baris 5: kode induk 65",
    ),
    "duplicate code": (
        {"villages": [*SMALL["villages.csv"], "64.74.02.1002,64.74.02,Berbas Tengah Lagi"]},
        r"villages\.csv baris 7: kode 64\.74\.02\.1002 ganda \(sudah ada di baris 2\)",
    ),
    "empty name": (
        {"districts": [*SMALL["districts.csv"], "64.74.01,64.74,  "]},
        r"districts\.csv baris 6: nama untuk kode 64\.74\.01 kosong",
    ),
    "too few columns": (
        {"regencies": [*SMALL["regencies.csv"], "64.72,KOTA SAMARINDA"]},
        r"regencies\.csv baris 5: ada 2 kolom, seharusnya 3",
    ),
    "name too long": (
        {"villages": [*SMALL["villages.csv"], "64.74.02.1004,64.74.02," + "x" * 201]},
        r"villages\.csv baris 7: .*lebih dari 200",
    ),
    "not utf-8": (
        {
            "villages": b"code,district_code,name\n64.74.02.1002,64.74.02,Berbas Tengah\n"
            b"64.74.02.1003,64.74.02,Caf\xe9\n"
        },
        r"villages\.csv baris 3: berkas bukan teks UTF-8",
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize(("overrides", "message"), BAD_FILES.values(), ids=BAD_FILES.keys())
def test_bad_file_raises_and_writes_nothing(tmp_path, overrides, message):
    folder = write_wilayah(tmp_path, **overrides)
    with pytest.raises(CommandError, match=message):
        run(folder)
    assert Unit.objects.count() == 0


@pytest.mark.django_db
def test_bad_file_on_rerun_changes_nothing(tmp_path):
    """A good import, then a file with a rename and a bad line: nothing of it is written."""
    folder = write_wilayah(tmp_path)
    import_wilayah(data_dir=folder)
    before = list(Unit.objects.order_by("pk").values_list("pk", "code", "name"))
    write_wilayah(
        folder, provinces=["64,KALTIM", "31,DKI JAKARTA"], villages=[*SMALL["villages.csv"], "64.74.02.10,64.74.02,X"]
    )
    with pytest.raises(CommandError, match=r"villages\.csv baris 7"):
        import_wilayah(data_dir=folder)
    assert list(Unit.objects.order_by("pk").values_list("pk", "code", "name")) == before


@pytest.mark.django_db
def test_all_errors_are_listed_with_bom_and_blank_lines_allowed(tmp_path):
    folder = write_wilayah(tmp_path)
    (folder / "provinces.csv").write_text("\ufeffcode,name\n64,KALIMANTAN TIMUR\n\n31,DKI JAKARTA\n", encoding="utf-8")
    (folder / "districts.csv").write_text(
        "code,regency_code,name\n64.74.02,64.74,Bontang Selatan\n64.74.03,64.74,\n64.74.3,64.74,Bontang Barat\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError) as raised:
        run(folder)
    text = str(raised.value)
    assert "districts.csv baris 3" in text and "districts.csv baris 4" in text
    assert "provinces.csv" not in text  # the BOM and the blank line are fine
    assert Unit.objects.count() == 0


@pytest.mark.django_db
def test_missing_folder(tmp_path):
    with pytest.raises(CommandError, match="Folder data wilayah tidak ditemukan"):
        run(tmp_path / "nowhere")


# -- the shipped files ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_shipped_files_are_valid():
    rows, kodes = read_wilayah(default_data_dir())
    assert kodes == []
    assert {level: len(level_rows) for level, level_rows in rows.items()} == {
        Level.PROVINSI: 38,
        Level.KABKOTA: 514,
        Level.KECAMATAN: 7277,
        Level.DESA: 83763,
    }


@pytest.mark.django_db
def test_shipped_files_kota_bontang():
    out = io.StringIO()
    call_command("import_wilayah", kode=["64.74"], stdout=out)
    assert level_counts() == {Level.PROVINSI: 1, Level.KABKOTA: 1, Level.KECAMATAN: 3, Level.DESA: 15}
    berbas = Unit.objects.get(level=Level.DESA, code="64.74.02.1002")
    assert berbas.name == "Berbas Tengah" and berbas.kind_label == "Kelurahan"
    kec = berbas.parent
    assert (kec.level, kec.code, kec.name) == (Level.KECAMATAN, "64.74.02", "Bontang Selatan")
    kota = Unit.objects.get(level=Level.KABKOTA, code="64.74")
    prov = Unit.objects.get(level=Level.PROVINSI, code="64")
    assert (kota.name, prov.name) == ("Kota Bontang", "Kalimantan Timur")
    assert (berbas.provinsi_id, berbas.kabkota_id, berbas.kecamatan_id, berbas.desa_id) == (
        prov.pk,
        kota.pk,
        kec.pk,
        berbas.pk,
    )
    assert berbas.dusun_id is None and berbas.rw_id is None and berbas.rt_id is None and berbas.dasawisma_id is None
    assert_ancestor_columns_correct()
    assert "kode 64.74" in out.getvalue()
