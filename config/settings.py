"""Settings, driven by the environment.

Two modes share this file: the embedded default (no DATABASE_URL / REDIS_URL: SQLite under
var/, Celery's filesystem broker, a file cache) and production (PostgreSQL and Redis).
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url

from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", "")
if not SECRET_KEY:
    # The embedded mode keeps a generated key under var/ so sessions survive restarts;
    # production must set SECRET_KEY.
    _key_file = VAR_DIR / "secret_key"
    if not _key_file.exists():
        import secrets

        _key_file.write_text(secrets.token_urlsafe(50))
        _key_file.chmod(0o600)
    SECRET_KEY = _key_file.read_text().strip()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "django_celery_beat",
    "core",
    "accounts",
    "logs",
    "monitoring",
    "integrations",
    "webhooks",
    "orders",
    "sync",
    "payments",
    "messaging",
    "files",
    "streaming",
]

MIDDLEWARE = [
    "config.api.middleware.RequestIdMiddleware",
    "logs.requestlog.RequestLogMiddleware",
    "config.api.middleware.BodySizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "accounts.middleware.ApiKeyUsageMiddleware",
    "config.api.middleware.RateLimitHeadersMiddleware",
]

ROOT_URLCONF = env_str("ROOT_URLCONF", "config.urls")  # benchmarks mount extra views
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
            ],
        },
    },
]

# --- Data stores -------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "hub.sqlite3",
            # SQLite is shared by web, worker and beat in the embedded mode: wait for locks.
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Covering indexes (INCLUDE columns) are a PostgreSQL feature; SQLite builds plain indexes.
SILENCED_SYSTEM_CHECKS = [] if DATABASE_URL else ["models.W040"]

REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # A file cache is shared by the web server, the worker and beat on one machine.
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": VAR_DIR / "cache"}
    }

# --- Auth ----------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)

# --- Request limits --------------------------------------------------------------
# Bodies above this answer 413 in the error envelope (checked before the view reads them).
MAX_REQUEST_BODY_BYTES = env_int("MAX_REQUEST_BODY_BYTES", 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_REQUEST_BODY_BYTES

# --- REST framework --------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiKeyAuthentication",
        "accounts.authentication.CompanyJWTAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["accounts.permissions.HasCompanyScopes"],
    "DEFAULT_THROTTLE_CLASSES": [
        "accounts.throttling.ApiKeyRateThrottle",
        "accounts.throttling.EndpointRateThrottle",
    ],
    "DEFAULT_RENDERER_CLASSES": ["config.api.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["config.api.renderers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "config.api.pagination.PagePagination",
    "DEFAULT_FILTER_BACKENDS": ["core.filters.FilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.api.exceptions.exception_handler",
    "UNAUTHENTICATED_USER": None,
    "PAGE_SIZE": 20,
    "JSON_UNDERSCOREIZE": {
        # Free-form JSON objects keep their keys exactly as sent and stored.
        "ignore_fields": ("metadata", "error_details", "headers", "data", "payload", "config", "raw", "example"),
    },
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env_int("JWT_ACCESS_MINUTES", 15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env_int("JWT_REFRESH_DAYS", 7)),
    "ALGORITHM": "HS256",
    "SIGNING_KEY": SECRET_KEY,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "UPDATE_LAST_LOGIN": False,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Integration Hub API",
    "DESCRIPTION": (
        "One API for a company's integrations: API keys, outbound webhooks, partner orders, "
        "payments, messages, inbound provider webhooks and integration logs."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "drf_spectacular.contrib.djangorestframework_camel_case.camelize_serializer_fields",
        # after camelizing: list operations answer `*_list`, not `*_retrieve` (config/api/schema.py)
        "config.api.schema.name_list_operations",
        "config.api.schema.describe_error_answers",
    ],
    "SECURITY": [{"ApiKeyAuth": []}, {"jwtAuth": []}],
}

# Fernet keys for secrets at rest, newest first (accounts/crypto.py). Empty: derived from SECRET_KEY.
CREDENTIALS_ENCRYPTION_KEYS = env_list("CREDENTIALS_ENCRYPTION_KEYS", [])

# --- API keys and rate limits ---------------------------------------------------
API_KEY_PREFIX = "ihk_"
API_KEY_ROTATION_GRACE_HOURS = env_int("API_KEY_ROTATION_GRACE_HOURS", 24)
API_KEY_DEFAULT_RATE_LIMIT = env_int("API_KEY_DEFAULT_RATE_LIMIT", 100)
# Seconds between flushes of the in-process usage buffer to the database (0: flush by hand).
API_KEY_USAGE_FLUSH_SECONDS = env_int("API_KEY_USAGE_FLUSH_SECONDS", 2)
RATE_LIMIT_ENABLED = env_bool("RATE_LIMIT_ENABLED", True)

# --- Celery ----------------------------------------------------------------------
if REDIS_URL:
    CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL)
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600)}
else:
    # Embedded broker: kombu's filesystem transport needs no server.
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("out", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "data_folder_processed": str(_broker_dir / "processed"),
        "store_processed": False,
        "control_folder": str(_broker_dir / "control"),  # kombu's default is ./control in the cwd
    }
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_DEFAULT_QUEUE", "default")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# All beat schedules live here, in one place.
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {"task": "monitoring.tasks.worker_heartbeat", "schedule": 30.0},
}
# Health: the worker heartbeat is stale after this many seconds.
WORKER_HEARTBEAT_MAX_AGE = env_int("WORKER_HEARTBEAT_MAX_AGE", 90)

# --- Logging -----------------------------------------------------------------------
LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.request": {"level": "ERROR"}},
}

# --- Rate limits for people and proxies ------------------------------------------
USER_RATE_LIMIT_PER_MINUTE = env_int("USER_RATE_LIMIT_PER_MINUTE", 600)
AUTH_RATE_LIMIT = env_str("AUTH_RATE_LIMIT", "20/min")  # token endpoints, per client IP
TRUST_X_FORWARDED_FOR = env_bool("TRUST_X_FORWARDED_FOR", False)

# --- security (deployment flags, proxies, sign-in lockout, tokens; docs/security.md) ----------
# Deployment flags, off by default (the embedded mode serves plain http on loopback);
# production behind TLS sets them (docs/security.md lists the environment `check --deploy` passes with).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_REDIRECT_EXEMPT = env_list("SECURE_REDIRECT_EXEMPT", [])  # path regexes, e.g. a load balancer's probe
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", False)
# The header a TLS-terminating proxy sets, as "HEADER,value" (e.g. "HTTP_X_FORWARDED_PROTO,https").
_PROXY_SSL_HEADER = env_list("SECURE_PROXY_SSL_HEADER", [])
if _PROXY_SSL_HEADER and len(_PROXY_SSL_HEADER) != 2:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("SECURE_PROXY_SSL_HEADER must be 'HEADER,value', e.g. 'HTTP_X_FORWARDED_PROTO,https'.")
SECURE_PROXY_SSL_HEADER = tuple(_PROXY_SSL_HEADER) if _PROXY_SSL_HEADER else None
# Proxies in front of the hub that append to X-Forwarded-For: the client is that many hops from
# the right (TRUST_X_FORWARDED_FOR=1 alone means one proxy). 0: REMOTE_ADDR.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 1 if TRUST_X_FORWARDED_FOR else 0)
# Failed sign-ins (API token and admin alike) lock the account, and the client IP, once this many
# failures weigh on a sliding window of LOGIN_LOCKOUT_MINUTES; the lock lifts as they age out.
LOGIN_FAILURES_PER_ACCOUNT = env_int("LOGIN_FAILURES_PER_ACCOUNT", 10)
LOGIN_FAILURES_PER_IP = env_int("LOGIN_FAILURES_PER_IP", 30)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15)
# Django's ModelBackend, refusing a locked account or IP before any password check.
AUTHENTICATION_BACKENDS = ["accounts.backends.LoginLockoutBackend"]
# A password change revokes the user's refresh tokens (its password_changed hook).
AUTH_PASSWORD_VALIDATORS.append({"NAME": "accounts.passwords.RevokeRefreshTokensOnChange"})
# Refresh tokens are single-use: each refresh returns a new one and blacklists the old.
INSTALLED_APPS.append("rest_framework_simplejwt.token_blacklist")
SIMPLE_JWT.update({"ROTATE_REFRESH_TOKENS": True, "BLACKLIST_AFTER_ROTATION": True})
# JSON request bodies nested deeper than this answer 400 (deeper ones exhaust the stack).
MAX_JSON_DEPTH = env_int("MAX_JSON_DEPTH", 64)

# Webhook endpoints and integrations share one active/inactive choice set in the schema.
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] = {"ActiveInactiveEnum": "integrations.models.Integration.Status"}

# --- Celery queues -------------------------------------------------------------------
# Apps append their queue names in their sections below; a worker started without -Q
# consumes every queue listed here (CELERY_TASK_QUEUES is built at the end of this file).
CELERY_QUEUE_NAMES = ["default"]
CELERY_TASK_ROUTES: dict[str, dict[str, str]] = {}

# --- logs (integration logs, request logs, retention) ---------------------------------
LOG_RETENTION_DAYS = env_int("LOG_RETENTION_DAYS", 90)
# When set, retention first writes the rows it removes there as gzip JSON lines.
LOG_ARCHIVE_DIR = env_str("LOG_ARCHIVE_DIR", "")
LOG_RETENTION_BATCH_SIZE = env_int("LOG_RETENTION_BATCH_SIZE", 500)
LOG_RETENTION_BATCH_PAUSE_MS = env_int("LOG_RETENTION_BATCH_PAUSE_MS", 10)
# A run stops at this deadline and enqueues a follow-up, so one worker slot is never held for hours.
LOG_RETENTION_MAX_SECONDS = env_int("LOG_RETENTION_MAX_SECONDS", 600)
# List totals of at least this many rows are cached this long (0: always count exactly).
LOG_LIST_COUNT_CACHE_SECONDS = env_int("LOG_LIST_COUNT_CACHE_SECONDS", 5)
LOG_LIST_COUNT_CACHE_MIN = env_int("LOG_LIST_COUNT_CACHE_MIN", 10_000)
LOG_REQUESTS_ENABLED = env_bool("LOG_REQUESTS_ENABLED", True)
LOG_REQUEST_PATH_PREFIX = env_str("LOG_REQUEST_PATH_PREFIX", "/api/")
LOG_REQUEST_FLUSH_SECONDS = env_int("LOG_REQUEST_FLUSH_SECONDS", 2)
LOG_REQUEST_BUFFER_MAX = env_int("LOG_REQUEST_BUFFER_MAX", 50_000)
# Admin: an exact COUNT is tried for this long before an estimate is shown instead.
LOG_ADMIN_COUNT_TIMEOUT_MS = env_int("LOG_ADMIN_COUNT_TIMEOUT_MS", 200)
LOG_ADMIN_CSV_MAX_ROWS = env_int("LOG_ADMIN_CSV_MAX_ROWS", 100_000)
CELERY_QUEUE_NAMES.append("logs")
CELERY_TASK_ROUTES.update({"logs.tasks.*": {"queue": "logs"}})
CELERY_BEAT_SCHEDULE.update(
    {
        "logs-retention": {
            "task": "logs.tasks.logs_retention",
            "schedule": timedelta(hours=env_int("LOG_RETENTION_EVERY_HOURS", 6)),
        }
    }
)

# --- outbound (core.outbound: every connection to the network; docs/outbound.md) --------
# The one development switch: allows plain http, private/loopback targets and SMTP without
# TLS. On in the embedded default (DEBUG), off in production. The older flags it replaces
# are still read from the environment as deprecated aliases.
_LEGACY_LOCAL_FLAGS = ("INTEGRATIONS_ALLOW_PRIVATE_URLS", "WEBHOOK_ALLOW_PRIVATE_NETWORKS", "WEBHOOK_ALLOW_HTTP")
# The embedded default (no DATABASE_URL) is a developer's machine: its demo targets are local.
HUB_ALLOW_LOCAL_TARGETS = env_bool(
    "HUB_ALLOW_LOCAL_TARGETS",
    DEBUG or not DATABASE_URL or any(env_bool(name, False) for name in _LEGACY_LOCAL_FLAGS),
)
# Seconds to establish a connection, and the default wait for an answer (callers may ask longer).
OUTBOUND_CONNECT_TIMEOUT_SECONDS = env_int("OUTBOUND_CONNECT_TIMEOUT_SECONDS", 5)
OUTBOUND_READ_TIMEOUT_SECONDS = env_int("OUTBOUND_READ_TIMEOUT_SECONDS", 10)
# Larger answers are refused (webhook attempts keep a truncated copy instead).
OUTBOUND_RESPONSE_MAX_BYTES = env_int("OUTBOUND_RESPONSE_MAX_BYTES", 10 * 1024 * 1024)
# CA bundle that verifies servers' certificates (empty: certifi's public roots).
OUTBOUND_CA_BUNDLE = env_str("OUTBOUND_CA_BUNDLE", "")
# Circuit breaker per (company, provider): open after this many consecutive transient
# failures, half-open (one probe) after the cool-down.
CIRCUIT_FAILURE_THRESHOLD = env_int("CIRCUIT_FAILURE_THRESHOLD", 5)
CIRCUIT_COOLDOWN_SECONDS = env_int("CIRCUIT_COOLDOWN_SECONDS", 60)

# --- webhooks (outbound endpoints, events, deliveries) --------------------------------
WEBHOOK_CONNECT_TIMEOUT = env_int("WEBHOOK_CONNECT_TIMEOUT", 5)  # seconds
WEBHOOK_READ_TIMEOUT = env_int("WEBHOOK_READ_TIMEOUT", 15)  # seconds
# CA bundle that verifies receivers' certificates (empty: OUTBOUND_CA_BUNDLE, else certifi's public roots).
WEBHOOK_CA_BUNDLE = env_str("WEBHOOK_CA_BUNDLE", "")
WEBHOOK_RESPONSE_MAX_BYTES = env_int("WEBHOOK_RESPONSE_MAX_BYTES", 4096)  # response body kept per attempt
# Seconds before each attempt: the first is immediate, then retries (capped by an endpoint's maxRetries).
WEBHOOK_RETRY_SCHEDULE = [
    int(s) for s in env_list("WEBHOOK_RETRY_SCHEDULE", ["0", "5", "300", "1800", "7200", "18000", "36000", "36000"])
]
WEBHOOK_RETRY_JITTER_PERCENT = env_int("WEBHOOK_RETRY_JITTER_PERCENT", 10)
WEBHOOK_MAX_RETRIES_LIMIT = env_int("WEBHOOK_MAX_RETRIES_LIMIT", 10)
# A receiver's Retry-After is honoured within these bounds (seconds).
WEBHOOK_RETRY_AFTER_MIN = env_int("WEBHOOK_RETRY_AFTER_MIN", 1)
WEBHOOK_RETRY_AFTER_MAX = env_int("WEBHOOK_RETRY_AFTER_MAX", 3600)
# Retries due within this many seconds go to the broker with a countdown; later ones wait for the sweeper.
WEBHOOK_COUNTDOWN_MAX = env_int("WEBHOOK_COUNTDOWN_MAX", 60)
# A worker's claim on a delivery lasts this long; after it, the sweeper treats the delivery as stuck.
WEBHOOK_CLAIM_LEASE = env_int("WEBHOOK_CLAIM_LEASE", 60)
# A due, unclaimed delivery whose message was enqueued longer ago than this is considered lost.
WEBHOOK_SWEEP_GRACE = env_int("WEBHOOK_SWEEP_GRACE", 120)
WEBHOOK_SWEEP_INTERVAL = env_int("WEBHOOK_SWEEP_INTERVAL", 10)
WEBHOOK_SWEEP_BATCH = env_int("WEBHOOK_SWEEP_BATCH", 1000)
# An endpoint failing continuously for this long is disabled (a 410 Gone disables at once).
WEBHOOK_DISABLE_AFTER_SECONDS = env_int("WEBHOOK_DISABLE_AFTER_SECONDS", 5 * 24 * 3600)
WEBHOOK_SECRET_GRACE_HOURS = env_int("WEBHOOK_SECRET_GRACE_HOURS", 24)
# Delivery bookkeeping commits without waiting for the WAL flush (at-least-once; see webhooks.services).
WEBHOOK_ASYNC_COMMIT = env_bool("WEBHOOK_ASYNC_COMMIT", True)
# Deliveries per task message (an event's endpoints travel together); each is sent on its own thread.
WEBHOOK_TASK_BATCH = env_int("WEBHOOK_TASK_BATCH", 10)
CELERY_QUEUE_NAMES.append("webhooks")
CELERY_QUEUE_NAMES.append("webhooks_sweep")
CELERY_TASK_ROUTES.update(
    {
        "webhooks.delivery_attempt": {"queue": "webhooks"},
        "webhooks.deliveries_attempt": {"queue": "webhooks"},
        "webhooks.deliveries_sweep": {"queue": "webhooks_sweep"},
    }
)
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {}).update(
    {
        "WebhookEndpointStatusEnum": "webhooks.models.Endpoint.Status",
        "WebhookDeliveryStatusEnum": "webhooks.models.Delivery.Status",
    }
)
CELERY_BEAT_SCHEDULE.update(
    {"webhooks-deliveries-sweep": {"task": "webhooks.deliveries_sweep", "schedule": float(WEBHOOK_SWEEP_INTERVAL)}}
)


# --- integrations (registry, health, inbound provider webhooks) ------------------------
# Connection checks and PayPal's verification API: seconds before giving up.
INTEGRATIONS_HTTP_TIMEOUT_SECONDS = env_int("INTEGRATIONS_HTTP_TIMEOUT_SECONDS", 10)
# The public origin providers post to (e.g. https://hub.example.com) when a proxy hides it;
# Square and Twilio sign the URL, so it must be exactly what they were given.
INTEGRATIONS_PUBLIC_BASE_URL = env_str("INTEGRATIONS_PUBLIC_BASE_URL", "")
INTEGRATIONS_HEALTH_CHECK_MINUTES = env_int("INTEGRATIONS_HEALTH_CHECK_MINUTES", 5)
INBOUND_MAX_ATTEMPTS = env_int("INBOUND_MAX_ATTEMPTS", 5)
# The receiver caches each integration (status, secrets) this long per process: a query saved per delivery.
INBOUND_INTEGRATION_CACHE_SECONDS = env_int("INBOUND_INTEGRATION_CACHE_SECONDS", 2)
# Events still "received" this long after arrival are enqueued again (a lost broker message delays, never loses).
INBOUND_REQUEUE_AFTER_SECONDS = env_int("INBOUND_REQUEUE_AFTER_SECONDS", 120)
# Refused deliveries logged per integration and minute (the receiver is public; forged floods are not logged in full).
INBOUND_REFUSAL_LOGS_PER_MINUTE = env_int("INBOUND_REFUSAL_LOGS_PER_MINUTE", 60)
# Integration.Status (active/inactive) is the same choice set the webhooks section names.
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {}).update(
    {
        "IntegrationTypeEnum": "logs.models.INTEGRATION_TYPES",
        "IntegrationCategoryEnum": "integrations.providers.base.CATEGORIES",
        "IntegrationLogStatusEnum": "logs.models.IntegrationLog.Status",
    }
)
CELERY_QUEUE_NAMES.append("integrations")
CELERY_QUEUE_NAMES.append("inbound")
CELERY_TASK_ROUTES.update(
    {
        "integrations.tasks.inbound_event_process": {"queue": "inbound"},
        "integrations.tasks.integration_health_check": {"queue": "integrations"},
        "integrations.tasks.integrations_health_check_all": {"queue": "integrations"},
        "integrations.tasks.inbound_events_requeue": {"queue": "integrations"},
    }
)
CELERY_BEAT_SCHEDULE.update(
    {
        "integrations-health-check": {
            "task": "integrations.tasks.integrations_health_check_all",
            "schedule": INTEGRATIONS_HEALTH_CHECK_MINUTES * 60.0,
        },
        "inbound-events-requeue": {"task": "integrations.tasks.inbound_events_requeue", "schedule": 60.0},
    }
)


# --- orders ------------------------------------------------------------------------------
# One schema name for the order status choice set (used by status, expectedStatus and filters).
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {}).update(
    {
        "OrderStatusEnum": "orders.status.Status",
        "OrderProviderEnum": "orders.models.ORDER_PROVIDER_CHOICES",
        "OrderTypeEnum": "orders.models.Order.OrderType",
        "OrderEventKindEnum": "orders.models.OrderEvent.Kind",
    }
)
# --- sync (sync/: WooCommerce and Shopify catalog/customer/order syncs) ---------------------
SYNC_DEFAULT_BATCH_SIZE = env_int("SYNC_DEFAULT_BATCH_SIZE", 50)
SYNC_MAX_BATCH_SIZE = 100  # WooCommerce's per_page ceiling (Shopify's limit is 250)
SYNC_DEFAULT_CONFLICT_STRATEGY = env_str("SYNC_DEFAULT_CONFLICT_STRATEGY", "timestamp")
# Incremental pulls ask for records modified since the last pulling run started, minus this
# overlap (records changed while it paged, clock skew); refetched unchanged records cost a hash.
SYNC_INCREMENTAL_OVERLAP_SECONDS = env_int("SYNC_INCREMENTAL_OVERLAP_SECONDS", 300)
SYNC_HTTP_TIMEOUT_SECONDS = env_int("SYNC_HTTP_TIMEOUT_SECONDS", 30)
# A queued/running run untouched this long is failed (a lost worker), unblocking the integration.
SYNC_STALE_AFTER_SECONDS = env_int("SYNC_STALE_AFTER_SECONDS", 1800)
CELERY_QUEUE_NAMES.append("sync")
CELERY_TASK_ROUTES.update(
    {
        "sync.tasks.sync_run": {"queue": "sync"},
        "sync.tasks.sync_schedules_run": {"queue": "sync"},
        "sync.tasks.sync_fail_stale": {"queue": "sync"},
    }
)
CELERY_BEAT_SCHEDULE.update(
    {
        "sync-schedules": {"task": "sync.tasks.sync_schedules_run", "schedule": 60.0},
        "sync-fail-stale": {"task": "sync.tasks.sync_fail_stale", "schedule": 300.0},
    }
)
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(
    {
        "SyncTypeEnum": "sync.models.SyncRun.SyncType",
        "SyncDirectionEnum": "sync.models.SyncRun.Direction",
        "SyncConflictStrategyEnum": "sync.models.SyncRun.ConflictStrategy",
        "SyncStatusEnum": "sync.models.SyncRun.Status",
        "SyncTriggerEnum": "sync.models.SyncRun.Trigger",
    }
)

# --- payments and messaging ------------------------------------------------------------
# payments
# Seconds to wait for a gateway's answer; after it the payment stays pending for reconciliation.
PAYMENTS_HTTP_TIMEOUT_SECONDS = env_int("PAYMENTS_HTTP_TIMEOUT_SECONDS", 20)
# A pending charge may be re-sent with its idempotency key only this young (Stripe keeps keys 24 h).
PAYMENTS_RESEND_WINDOW_HOURS = env_int("PAYMENTS_RESEND_WINDOW_HOURS", 12)
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {}).update(
    {
        "PaymentStatusEnum": "payments.models.Payment.Status",
        "RefundStatusEnum": "payments.models.Refund.Status",
        "PaymentGatewayEnum": "payments.models.GATEWAYS",
    }
)

# messaging
# Seconds before a provider call (HTTP or SMTP) gives up; the next provider of the chain is then tried.
MESSAGING_PROVIDER_TIMEOUT_SECONDS = env_int("MESSAGING_PROVIDER_TIMEOUT_SECONDS", 10)
# Passes through the whole provider chain before a message is marked failed, and the wait before each retry.
MESSAGING_SEND_MAX_RUNS = env_int("MESSAGING_SEND_MAX_RUNS", 3)
MESSAGING_RETRY_BACKOFF = [int(s) for s in env_list("MESSAGING_RETRY_BACKOFF", ["30", "300", "1800"])]
# A message queued (or claimed) longer ago than this without progress is enqueued again by the sweeper.
MESSAGING_SWEEP_GRACE_SECONDS = env_int("MESSAGING_SWEEP_GRACE_SECONDS", 120)
# Seconds a template may spend rendering (with a cap on steps and output: messaging/rendering.py).
MESSAGING_RENDER_TIMEOUT_SECONDS = env_int("MESSAGING_RENDER_TIMEOUT_MS", 1000) / 1000
# Messages per company and channel over any 60 s (source API 004: email 100/min, SMS 50/min); a company's
# message settings override them. Counted per message whichever endpoint sends; bulk sends wait for room.
MESSAGING_RATE_LIMITS = {
    "email": env_int("MESSAGING_EMAIL_PER_MINUTE", 100),
    "sms": env_int("MESSAGING_SMS_PER_MINUTE", 50),
    "chat": env_int("MESSAGING_CHAT_PER_MINUTE", 60),
}
# Messages one bulk task sends before handing the rest to the next task (keeps urgent work flowing).
MESSAGING_BULK_BATCH_SIZE = env_int("MESSAGING_BULK_BATCH_SIZE", 200)
MESSAGING_BULK_MAX_RECIPIENTS = 10_000
# Urgent and high-priority messages go through their own queue, which every worker consumes too.
MESSAGING_URGENT_QUEUE = "messaging_urgent"
CELERY_QUEUE_NAMES.append("messaging")
CELERY_QUEUE_NAMES.append(MESSAGING_URGENT_QUEUE)
CELERY_TASK_ROUTES.update({"messaging.tasks.*": {"queue": "messaging"}})
CELERY_BEAT_SCHEDULE.update({"messaging-requeue": {"task": "messaging.tasks.messages_requeue", "schedule": 60.0}})
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {}).update(
    {
        "MessageChannelEnum": "messaging.models.Channel",
        "MessageStatusEnum": "messaging.models.Message.Status",
        "MessagePriorityEnum": "messaging.models.Priority",
    }
)

# files
# Per-company upload limit unless the company's storage route sets its own (413 beyond it, mid-stream).
FILES_MAX_UPLOAD_BYTES = env_int("FILES_MAX_UPLOAD_BYTES", 25 * 1024 * 1024)
# The largest limit a company may set for itself.
FILES_MAX_UPLOAD_BYTES_CEILING = env_int("FILES_MAX_UPLOAD_BYTES_CEILING", 1024 * 1024 * 1024)
# Local storage (the embedded default and last fallback) keeps files under this folder.
FILES_LOCAL_ROOT = Path(env_str("FILES_LOCAL_ROOT", str(VAR_DIR / "files")))
# Lifetime of download URLs (signed by the provider, or by the hub for local files).
FILES_DOWNLOAD_URL_SECONDS = env_int("FILES_DOWNLOAD_URL_SECONDS", 300)
# Seconds before a storage provider call gives up (then the next storage of the route is tried).
FILES_PROVIDER_TIMEOUT_SECONDS = env_int("FILES_PROVIDER_TIMEOUT_SECONDS", 30)
# Content types (detected from the bytes) each category accepts.
FILES_CATEGORIES: dict[str, list[str]] = {
    "documents": ["application/pdf", "text/plain", "application/rtf", "application/msword",
                  "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                  "application/vnd.oasis.opendocument.text"],
    "images": ["image/jpeg", "image/png", "image/gif", "image/webp", "image/heic", "image/tiff", "image/bmp"],
    "spreadsheets": ["text/csv", "application/vnd.ms-excel",
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     "application/vnd.oasis.opendocument.spreadsheet"],
    "archives": ["application/zip", "application/gzip", "application/x-tar", "application/x-7z-compressed",
                 "application/x-bzip2", "application/x-xz"],
}  # fmt: skip
# Uploads stream to disk (never kept whole in memory) and are exempt from MAX_REQUEST_BODY_BYTES.
FILE_UPLOAD_HANDLERS = ["django.core.files.uploadhandler.TemporaryFileUploadHandler"]
BODY_SIZE_LIMIT_EXEMPT = [("POST", r"^/api/v1/files/?$")]
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {}).update({"FileCategoryEnum": list(FILES_CATEGORIES)})
CELERY_QUEUE_NAMES.append("files")
CELERY_TASK_ROUTES.update({"files.tasks.*": {"queue": "files"}})
CELERY_BEAT_SCHEDULE.update(
    {"files-migrate-to-primary": {"task": "files.tasks.files_migrate_sweep", "schedule": 300.0}}
)

# demo, docs and operator home
# Swagger UI and ReDoc from the installed drf-spectacular-sidecar package, so /api/docs/ works offline.
INSTALLED_APPS.append("drf_spectacular_sidecar")
SPECTACULAR_SETTINGS.update(
    {"SWAGGER_UI_DIST": "SIDECAR", "SWAGGER_UI_FAVICON_HREF": "SIDECAR", "REDOC_DIST": "SIDECAR"}
)

# --- event streaming (Kafka sinks and sources; docs/events.md) ----------------------------
# Seconds to reach a Kafka cluster (metadata, connection setup) before giving up.
STREAMING_CONNECT_TIMEOUT_SECONDS = env_int("STREAMING_CONNECT_TIMEOUT_SECONDS", 5)
# Outbox rows the relay sends per round; 5,000 drained a 100,000 backlog fastest in bench/event_stream.py.
STREAMING_RELAY_BATCH = env_int("STREAMING_RELAY_BATCH", 5000)
# Milliseconds the relay sleeps when the outbox is empty (bounds publish → broker latency when idle).
STREAMING_RELAY_IDLE_MS = env_int("STREAMING_RELAY_IDLE_MS", 50)
# librdkafka's message.timeout.ms: how long a produce may wait for the broker before the relay retries it.
STREAMING_DELIVERY_TIMEOUT_SECONDS = env_int("STREAMING_DELIVERY_TIMEOUT_SECONDS", 30)
# Longest pause between relay retries while a broker is unreachable (the pause doubles from 0.5 s up to it).
STREAMING_RETRY_MAX_SECONDS = env_int("STREAMING_RETRY_MAX_SECONDS", 5)
# Partitions of a topic the relay creates when the cluster does not create topics on first use.
STREAMING_TOPIC_PARTITIONS = env_int("STREAMING_TOPIC_PARTITIONS", 3)
# Messages a source consumer stores per transaction before committing their offsets.
STREAMING_CONSUMER_BATCH = env_int("STREAMING_CONSUMER_BATCH", 500)
# Seconds between the consumer process's looks at the configured sources (new, changed, paused).
STREAMING_SOURCES_REFRESH_SECONDS = env_int("STREAMING_SOURCES_REFRESH_SECONDS", 5)
# An event type's JSON Schema is free-form JSON: its keys (minLength, additionalProperties) stay as sent.
REST_FRAMEWORK["JSON_UNDERSCOREIZE"]["ignore_fields"] += ("schema",)
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {}).update(
    {"EventStreamStatusEnum": "streaming.models.StreamStatus"}
)

# --- built from the sections above ---------------------------------------------------
from kombu import Queue  # noqa: E402

CELERY_TASK_QUEUES = [Queue(name) for name in dict.fromkeys(CELERY_QUEUE_NAMES)]
