"""URL cases of the household downloads and the Catatan Keluarga correction screen for the URL-by-role
walk (tests/test_urls_by_role.py).

Everyone who sees a dasawisma downloads its forms; the correction screen is for its cadres only (the
levels above see it but get 403). Outside the area, and for a unit that is not a dasawisma: 404.

The walk reads every 200 answer as UTF-8 text to look for names from the other side; an XLSX or PDF
is binary (and compressed), so the downloads that answer 200 are in DOWNLOAD_CASES, walked by
households/tests/test_exports.py, which reads the files' text for the same names. CASES holds the
screen and the downloads that answer no file, so every URL name is in the walk.

A large kelurahan's Data Warga is prepared in the background: asking (POST) answers a redirect to the
job's page for those who see the kelurahan (the job runs inline under tests, see pkkdata/testenv.py);
a job's page and file exist only for the user who asked (404 for everyone else, the administrator
included). The file of a job not ready yet redirects to its page; the ready file is read back in
households/tests/test_exports_background.py.

A whole kelurahan's Data Warga (streamed) is for those who see the kelurahan: its page and its file
answer 404 to the RW, RT and dasawisma roles, whose area lies below it. Its downloads that answer 200
are in STREAM_DOWNLOAD_CASES, walked by households/tests/test_exports_stream.py (a streamed response
has no .content to read); CASES holds its page and the requests that answer no file.
"""

from hierarchy.tests.url_cases import SEE_DW, SEE_KEL, SEE_RT, table
from households.catatan import KOLOM
from jobs.models import Job

CADRES = {"admin", "ketua_dasawisma", "kader"}
SEE_SIBLING = SEE_RT  # Melati 2: the RT and above, not the cadres of Melati 1


def _dw(form, fmt):
    return lambda c: {"unit_pk": c.dw.pk, "form": form, "fmt": fmt}


def _rt(household, form, fmt):
    return lambda c: {"pk": getattr(c, household).pk, "form": form, "fmt": fmt}


def _koreksi(c):
    return {"pk": c.w_rina.pk, "tahun": 2025}


DOWNLOAD_CASES = [
    ("households:export_dasawisma", _dw("data-warga", "xlsx"), "get", None, table(ok=SEE_DW)),
    ("households:export_dasawisma", _dw("data-warga", "pdf"), "get", None, table(ok=SEE_DW)),
    ("households:export_dasawisma", _dw("catatan-keluarga", "xlsx"), "get", None, table(ok=SEE_DW)),
    ("households:export_dasawisma", _dw("catatan-keluarga", "pdf"), "get", None, table(ok=SEE_DW)),
    (
        "households:export_dasawisma",
        lambda c: {"unit_pk": c.dw_b.pk, "form": "data-warga", "fmt": "xlsx"},
        "get",
        None,
        table(ok=SEE_SIBLING),
    ),
    ("households:export_rumah_tangga", _rt("hh_a", "data-warga", "pdf"), "get", None, table(ok=SEE_DW)),
    ("households:export_rumah_tangga", _rt("hh_a", "catatan-keluarga", "xlsx"), "get", None, table(ok=SEE_DW)),
    ("households:export_rumah_tangga", _rt("hh_c", "catatan-keluarga", "pdf"), "get", None, table(ok=SEE_SIBLING)),
    (
        "households:export_rumah_tangga",
        _rt("hh_x", "data-warga", "xlsx"),
        "get",
        None,
        table(ok={"admin", "kota", "outsider"}),
    ),
]

CASES = [
    ("households:export_dasawisma", _dw("buku-tamu", "pdf"), "get", None, table()),
    ("households:export_dasawisma", _dw("data-warga", "docx"), "get", None, table()),
    (
        "households:export_dasawisma",
        lambda c: {"unit_pk": c.kel.pk, "form": "data-warga", "fmt": "xlsx"},
        "get",
        None,
        table(),  # not a dasawisma: not found, even for the administrator
    ),
    (
        "households:export_rumah_tangga",
        lambda c: {"pk": 999999, "form": "data-warga", "fmt": "pdf"},
        "get",
        None,
        table(),
    ),
    ("households:export_rumah_tangga", _rt("hh_a", "catatan-keluarga", "csv"), "get", None, table()),
    (
        "households:catatan_koreksi",
        _koreksi,
        "get",
        None,
        table(ok=CADRES, forbidden=SEE_DW - CADRES),
    ),
    (
        "households:catatan_koreksi",
        _koreksi,
        "post",
        {f"pilihan_{kolom}": "tidak" if kolom == "kesehatan" else "turunan" for kolom in KOLOM},
        table(redirect=CADRES, forbidden=SEE_DW - CADRES),
    ),
    (
        "households:catatan_koreksi",
        lambda c: {"pk": c.w_bambang.pk, "tahun": 2025},
        "get",
        None,
        table(ok={"admin"}, forbidden=SEE_SIBLING - {"admin"}),
    ),
]


# -- a whole kelurahan's Data Warga -------------------------------------------------------------------

BELIMBING_SIDE = {"admin", "kota", "outsider"}


def _kel(unit, form="data-warga-kelurahan", fmt="xlsx"):
    return lambda c: {"unit_pk": getattr(c, unit).pk, "form": form, "fmt": fmt}


STREAM_DOWNLOAD_CASES = [
    ("households:export_kelurahan", _kel("kel"), "get", None, table(ok=SEE_KEL)),
    ("households:export_kelurahan", _kel("kel2"), "get", None, table(ok=BELIMBING_SIDE)),
]

CASES += [
    ("households:unduh_kelurahan", lambda c: {"unit_pk": c.kel.pk}, "get", None, table(ok=SEE_KEL)),
    ("households:unduh_kelurahan", lambda c: {"unit_pk": c.kel2.pk}, "get", None, table(ok=BELIMBING_SIDE)),
    ("households:unduh_kelurahan", lambda c: {"unit_pk": c.dw.pk}, "get", None, table()),  # not a kelurahan
    ("households:export_kelurahan", _kel("dw"), "get", None, table()),  # not a kelurahan
    ("households:export_kelurahan", _kel("kel", fmt="pdf"), "get", None, table()),  # XLSX only
    ("households:export_kelurahan", _kel("kel", form="data-warga"), "get", None, table()),  # a dasawisma form
    ("households:export_dasawisma", _dw("data-warga-kelurahan", "xlsx"), "get", None, table()),
    ("households:export_rumah_tangga", _rt("hh_a", "data-warga-kelurahan", "xlsx"), "get", None, table()),
]


# -- the same file prepared in the background ---------------------------------------------------------


def _job(c):
    """A job of the kelurahan's TP PKK, still in the queue (nothing runs it)."""
    job = Job.objects.create(
        user=c.users["kelurahan"],
        unit=c.kel,
        kind="ekspor",
        title="Data Warga",
        params={"exporter": "data-warga-kelurahan", "target": ["hierarchy.unit", c.kel.pk]},
    )
    return {"pk": job.pk}


CASES += [
    ("households:unduhan_minta", lambda c: {"unit_pk": c.kel.pk}, "post", {}, table(redirect=SEE_KEL)),
    ("households:unduhan_minta", lambda c: {"unit_pk": c.kel2.pk}, "post", {}, table(redirect=BELIMBING_SIDE)),
    ("households:unduhan_minta", lambda c: {"unit_pk": c.dw.pk}, "post", {}, table()),  # not a kelurahan
    ("jobs:status", _job, "get", None, table(ok={"kelurahan"})),
    ("jobs:status", lambda c: {"pk": 999999}, "get", None, table()),
    ("jobs:berkas", _job, "get", None, table(redirect={"kelurahan"})),  # not ready: its page
    ("jobs:ulangi", _job, "post", {}, table(redirect={"kelurahan"})),
]
