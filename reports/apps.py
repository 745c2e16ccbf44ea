from django.apps import AppConfig


class ReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"
    verbose_name = "Laporan bulanan"

    def ready(self):
        from jobs.housekeeping import register

        from .reminders import remind_due

        register("pengingat", remind_due)
