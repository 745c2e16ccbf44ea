"""Errors reach a person without personal data (a ground helper: imports nothing of ours).

- Error e-mails to ADMINS (Django's AdminEmailHandler, when SENTRY_DSN is not set) and Django's error
  pages go through PersonalDataFilter and PersonalDataReporter: no posted value, no query string, no
  cookie, no local variable of any frame, and no run of 16 digits (a NIK or No. KK) in the exception's
  text (an IntegrityError names the duplicate value).
- With SENTRY_DSN set, sentry-sdk is started (init_sentry) with its personal-data options off and
  scrub_event removing the request's data, the user but for the id, and any 16-digit run.
"""

import logging
import re

from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

CLEANSED = "********************"
_NUMBER = re.compile(r"\d{16}")
_REQUEST_ITEMS = ("request_GET_items", "request_FILES_items", "request_COOKIES_items")


def scrub(text):
    """The text with every run of 16 digits replaced (a NIK or No. KK never leaves in an error)."""
    return _NUMBER.sub("[nomor]", text) if isinstance(text, str) else text


class PersonalDataFilter(SafeExceptionReporterFilter):
    def get_post_parameters(self, request):
        return dict.fromkeys(request.POST, CLEANSED) if request is not None else {}

    def get_traceback_frame_variables(self, request, tb_frame):
        return [(name, CLEANSED) for name in tb_frame.f_locals]

    def get_safe_request_meta(self, request):
        meta = super().get_safe_request_meta(request)
        for key in ("QUERY_STRING", "HTTP_REFERER", "HTTP_COOKIE"):
            if key in meta:
                meta[key] = CLEANSED
        return meta


class PersonalDataReporter(ExceptionReporter):
    def get_traceback_data(self):
        data = super().get_traceback_data()
        for key in _REQUEST_ITEMS:
            if key in data:
                data[key] = [(name, CLEANSED) for name, _value in data[key]]
        if data.get("request_insecure_uri"):
            data["request_insecure_uri"] = scrub(str(data["request_insecure_uri"]).split("?", 1)[0])
        if "exception_value" in data:
            data["exception_value"] = scrub(data["exception_value"])
        for frame in [*data.get("frames", []), data.get("lastframe") or {}]:
            frame["vars"] = [(name, CLEANSED) for name, _value in frame.get("vars", [])]
            # A database error wraps the driver's, whose text names the duplicate value.
            if frame.get("exc_cause") is not None:
                frame["exc_cause"] = scrub(str(frame["exc_cause"]))
        return data


class PersonalDataFormatter(logging.Formatter):
    """The console's log lines, tracebacks included, with every 16-digit run replaced."""

    def format(self, record):
        return scrub(super().format(record))


def scrub_event(event, hint=None):
    """sentry-sdk's before_send: the event without personal data."""
    request = event.get("request")
    if request:
        for key in ("data", "query_string", "cookies", "env"):
            request.pop(key, None)
        headers = request.get("headers") or {}
        request["headers"] = {k: v for k, v in headers.items() if k.lower() in {"user-agent", "host", "content-type"}}
    if "user" in event:
        event["user"] = {"id": event["user"].get("id")} if event["user"] else {}
    for exception in (event.get("exception") or {}).get("values", []):
        exception["value"] = scrub(exception.get("value"))
        for frame in (exception.get("stacktrace") or {}).get("frames", []):
            frame.pop("vars", None)
    if isinstance(event.get("logentry"), dict):
        event["logentry"]["message"] = scrub(event["logentry"].get("message"))
        event["logentry"]["formatted"] = scrub(event["logentry"].get("formatted"))
        event["logentry"].pop("params", None)
    if "message" in event:
        event["message"] = scrub(event["message"])
    for crumb in (event.get("breadcrumbs") or {}).get("values", []):
        crumb["message"] = scrub(crumb.get("message"))
        crumb.pop("data", None)
    event.pop("extra", None)
    return event


def init_sentry(dsn, *, environment, release=None):
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release,
        integrations=[DjangoIntegration()],
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        traces_sample_rate=0.0,
        before_send=scrub_event,
    )
