from django.apps import AppConfig


class ReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"
    verbose_name = "Laporan dan rekap"

    def ready(self):
        from documents.exporters import register

        from .recap_exports import EXPORTERS

        register(*EXPORTERS)
