from . import access
from .levels import Perm


def access_flags(request):
    """What the navigation shows: computed from the grants loaded once per request."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    held = access.perms_anywhere(user)
    return {
        "nav_can_manage_units": Perm.MANAGE_UNITS in held,
        "nav_can_manage_accounts": Perm.MANAGE_ACCOUNTS in held,
    }
