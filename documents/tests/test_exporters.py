"""The exporter contract: the registry answers by identifier, and render() checks the format, the
edition, the level of the target and the user's right before any form is laid out."""

import pytest
from django.core.exceptions import PermissionDenied

from documents import exporters
from documents.exporters import Exporter, ExportResult, Period
from hierarchy.levels import Level, Perm


class RecapRT(Exporter):
    """A stand-in for a later form kept at RT level."""

    identifier = "rekap-uji"
    title = "Rekap uji"
    required_perm = Perm.APPROVE
    scope_level = Level.RT

    def render_xlsx(self, *, user, target, period, edition, options):
        return f"xlsx {target.name} {period.label}".encode()

    def render_pdf(self, *, user, target, period, edition, options):
        return b"%PDF-uji"


def test_the_household_forms_are_registered_by_identifier():
    assert {"data-warga", "catatan-keluarga"} <= set(exporters.EXPORTERS)
    data_warga = exporters.get_exporter("data-warga")
    assert data_warga.title == "Data Warga (Lampiran 4.14.1a)"
    assert data_warga.formats == ("xlsx", "pdf")
    assert data_warga.required_perm == Perm.VIEW
    assert data_warga.scope_level == Level.DASAWISMA
    assert exporters.get_exporter("catatan-keluarga").title == "Catatan Keluarga (Lampiran 4.15)"
    assert exporters.get_exporter("tidak-ada") is None
    assert all(e.identifier == key for key, e in exporters.EXPORTERS.items())


def test_render_gives_a_named_file_of_the_right_type(cast):
    result = RecapRT().render(user=cast.users["rt"], target=cast.rt, period=Period(2026), edition="rakernas-x",
                              fmt="xlsx")  # fmt: skip
    assert result == ExportResult(
        filename="rekap-uji_001.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        content=b"xlsx 001 2026",
    )
    result = RecapRT().render(user=cast.users["rt"], target=cast.rt, period=Period(2026, 3), edition="rakernas-x",
                              fmt="pdf")  # fmt: skip
    assert (result.filename, result.content_type) == ("rekap-uji_001.pdf", "application/pdf")


def test_render_refuses_a_user_without_the_right_on_the_unit(cast):
    for role in ["kader", "outsider", "nobody"]:
        with pytest.raises(PermissionDenied):
            RecapRT().render(user=cast.users[role], target=cast.rt, period=Period(2026), edition="rakernas-x",
                             fmt="pdf")  # fmt: skip


@pytest.mark.parametrize(
    ("target", "fmt", "edition", "message"),
    [
        ("dw", "pdf", "rakernas-x", "rekap-uji dibuat untuk rt, bukan dasawisma"),
        ("rt", "csv", "rakernas-x", "rekap-uji: format 'csv' tidak tersedia"),
        ("rt", "pdf", "edisi-lain", "rekap-uji: edisi 'edisi-lain' tidak tersedia"),
    ],
)
def test_render_refuses_a_target_format_or_edition_it_does_not_make(cast, target, fmt, edition, message):
    with pytest.raises(ValueError, match=message):
        RecapRT().render(user=cast.admin, target=getattr(cast, target), period=Period(2026), edition=edition, fmt=fmt)


def test_a_period_reads_as_the_forms_write_it():
    assert Period(2026).label == "2026" and Period(2026).slug == "2026"
    assert Period(2026, 3).label == "Maret 2026" and Period(2026, 3).slug == "2026-03"


def test_file_names_keep_only_safe_characters():
    assert exporters.clean_filename_part('Melati "1"/../x') == "Melati-1-..-x"
    assert exporters.clean_filename_part("64.74.02.1002") == "64.74.02.1002"
    assert exporters.clean_filename_part("///") == "x"
