"""Settings of the PKK data system: every value that differs between machines comes from an
environment variable read by the strict helpers in pkkdata.env (see README, "Konfigurasi")."""

from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key

from .env import env_bool, env_database, env_int, env_list, env_str, env_timezone
from .observability import init_sentry

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)


def _secret_key():
    key = env_str("SECRET_KEY")
    if key:
        if not DEBUG and len(key) < 50:
            raise ImproperlyConfigured("SECRET_KEY terlalu pendek: use at least 50 random characters in production.")
        return key
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY wajib diisi saat DEBUG mati (SECRET_KEY is required when DEBUG is off).")
    # Development only: a random key kept in an ignored file so sessions survive a restart.
    keyfile = BASE_DIR / ".dev-secret-key"
    if not keyfile.exists():
        keyfile.write_text(get_random_secret_key())
    return keyfile.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Django's own widget templates, for the project's form renderer (pkkdata.forms.FormRenderer).
    "django.forms",
    "guardian",
    "axes",
    "simple_history",
    "import_export",
    # Before django_tasks_db: its db_worker command is jobs' own (the same worker, with a heartbeat).
    "jobs",
    "django_tasks",
    "django_tasks_db",
    "hierarchy",
    "documents",
    "households",
    "onboarding",
    "reports",
    "recaps",
    "demo",
]

MIDDLEWARE = [
    # First: its line times the whole request (pkkdata.request; no query string, no name, no NIK).
    "pkkdata.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The idle timeout slides, but the session row is written at most once a minute.
    "pkkdata.middleware.SessionRefreshMiddleware",
    "django.middleware.common.CommonMiddleware",
    "pkkdata.middleware.RefuseNulMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Remembers a person's writes for a few seconds: their recaps then read "default", not the replica.
    "pkkdata.dbrouter.ReplicaPinMiddleware",
    # A one-time password is replaced before anything else is shown.
    "hierarchy.middleware.MustChangePasswordMiddleware",
    "pkkdata.middleware.NoStoreForSignedInMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "pkkdata.urls"
WSGI_APPLICATION = "pkkdata.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "hierarchy.context_processors.access_flags",
                "hierarchy.receipts.form_key",
            ],
            # {% error_summary %} in base.html: every form error of a page listed at its top.
            "builtins": ["pkkdata.formtags"],
        },
    },
]

# Content-Security-Policy (django-csp): scripts only from our own static files, never inline (a
# confirmation before a form is sent is static/js/confirm.js reading data-confirm); styles may be inline
# (a few <style> blocks and style attributes: they run no code); nothing is framed, no form posts away.
# The Django admin keeps inline scripts of its own: it is left out of the policy.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/admin/"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}


def _database(name, sqlite_path):
    config = env_database(name, sqlite_path)
    if config["ENGINE"].endswith("sqlite3"):
        # The demo runs the web server and the background worker on one SQLite file: in WAL mode readers and
        # a writer work at once; a writer waits up to 20 s for another instead of failing at once; and a
        # transaction takes the write lock when it begins, so two never deadlock upgrading a read to a write.
        config.setdefault("OPTIONS", {}).update(
            {"init_command": "PRAGMA journal_mode=WAL;", "timeout": 20, "transaction_mode": "IMMEDIATE"}
        )
    if config["ENGINE"].endswith("postgresql"):
        # PostgreSQL's JIT compiles a large recap statement for seconds once its cost passes the threshold;
        # these statements are short and repeated: no JIT on this application's connections (docs/DEPLOY.md).
        options = config.setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c jit=off".strip()
    return config


DATABASES = {"default": _database("DATABASE_URL", BASE_DIR / "db.sqlite3")}
# A read replica of "default" (streaming replication), read by the recaps and downloads only
# (pkkdata.dbrouter: marked work, counted data, not right after the person wrote). Unset: no replica.
# In tests it is a mirror of the test database (pkkdata.testenv sets it), so no second server is needed.
if env_str("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = {**_database("DATABASE_REPLICA_URL", BASE_DIR / "db.sqlite3"), "TEST": {"MIRROR": "default"}}
    if DATABASES["replica"]["ENGINE"].endswith("postgresql"):
        # A replica that does not answer is given up after a few seconds (the page then reads "default").
        DATABASES["replica"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 3)
DATABASE_ROUTERS = ["pkkdata.dbrouter.ReplicaRouter"]
# How long after writing counted data a person's recaps and downloads still read "default" (seconds):
# above the replica's worst lag.
PKK_REPLICA_PIN_SECONDS = env_int("DATABASE_REPLICA_PIN_SECONDS", 10, minimum=0, maximum=3600)
# A replica further behind than this (seconds of transactions not yet replayed) is not read: marked work
# reads "default" until it has caught up (pkkdata.dbrouter.replica_behind, checked every few seconds).
PKK_REPLICA_MAX_LAG = env_int("DATABASE_REPLICA_MAX_LAG", 30, minimum=1, maximum=86400)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "hierarchy.User"

# Every field is drawn by templates/partials/field.html (label, widget, help text, errors with the ids
# that aria-describedby names).
FORM_RENDERER = "pkkdata.forms.FormRenderer"

# Object permissions on units are answered by access (a right held on a unit reaches the units below
# it), so user.has_perm("hierarchy.lihat_data", unit) and access.has_perm always agree; guardian's
# own backend, which knows no inheritance, is left out (hence guardian.W001 silenced below).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "hierarchy.backends.AreaPermissionBackend",
]

# Django's default first (every chosen password); then the one-time passwords' own (hierarchy.hashers).
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
    "hierarchy.hashers.OneTimePasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Shared phones: the session ends when the browser closes and after an idle period.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 120, minimum=5, maximum=24 * 60) * 60
# The idle period slides with use: pkkdata.middleware.SessionRefreshMiddleware writes the session at
# most once every PKK_SESSION_REFRESH_SECONDS instead of on every request.
SESSION_SAVE_EVERY_REQUEST = False
PKK_SESSION_REFRESH_SECONDS = env_int("SESSION_REFRESH_SECONDS", 60, minimum=0, maximum=3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Login throttling by username: a kelurahan office shares one IP address.
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1, maximum=100)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15, minimum=1, maximum=24 * 60))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "hierarchy.views.locked_out"
AXES_VERBOSE = False
# axes.W006 asks for the IP address in the lockout key; offices share one IP, so we lock by username.
SILENCED_SYSTEM_CHECKS = ["axes.W006", "guardian.W001"]

# The monthly report: which levels approve, bottom up (rt and desa by default; rw and kecamatan can be
# added), and the day of the next month by which a report counts as on time.
PKK_APPROVAL_LEVELS = env_list("APPROVAL_LEVELS", ["rt", "desa"])
_allowed_approval = ["rt", "rw", "desa", "kecamatan"]
if not PKK_APPROVAL_LEVELS or any(lv not in _allowed_approval for lv in PKK_APPROVAL_LEVELS):
    raise ImproperlyConfigured(f"APPROVAL_LEVELS: use a comma-separated subset of {', '.join(_allowed_approval)}.")
PKK_APPROVAL_LEVELS = [lv for lv in _allowed_approval if lv in PKK_APPROVAL_LEVELS]
PKK_REPORT_DEADLINE_DAY = env_int("REPORT_DEADLINE_DAY", 5, minimum=1, maximum=28)

GUARDIAN_ANONYMOUS_USER_NAME = None  # no anonymous object permissions are ever granted
ANONYMOUS_USER_NAME = None

# The UI is Bahasa Indonesia and only that: our own texts are written in it (no gettext), and without
# LocaleMiddleware Django activates LANGUAGE_CODE on every request, so its own messages (form
# validation, the admin) are Indonesian too whatever language a phone asks for. USE_I18N stays on for
# those built-in Indonesian translations.
LANGUAGE_CODE = "id"
TIME_ZONE = env_timezone("TIME_ZONE", "Asia/Makassar")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Private files: downloads prepared in the background and uploads waiting for their confirmation, in a
# directory the web server never publishes, shared by every web and worker process (one server, or a
# mount they all see). Django's STORAGES["private"] reaches it; another storage backend can replace it.
PKK_PRIVATE_DIR = Path(env_str("PRIVATE_DIR", str(BASE_DIR / "var"))).resolve()
for _public in (STATIC_ROOT, *STATICFILES_DIRS, BASE_DIR / "media"):
    if PKK_PRIVATE_DIR.is_relative_to(Path(_public).resolve()):
        raise ImproperlyConfigured(f"PRIVATE_DIR={PKK_PRIVATE_DIR} lies in a public directory ({_public}).")
STORAGES["private"] = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {
        "location": PKK_PRIVATE_DIR / "berkas",
        "base_url": None,
        "file_permissions_mode": 0o600,
        "directory_permissions_mode": 0o700,
    },
}

# Background work (jobs app): Django's task framework through its backport django-tasks. "db" keeps
# the queue in this database (django-tasks-db; `manage.py db_worker` runs it), "rq" in Redis
# (django-tasks-rq, for several servers), "immediate" runs each task inside the request (tests).
TASK_BACKEND = env_str("TASK_BACKEND", "db")
_task_backends = {
    "db": "django_tasks_db.DatabaseBackend",
    "rq": "django_tasks_rq.RQBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
if TASK_BACKEND not in _task_backends:
    raise ImproperlyConfigured(f"TASK_BACKEND: use one of {', '.join(_task_backends)}.")
TASKS = {"default": {"BACKEND": _task_backends[TASK_BACKEND], "QUEUES": ["default"]}}
if TASK_BACKEND == "rq":
    INSTALLED_APPS += ["django_rq"]
    RQ_QUEUES = {"default": {"URL": env_str("RQ_URL", "redis://127.0.0.1:6379/0")}}
# Cross-area NIK/No. KK lookup hits one account may have in 24 hours (households.services.NikLookups).
PKK_NIK_LOOKUP_LIMIT = env_int("NIK_LOOKUP_LIMIT", 20, minimum=1, maximum=1000)
# How many background jobs one account may have waiting or running at once.
PKK_JOBS_PER_USER = env_int("JOBS_PER_USER", 2, minimum=1, maximum=20)

# HTTPS in production: one switch for the secure cookies, redirect and HSTS.
HTTPS = env_bool("HTTPS", not DEBUG)
if HTTPS:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY", True) else None
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Every console line, tracebacks included, without a 16-digit run (pkkdata.observability).
    "formatters": {
        "line": {
            "()": "pkkdata.observability.PersonalDataFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        }
    },
    "filters": {"require_debug_false": {"()": "django.utils.log.RequireDebugFalse"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "line"},
        # Errors to ADMINS by e-mail when no SENTRY_DSN is set (pkkdata.observability keeps personal
        # data out of them).
        "mail_admins": {
            "class": "django.utils.log.AdminEmailHandler",
            "level": "ERROR",
            "filters": ["require_debug_false"],
            "reporter_class": "pkkdata.observability.PersonalDataReporter",
        },
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # django-axes logs every login at INFO; failed logins and lock-outs still show at WARNING.
    # WeasyPrint reports every layout step at INFO. The request line is pkkdata.request.
    "loggers": {
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        # Replaces Django's own "django" logger (whose mail_admins would send a second, unfiltered mail).
        "django": {"handlers": ["mail_admins"], "level": "INFO"},
        "jobs": {"handlers": ["mail_admins"], "level": "INFO"},
        "pkkdata.request": {"level": env_str("REQUEST_LOG_LEVEL", "INFO")},
    },
}
DEFAULT_EXCEPTION_REPORTER = "pkkdata.observability.PersonalDataReporter"
DEFAULT_EXCEPTION_REPORTER_FILTER = "pkkdata.observability.PersonalDataFilter"

# Who hears of an error: Sentry when SENTRY_DSN is set, else e-mail to ADMINS (comma-separated).
ADMINS = [(address, address) for address in env_list("ADMINS", [])]
SERVER_EMAIL = DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "data-pkk@localhost")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 20
SENTRY_DSN = env_str("SENTRY_DSN", "")
if SENTRY_DSN:
    LOGGING["loggers"]["django"]["handlers"] = []
    LOGGING["loggers"]["jobs"]["handlers"] = []
    init_sentry(SENTRY_DSN, environment=env_str("SENTRY_ENVIRONMENT", "production"))

# /healthz answers an uptime monitor over plain HTTP on the server itself, too.
SECURE_REDIRECT_EXEMPT = [r"^healthz(/web)?$"]
# The health check fails when the private directory has less free space than this.
PKK_MIN_FREE_DISK_MB = env_int("MIN_FREE_DISK_MB", 500, minimum=0)
