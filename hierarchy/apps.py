from django.apps import AppConfig


class HierarchyConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "hierarchy"
    verbose_name = "Wilayah, akun dan peran"
