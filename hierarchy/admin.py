from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from simple_history.admin import SimpleHistoryAdmin

from .models import RoleAssignment, Unit, User


class SuperuserOnlyMixin:
    """The Django admin is the system administrator's tool only; everyone else works in the
    scoped screens, which go through hierarchy.access."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    has_change_permission = has_view_permission
    has_add_permission = has_module_permission

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser


@admin.register(Unit)
class UnitAdmin(SuperuserOnlyMixin, SimpleHistoryAdmin):
    list_display = ("code", "name", "level", "parent", "active_from", "active_to")
    list_filter = ("level",)
    search_fields = ("code", "name")
    raw_id_fields = ("parent",)
    list_select_related = ("parent",)

    def get_readonly_fields(self, request, obj=None):
        # Moving a unit rewrites its subtree's ancestor columns: that is hierarchy.services.unit_move.
        return ("level", "parent") if obj else ()


@admin.register(User)
class PkkUserAdmin(SuperuserOnlyMixin, UserAdmin):
    list_display = ("username", "first_name", "last_name", "home_unit", "is_active", "is_superuser")
    raw_id_fields = ("home_unit", "created_by")
    fieldsets = (*UserAdmin.fieldsets, ("PKK", {"fields": ("phone", "home_unit", "created_by")}))


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(SuperuserOnlyMixin, SimpleHistoryAdmin):
    """Roles are granted in the scoped account screens (delegation rules, hierarchy.services); the admin
    may only look and delete. A delete here, one by one or with the bulk action, drops the derived
    permission rows at once: the RoleAssignment signals in hierarchy.services re-sync the user."""

    list_display = ("user", "role", "unit", "granted_by", "granted_at")
    list_filter = ("role",)
    search_fields = ("user__username", "unit__name", "unit__code")
    raw_id_fields = ("user", "unit", "granted_by")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
