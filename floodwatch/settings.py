"""Floodwatch settings: one file, driven by environment variables.

Production is the default: DEBUG is off and SECRET_KEY is required unless the
environment says DEBUG=1 (`make run` and the other development targets do) or
FLOODWATCH_TESTING=1 (the test suite). The README's deployment section lists
every variable read here.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name, default=""):
    return os.environ.get(name, default)


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name, default):
    return int(os.environ.get(name, default))


# Security: a deployment that forgets a variable must fail closed, so nothing
# here falls back to the development key or the demo users by default.
DEBUG = env_bool("DEBUG", False)
TESTING = env_bool("FLOODWATCH_TESTING")
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if TESTING:
        SECRET_KEY = "insecure-test-key-only-for-the-test-suite"
    elif DEBUG:
        SECRET_KEY = "insecure-development-key-do-not-use-in-production"
    else:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Floodwatch runs as production unless told otherwise: set SECRET_KEY to a long "
            "random string (python3 -c 'import secrets; print(secrets.token_urlsafe(50))') and ALLOWED_HOSTS, "
            "or set DEBUG=1 on a development machine (make run does)."
        )

ALLOWED_HOSTS = [h for h in env_str("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = [SITE_URL]

INSTALLED_APPS = [
    "hazards.apps.FloodwatchAdminConfig",  # django.contrib.admin, open to the admin role
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "leaflet",
    "django_filters",
    "simple_history",
    "axes",
    "rest_framework",  # the REST API, OGC API - Features and their OpenAPI document (issue 12)
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from our static files, no CDN

    "django_tasks",
    "django_tasks_db",
    "hazards",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "hazards.middleware.ChineseUnlessChosen",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "hazards.middleware.RefuseMalformedInput",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks: it turns a lock-out into the 429 page
]

ROOT_URLCONF = "floodwatch.urls"
WSGI_APPLICATION = "floodwatch.wsgi.application"

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
                "hazards.context_processors.role_flags",
                "hazards.context_processors.response_now",
            ],
        },
    },
]

# Databases: SpatiaLite under var/ unless DATABASE_URL names another
# (postgis://user@host:port/name for PostGIS).
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    if DATABASES["default"]["ENGINE"].endswith(("postgis", "postgresql")):
        # PostgreSQL's JIT compiler takes the map tiles' arithmetic for costly queries and spends
        # most of a second compiling each one, to save milliseconds (README, "Scale").
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off -c work_mem=32MB")
else:
    (BASE_DIR / "var").mkdir(exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.contrib.gis.db.backends.spatialite",
            "NAME": env_str("SQLITE_PATH", str(BASE_DIR / "var" / "floodwatch.sqlite3")),
            # Concurrent writers (two engineers posting progress) must wait for
            # each other, not fail with "database is locked": WAL lets readers
            # go on during a write, IMMEDIATE takes the write lock at BEGIN so
            # no transaction has to be upgraded half-way, and the timeout waits.
            "OPTIONS": {
                "timeout": 30,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            "TEST": {"NAME": env_str("SQLITE_TEST_PATH", str(BASE_DIR / "var" / "test.sqlite3"))},
        }
    }
SPATIALITE_LIBRARY_PATH = "mod_spatialite"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Logging in: every Django password validator; sessions that end; django-axes
# locks a user name out from one address after LOGIN_FAILURE_LIMIT failures, so
# that one person's typos do not lock out an office behind one NAT address.
# `manage.py axes_reset_username NAME` unlocks early (README).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "hazards.roles.RoleBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "hazards:map"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = env_int("SESSION_HOURS", 12) * 3600
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # every failure, with address and browser, in the admin
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "var" / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 30 * 1024 * 1024
MAX_PHOTO_BYTES = env_int("MAX_PHOTO_BYTES", 15 * 1024 * 1024)
# A 13,000 x 13,000 PNG of half a megabyte takes gigabytes to decode: the bytes alone do not bound a photo.
MAX_PHOTO_PIXELS = env_int("MAX_PHOTO_PIXELS", 40_000_000)

# GDAL < 3.9 (Debian 12 has 3.6) cannot stop a spatial-reference string from
# opening files or URLs. We never hand GDAL a CRS string from a user: every
# CRS is an EPSG code fixed in our code (see hazards/geo.py and the README's
# security notes), so this one warning is silenced on purpose.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

# Reverting to an old record from the admin's history page would write past
# the versions and the status rules; changes go through the forms instead.
SIMPLE_HISTORY_REVERT_DISABLED = True

# The cache is shared by every web process on the machine (throttles count across them).
# Map tiles have a cache of their own (hazards/tiles.py): many small entries, which
# would otherwise push the throttle counts out.
CACHE_DIR = Path(env_str("CACHE_DIR", str(BASE_DIR / "var" / "cache")))
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(CACHE_DIR)},
    "tiles": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(CACHE_DIR / "tiles"),
        "OPTIONS": {"MAX_ENTRIES": env_int("TILE_CACHE_ENTRIES", 50_000)},
    },
}
TILE_CACHE_SECONDS = env_int("TILE_CACHE_SECONDS", 24 * 3600)

# Flood control.
FLOOD_SEASON_START = env_str("FLOOD_SEASON_START", "06-01")  # MM-DD; Beijing's 汛期 is 1 June
FLOOD_SEASON_END = env_str("FLOOD_SEASON_END", "09-15")  # to 15 September
MAX_RIVER_DISTANCE_M = env_int("MAX_RIVER_DISTANCE_M", 500)
# The district outline is heavily simplified (101 vertices): buffer it before
# deciding whether a point lies in the district.
DISTRICT_BUFFER_M = env_int("DISTRICT_BUFFER_M", 2000)
VILLAGE_RADIUS_M = env_int("VILLAGE_RADIUS_M", 2500)
DEMO_DATA_ALLOWED = env_bool("DEMO_DATA_ALLOWED", DEBUG)
# Risk-list PDFs are rendered in parts of this many stops, side by side on this many cores.
REPORT_WORKERS = env_int("REPORT_WORKERS", os.cpu_count() or 1)
REPORT_STOPS_PER_PART = env_int("REPORT_STOPS_PER_PART", 48)
# What one user may ask for: a risk list of at most this many stops (a longer one is narrowed
# with filters or a tour), at most this many risk lists a minute. Every risk list is made by a
# background job; one of at most REPORT_DIRECT_STOPS stops (a tour) comes back in the request
# itself when ready within REPORT_WAIT_SECONDS, a longer one is followed on "My downloads".
REPORT_MAX_STOPS = env_int("REPORT_MAX_STOPS", 5000)
REPORT_REQUESTS_PER_MINUTE = env_int("REPORT_REQUESTS_PER_MINUTE", 10)
REPORT_DIRECT_STOPS = env_int("REPORT_DIRECT_STOPS", 200)
REPORT_WAIT_SECONDS = env_int("REPORT_WAIT_SECONDS", 5)
# Rendered parts of risk lists, kept by the content they show (hazards/reports/cache.py).
REPORT_CACHE_DIR = Path(env_str("REPORT_CACHE_DIR", str(BASE_DIR / "var" / "report-cache")))
REPORT_CACHE_DAYS = env_int("REPORT_CACHE_DAYS", 14)
# Hazard exports of more rows than this are made by a background job.
EXPORT_DIRECT_ROWS = env_int("EXPORT_DIRECT_ROWS", 2000)

# Background jobs (hazards/jobs.py) through Django's tasks interface (the django-tasks backport):
# the database backend by default, a worker beside the server (`make run`, `make serve`); RQ on
# Redis for deployments with workers on several machines. The test suite runs jobs in the request
# (immediate) unless a test starts a real worker.
JOBS_BACKEND = env_str("JOBS_BACKEND", "immediate" if TESTING else "database")
REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
JOBS_DIR = Path(env_str("JOBS_DIR", str(BASE_DIR / "var" / "jobs")))  # results: never under static or media
JOB_RESULT_HOURS = env_int("JOB_RESULT_HOURS", 24)  # then a result is deleted
JOB_TIMEOUT_SECONDS = env_int("JOB_TIMEOUT_SECONDS", 1800)
JOBS_PER_USER = env_int("JOBS_PER_USER", 3)  # unfinished jobs one user may have at once
_TASK_BACKENDS = {
    "immediate": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
    "database": {"BACKEND": "django_tasks_db.DatabaseBackend"},
    "rq": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]},
}
if JOBS_BACKEND not in _TASK_BACKENDS:
    raise ImproperlyConfigured(f"JOBS_BACKEND must be one of {', '.join(_TASK_BACKENDS)}, not {JOBS_BACKEND!r}.")
TASKS = {"default": _TASK_BACKENDS[JOBS_BACKEND]}
if JOBS_BACKEND == "rq":
    INSTALLED_APPS.append("django_rq")
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": JOB_TIMEOUT_SECONDS}}

# Flood-season readiness: patrols, evacuation plans and drills.
# A patrol covers the stretch of river it walks within this distance of the
# centerline; the Chaobai line is coarse (hundreds of metres), so be generous.
PATROL_MAX_OFFSET_M = env_int("PATROL_MAX_OFFSET_M", 300)
PATROL_MAX_WALKING_KMH = env_int("PATROL_MAX_WALKING_KMH", 7)  # faster than this is not on foot
PATROL_MIN_ON_RIVER_PCT = env_int("PATROL_MIN_ON_RIVER_PCT", 60)  # less of the track near the river is flagged
MAX_GPX_BYTES = env_int("MAX_GPX_BYTES", 5 * 1024 * 1024)
MAX_GPX_POINTS = env_int("MAX_GPX_POINTS", 50_000)
# A patrol track may not jump further than this between consecutive points
# (unless its times show a walk: a GPS gap), nor be longer in all: coverage
# is sampled every 20 m along it, so its length is what coverage costs.
PATROL_MAX_JUMP_M = env_int("PATROL_MAX_JUMP_M", 2000)
PATROL_MAX_TRACK_KM = env_int("PATROL_MAX_TRACK_KM", 100)
# Every XML file that comes in (GPX, KML) is walked by expat before a library reads
# it (hazards/imports/xml.py). Real GPX nests under 10 deep, with a few
# elements per point.
MAX_XML_DEPTH = env_int("MAX_XML_DEPTH", 32)
MAX_XML_ELEMENTS = env_int("MAX_XML_ELEMENTS", 500_000)

# Imports of registers and river lines (issue 9): the largest file, what it may unpack to, how many
# files a ZIP may hold, how many rows a file may have; uploads wait for the confirming step in IMPORT_DIR.
MAX_IMPORT_BYTES = env_int("MAX_IMPORT_BYTES", 50 * 1024 * 1024)
MAX_IMPORT_UNPACKED_BYTES = env_int("MAX_IMPORT_UNPACKED_BYTES", 200 * 1024 * 1024)
MAX_ZIP_MEMBERS = env_int("MAX_ZIP_MEMBERS", 100)
MAX_IMPORT_ROWS = env_int("MAX_IMPORT_ROWS", 20_000)
IMPORT_DIR = Path(env_str("IMPORT_DIR", str(BASE_DIR / "var" / "imports")))
# Villages this close to a river are in the readiness table; those up to
# AT_RISK_DOWNSTREAM_M downstream of a hazard are at risk from it.
READINESS_RIVER_DISTANCE_M = env_int("READINESS_RIVER_DISTANCE_M", 2000)
AT_RISK_DOWNSTREAM_M = env_int("AT_RISK_DOWNSTREAM_M", 5000)

# Open interfaces (issue 12): the REST API for programs (tokens, HTTP Basic, sessions for the
# pages; never anonymous), its OpenAPI document, OGC API - Features and Open311 for the 12345 hotline.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "hazards.auth.TokenAuthentication", "hazards.auth.BasicAuthentication", "hazards.auth.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["hazards.auth.HasRole"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.FormParser", "rest_framework.parsers.MultiPartParser", "rest_framework.parsers.JSONParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "hazards.auth.exception_handler",
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "hazards.auth.FirstRenderer",
    "URL_FORMAT_OVERRIDE": None,  # OGC API's `f` is ours; DRF's `format` would be one more parameter
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Floodwatch API",
    "DESCRIPTION": "Flood-obstruction points (碍洪点) of Tongzhou district: the REST API and OGC API - Features. "
                   "Every call needs a user with a role: `Authorization: Token …`, HTTP Basic over HTTPS, or a session.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["hazards.auth.HasRole"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "PREPROCESSING_HOOKS": ["hazards.rest.documented_paths"],
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "hazards.rest.add_components"],
}
# A lock-out from HTTP Basic answers as the API answers (JSON), the login page as before.
AXES_LOCKOUT_CALLABLE = "hazards.auth.lockout_response"
OPEN311_REQUESTS_PER_MINUTE = env_int("OPEN311_REQUESTS_PER_MINUTE", 60)
CITIZEN_DUPLICATE_RADIUS_M = env_int("CITIZEN_DUPLICATE_RADIUS_M", 50)
OGC_MAX_LIMIT = env_int("OGC_MAX_LIMIT", 10_000)

# The flood response (issue 11): a call (叫应) unconfirmed after CALL_CONFIRM_MINUTES is escalated to the
# person's unit leader and the person on duty, by a background job deferred to its deadline
# (hazards/jobs.py, response_timers); `manage.py run_response_timers` sweeps for anything a lost queue
# dropped, every RESPONSE_TIMER_SECONDS (or once, from cron).
CALL_CONFIRM_MINUTES = env_int("CALL_CONFIRM_MINUTES", 15)
RESPONSE_TIMER_SECONDS = env_int("RESPONSE_TIMER_SECONDS", 30)
# How often the response board asks for what changed (confirmations, evacuation counts).
RESPONSE_BOARD_REFRESH_SECONDS = env_int("RESPONSE_BOARD_REFRESH_SECONDS", 15)

# Mail: notices (calls, escalations) go out by e-mail. In development they are printed on the
# console; in production through the SMTP server named here.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "floodwatch@localhost")

# Notifications (issue 13; hazards/notify.py sends, hazards/channels.py speaks to the providers).
# SMS through one provider's HTTP API (SMS_PROVIDER: "tencent" for Tencent Cloud SMS; empty: no SMS); the base
# URL is a setting so that tests post to a server of their own.
SMS_PROVIDER = env_str("SMS_PROVIDER")
SMS_BASE_URL = env_str("SMS_BASE_URL", "https://sms.tencentcloudapi.com").rstrip("/")
SMS_SECRET_ID = env_str("SMS_SECRET_ID")
SMS_SECRET_KEY = env_str("SMS_SECRET_KEY")
SMS_APP_ID = env_str("SMS_APP_ID")
SMS_SIGN_NAME = env_str("SMS_SIGN_NAME")
SMS_TEMPLATE_ID = env_str("SMS_TEMPLATE_ID")
SMS_REGION = env_str("SMS_REGION", "ap-guangzhou")
# Group robots: the only addresses a webhook may have (nobody makes Floodwatch post elsewhere), and the
# providers' limit (DingTalk and WeCom: 20 messages a minute per robot; above it DingTalk stops the robot for
# 10 minutes). Several notices go in one message, at most ROBOT_BATCH_SIZE.
ROBOT_URL_PREFIXES = [p for p in env_str(
    "ROBOT_URL_PREFIXES", "https://oapi.dingtalk.com/robot/send?,https://qyapi.weixin.qq.com/cgi-bin/webhook/send?",
).split(",") if p]
ROBOT_MESSAGES_PER_MINUTE = env_int("ROBOT_MESSAGES_PER_MINUTE", 20)
ROBOT_BATCH_SIZE = env_int("ROBOT_BATCH_SIZE", 10)
# A failed delivery is tried again after NOTIFY_RETRY_SECONDS, then twice as long each time, NOTIFY_MAX_ATTEMPTS
# times in all. A notice that needs an answer (an overdue order) unacknowledged after NOTICE_ACK_HOURS goes to
# the leaders. Leaders' daily digest goes out from NOTIFY_DIGEST_HOUR (local time).
NOTIFY_RETRY_SECONDS = env_int("NOTIFY_RETRY_SECONDS", 60)
NOTIFY_MAX_ATTEMPTS = env_int("NOTIFY_MAX_ATTEMPTS", 5)
NOTICE_ACK_HOURS = env_int("NOTICE_ACK_HOURS", 24)
NOTIFY_DIGEST_HOUR = env_int("NOTIFY_DIGEST_HOUR", 7)

# Basemap: OpenStreetMap unless a Tianditu key is given. Either may fail to
# load offline; rivers and hazards come from our own API and stay visible.
TIANDITU_KEY = env_str("TIANDITU_KEY")
if TIANDITU_KEY:
    _TILES = [
        (
            "天地图",
            f"https://t{{s}}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
            f"&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={{z}}&TILEROW={{y}}"
            f"&TILECOL={{x}}&tk={TIANDITU_KEY}",
            {"subdomains": "01234567", "attribution": "&copy; 天地图"},
        )
    ]
else:
    _TILES = [
        (
            "OpenStreetMap",
            env_str("BASEMAP_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png"),
            {"attribution": "&copy; OpenStreetMap contributors", "maxZoom": 19},
        )
    ]
LEAFLET_CONFIG = {
    "DEFAULT_CENTER": (39.87, 116.72),
    "DEFAULT_ZOOM": 11,
    "MIN_ZOOM": 8,
    "MAX_ZOOM": 18,
    "TILES": _TILES,
    "RESET_VIEW": False,
    "ATTRIBUTION_PREFIX": "Floodwatch",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

# HTTPS: on unless DEBUG or the test suite, so that `manage.py check --deploy`
# passes with only SECRET_KEY and ALLOWED_HOSTS set. Where the proxy in front
# already redirects or sends HSTS, the variables turn ours off.
_HTTPS = not (DEBUG or TESTING)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", _HTTPS)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600 if _HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", _HTTPS)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", _HTTPS)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", _HTTPS)
if env_bool("BEHIND_HTTPS_PROXY"):
    # The proxy ends TLS: it says so in X-Forwarded-Proto, and appends the
    # client's address to X-Forwarded-For, so the right-most entry is the one
    # it vouches for (anything to its left could be forged by the client).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    AXES_IPWARE_PROXY_ORDER = "right-most"

# Tests: fast hashing, no real mail.
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "tiles": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tiles"},
    }
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
