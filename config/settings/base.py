"""Settings shared by every environment; everything that differs comes from the environment.

Environment variables (all optional for local use):
- DATABASE_URL: postgres://user:pass@host:5432/db or sqlite:///path (default: var/db.sqlite3)
- DATABASE_REPLICA_URL: postgres://… of a streaming replica (optional; reads go there, see below)
- CELERY_BROKER_URL: redis://host:6379/0 (default: an embedded SQLite-backed broker, no server)
- DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS, DJANGO_DEBUG, EMAIL_URL-style settings (see README)
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("APP_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "insecure-local-key-change-me-in-production")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "simple_history",
    "axes",
    "csp",
    "common",
    "parks",
    "projects",
    "scheduling",
    "escalation",
    "reports",
    "api",
    "web",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "parks.middleware.AuthenticationMiddleware",  # Django's, the park tree read once per request
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # AxesMiddleware last: it turns a locked-out login into the lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "web" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the Celery worker write side by side; IMMEDIATE transactions
    # take the write lock up front instead of failing with "database is locked" mid-transaction.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
if IS_POSTGRES:
    # PostgreSQL's JIT compiles every query that looks costly; for page-sized queries it spent
    # 0.6 s compiling a 0.4 s query (the project list at 100k projects). Off for the app.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"

# Read replica (issue #16; README "读副本 / Read replica"): DATABASE_REPLICA_URL, a PostgreSQL
# streaming replica of DATABASE_URL, parsed the same way. When set, the `replica` alias, the
# router common.db_router.ReplicaRouter (safe requests of clients that have not written in the
# last REPLICA_PIN_SECONDS read there; writes, transactions and jobs use the primary) and its
# middleware. A replica that is down or more than REPLICA_MAX_LAG_SECONDS behind is skipped
# (checked every REPLICA_CHECK_SECONDS while healthy, REPLICA_RETRY_SECONDS while not).
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "").strip()
REPLICA_PIN_SECONDS = int(os.environ.get("REPLICA_PIN_SECONDS", "5"))
REPLICA_MAX_LAG_SECONDS = float(os.environ.get("REPLICA_MAX_LAG_SECONDS", "10"))
REPLICA_CHECK_SECONDS = float(os.environ.get("REPLICA_CHECK_SECONDS", "2"))
REPLICA_RETRY_SECONDS = float(os.environ.get("REPLICA_RETRY_SECONDS", "10"))
DATABASE_ROUTERS: list[str] = []
if DATABASE_REPLICA_URL:
    if not IS_POSTGRES or not DATABASE_REPLICA_URL.startswith(("postgres://", "postgresql://")):
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("DATABASE_REPLICA_URL needs DATABASE_URL and itself to be postgres:// URLs")
    DATABASES["replica"] = dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=60)
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["replica"].setdefault("OPTIONS", {}).update({"options": "-c jit=off", "connect_timeout": 2})
    # Tests: the replica alias reads the primary's test database (streamed to the replica like
    # any other); only the database name is mirrored, host and port stay the replica's.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["common.db_router.ReplicaRouter"]
    # Before the session middleware: the session and the user are read where the request reads.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware"),
        "common.db_router.ReplicaPinMiddleware",
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "parks.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

# Login lockout (django-axes): 5 failures for one username from one address lock it for 15 min.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"

# --- Language and time ----------------------------------------------------------------------
# Source strings are Chinese (the users' language); English is a translation in locale/en.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
# The one range of dates people may enter or ask about (plans, actual dates, targets, holidays,
# ?as_of=, report periods, ISO weeks), read through common/dates.py; the periods derive from it.
DATE_MIN = "2000-01-01"
DATE_MAX = "2100-12-31"

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on every start when it is missing
STATICFILES_DIRS = [BASE_DIR / "static"]
# First: vendor files with their outside URLs removed (common/staticfiles.py; ReDoc's CDN logo).
STATICFILES_FINDERS = [
    "common.staticfiles.VendorPatchFinder",
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Uploads (Excel imports): refuse anything bigger than this before parsing it.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES", str(10 * 1024 * 1024)))
IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", "20000"))
# The wall chart's print view draws the whole selection up to this many projects.
BOARD_PRINT_MAX = int(os.environ.get("BOARD_PRINT_MAX", "2000"))
# Excel imports with more data rows than this run as a Celery task with a progress bar.
IMPORT_ASYNC_ROWS = int(os.environ.get("IMPORT_ASYNC_ROWS", "500"))
# The monthly report for month M is filed during month M+1 and due on this day of it
# (次月5日前报送; projects.rules.report_due_date).
REPORT_DUE_DAY = int(os.environ.get("REPORT_DUE_DAY", "5"))
# The review page's "amount jumps" filter (月报审核 · 金额异常): this month's amount at least
# REVIEW_JUMP_FACTOR times the project's previous counted month (or at most 1/factor of it), and
# the two differ by at least REVIEW_JUMP_MIN 万元.
REVIEW_JUMP_FACTOR = os.environ.get("REVIEW_JUMP_FACTOR", "3")
REVIEW_JUMP_MIN = os.environ.get("REVIEW_JUMP_MIN", "500")
# The leaders' screen (指挥大屏, /screen/): how often it reloads its figures (seconds, at least 30)
# and how many project dots its map draws at most (the largest investments first).
SCREEN_REFRESH_SECONDS = max(int(os.environ.get("SCREEN_REFRESH_SECONDS", "180")), 30)
SCREEN_MAX_DOTS = int(os.environ.get("SCREEN_MAX_DOTS", "1000"))
# Who else gets the commission's summary of each reminder step (催报汇总) besides the users with
# the commission role: comma-separated addresses (reports.reminders).
REPORT_REMINDER_COMMISSION_EMAILS = [
    a.strip() for a in os.environ.get("REPORT_REMINDER_COMMISSION_EMAILS", "").split(",") if a.strip()
]

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # DRF's token authentication, refusing tokens older than API_TOKEN_TTL_HOURS.
        "parks.tokens.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # DRF's defaults, with the JSON parser limiting body size and nesting depth (api/parsers.py).
    "DEFAULT_PARSER_CLASSES": [
        "api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.ApiPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "api.backends.FilterBackend",
        "rest_framework.filters.SearchFilter",
        "api.backends.OrderingFilter",  # DRF's, the id as the last key
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        # DRF's throttles with their counters in the shared "throttle" cache (Redis), fail-open.
        "api.throttling.SharedAnonRateThrottle",
        "api.throttling.SharedUserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_THROTTLE_ANON", "60/min"),
        "user": os.environ.get("API_THROTTLE_USER", "6000/min"),
        # POST auth/token/ (api/auth.py): per client address, and per username across addresses.
        "token": os.environ.get("API_THROTTLE_TOKEN", "20/min"),
        "token_username": os.environ.get("API_THROTTLE_TOKEN_USERNAME", "10/min"),
    },
    # The anon rate counts per client address: REMOTE_ADDR, never a client-sent X-Forwarded-For
    # (DRF's default, None, would key on the whole header, so a spoofed one per request escaped
    # the limit). Production sets the number of proxies in front (AXES_PROXY_COUNT).
    "NUM_PROXIES": 0,
    "COERCE_DECIMAL_TO_STRING": True,
    "DATE_FORMAT": "%Y-%m-%d",
    # Django ValidationError/PermissionDenied from the services → 400/403; VersionConflict → 409.
    "EXCEPTION_HANDLER": "api.exceptions.api_exception_handler",
}
# An API token is refused (401) this many hours after it was issued; a new POST to auth/token/
# then issues a fresh one. Password changes and deactivation revoke tokens at once (parks/tokens.py).
API_TOKEN_TTL_HOURS = float(os.environ.get("API_TOKEN_TTL_HOURS", "720"))
# JSON request bodies: at most this many bytes and this many nested arrays/objects (api/parsers.py).
API_JSON_MAX_BYTES = int(os.environ.get("API_JSON_MAX_BYTES", str(10 * 1024 * 1024)))
API_JSON_MAX_DEPTH = int(os.environ.get("API_JSON_MAX_DEPTH", "32"))
SPECTACULAR_SETTINGS = {
    "TITLE": "重点项目挂图作战 API / Key-project tracking API",
    "DESCRIPTION": "发改委重点项目、节点、月度投资与统计接口 / Key projects, milestones, "
    "monthly investment and statistics for the development and reform commission.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Two choice sets are called `level` (a project's, a region's): name each enum explicitly.
    "ENUM_NAME_OVERRIDES": {
        "LevelEnum": "projects.models.Level",
        "RegionLevelEnum": "parks.models.RegionLevel",
    },
}

# --- Celery ---------------------------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or (f"sqla+sqlite:///{VAR_DIR / 'celery-broker.sqlite3'}")
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Jobs are idempotent, so a job whose worker died is redelivered rather than lost.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 60 * 30
CELERY_TASK_SOFT_TIME_LIMIT = 60 * 25
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # An unacknowledged job (its worker killed, its machine gone) is redelivered after this long;
    # longer than the longest job (CELERY_TASK_TIME_LIMIT), or a slow job would run twice.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", 60 * 60))}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)

# --- Caches ---------------------------------------------------------------------------------
# "default": per-process memory. "throttle": the API throttle counters (api/throttling.py),
# which every gunicorn worker must share, so in Redis: THROTTLE_CACHE_URL, by default the broker's
# Redis when the broker is redis:// (keys prefixed "throttle:"), and per-process memory for the
# embedded no-Redis mode of `make run` (or THROTTLE_CACHE_URL=locmem). Short socket timeouts: the
# throttles fail open, so a Redis outage costs a request at most one 0.3 s timeout.
THROTTLE_CACHE_URL = os.environ.get("THROTTLE_CACHE_URL") or (
    CELERY_BROKER_URL if CELERY_BROKER_URL.startswith(("redis://", "rediss://")) else "locmem"
)
_LOCMEM = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
PAGES_CACHE_URL = os.environ.get("PAGES_CACHE_URL") or (
    CELERY_BROKER_URL if CELERY_BROKER_URL.startswith(("redis://", "rediss://")) else "file"
)
CACHES = {
    "default": _LOCMEM,
    "throttle": {**_LOCMEM, "LOCATION": "throttle"}
    if THROTTLE_CACHE_URL == "locmem"
    else {
        "BACKEND": "common.cache.RedisCache",  # one redis-py client per pool (common/cache.py)
        "LOCATION": THROTTLE_CACHE_URL,
        "KEY_PREFIX": "throttle",
        "OPTIONS": {
            "socket_connect_timeout": float(os.environ.get("THROTTLE_CACHE_TIMEOUT", "0.3")),
            "socket_timeout": float(os.environ.get("THROTTLE_CACHE_TIMEOUT", "0.3")),
        },
    },
    # The page caches keyed by the data version (common/dataversion.py): shared by every process,
    # so without Redis (`make run`: web server, worker and beat are three processes) in files
    # under var/ (PAGES_CACHE_URL=locmem: per-process memory, one process only).
    "pages": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(VAR_DIR / "pages-cache"),
    }
    if PAGES_CACHE_URL == "file"
    else {**_LOCMEM, "LOCATION": "pages"}
    if PAGES_CACHE_URL == "locmem"
    else {
        "BACKEND": "common.cache.RedisCache",  # one redis-py client per pool (common/cache.py)
        "LOCATION": PAGES_CACHE_URL,
        "KEY_PREFIX": "pages",
        "OPTIONS": {"socket_connect_timeout": 0.3, "socket_timeout": 0.3},
    },
}
PAGES_CACHE_SECONDS = int(os.environ.get("PAGES_CACHE_SECONDS", "600"))

# Sessions: in the database, read through the shared Redis cache when there is one (every signed-in
# page reads its session; parks/sessions.py falls back to the database while Redis is away). The
# embedded no-Redis mode keeps Django's plain database sessions.
if PAGES_CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES["sessions"] = {**CACHES["pages"], "KEY_PREFIX": "session"}
    SESSION_ENGINE = "parks.sessions"
    SESSION_CACHE_ALIAS = "sessions"

# --- E-mail (weekly report) -----------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = str(VAR_DIR / "mail")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "重点项目挂图作战 <noreply@localhost>")

# --- Content security policy (django-csp 4): everything comes from this server ---------------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint logs a line per page and per font lookup at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

APP_NAME = _("重点项目挂图作战")
