"""An authentication backend that answers object permissions on units the way hierarchy.access does.

django-guardian's ObjectPermissionBackend answers ``user.has_perm("hierarchy.lihat_data", unit)`` from
the rows granted on that very unit, while access lets a grant on a kelurahan reach every RT below it.
This backend replaces guardian's in settings.AUTHENTICATION_BACKENDS, so ``user.has_perm(perm, unit)``
(a template's ``perms``, a third-party app, the admin) can never say something else than the screens.

Model permissions (``obj=None``) are left to ModelBackend: this backend answers nothing for them."""

from typing import Any

from asgiref.sync import sync_to_async
from django.contrib.auth.backends import BaseBackend

from . import access
from .levels import ALL_PERMS
from .models import Unit

APP_LABEL = Unit._meta.app_label


def _codename(perm: str) -> str | None:
    """The codename of "hierarchy.<codename>" or "<codename>" when it is one of the unit permissions
    (levels.Perm), else None."""
    app_label, dot, codename = perm.rpartition(".")
    if dot and app_label != APP_LABEL:
        return None
    return codename if codename in ALL_PERMS else None


class AreaPermissionBackend(BaseBackend):
    """Object permissions on Unit rows through hierarchy.access (inherited down the tree); False for
    any other object; nothing for model permissions (obj=None)."""

    def get_user_permissions(self, user_obj: access.AnyUser, obj: Any = None) -> set[str]:
        if not isinstance(obj, Unit):
            return set()
        return {f"{APP_LABEL}.{code}" for code in access.perms_on(user_obj, obj)}

    def has_perm(self, user_obj: access.AnyUser, perm: str, obj: Any = None) -> bool:
        if not isinstance(obj, Unit):
            return False
        codename = _codename(perm)
        return codename is not None and access.has_perm(user_obj, codename, obj)

    async def ahas_perm(self, user_obj: access.AnyUser, perm: str, obj: Any = None) -> bool:
        return await sync_to_async(self.has_perm)(user_obj, perm, obj)
