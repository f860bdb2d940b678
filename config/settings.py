"""Settings, read from the environment in this one place (12-factor).

Embedded default (nothing set): SQLite in the project, eager Celery, local-memory cache.
Production: DATABASE_URL (PostgreSQL), REDIS_URL, FIELD_ENCRYPTION_KEYS, BLIND_INDEX_KEY, SECRET_KEY.
"""

import base64
import json
import os
import secrets
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG")


def _dev_secrets() -> dict[str, str]:
    """Keys for the demo and local runs, generated once and kept out of git (.local/ is ignored)."""
    path = BASE_DIR / ".local" / "dev-keys.json"
    if path.exists():
        return json.loads(path.read_text())
    path.parent.mkdir(exist_ok=True)
    keys = {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "FIELD_ENCRYPTION_KEYS": "dev1:" + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "BLIND_INDEX_KEY": secrets.token_urlsafe(32),
    }
    path.write_text(json.dumps(keys, indent=2))
    path.chmod(0o600)
    print(
        f"Yorisoi: generated development keys in {path} (demo only; never use them in production).",
        file=sys.stderr,
    )
    return keys


def _secret(name: str) -> str:
    value = os.environ.get(name, "")
    if value:
        return value
    if DEBUG:
        return _dev_secrets()[name]
    raise ImproperlyConfigured(f"{name} must be set in the environment (or run with DEBUG=1 for the demo).")


SECRET_KEY = _secret("SECRET_KEY")
# Comma-separated "key_id:base64url(32 bytes)"; the FIRST key encrypts, all of them decrypt (rotation).
FIELD_ENCRYPTION_KEYS = _secret("FIELD_ENCRYPTION_KEYS")
# HMAC key for blind indexes (exact search without plaintext). Changing it needs a re-index.
BLIND_INDEX_KEY = _secret("BLIND_INDEX_KEY")
# Benchmarks compare against unencrypted writes; never set in production.
FIELD_ENCRYPTION_DISABLED = env_bool("FIELD_ENCRYPTION_DISABLED")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "localhost,127.0.0.1")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Reverse proxies in front of the web processes whose X-Forwarded-For entry is believed for the client's
# address (audit rows, login lockout records): 0 = none, REMOTE_ADDR only (demo, bare bin/web); 1 = the
# nginx of docker-compose.yml. Never more than really stand in front (config/client_ip.py).
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
# Load runs only: every response names the process that served it (X-Served-By: INSTANCE_NAME/pid), to show
# that requests behind the proxy land on every web process (scripts/load.py). Off in production.
SERVED_BY_HEADER = env_bool("SERVED_BY_HEADER")
INSTANCE_NAME = os.environ.get("INSTANCE_NAME", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "guardian",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "network",
    "casework",
    "referrals",
    "reports",
    "today",
]

MIDDLEWARE = [
    "config.logging.RequestLogMiddleware",
    "config.middleware.ServedByMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.JapaneseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "network.middleware.SessionTimeoutMiddleware",
    "network.middleware.RequireTwoFactorMiddleware",
    "casework.middleware.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "referrals.context_processors.notifications",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # JIT makes ORed EXISTS permission filters 10x slower (DESIGN.md §6).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("TEST_DATABASE_NAME") or None}
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(os.environ["DATABASE_REPLICA_URL"], conn_max_age=60)
    DATABASES["replica"]["OPTIONS"] = dict(DATABASES["default"].get("OPTIONS", {}))
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["config.db_router.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
IS_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"

AUTH_USER_MODEL = "network.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses locked-out accounts before checking passwords
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "landing"  # each role's own starting page (today.selectors.landing_url_name)
LOGOUT_REDIRECT_URL = "login"

# guardian: no anonymous user object, object permissions are granted to groups.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

# --- Internationalisation -----------------------------------------------------------------
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
# Dates and times look the same on every page and in both languages: 2026/12/02, 07:39 (config/formats).
FORMAT_MODULE_PATH = ["config.formats"]
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and env_bool("STATIC_MANIFEST", True) and "pytest" not in sys.modules
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

RUNNING_TESTS = "pytest" in sys.modules

# --- Consent documents (scanned consent forms, stored encrypted: casework/documents.py) --------------
# "filesystem" (default): files under CONSENT_DOCUMENT_ROOT, a directory outside static and outside
# the code, required in production (system check yorisoi.E003); .local/documents when DEBUG=1.
# "s3": an S3-compatible bucket through django-storages (CONSENT_DOCUMENT_S3_* below). Either way the
# backend only ever holds ciphertext: the encryption sits above the storage.
CONSENT_DOCUMENT_STORAGE = os.environ.get("CONSENT_DOCUMENT_STORAGE", "filesystem").strip().lower()
CONSENT_DOCUMENT_ROOT = os.environ.get("CONSENT_DOCUMENT_ROOT", "") or (
    str(BASE_DIR / ".local" / "documents") if DEBUG else ""
)
CONSENT_DOCUMENT_MAX_BYTES = int(os.environ.get("CONSENT_DOCUMENT_MAX_BYTES", str(20 * 1024 * 1024)))
if CONSENT_DOCUMENT_STORAGE == "s3":
    STORAGES["consent_documents"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ.get("CONSENT_DOCUMENT_S3_BUCKET", ""),
            "endpoint_url": os.environ.get("CONSENT_DOCUMENT_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("CONSENT_DOCUMENT_S3_REGION") or None,
            "access_key": os.environ.get("CONSENT_DOCUMENT_S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("CONSENT_DOCUMENT_S3_SECRET_ACCESS_KEY") or None,
            "location": os.environ.get("CONSENT_DOCUMENT_S3_PREFIX", "consent-documents"),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    STORAGES["consent_documents"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": CONSENT_DOCUMENT_ROOT,
            "base_url": "/nowhere/",  # never served by URL: only the audited download view streams them
            "file_permissions_mode": 0o600,
            "directory_permissions_mode": 0o700,
        },
    }
WHITENOISE_AUTOREFRESH = DEBUG or RUNNING_TESTS  # serve from the finders; no collectstatic needed

# --- Redis, cache, Celery -----------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A broker outage must not hang a request: fail fast, the outbox sweep re-sends later.
CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 1, "socket_connect_timeout": 1, "socket_timeout": 2}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False  # keep the project's JSON log lines in worker and beat

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header makes "not logged in" a 401, not a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "network.authentication.SecondFactorTokenAuthentication",
        # The same tokens as "Authorization: Bearer <token>", under the same second-factor rule.
        "config.api_auth.BearerTokenAuthentication",
        # The web UI's session, only after its TOTP step where one is required (API.md).
        "network.authentication.SecondFactorSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON in and out (API.md); no browsable HTML API next to personal data (docs live at /api/v1/docs/).
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    # Declares 400/401/404 and their bodies on every operation (config/api_schema.py).
    "DEFAULT_SCHEMA_CLASS": "config.api_schema.AutoSchema",
    # ValidationError → 400, StateConflict → 409, DoesNotExist → 404 (API.md, Errors).
    "EXCEPTION_HANDLER": "config.api_errors.exception_handler",
    "UNAUTHENTICATED_USER": None,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Yorisoi API",
    "DESCRIPTION": (
        "Accompanied-support case management (伴走支援). See API.md for the contract.\n\n"
        "Get a token with POST /api/v1/auth/token/, then send `Authorization: Token <token>` "
        "(or `Authorization: Bearer <token>`) with every request."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and docs hold no data: anyone may read them, and a stale token or session is ignored.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    # Swagger UI from our own static files (drf-spectacular-sidecar): no third-party script beside the API.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a "status" or "kind"; name each enum after its choices, not the field.
    "ENUM_NAME_OVERRIDES": {
        "AgencyKindEnum": "network.models.AgencyKind",
        "CaseStatusEnum": "casework.models.CaseStatus",
        "IssueTagEnum": "casework.models.IssueTag",
        "ClosureReasonEnum": "casework.models.ClosureReason",
        "ContactMethodEnum": "casework.models.ContactMethod",
        "ReferralSourceEnum": "casework.models.ReferralSource",
        "UrgencyEnum": "casework.models.Urgency",
        "ScreeningOutcomeEnum": "casework.models.ScreeningOutcome",
        "ActivityKindEnum": "casework.models.ActivityKind",
        "SexEnum": "casework.models.Sex",
        "RelationshipEnum": "casework.models.Relationship",
        "AssessmentStatusEnum": "casework.models.AssessmentStatus",
        "ReferralKindEnum": "referrals.models.ReferralKind",
        "ReferralStatusEnum": "referrals.models.ReferralStatus",
        "AccessBasisEnum": "casework.models.AccessBasis",
        "MeetingKindEnum": "casework.models.MeetingKind",
    },
}

# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG and env_bool("SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Sessions: 30 minutes idle (renewed on every request), 12 hours absolute (SessionTimeoutMiddleware).
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_IDLE_SECONDS", str(30 * 60)))
SESSION_SAVE_EVERY_REQUEST = True
SESSION_ABSOLUTE_SECONDS = int(os.environ.get("SESSION_ABSOLUTE_SECONDS", str(12 * 60 * 60)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Lockout after repeated failed logins (per account: offices share one outgoing address).
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = ["username"]
# W006 warns that username-only lockout ignores the IP; deliberate: staff share an office NAT address.
# W040: SQLite (the embedded demo) ignores the INCLUDE columns of the indicator's covering index.
SILENCED_SYSTEM_CHECKS = ["axes.W006", "models.W040"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# 429 with JSON under /api/, this template on the web (the callable renders it).
AXES_LOCKOUT_CALLABLE = "config.handlers.lockout"
AXES_VERBOSE = False
# The address stored with each attempt: REMOTE_ADDR, or X-Forwarded-For under TRUSTED_PROXY_COUNT.
AXES_CLIENT_IP_CALLABLE = "config.client_ip.axes_client_ip"

# Two-factor (TOTP) is required for these roles; others may enrol.
TWO_FACTOR_ROLES = ("coordinator", "manager", "auditor")
OTP_TOTP_ISSUER = "Yorisoi"

# Content-Security-Policy: no inline scripts, nothing from elsewhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz/?$", r"^readyz/?$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Absolute links in e-mails (notifications, the monthly report link), e.g. https://yorisoi.example.org
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000" if DEBUG else "")

# --- Domain settings --------------------------------------------------------------------------
CASE_LIST_PAGE_SIZE = 50
# The Today page lists a caseworker's open cases with no activity for this many days.
TODAY_NO_CONTACT_DAYS = int(os.environ.get("TODAY_NO_CONTACT_DAYS", "30"))

# --- Referrals --------------------------------------------------------------------------------
# A referral is answered within this many business days (weekends, Japanese holidays and the year-end
# closure 29 Dec-3 Jan excluded); overdue ones are escalated, then expire after the grace period.
REFERRAL_RESPONSE_BUSINESS_DAYS = int(os.environ.get("REFERRAL_RESPONSE_BUSINESS_DAYS", "3"))
REFERRAL_EXPIRY_GRACE_BUSINESS_DAYS = int(os.environ.get("REFERRAL_EXPIRY_GRACE_BUSINESS_DAYS", "5"))
_DEFAULT_EMAIL_BACKEND = "console" if DEBUG else "smtp"
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND", f"django.core.mail.backends.{_DEFAULT_EMAIL_BACKEND}.EmailBackend"
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "yorisoi@localhost")

# --- Logging: JSON lines with request id and route; no personal data, ever ------------------------
LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")  # "plain" for a human-readable console
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "config.logging.JsonFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # django.request repeats the URL path (which can carry ids) and the exception text; our own
        # request line and handler500 cover it.
        "django.request": {"level": "ERROR"},
        "axes": {"level": "WARNING"},
        # WeasyPrint (the printed file's PDF) logs every layout step, and warns about the screen-only
        # media queries of the shared print stylesheet; its errors still come through.
        "weasyprint": {"level": "ERROR"},
        "fontTools": {"level": "WARNING"},
    },
}
