"""URL cases of the household entry screens (households/views_entry.py) for the URL-by-role walk
(tests/test_urls_by_role.py), and the POST data those screens take, shared with
households/tests/test_entry_views.py.

Only the cadres of a dasawisma (and the system administrator) enter its households: everybody else
who sees the dasawisma gets 403, everybody who does not see it 404."""

from hierarchy.tests.url_cases import SEE_DW, SEE_RT, table
from households.models import Kegiatan

ENTRY = {"admin", "ketua_dasawisma", "kader"}
VIEW_ONLY = SEE_DW - ENTRY  # kota, kecamatan, kelurahan, sekretaris, rw, rt
# Melati 2, the sibling dasawisma under the same RT: its viewers get 403, Melati 1's cadres 404.
SIBLING_VIEW = SEE_RT - {"admin"}

# Dates and serials unlike the cast's (households/tests/factories.py numbers its cards from 0001, KK issued
# 01-03-2015), so that these never clash with a cast member's.
NO_KK = "6474021507187001"  # Bontang Selatan, issued 15-07-2018
NIK_SITI = "6474024703907001"  # a woman born 07-03-1990
NIK_BUDI = "6474021402837002"  # a man born 14-02-1983

RUMAH_TANGGA = {
    "alamat": "Jl. Kenanga 5", "no_registrasi": "", "makanan_pokok": "beras", "makanan_pokok_jenis": "",
    "punya_jamban": "1", "jumlah_jamban": "1", "air_pdam": "on", "air_lainnya_jenis": "", "punya_tempat_sampah": "1",
    "punya_spal": "1", "stiker_p4k": "0", "kriteria_rumah": "sehat", "aktivitas_up2k": "0", "jenis_usaha_up2k": "",
    "kesehatan_lingkungan": "0", "punya_mck_septic": "1",
}  # fmt: skip
WARGA = {
    "no_registrasi": "", "nik": "", "nama": "", "jabatan": "", "jenis_kelamin": "", "tempat_lahir": "",
    "tanggal_lahir": "", "status_perkawinan": "lajang", "status_dalam_keluarga": "", "agama": "", "alamat": "",
    "pendidikan": "", "pekerjaan": "", "akseptor_kb": "0", "jenis_kb": "", "aktif_posyandu": "0",
    "frekuensi_posyandu": "", "ikut_bkb": "0", "punya_tabungan": "0", "ikut_kelompok_belajar": "0",
    "jenis_kelompok_belajar": "", "ikut_paud": "0", "ikut_koperasi": "0", "jenis_koperasi": "",
    "berkebutuhan_khusus": "tidak", "ibu_menyusui": "0", "keterangan": "",
}  # fmt: skip
SITI = {
    "nik": NIK_SITI, "nama": "Siti Rahmawati", "jenis_kelamin": "P", "tempat_lahir": "Bontang",
    "tanggal_lahir": "1990-03-07", "status_perkawinan": "menikah", "status_dalam_keluarga": "istri",
    "agama": "islam", "pendidikan": "sma", "pekerjaan": "irt",
}  # fmt: skip
BUDI = {
    "nik": NIK_BUDI, "nama": "Budi Santoso", "jenis_kelamin": "L", "tempat_lahir": "Samarinda",
    "tanggal_lahir": "1983-02-14", "status_perkawinan": "menikah", "status_dalam_keluarga": "kepala",
    "agama": "islam", "pendidikan": "s1", "pekerjaan": "pns",
}  # fmt: skip


def warga_post(prefix="", **fields):
    """One member as the Data Warga form posts it ("" fields as a browser sends them)."""
    return {f"{prefix}{name}": value for name, value in {**WARGA, **fields}.items()}


def members_post(*members, prefix="anggota"):
    data = {f"{prefix}-TOTAL_FORMS": str(len(members)), f"{prefix}-INITIAL_FORMS": "0"}
    for i, member in enumerate(members):
        data.update(warga_post(f"{prefix}-{i}-", **member))
    return data


def rumah_tangga_post(*members, no_kk=NO_KK, **fields):
    """The whole 'Rumah tangga baru' page: Data Keluarga, the No. KK and the members."""
    data = {f"rt-{name}": value for name, value in {**RUMAH_TANGGA, **fields}.items()}
    data["kk-no_kk"] = no_kk
    data.update(members_post(*(members or (BUDI, SITI))))
    return data


def kegiatan_post(**answers):
    """{kegiatan: (aktif "1"/"0", keterangan)}; kegiatan not named are answered Tidak."""
    data = {}
    for code in Kegiatan.values:
        aktif, keterangan = answers.get(code, ("0", ""))
        data.update({f"{code}_aktif": aktif, f"{code}_keterangan": keterangan})
    return data


def sheet_post(prefix, *rows):
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": "0"}
    for i, row in enumerate(rows):
        data.update({f"{prefix}-{i}-{name}": value for name, value in row.items()})
    return data


def entry(status="ok"):
    """Melati 1's cadres may (admin too); its other viewers are refused; nobody else finds it."""
    return table(**{status: ENTRY}, forbidden=VIEW_ONLY)


def sibling():
    return table(ok={"admin"}, forbidden=SIBLING_VIEW)


def kel_a(c):
    return {"pk": c.w_hendra.keluarga_id}


CASES = [
    ("households:rumah_tangga_create", lambda c: {"unit_pk": c.dw.pk}, "get", None, entry()),
    ("households:rumah_tangga_create", lambda c: {"unit_pk": c.dw_b.pk}, "get", None, sibling()),
    (
        "households:rumah_tangga_create",
        lambda c: {"unit_pk": c.dw2.pk},
        "get",
        None,
        table(ok={"admin"}, forbidden={"kota", "outsider"}),
    ),
    ("households:rumah_tangga_create", lambda c: {"unit_pk": c.rt.pk}, "get", None, table()),  # not a dasawisma
    (
        "households:rumah_tangga_create",
        lambda c: {"unit_pk": c.dw.pk},
        "post",
        rumah_tangga_post(),
        entry("redirect"),
    ),
    ("households:rumah_tangga_edit", lambda c: {"pk": c.hh_a.pk}, "get", None, entry()),
    ("households:rumah_tangga_edit", lambda c: {"pk": c.hh_c.pk}, "get", None, sibling()),
    ("households:rumah_tangga_leave", lambda c: {"pk": c.hh_b.pk}, "get", None, entry()),
    (
        "households:rumah_tangga_leave",
        lambda c: {"pk": c.hh_b.pk},
        "post",
        {"tanggal_keluar": "2025-01-31"},
        entry("redirect"),
    ),
    ("households:keluarga_add", lambda c: {"pk": c.hh_a.pk}, "get", None, entry()),
    ("households:keluarga_add", lambda c: {"pk": c.hh_c.pk}, "get", None, sibling()),
    ("households:keluarga_edit", kel_a, "get", None, entry()),
    ("households:keluarga_edit", lambda c: {"pk": c.w_bambang.keluarga_id}, "get", None, sibling()),
    ("households:warga_add", kel_a, "get", None, entry()),
    ("households:warga_add", kel_a, "post", warga_post(**SITI), entry("redirect")),
    ("households:warga_edit", lambda c: {"pk": c.w_rina.pk}, "get", None, entry()),
    ("households:warga_edit", lambda c: {"pk": c.w_bambang.pk}, "get", None, sibling()),
    (
        "households:warga_edit",
        lambda c: {"pk": c.w_togar.pk},
        "get",
        None,
        table(ok={"admin"}, forbidden={"kota", "outsider"}),
    ),
    ("reports:warga_leave", lambda c: {"pk": c.w_dimas.pk}, "get", None, entry()),
    (
        "reports:warga_leave",
        lambda c: {"pk": c.w_dimas.pk},
        "post",
        {"status": "pindah", "tanggal_status": "2025-02-01", "keterangan": ""},
        entry("redirect"),
    ),
    ("households:warga_delete", lambda c: {"pk": c.w_dimas.pk}, "get", None, entry()),
    ("households:warga_delete", lambda c: {"pk": c.w_dimas.pk}, "post", {}, entry("redirect")),
    ("households:warga_delete", lambda c: {"pk": c.w_bambang.pk}, "post", {}, sibling() | {"admin": 302}),
    ("households:kegiatan_edit", lambda c: {"pk": c.w_rina.pk}, "get", None, entry()),
    (
        "households:kegiatan_edit",
        lambda c: {"pk": c.w_rina.pk},
        "post",
        kegiatan_post(arisan=("1", "Arisan RT")),
        entry("redirect"),
    ),
    ("households:pekarangan_edit", lambda c: {"pk": c.hh_a.pk}, "get", None, entry()),
    (
        "households:pekarangan_edit",
        lambda c: {"pk": c.hh_a.pk},
        "post",
        sheet_post("pekarangan", {"id": "", "kategori": "toga", "komoditi": "Jahe", "jumlah": "10 pohon"}),
        entry("redirect"),
    ),
    ("households:industri_edit", lambda c: {"pk": c.hh_a.pk}, "get", None, entry()),
    (
        "households:industri_edit",
        lambda c: {"pk": c.hh_x.pk},
        "get",
        None,
        table(ok={"admin"}, forbidden={"kota", "outsider"}),
    ),
]
