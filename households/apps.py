from django.apps import AppConfig


class HouseholdsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "households"
    verbose_name = "Rumah tangga dan warga"

    def ready(self):
        from documents.exporters import register
        from hierarchy.counts import register_household_counter, register_household_lister
        from jobs.housekeeping import register as register_housekeeping

        from .exports import EXPORTERS
        from .importer import job as import_job
        from .importer.uploads import purge_uploads
        from .selectors import households_held, households_present

        register(*EXPORTERS)
        register_household_counter(households_present)
        register_household_lister(households_held)
        register_housekeeping("unggahan-impor", purge_uploads)
        import_job.register_kind()
