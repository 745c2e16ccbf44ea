from django.apps import AppConfig


class JobsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "jobs"
    verbose_name = "Pekerjaan latar"

    def ready(self):
        from . import exports, housekeeping

        housekeeping.register_own_steps()
        exports.register_kind()
