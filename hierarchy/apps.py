from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save, pre_save


class HierarchyConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "hierarchy"
    verbose_name = "Wilayah, akun dan peran"

    def ready(self):
        # The guardian permission rows follow the role assignments whatever writes them (the services,
        # the Django admin, a shell, a cascade): see "roles and their guardian permissions" in services.
        from . import services
        from .models import RoleAssignment

        pre_save.connect(services.role_saving, sender=RoleAssignment, dispatch_uid="hierarchy.role_saving")
        post_save.connect(services.role_saved, sender=RoleAssignment, dispatch_uid="hierarchy.role_saved")
        post_delete.connect(services.role_deleted, sender=RoleAssignment, dispatch_uid="hierarchy.role_deleted")
