from django.apps import AppConfig


class RecapsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "recaps"
    verbose_name = "Rekapitulasi"

    def ready(self):
        from documents.exporters import register

        from .exports import EXPORTERS

        register(*EXPORTERS)
