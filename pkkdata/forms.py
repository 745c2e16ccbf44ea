"""The site's form renderer (settings.FORM_RENDERER): every form and field is drawn by the project's
templates, found like any page template (TemplatesSetting; Django's own widget templates come from
"django.forms" in INSTALLED_APPS).

- `{{ form }}` draws templates/partials/form.html: the form's own messages, then each field.
- `{{ field.as_field_group }}` draws templates/partials/field.html: label, widget, messages and help
  text. The help text and the messages carry the ids Django puts in the widget's aria-describedby
  (<auto_id>_helptext, <auto_id>_error), so a screen reader reads them with the field."""

from django.forms.renderers import TemplatesSetting


class FormRenderer(TemplatesSetting):
    form_template_name = "partials/form.html"
    field_template_name = "partials/field.html"
