"""The dashboard of the TP PKK desa/kelurahan, kecamatan and kabupaten/kota (and the provinsi, for the
system administrator): the last twelve months of births, deaths, mothers and report completeness, and
the key figures of the area today.

``build(unit, today)`` returns everything the page shows, in a constant number of queries whatever the
size of the area (about ten):

- the monthly numbers come from the recorded events as they are now ("data terkini"), not from the
  snapshots of approved reports, with the rules of households.rules and the same counting as
  reports.events.numbers_by, but for twelve months at once (reports.events.monthly_numbers: four
  queries; the tests check month by month that both agree);
- completeness is reports.completeness.totals, the area's reports counted by month in the database
  (two queries);
- the key figures are what the yearly recaps count, summed over the area (recaps.recaps.area_figures:
  the kept per-dasawisma counts of recaps.ringkasan, three to seven queries), so that a tile and the
  recap's JUMLAH row never disagree.
"""

from dataclasses import dataclass, field

from hierarchy.levels import Level
from pkkdata import periods
from reports import completeness, events

from . import recaps, svg

# The levels that have a dashboard: below the desa/kelurahan the report pages already show every
# dasawisma's numbers.
DASHBOARD_LEVELS = (Level.PROVINSI, Level.KABKOTA, Level.KECAMATAN, Level.DESA)
NOT_AVAILABLE = "Dasbor hanya tersedia untuk desa/kelurahan, kecamatan, kabupaten/kota dan provinsi."
MONTHS = 12
RUNNING = "berjalan"


def has_dashboard(unit):
    return unit.level in DASHBOARD_LEVELS


def months_window(today, count=MONTHS):
    """The `count` months up to and including today's month, oldest first."""
    return [periods.shift_month(today.year, today.month, -i) for i in range(count - 1, -1, -1)]


# -- the monthly numbers ---------------------------------------------------------------------------


# -- completeness ----------------------------------------------------------------------------------


def floor_percent(part, whole):
    """Whole percent rounded down, so that an incomplete month never reads 100%; None without a base."""
    return None if not whole else min(100, 100 * part // whole)


def completeness_by_month(unit, months):
    """{(tahun, bulan): completeness.Cell} over the whole area, counted by month in the database."""
    return completeness.totals(unit, months)


# -- key figures -----------------------------------------------------------------------------------


FIGURE_KEYS = [
    "jml_l", "jml_p", "jml_krt", "jml_kk", "balita_l", "balita_p", "jml_pus", "jml_wus", "lansia", "buta_l",
    "buta_p", "berkebutuhan_khusus", "rumah_tidak_sehat", "ibu_hamil", "ibu_menyusui",
]  # fmt: skip


def key_figures(unit, on):
    """The area's people and houses on a day: {name: number}, counted by the yearly recaps
    (recaps.recaps.area_figures: members who count that day, of rumah tangga still recorded in an
    active dasawisma; three to seven queries, recaps.ringkasan)."""
    counted = recaps.area_figures(unit, on)
    figures = {key: counted.get(key, 0) for key in FIGURE_KEYS}
    figures["jml_anggota"] = figures["jml_l"] + figures["jml_p"]
    figures["rumah_tangga"] = figures["jml_krt"]
    return figures


@dataclass
class Tile:
    label: str
    value: int
    detail: str = ""
    daftar: str = ""  # the intervention list (households.intervensi) that names these people or houses


def tiles(figures):
    f = figures
    return [
        Tile("Warga", f["jml_anggota"], f"L {f['jml_l']} · P {f['jml_p']}"),
        Tile("Rumah tangga", f["rumah_tangga"]),
        Tile("Keluarga (KK)", f["jml_kk"], "kartu keluarga"),
        Tile("Balita", f["balita_l"] + f["balita_p"], f"L {f['balita_l']} · P {f['balita_p']}"),
        Tile("PUS", f["jml_pus"], "pasangan usia subur"),
        Tile("WUS", f["jml_wus"], "wanita usia subur"),
        Tile("Lansia", f["lansia"], "60 tahun ke atas"),
        Tile("3 buta", f["buta_l"] + f["buta_p"], f"L {f['buta_l']} · P {f['buta_p']}", daftar="buta"),
        Tile("Berkebutuhan khusus", f["berkebutuhan_khusus"], daftar="khusus"),
        Tile("Rumah tidak sehat layak huni", f["rumah_tidak_sehat"], daftar="rumah"),
        Tile("Ibu hamil saat ini", f["ibu_hamil"], daftar="hamil"),
    ]


# -- the charts ------------------------------------------------------------------------------------


@dataclass
class Row:
    """One month of a chart's table."""

    tahun: int
    bulan: int
    label: str
    running: bool
    values: list

    @property
    def key(self):
        return f"{self.tahun:04d}-{self.bulan:02d}"

    @property
    def short(self):
        return f"{periods.BULAN_SINGKAT[self.bulan - 1]} {self.tahun}"


@dataclass
class Chart:
    """One chart and the table of the numbers behind it (months as rows, series as columns, then any
    extra columns that are not drawn)."""

    ident: str
    title: str
    note: str
    kind: str  # "bar" (stacked) or "line"
    series: list  # column labels drawn as series, in order
    rows: list
    extra_columns: list = field(default_factory=list)
    total: list | None = None  # the "Jumlah 12 bulan" row, where adding months up means something
    suffix: str = ""
    desc: str = ""

    @property
    def columns(self):
        return self.series + self.extra_columns

    def _show(self, index, value):
        if value is None:
            return "–"
        return f"{value}{self.suffix}" if index < len(self.series) else str(value)

    @property
    def table(self):
        """[(row, [the cells as written])]: percents with their sign, "–" where there is no base."""
        return [(r, [self._show(i, v) for i, v in enumerate(r.values)]) for r in self.rows]

    def _year_under(self, index):
        """The year is written under each January, and under the first month unless a January follows
        right after it (two years side by side would not fit)."""
        row = self.rows[index]
        following = self.rows[index + 1] if index + 1 < len(self.rows) else None
        if row.bulan == 1 or (index == 0 and (following is None or following.bulan != 1)):
            return str(row.tahun)
        return ""

    @property
    def svg(self):
        ticks = [
            svg.Tick((periods.BULAN_SINGKAT[r.bulan - 1], self._year_under(i)), r.label)
            for i, r in enumerate(self.rows)
        ]
        series = [
            svg.Series(label, tuple(r.values[index] for r in self.rows)) for index, label in enumerate(self.series)
        ]
        running = next((i for i, r in enumerate(self.rows) if r.running), None)
        common = {
            "ident": f"grafik-{self.ident}",
            "title": self.title,
            "desc": self.desc,
            "ticks": ticks,
            "series": series,
            "highlight": running,
            "highlight_label": RUNNING,
            "suffix": self.suffix,
        }
        if self.kind == "line":
            return svg.line_chart(top=100 if self.suffix == "%" else None, **common)
        return svg.bar_chart(**common)


def _rows(months, today, values_of):
    return [
        Row(t, b, periods.month_label(t, b), (t, b) == (today.year, today.month), values_of((t, b))) for t, b in months
    ]


def _total(rows, columns):
    return [sum(r.values[i] or 0 for r in rows) for i in range(columns)]


def charts(unit_label, months, today, numbers, cells):
    span = f"{periods.month_label(*months[0])} – {periods.month_label(*months[-1])}"

    births = _rows(
        months,
        today,
        lambda m: [numbers[m]["bayi_lahir_l"], numbers[m]["bayi_lahir_p"], _sum(numbers[m], "bayi_lahir")],
    )
    deaths = _rows(
        months,
        today,
        lambda m: [
            numbers[m]["ibu_meninggal"],
            _sum(numbers[m], "bayi_meninggal"),
            _sum(numbers[m], "balita_meninggal"),
            numbers[m]["ibu_meninggal"] + _sum(numbers[m], "bayi_meninggal") + _sum(numbers[m], "balita_meninggal"),
        ],
    )
    mothers = _rows(
        months,
        today,
        lambda m: [numbers[m]["ibu_hamil"], numbers[m]["ibu_melahirkan"], numbers[m]["ibu_nifas"]],
    )
    reports = _rows(
        months,
        today,
        lambda m: [
            floor_percent(cells[m].submitted, cells[m].expected),
            floor_percent(cells[m].approved, cells[m].expected),
            cells[m].expected,
            cells[m].submitted,
            cells[m].approved,
        ],
    )
    return [
        Chart(
            "kelahiran",
            "Kelahiran",
            "Bayi lahir hidup menurut bulan lahirnya.",
            "bar",
            ["Laki-laki", "Perempuan"],
            births,
            extra_columns=["Jumlah"],
            total=_total(births, 3),
            desc=f"Bayi lahir laki-laki dan perempuan per bulan di {unit_label}, {span}.",
        ),
        Chart(
            "kematian",
            "Kematian ibu, bayi dan balita",
            "Ibu: meninggal saat hamil atau dalam 42 hari sesudahnya. Bayi: di bawah 12 bulan. Balita: 12–59 bulan.",
            "bar",
            ["Ibu", "Bayi", "Balita"],
            deaths,
            extra_columns=["Jumlah"],
            total=_total(deaths, 4),
            desc=f"Kematian ibu, bayi dan balita per bulan di {unit_label}, {span}.",
        ),
        Chart(
            "ibu",
            "Ibu hamil, melahirkan dan nifas",
            "Setiap ibu dihitung sekali sebulan: melahirkan pada bulan persalinannya, hamil pada setiap bulan "
            "kehamilannya, nifas pada 42 hari sesudah melahirkan. Angka bulanan tidak dijumlahkan: ibu yang sama "
            "hamil selama beberapa bulan.",
            "bar",
            ["Hamil", "Melahirkan", "Nifas"],
            mothers,
            desc=f"Ibu hamil, melahirkan dan nifas per bulan di {unit_label}, {span}.",
        ),
        Chart(
            "kelengkapan",
            "Kelengkapan laporan dasawisma",
            "Bagian laporan bulanan dasawisma yang diharapkan (dasawisma yang aktif pada bulan itu) yang sudah "
            "dikirim dan yang sudah disetujui. Bulan berjalan belum lewat batas pengiriman.",
            "line",
            ["% dikirim", "% disetujui"],
            reports,
            extra_columns=["Diharapkan", "Dikirim", "Disetujui"],
            suffix="%",
            desc=f"Persen laporan dasawisma yang dikirim dan disetujui per bulan di {unit_label}, {span}.",
        ),
    ]


def _sum(numbers, prefix):
    return numbers[f"{prefix}_l"] + numbers[f"{prefix}_p"]


@dataclass
class Dashboard:
    months: list
    charts: list
    tiles: list
    first_label: str
    last_label: str


def build(unit, today, unit_label=None):
    """Everything the dashboard of `unit` shows on `today` (see the module's docstring)."""
    months = months_window(today)
    label = unit_label or str(unit)
    numbers = events.monthly_numbers(unit, months)
    cells = completeness_by_month(unit, months)
    return Dashboard(
        months=months,
        charts=charts(label, months, today, numbers, cells),
        tiles=tiles(key_figures(unit, today)),
        first_label=periods.month_label(*months[0]),
        last_label=periods.month_label(*months[-1]),
    )
