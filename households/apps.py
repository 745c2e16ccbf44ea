from django.apps import AppConfig


class HouseholdsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "households"
    verbose_name = "Rumah tangga dan warga"

    def ready(self):
        from documents.exporters import register

        from .exports import EXPORTERS

        register(*EXPORTERS)
