"""Request guards that hold for every page (a ground helper: imports nothing of ours)."""

import logging
import time

from django.conf import settings
from django.core.exceptions import BadRequest
from django.utils.cache import add_never_cache_headers
from django.views.defaults import bad_request


class RefuseNulMiddleware:
    """A NUL character never reaches a view: PostgreSQL refuses it in text, so `?q=%00` in a search
    used to end in a stack trace (500). The address is checked here; form fields already refuse NUL
    (Django's CharField), and the body of an upload is left alone so that a view can refuse an
    oversized one before reading it. The answer is the project's 400 page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if any("\x00" in key or any("\x00" in v for v in values) for key, values in request.GET.lists()):
            return bad_request(request, BadRequest("NUL dalam alamat"))
        return self.get_response(request)


# Session key: when the session row was last written (seconds since the epoch).
REFRESHED_KEY = "_segar"


class SessionRefreshMiddleware:
    """The idle timeout (SESSION_COOKIE_AGE) slides with every click, but a session is written at most
    once every PKK_SESSION_REFRESH_SECONDS, not on every request: a cadre clicking every few seconds
    no longer costs the primary one UPDATE and one commit per page. The session then ends up to that
    many seconds before SESSION_COOKIE_AGE of idleness. A session changed by the page (a login, a
    message, a write remembered for the replica) is written as always. Just after SessionMiddleware, so
    that its answer is seen first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and not session.is_empty():
            now = int(time.time())
            last = session.get(REFRESHED_KEY, 0)
            if session.modified or not isinstance(last, int) or now - last >= settings.PKK_SESSION_REFRESH_SECONDS:
                session[REFRESHED_KEY] = now
        return response


class NoStoreForSignedInMiddleware:
    """Every page a signed-in person gets is kept out of the browser's cache and history snapshots
    (Cache-Control: no-store, private): cadres share phones, and the pages carry names, NIK and health
    events. Static files are served before this (WhiteNoise) and stay cacheable."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            add_never_cache_headers(response)  # a view that set its own (a download: private, no-store) keeps it
        return response


request_log = logging.getLogger("pkkdata.request")


class RequestLogMiddleware:
    """One line per request (logger pkkdata.request): method, the URL's name, status, duration, the
    user's id and the unit the URL names. Never the query string or a posted value (a search may be a
    NIK), never a name: the line reads the same for every person."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.monotonic()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        kwargs = match.kwargs if match else {}
        user = getattr(request, "user", None)
        request_log.info(
            "method=%s view=%s status=%s ms=%d user=%s unit=%s",
            request.method,
            match.view_name if match else "-",
            response.status_code,
            (time.monotonic() - started) * 1000,
            user.pk if user is not None and user.is_authenticated else "-",
            kwargs.get("unit_pk", "-"),
        )
        return response
