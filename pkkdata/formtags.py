"""Template tags every template has (settings TEMPLATES "builtins"): `{% error_summary %}`, drawn by
base.html above each page's content.

After a POST that comes back with errors, the summary lists every message of every form and formset in
the page's context (a household with its keluarga and members is three of them), each a link to its
field, and takes the focus (tabindex and autofocus): on a phone the cadre lands on the list, not seven
screens above an error she cannot see. The messages stay beside their fields as well (partials/
field.html). A GET never shows it: a filter form bound to the address shows its message where it is."""

from django import template
from django.forms import BaseForm
from django.forms.formsets import BaseFormSet
from django.forms.utils import ErrorDict

register = template.Library()
NON_FIELD = "__all__"


def _form_items(form, prefix):
    errors = form.errors if isinstance(form.errors, ErrorDict) else {}
    for name, messages in errors.items():
        if name == NON_FIELD or name not in form.fields:
            yield ("", "", messages[0] if messages else "")
            continue
        field = form[name]
        anchor = f"{field.auto_id}_label" if field.use_fieldset else field.auto_id
        if field.is_hidden:
            anchor = ""
        yield (f"{prefix}{field.label}", anchor or "", messages[0] if messages else "")


@register.inclusion_tag("partials/error_summary.html", takes_context=True)
def error_summary(context):
    request = context.get("request")
    if request is None or request.method != "POST":
        return {"items": []}
    items, seen = [], set()
    for value in context.flatten().values():
        if isinstance(value, BaseForm) and value.is_bound and id(value) not in seen:
            seen.add(id(value))
            items.extend(_form_items(value, ""))
        elif isinstance(value, BaseFormSet) and value.is_bound and id(value) not in seen:
            seen.add(id(value))
            for message in value.non_form_errors():
                items.append(("", "", message))
            for number, form in enumerate(value.forms, start=1):
                items.extend(_form_items(form, f"Baris {number} · "))
    return {"items": [item for item in items if item[2]]}
