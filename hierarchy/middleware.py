"""An account whose password someone else chose (a one-time password, a reset by a manager) chooses its
own before anything else: every request but the password change, logging out, the health check and the
static files is sent to the password change page."""

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

ALLOWED_NAMES = ("password_change", "password_change_done", "logout", "login")


class MustChangePasswordMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self._allowed = None

    def _allowed_paths(self):
        if self._allowed is None:
            self._allowed = {reverse(name) for name in ALLOWED_NAMES}
        return self._allowed

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and getattr(user, "must_change_password", False)
            and request.path not in self._allowed_paths()
            and not request.path.startswith((settings.STATIC_URL, "/healthz"))
        ):
            return redirect(reverse("password_change"))
        return self.get_response(request)
