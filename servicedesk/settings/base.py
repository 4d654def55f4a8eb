"""Settings shared by every environment, read from environment variables.

Every variable is documented in README.md ("Configuration").
"""

import importlib.util
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
# Working files of the embedded defaults (SQLite, the filesystem broker, static files).
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))

SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-change-me")
# Keys encrypting the hand-over book's credentials, newest first (docs/architecture.md
# §credentials: rotation). Empty: derived from SECRET_KEY (development only).
CREDENTIAL_KEYS = env.list("CREDENTIAL_KEYS", default=[])
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",  # its widget templates, for FORM_RENDERER below
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "servicedesk.core.axes_app.AxesConfig",  # django-axes, named in Chinese
    "django_htmx",
    "import_export",
    "servicedesk.core",
    "contracts",
    "projects",
    "tickets",
    "defects",
    "fieldservice",
    "servicedesk.reports",  # reads every domain app; none reads it (docs/domain.md §reports)
]

MIDDLEWARE = [
    # First: the load balancer's probe needs no host check and no HTTPS redirect.
    "servicedesk.core.middleware.HealthzMiddleware",
    # Control characters out of every query string (core/text.py) before any view reads it.
    "servicedesk.core.middleware.QueryTextHygieneMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "servicedesk.core.middleware.DefaultLanguageMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
    # Last: pages drawn once per state of the data (core/page_cache.py).
    "servicedesk.core.page_cache.PageCacheMiddleware",
]

# Widgets render with the same template engine as pages, so our widgets live in templates/.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
ROOT_URLCONF = "servicedesk.urls"
WSGI_APPLICATION = "servicedesk.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "servicedesk.core.context_processors.portal",
            ],
        },
    }
]

# Database: SQLite in var/ unless DATABASE_URL says otherwise (PostgreSQL in production).
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and IMMEDIATE transactions let web, worker and beat share the file safely.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
else:
    # A new PostgreSQL connection costs 7-10 ms here: keep them between requests.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # JIT off for our connections: its compile time (up to a second) is paid on every
    # request by any query whose estimated cost passes jit_above_cost, and our queries are
    # short index reads (docs/architecture.md §boards, measured there).
    # A host that vanishes (cut off, powered down) must not hold its row locks for the
    # kernel's two hours: both ends probe an idle connection after 30 s and give it up
    # after three unanswered probes 10 s apart (docs/architecture.md §hosts).
    _pg_options = DATABASES["default"].setdefault("OPTIONS", {})
    for _key, _value in {
        "connect_timeout": 10,
        "keepalives": 1,
        "keepalives_idle": 30,
        "keepalives_interval": 10,
        "keepalives_count": 3,
    }.items():
        _pg_options.setdefault(_key, _value)
    _pg_options["options"] = (
        _pg_options.get("options", "")
        + " -c jit=off"
        + " -c tcp_keepalives_idle=30 -c tcp_keepalives_interval=10 -c tcp_keepalives_count=3"
    ).strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend that reads the permissions with the user (docs/architecture.md §boards)
    "servicedesk.core.auth.PermissionsWithUserBackend",
    # Grants nothing: notes the permission a user was refused, for the 403 page.
    "servicedesk.core.errors.DeniedPermissionRecorder",
    # Sessions begun before PermissionsWithUserBackend name this one: listed, they stay
    # logged in across the upgrade (it computes the same permissions, reads the same cache).
    "django.contrib.auth.backends.ModelBackend",
]
CSRF_FAILURE_VIEW = "servicedesk.core.errors.csrf_failure"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "core:dashboard"
LOGOUT_REDIRECT_URL = "login"

# Login throttling (django-axes): lock a username+IP after repeated failures.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "servicedesk" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Uploaded and signed files: a folder (shared by every web and worker machine: NFS or
# similar) or an S3-compatible object store (README "Several machines").
MEDIA_STORAGE = env("MEDIA_STORAGE", default="filesystem")
if MEDIA_STORAGE == "s3":
    if importlib.util.find_spec("storages") is None:
        raise ImproperlyConfigured(
            "MEDIA_STORAGE=s3 needs django-storages: pip install -r requirements/s3.txt"
        )
    _media_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("S3_BUCKET"),
            "endpoint_url": env("S3_ENDPOINT_URL", default=None),
            "region_name": env("S3_REGION", default=None),
            "access_key": env("S3_ACCESS_KEY_ID", default=None),
            "secret_key": env("S3_SECRET_ACCESS_KEY", default=None),
            "location": env("S3_PREFIX", default=""),
            "addressing_style": env("S3_ADDRESSING_STYLE", default=None),
            # Never public, never overwritten: a signed file keeps its name and bytes.
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
elif MEDIA_STORAGE == "filesystem":
    _media_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
else:
    raise ImproperlyConfigured(f"MEDIA_STORAGE must be filesystem or s3, not {MEDIA_STORAGE!r}")
STORAGES = {
    "default": _media_storage,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Uploaded files (signed scans, attachments) are checked for type and size.
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES + 1024 * 1024
# Small uploads in memory; larger ones to a temporary file that keeps at most
# UPLOAD_MAX_BYTES and drops the rest as it streams in (docs/architecture.md §uploads).
FILE_UPLOAD_HANDLERS = [
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "servicedesk.core.uploads.LimitedUploadHandler",
]

# Company shown on printed forms.
COMPANY_NAME = env("COMPANY_NAME", default="示例信息技术服务有限公司")
COMPANY_ADDRESS = env("COMPANY_ADDRESS", default="上海市浦东新区示例路 88 号")
COMPANY_PHONE = env("COMPANY_PHONE", default="400-800-0000")
COMPANY_WEBSITE = env("COMPANY_WEBSITE", default="")

# E-mail: notifications go out by e-mail only when EMAIL_URL is configured.
EMAIL_CONFIGURED = bool(env("EMAIL_URL", default=""))
if EMAIL_CONFIGURED:
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="servicedesk@localhost")
# Delivery of notification e-mails (docs/architecture.md §email): a mail server that does
# not answer fails the attempt after EMAIL_TIMEOUT seconds; a worker claims
# EMAIL_DELIVERY_BATCH e-mails at a time for EMAIL_DELIVERY_LEASE seconds (more than a
# batch of time-outs: a slow worker never loses its claim), and a delivery task stops
# after EMAIL_DELIVERY_BUDGET seconds and queues itself again (far from the time limit).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
EMAIL_DELIVERY_BATCH = env.int("EMAIL_DELIVERY_BATCH", default=20)
EMAIL_DELIVERY_LEASE = env.float("EMAIL_DELIVERY_LEASE", default=300.0)
EMAIL_DELIVERY_BUDGET = env.float("EMAIL_DELIVERY_BUDGET", default=60.0)

# REST API (docs/api.md §basics).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["servicedesk.core.api.permissions.ModelPermissions"],
    "DEFAULT_PAGINATION_CLASS": "servicedesk.core.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "servicedesk.core.api.exceptions.exception_handler",
    "DATETIME_FORMAT": "iso-8601",
}
# A control character in a record must not fail the admin's Excel export (core/text.py).
IMPORT_EXPORT_ESCAPE_ILLEGAL_CHARS_ON_EXPORT = True
SPECTACULAR_SETTINGS = {
    "TITLE": "Service operations desk API",
    "DESCRIPTION": "Contracts, hotline, field service, defects and deadlines.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Every operation documents its error answers too (docs/api.md §errors).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "servicedesk.core.api.docs.document_errors",
    ],
    # Several models have a "kind", "unit" or "state" of their own: name each enum.
    "ENUM_NAME_OVERRIDES": {
        "DayKindEnum": "servicedesk.core.choices.DayKind",
        "TimeUnitEnum": "servicedesk.core.choices.TimeUnit",
        "TimerStateEnum": "servicedesk.core.choices.TimerState",
        "CustomerWaitReasonEnum": "servicedesk.core.choices.WaitReason",
        "PeriodKindEnum": "contracts.choices.PeriodKind",
        "DocumentKindEnum": "contracts.choices.DocumentKind",
        "ChargeUnitEnum": "contracts.choices.ChargeUnit",
        "ContractStateEnum": "contracts.choices.ContractState",
        "FirstVisitStateEnum": "contracts.choices.FirstVisitState",
        "RevisitStateEnum": "contracts.choices.RevisitState",
        "NoticeChannelEnum": "contracts.choices.NoticeChannel",
        "RenewalOutcomeEnum": "contracts.choices.RenewalOutcome",
        "RestoreOutcomeEnum": "fieldservice.models.backups.RestoreOutcome",
        # published before projects' own categories and sources existed: keep the names
        "CategoryEnum": "contracts.choices.CustomerCategory",
        "SourceEnum": "fieldservice.choices.DispatchSource",
        "ProjectSourceEnum": "projects.choices.ProjectSource",
        "PauseCategoryEnum": "projects.choices.PauseCategory",
        "TerminateCategoryEnum": "projects.choices.TerminateCategory",
        "TicketChannelEnum": "tickets.choices.Channel",
        "TicketKindEnum": "tickets.choices.TicketKind",
        "TicketStateEnum": "tickets.choices.TicketState",
        "TicketSeverityEnum": "tickets.choices.Severity",
        "DispatchOutcomeEnum": "fieldservice.choices.Outcome",
        "DispatchKindEnum": "fieldservice.choices.DispatchKind",
        "PartUsageKindEnum": "fieldservice.choices.PartUsageKind",
        "SalesLeadKindEnum": "fieldservice.choices.LeadKind",
        "DefectSeverityEnum": "defects.choices.Severity",
        "DefectStateEnum": "defects.choices.DefectState",
        "DefectRejectReasonEnum": "defects.choices.RejectReason",
        "RequirementStateEnum": "defects.choices.RequirementState",
        "RequirementOutcomeEnum": "defects.choices.Outcome",
    },
}

# Content Security Policy: everything is served from our own origin. Scripts only from
# files (docs/architecture.md §portal.scripts): no inline <script>, no on*= handlers, no
# javascript: URLs. Styles keep 'unsafe-inline' (style attributes, htmx's indicator style,
# the admin's page styles).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "script-src": ["'self'"],
        "font-src": ["'self'", "data:"],
        "frame-ancestors": ["'self'"],
    }
}

# The cache: what several web processes must share (the knowledge base's "opened once per
# reader and half hour", docs/architecture.md §cache) lives in Redis when CACHE_URL names
# it; without it each process keeps its own (enough for one process, as `make run` starts).
CACHE_URL = env("CACHE_URL", default="")
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="servicedesk"),
        }
    }

# Pages people keep open and reload are drawn once per state of the data, user and minute
# (docs/architecture.md §page-cache); only with a cache every process shares.
PAGE_CACHE = env.bool("PAGE_CACHE", default=bool(CACHE_URL))
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=60)

# Celery (docs/architecture.md §celery). Without CELERY_BROKER_URL: a filesystem broker under var/.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
_VISIBILITY_TIMEOUT = 3600
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = VAR_DIR / "celery" / "queue"
    _processed_dir = VAR_DIR / "celery" / "processed"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(_processed_dir),
        # Exchange bindings; kombu's default is ./control in the working directory.
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
    # The embedded broker's folders exist before anything queues a task (a notification
    # written by `manage.py demo` before any worker ran used to log a traceback).
    for _folder in (_queue_dir, _processed_dir, VAR_DIR / "celery" / "control"):
        _folder.mkdir(parents=True, exist_ok=True)
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": _VISIBILITY_TIMEOUT,
        # Every key the broker writes starts with this (several desks on one Redis).
        "global_keyprefix": env("REDIS_KEY_PREFIX", default=""),
        # A Redis that went away (restarted, or its host cut off) is noticed within
        # seconds rather than after the kernel's two hours of silence
        # (docs/architecture.md §celery.outage).
        "socket_keepalive": True,
        "socket_connect_timeout": 5,
        "socket_timeout": 30,  # above the 1 s of a worker's blocking read
        "health_check_interval": 10,
        "retry_on_timeout": True,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Time limits well under the visibility timeout, so a message is never redelivered
# while its first run is still going.
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_TIME_LIMIT = 300
CELERY_TIMEZONE = TIME_ZONE
# A broker outage of any length (docs/architecture.md §celery.outage): every process keeps
# reconnecting (no retry limit; Celery waits 2, 4, 6 … at most 30 s between attempts) and
# consumes again once Redis is back.
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_BROKER_CONNECTION_TIMEOUT = 5
CELERY_BROKER_CHANNEL_ERROR_RETRY = True
# A task running when the connection drops finishes its work (every task is idempotent
# and row-driven; cancelling it mid-send could only add an uncertain e-mail); its
# message comes back after the visibility timeout and finds nothing left to do.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    # How often beat sweeps the deadlines and sends what is due (seconds).
    "sla-sweep": {
        "task": "core.sla_sweep",
        "schedule": env.float("SLA_SWEEP_EVERY", default=60.0),
        "kwargs": {"batch_size": env.int("SLA_SWEEP_BATCH", default=1000)},
    },
    "notifications-deliver": {
        "task": "core.deliver_notifications",
        "schedule": env.float("NOTIFICATIONS_DELIVER_EVERY", default=120.0),
    },
    "event-reactions": {"task": "core.event_reactions", "schedule": 60.0},
    # The records' kept nearest deadlines (docs/architecture.md §boards.kept) checked.
    "next-due-repair": {"task": "core.next_due_repair", "schedule": crontab(hour=1, minute=50)},
    "calendar-coverage-check": {
        "task": "core.check_calendar_coverage",
        "schedule": crontab(hour=8, minute=30),
    },
    "contracts-service-states": {
        "task": "contracts.update_service_states",
        "schedule": crontab(hour=0, minute=10),
    },
    # Missed first, so a successor is generated the same night.
    "contracts-revisits-mark-missed": {
        "task": "contracts.revisits_mark_missed",
        "schedule": crontab(hour=0, minute=20),
    },
    "contracts-revisits-generate": {
        "task": "contracts.revisits_generate",
        "schedule": crontab(hour=0, minute=30),
    },
    "contracts-renewal-reminders": {
        "task": "contracts.renewal_reminders",
        "schedule": crontab(hour=8, minute=0),
    },
    "defects-evaluation-report-monthly": {
        "task": "defects.evaluation_report_monthly",
        "schedule": crontab(day_of_month=1, hour=7, minute=0),
    },
}

# Routine inspection dispatches, made ahead (docs/domain.md §inspection.generate).
# Weekly reports: every day at 15:00; the service drafts only on the last working day of
# the week in the working calendar (Friday, or earlier when Friday is a holiday).
CELERY_BEAT_SCHEDULE["reports-weekly-draft"] = {
    "task": "reports.weekly_reports_draft",
    "schedule": crontab(hour=15, minute=0),
}
CELERY_BEAT_SCHEDULE["fieldservice-inspections-generate"] = {
    "task": "fieldservice.inspections_generate",
    "schedule": crontab(hour=0, minute=40),
}

# Operations (README "Production"): beat proves it runs by a heartbeat every 30 s that a
# worker records; /healthz reports unhealthy when it is older than HEALTHZ_BEAT_MAX_AGE.
CELERY_BEAT_SCHEDULE["beat-heartbeat"] = {"task": "core.beat_heartbeat", "schedule": 30.0}
HEALTHZ_BEAT_MAX_AGE = env.int("HEALTHZ_BEAT_MAX_AGE", default=300)
# Only one beat may run: it holds a PostgreSQL advisory lock (a lock file with SQLite).
BEAT_LOCK_FILE = env("BEAT_LOCK_FILE", default=str(VAR_DIR / "celerybeat.lock"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# Behind the nginx of deploy/ (which appends the client to X-Forwarded-For): the customer
# links' log and rate limit use that address (docs/architecture.md §links.limits).
TRUST_X_FORWARDED_FOR = env.bool("TRUST_X_FORWARDED_FOR", default=False)
# WeCom and DingTalk robots take 20 messages a minute (docs/architecture.md §channels).
CHANNEL_ROBOT_PER_MINUTE = env.int("CHANNEL_ROBOT_PER_MINUTE", default=20)
# E-mail to ticket: the SMTP listener `manage.py receive_mail` (docs/architecture.md §mail-in).
SUPPORT_MAIL_ADDRESSES = env.list("SUPPORT_MAIL_ADDRESSES", default=[])
SUPPORT_MAIL_FROM = env("SUPPORT_MAIL_FROM", default="")
SUPPORT_MAIL_OWNER = env("SUPPORT_MAIL_OWNER", default="")
SUPPORT_MAIL_PER_SENDER_HOUR = env.int("SUPPORT_MAIL_PER_SENDER_HOUR", default=20)
SUPPORT_MAIL_ACKNOWLEDGE = env.bool("SUPPORT_MAIL_ACKNOWLEDGE", default=True)
SUPPORT_MAIL_ACKS_PER_HOUR = env.int("SUPPORT_MAIL_ACKS_PER_HOUR", default=3)
SUPPORT_MAIL_MAX_BYTES = env.int("SUPPORT_MAIL_MAX_BYTES", default=30 * 1024 * 1024)
SUPPORT_SMTP_HOST = env("SUPPORT_SMTP_HOST", default="127.0.0.1")
SUPPORT_SMTP_PORT = env.int("SUPPORT_SMTP_PORT", default=2525)
# Access and sessions (docs/architecture.md §access-and-sessions).
# The OpenAPI schema and docs need a login unless opened explicitly.
API_DOCS_PUBLIC = env.bool("API_DOCS_PUBLIC", default=False)
# API tokens live this many days from their issue; a password change ends them.
API_TOKEN_DAYS = env.int("API_TOKEN_DAYS", default=30)
REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"] = [
    "rest_framework.authentication.SessionAuthentication",
    "servicedesk.core.api.tokens.ExpiringTokenAuthentication",
]
# Besides username+address, one address is locked after this many failures across users.
AXES_IP_FAILURE_LIMIT = env.int("AXES_IP_FAILURE_LIMIT", default=10)
AXES_HANDLER = "servicedesk.core.throttling.LoginThrottleHandler"
AXES_LOCKOUT_CALLABLE = "servicedesk.core.throttling.lockout_response"

# Live boards and the bell (docs/architecture.md §live-boards): how often an open board
# asks whether it changed, how long an unchanged answer may be trusted at most, and how
# often the bell's unread count is asked for.
LIVE_POLL_SECONDS = env.float("LIVE_POLL_SECONDS", default=20)
LIVE_REFRESH_SECONDS = env.int("LIVE_REFRESH_SECONDS", default=300)
NOTIFICATION_POLL_SECONDS = env.float("NOTIFICATION_POLL_SECONDS", default=60)
