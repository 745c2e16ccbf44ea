from django.apps import AppConfig


class RecapsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "recaps"
    verbose_name = "Rekapitulasi"

    def ready(self):
        from documents.exporters import register
        from jobs import housekeeping

        from .exports import EXPORTERS
        from .recaps import keep_ahead

        register(*EXPORTERS)

        housekeeping.register("ringkasan", keep_ahead)
