"""The site's form renderer (pkkdata.forms.FormRenderer, templates/partials/field.html and form.html):
the help text and the messages of a field carry the ids Django writes in the widget's aria-describedby,
so a screen reader reads them with the field. The real pages are checked in
tests/test_field_rendering_pages.py (it imports the apps, which this layer may not)."""

from html.parser import HTMLParser

import pytest
from django import forms
from django.template import Context, Template
from django.test import override_settings
from django.utils.safestring import mark_safe

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@pytest.fixture
def site_renderer():
    """The renderer of settings.FORM_RENDERER, set here too so that the test does not depend on it."""
    with override_settings(FORM_RENDERER="pkkdata.forms.FormRenderer"):
        yield


class Page(HTMLParser):
    """The elements of an HTML page or fragment: tag, attributes and text, and the elements by id."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.elements, self.by_id, self.open = [], {}, []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        element = {"tag": tag, "attrs": dict(attrs), "text": []}
        self.elements.append(element)
        if "id" in element["attrs"]:
            assert element["attrs"]["id"] not in self.by_id, f"id {element['attrs']['id']} twice"
            self.by_id[element["attrs"]["id"]] = element
        if tag not in VOID:
            self.open.append(element)

    def handle_endtag(self, tag):
        for i in range(len(self.open) - 1, -1, -1):
            if self.open[i]["tag"] == tag:
                del self.open[i:]
                return

    def handle_data(self, data):
        for element in self.open:
            element["text"].append(data)

    def text(self, element_id):
        return " ".join("".join(self.by_id[element_id]["text"]).split())

    def described(self):
        """[(element, ids)] of every element with aria-describedby, after checking that every id named
        by an aria-describedby or aria-labelledby is on the page."""
        result = []
        for element in self.elements:
            ids = element["attrs"].get("aria-describedby", "").split()
            for ref in ids + element["attrs"].get("aria-labelledby", "").split():
                assert ref in self.by_id, f"<{element['tag']} {element['attrs']}> names #{ref}, not on the page"
            if ids:
                result.append((element, ids))
        return result

    def field(self, name):
        """The widget named `name` (for radios, their group) and the ids that describe it."""
        widget = next(e for e in self.elements if e["attrs"].get("name") == name)
        if widget["attrs"].get("type") == "radio":
            widget = next(e for e in self.elements if e["attrs"].get("aria-labelledby") == f"id_{name}_label")
        return widget, widget["attrs"].get("aria-describedby", "").split()

    def assert_described(self, name, error=None, help_text=None):
        """The field `name` is described by its message (and is aria-invalid) and by its help text."""
        widget, ids = self.field(name)
        auto_id = f"id_{name}"
        if error:
            assert f"{auto_id}_error" in ids and error in self.text(f"{auto_id}_error")
            assert widget["attrs"].get("aria-invalid") == "true"
        else:
            assert f"{auto_id}_error" not in ids
        if help_text:
            assert f"{auto_id}_helptext" in ids and help_text in self.text(f"{auto_id}_helptext")


class SampleForm(forms.Form):
    nama = forms.CharField(label="Nama", help_text="Tulis <b>lengkap</b>.", error_messages={"required": "Isi nama."})
    setuju = forms.BooleanField(label="Setuju", required=False, help_text=mark_safe("<em>boleh</em>"))
    pilihan = forms.ChoiceField(
        label="Pilihan", choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect,
        error_messages={"required": "Pilih salah satu."},
    )  # fmt: skip
    kode = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean(self):
        raise forms.ValidationError("Periksa lagi.")


def render(form):
    return Template("{{ form }}").render(Context({"form": form}))


@pytest.mark.usefixtures("site_renderer")
def test_a_whole_form_draws_each_field_with_the_site_template():
    html = render(SampleForm(data={"nama": ""}))
    page = Page(html)
    assert len(page.described()) == 3
    assert '<div class="errors" role="alert"><p>Periksa lagi.</p></div>' in html
    assert '<input type="hidden" name="kode" id="id_kode">' in html and 'for="id_kode"' not in html
    assert '<label for="id_nama">Nama <span aria-hidden="true" class="req">*</span></label>' in html
    page.assert_described("nama", error="Isi nama.", help_text="Tulis <b>lengkap</b>.")  # plain text escaped
    assert "<em>boleh</em>" in html  # help text marked safe stays HTML
    page.assert_described("setuju", help_text="boleh")
    group, ids = page.field("pilihan")  # radios: the group is described, not each radio
    assert group["attrs"]["class"] == "field radios has-error" and group["attrs"]["role"] == "radiogroup"
    assert ids == ["id_pilihan_error"] and page.text("id_pilihan_error") == "Pilih salah satu."
    assert page.text("id_pilihan_label") == "Pilihan *"
    assert "aria-describedby" not in str(page.by_id["id_pilihan_0"]["attrs"])


@pytest.mark.usefixtures("site_renderer")
def test_a_field_without_help_or_message_is_described_by_nothing():
    page = Page(render(SampleForm(initial={"nama": "Rina"})))
    page.described()
    assert page.by_id["id_nama"]["attrs"]["aria-describedby"] == "id_nama_helptext"
    assert "id_nama_error" not in page.by_id and "aria-invalid" not in page.by_id["id_nama"]["attrs"]
    group, ids = page.field("pilihan")
    assert ids == [] and "has-error" not in group["attrs"]["class"]
