"""Starfire settings: one file, every value from the environment with a safe default.

A fresh checkout runs with no configuration at all: SQLite, Celery tasks executed eagerly
in-process, e-mail printed to the console, DEBUG off. Production sets the variables listed
in `.env.example`.
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from core import logs

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)
# The "django-insecure-" prefix makes `check --deploy` flag a production that forgot to set SECRET_KEY.
SECRET_KEY = env.str("SECRET_KEY", default="django-insecure-starfire-development-key-change-me-0123456789")
# Rotating the key (docs/deployment.md): the previous keys, still accepted for sessions, password
# reset links and signed values while they expire.
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "simple_history",
    "axes",
    "starfire.apps.CaptchaConfig",  # django-simple-captcha, without its translations (see there)
    "csp",
    "django_prometheus",
    "starfire.apps.RestFrameworkConfig",  # Django REST framework, without its translations (see there)
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "core",
    "branches",
    "ratings",
    "meetings",
    "notifications",
    "province",
    "programme",
    "api",
    "starfire",
]

# Object permissions come from the one access policy (branches.access) through `rules`.
# django-axes comes first: it refuses a locked-out login before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]

MIDDLEWARE = [
    # First and last: request counts and latencies for /metrics (django-prometheus).
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    # The request id, for every log line and every task the request queues (core.requestid).
    "core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "core.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Before anything reads the body: too large → 413, unknown length → 411.
    "core.middleware.RequestSizeLimitMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "starfire.middleware.CommitteeChoiceMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: turns a refused (locked-out) login into the lockout page.
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "starfire.urls"

# Row history: the admin may show old versions but never revert to them (writes go through services).
SIMPLE_HISTORY_REVERT_DISABLED = True

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
                "django.template.context_processors.i18n",
                "starfire.context_processors.navigation",
                "notifications.context_processors.unread",
                "starfire.context_processors.committee_switcher",
            ],
        },
    },
]

WSGI_APPLICATION = "starfire.wsgi.application"
ASGI_APPLICATION = "starfire.asgi.application"

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
if DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql") and not env.bool(
    "DATABASE_JIT", default=False
):
    # PostgreSQL's JIT compiles every query whose estimated cost passes jit_above_cost; for the
    # aggregates behind the home, dashboard and coverage pages compiling costs more than it saves
    # (benchmarks/README.md). DATABASE_JIT=true leaves the server's own setting in force.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = f"{options.get('options', '')} -c jit=off".strip()
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the dev server and an eager task write without "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The per-address counters (objection limit, objection lookups, when the CAPTCHA is shown) live
# in this cache. The embedded default is one process (runserver), so its in-process cache is
# shared; production runs several gunicorn workers and sets CACHE_URL to Redis so that all of
# them count together.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://starfire")}

# Reverse proxies in front of the app that append to X-Forwarded-For (core.clientip): 0 = none,
# the client is REMOTE_ADDR; 1 = one proxy (e.g. nginx with proxy_add_x_forwarded_for), …
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or a positive number of proxies.")

# Login throttling (django-axes, failures kept in the database so every worker sees them): after
# LOGIN_FAILURE_LIMIT wrong passwords for one username from one address, that pair is locked for
# LOGIN_LOCKOUT_MINUTES, counted from the last failure; more tries while locked do not extend it.
# Keyed on the pair, so neither a stranger elsewhere nor a colleague behind the same address can
# lock a user out. A successful login resets the count; a superuser unlocks in the admin.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_LOCKOUT_MINUTES = env.int("LOGIN_LOCKOUT_MINUTES", default=15)
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "core.clientip.client_ip"
AXES_LOCKOUT_CALLABLE = "starfire.lockout.lockout_response"
AXES_ENABLE_ADMIN = False  # starfire.admin registers its own: superusers only, with an unlock action
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False  # failures and lockouts are still logged as warnings
if AXES_FAILURE_LIMIT < 1 or LOGIN_LOCKOUT_MINUTES < 1:
    raise ImproperlyConfigured("LOGIN_FAILURE_LIMIT and LOGIN_LOCKOUT_MINUTES must be at least 1.")

# The objection form's CAPTCHA (django-simple-captcha): images drawn here with Pillow and the
# bundled font, answers kept in the database; no outside service, no audio.
CAPTCHA_LENGTH = 5
CAPTCHA_TIMEOUT = 20  # minutes a challenge stays valid: time to write the objection
CAPTCHA_FONT_SIZE = 28

AUTH_USER_MODEL = "branches.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
# The login page after a logout wipes what an inspector's device kept (static/js/wipe.js).
LOGOUT_REDIRECT_URL = "/login/?logged_out=1"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
FORMAT_MODULE_PATH = ["starfire.formats"]  # our date formats per language, over Django's
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
# Private files (evidence, photos, attachments, objection and award files, imports) live in the
# "private" storage (core.storage): no MEDIA_URL, served only through views that check the user may
# see them. The embedded default is a local folder; with PRIVATE_STORAGE_BUCKET set they go to
# S3-compatible object storage (django-storages), which every web and worker host shares.
PRIVATE_STORAGE_BUCKET = env.str("PRIVATE_STORAGE_BUCKET", default="")
if PRIVATE_STORAGE_BUCKET:
    PRIVATE_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": PRIVATE_STORAGE_BUCKET,
            "endpoint_url": env.str("PRIVATE_STORAGE_ENDPOINT_URL", default="") or None,
            "access_key": env.str("PRIVATE_STORAGE_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("PRIVATE_STORAGE_SECRET_ACCESS_KEY", default="") or None,
            "region_name": env.str("PRIVATE_STORAGE_REGION", default="") or None,
            "addressing_style": env.str("PRIVATE_STORAGE_ADDRESSING_STYLE", default="") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "signature_version": "s3v4",
            "file_overwrite": False,  # a second upload of the same name gets a name of its own
        },
    }
else:
    PRIVATE_STORAGE = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(env.path("PRIVATE_MEDIA_ROOT", default=BASE_DIR / "var" / "private"))},
    }
# Seconds a download link to object storage stays valid: >0 answers an access-checked download with a
# redirect to a signed link of that lifetime; 0 streams the file through the view (also the local folder).
PRIVATE_STORAGE_SIGNED_URL_SECONDS = env.int("PRIVATE_STORAGE_SIGNED_URL_SECONDS", default=0)
STORAGES = {
    "private": PRIVATE_STORAGE,
    # Nothing of Starfire's uses the default storage; it is the private one, so a file no code
    # expected never lands anywhere public.
    "default": PRIVATE_STORAGE,
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_BACKEND", default="whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Uploads: one file at most UPLOAD_MAX_BYTES; one request at most MAX_REQUEST_BYTES (refused with 413
# before its body is read; the largest legitimate request carries five files of the largest size);
# files above FILE_UPLOAD_MAX_MEMORY_SIZE go to a temporary file; the non-file fields of a request
# at most DATA_UPLOAD_MAX_MEMORY_SIZE.
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=20 * 1024 * 1024)
MAX_REQUEST_BYTES = env.int("MAX_REQUEST_BYTES", default=5 * UPLOAD_MAX_BYTES + 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = 100
# .docx/.xlsx are zip files: refused when their parts would inflate to more than this in all, or
# when one part inflates more than UPLOAD_MAX_ZIP_RATIO times its compressed size (a zip bomb).
UPLOAD_MAX_UNZIPPED_BYTES = env.int("UPLOAD_MAX_UNZIPPED_BYTES", default=100 * 1024 * 1024)
UPLOAD_MAX_ZIP_RATIO = env.int("UPLOAD_MAX_ZIP_RATIO", default=100)
# Images are decoded and encoded again (metadata and anything after the image dropped); larger
# pictures than this many pixels are refused before they are decoded.
UPLOAD_MAX_IMAGE_PIXELS = env.int("UPLOAD_MAX_IMAGE_PIXELS", default=60_000_000)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=50_000)
# The template has 12 columns; a sheet is refused at its declared size or at the first row or cell
# over these, before it is read whole.
IMPORT_MAX_COLUMNS = env.int("IMPORT_MAX_COLUMNS", default=50)
IMPORT_MAX_CELLS = env.int("IMPORT_MAX_CELLS", default=1_000_000)

# E-mail: printed to the console unless EMAIL_URL says otherwise (smtp+tls://user:pass@host:587).
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
# The sender name is deployment configuration, not an interface message: it is not translated.
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="星火评星 <starfire@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# Celery: no broker configured means tasks run eagerly in-process (the embedded default).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# Surviving a broker outage (core.outbox): side effects are rows written with the action and
# published after the commit, so a request never waits on an unreachable broker for more than
# BROKER_TIMEOUT seconds (connect and socket timeouts, no publish retry on that path; other
# publishes retry once). No task keeps a result unless it says so (`ignore_result=False`): the
# app reads none, and asking a result store on every publish is what made requests wait.
BROKER_TIMEOUT = env.float("BROKER_TIMEOUT", default=1.0)
CELERY_BROKER_CONNECTION_TIMEOUT = BROKER_TIMEOUT
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": BROKER_TIMEOUT,
    "socket_timeout": max(BROKER_TIMEOUT, 1.0),
    # A publisher's connection is tried once (kombu would otherwise wait 2 s and try again);
    # the workers' own reconnection loop is not affected.
    "max_retries": 0,
}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = BROKER_TIMEOUT
CELERY_REDIS_SOCKET_TIMEOUT = max(BROKER_TIMEOUT, 1.0)
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_TASK_IGNORE_RESULT = True

# Queues by kind (fast: notices and e-mail; heavy: recomputes, snapshots, imports, exports), each
# task with its time limit: the table is in starfire/task_queues.py.
from starfire.task_queues import TASK_QUEUES  # noqa: E402

CELERY_TASK_DEFAULT_QUEUE = "fast"
CELERY_TASK_ROUTES = {name: {"queue": queue} for queue, tasks in TASK_QUEUES.items() for name in tasks}
CELERY_TASK_ANNOTATIONS = {
    name: {"time_limit": limit, "soft_time_limit": int(limit * 0.9)}
    for tasks in TASK_QUEUES.values()
    for name, limit in tasks.items()
}
# A worker that dies mid-task gives the task back (acks_late): it runs again elsewhere.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Redis hands an unacknowledged task to another worker after this many seconds: longer than the
# longest time limit, so a heavy task still running is never started a second time.
CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] = 2 * 3600

# HTTPS: production runs behind TLS (HTTPS=true); the embedded default serves plain http on 127.0.0.1.
HTTPS = env.bool("HTTPS", default=False)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if env.bool("BEHIND_PROXY", default=HTTPS):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): scripts and styles only from Starfire's own static files,
# no inline script or style; a <script> in a template carries nonce="{{ request.csp_nonce }}".
# Private files set their own stricter policy (core.uploads.private_file_response).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}
# Permissions-Policy (core.middleware.PermissionsPolicyMiddleware): no page uses these features;
# inspectors' photos come through <input type="file" capture>, which needs no camera permission.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
        "xr-spatial-tracking",
    )
}

# Logs: one JSON object per line with the request id (core.logs); LOG_FORMAT=plain for reading.
LOG_FORMAT = env.str("LOG_FORMAT", default="json")
logs.configure()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"structured": logs.formatter(LOG_FORMAT)},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "axes": {"level": "WARNING"},
        # Tasks run in-process in the embedded default: one "Task … succeeded" line per task would
        # bury everything else on the console. A worker (production) logs them at LOG_LEVEL.
        "celery.app.trace": {
            "level": env.str("TASK_LOG_LEVEL", default="WARNING" if CELERY_TASK_ALWAYS_EAGER else "INFO")
        },
    },
}

# /metrics (starfire.metrics) answers only these addresses or networks (comma-separated, as
# core.clientip sees the client: behind the proxy, set TRUSTED_PROXY_COUNT); empty: nobody.
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=[])

# Error reports to Sentry (or a compatible service) only when a DSN is given; without one the
# SDK is not even imported. No personal data is sent (no user, cookies or request bodies).
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default="production"),
        send_default_pii=False,
        traces_sample_rate=0.0,
    )

# The REST API (api/, docs/api.md): JSON only, session (with CSRF) or a personal token, the
# access policy in every view, errors as JSON with field paths (api.errors), throttled per token.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Pages",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.PerTokenThrottle", "api.throttling.AnonymousThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "token": env.str("API_RATE_PER_TOKEN", default="2000/hour"),
        "anonymous": env.str("API_RATE_ANONYMOUS", default="600/hour"),
    },
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Starfire API",
    "DESCRIPTION": "星火评星 REST API (docs/api.md).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No validator badge (it would load from outside); the session's CSRF token on writes.
    "SWAGGER_UI_SETTINGS": {"validatorUrl": None, "deepLinking": True, "persistAuthorization": False},
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.add_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "OrganizationStatusEnum": "branches.models.OrgStatus",
        "CycleStatusEnum": "ratings.models.Cycle.Status",
        "SubmissionStatusEnum": "ratings.models.Status",
    },
}
# Days a personal API token lasts unless its owner picks another expiry (at most API_TOKEN_MAX_DAYS).
API_TOKEN_DEFAULT_DAYS = env.int("API_TOKEN_DEFAULT_DAYS", default=90)
API_TOKEN_MAX_DAYS = env.int("API_TOKEN_MAX_DAYS", default=366)
# Paths whose refusals by the request-size cap are JSON rather than a page.
JSON_ERROR_PATH_PREFIXES = ("/api/",)
