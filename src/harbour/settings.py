"""Harbour settings, read from the environment.

Every setting that differs between a laptop demo and production is an environment variable; the
table in README.md lists them. Production (HARBOUR_ENV=prod) refuses to start with unsafe values.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = Path(os.environ.get("HARBOUR_HOME", Path.cwd()))
VAR_DIR = PROJECT_DIR / "var"

DEFAULT_SECRET_KEY = "dev-only-insecure-secret-key-change-me"  # noqa: S105


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


HARBOUR_ENV = os.environ.get("HARBOUR_ENV", "dev")
if HARBOUR_ENV not in {"dev", "prod", "test"}:
    raise ImproperlyConfigured("HARBOUR_ENV must be dev, prod or test.")
PRODUCTION = HARBOUR_ENV == "prod"
# The demo banner shows demo users' current TOTP codes; it must never be on in production.
HARBOUR_DEMO_MODE = env_bool("HARBOUR_DEMO_MODE", default=False) and not PRODUCTION
# The one password every demo user shares (synthetic data only); shown on the sign-in page in demo mode.
HARBOUR_DEMO_PASSWORD = os.environ.get("HARBOUR_DEMO_PASSWORD", "harbour-demo-2026")

SECRET_KEY = os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY)
# Off unless asked for: the debug pages list every URL and show settings, even in a demo.
DEBUG = env_bool("DEBUG", default=False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

DATABASE_URL = os.environ.get("DATABASE_URL", "")
if not DATABASE_URL:
    # The embedded default: a SQLite file under ./var/, made on first use.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASE_URL = f"sqlite:///{VAR_DIR / 'harbour.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=int(os.environ.get("HARBOUR_DB_CONN_MAX_AGE", "60" if PRODUCTION else "0"))
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        }
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT: PostgreSQL compiled every query it thought costly (the figures' and home queues'
    # counts), which took longer than running them (docs/decisions/0009-postgresql-without-jit.md).
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"]["options"] = (
        DATABASES["default"]["OPTIONS"].get("options", "") + " -c jit=off"
    ).strip()

if PRODUCTION:
    problems = []
    if SECRET_KEY == DEFAULT_SECRET_KEY or len(SECRET_KEY) < 40:
        problems.append("SECRET_KEY is the default or shorter than 40 characters")
    if DEBUG:
        problems.append("DEBUG is on")
    if DATABASES["default"]["ENGINE"].endswith("sqlite3") and not env_bool("HARBOUR_ALLOW_SQLITE"):
        problems.append("the database is SQLite (set HARBOUR_ALLOW_SQLITE=1 to allow it knowingly)")
    if problems:
        raise ImproperlyConfigured("Harbour will not start in production: " + "; ".join(problems) + ".")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Before allauth, so Harbour's GOV.UK versions of allauth's templates are the ones used.
    "harbour.ui",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "axes",
    "csp",
    "django_htmx",
    "ninja",  # serves the API docs' Swagger files locally (the CSP forbids a CDN)
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "harbour.core",
    "harbour.accounts",
    "harbour.audit",
    "harbour.access",
    "harbour.people",
    "harbour.frontdoor",
    "harbour.assessments",
    "harbour.missing",
    "harbour.education",
    "harbour.figures",
    "harbour.api",
    "harbour.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "harbour.core.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "harbour.accounts.middleware.RequireMFAMiddleware",
    "harbour.accounts.middleware.IdleTimeoutMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "harbour.urls"
FORM_RENDERER = "harbour.ui.forms.GovukFormRenderer"
WSGI_APPLICATION = "harbour.wsgi.application"
AUTH_USER_MODEL = "accounts.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "harbour.ui.context_processors.shell",
            ],
        },
    }
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# django-allauth: username login, no self sign-up (accounts are made by administrators), MFA by TOTP.
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*", "password2*"]
ACCOUNT_ADAPTER = "harbour.accounts.adapters.HarbourAccountAdapter"
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
# Lockout after failed passwords is django-axes' job (kept in the database, visible to administrators).
# allauth's failed-login limit also guards authenticator codes, so it stays on, set looser per key than
# axes' password limit so that axes answers first for passwords: at most 10 wrong codes per user in
# 15 minutes, each one audited as user.mfa_failed.
ACCOUNT_RATE_LIMITS = {"login_failed": "30/m/ip,10/15m/key"}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Harbour"
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "ui:home"
LOGOUT_REDIRECT_URL = "account_login"

# django-axes: lock an account/IP pair out after repeated failures.
AXES_FAILURE_LIMIT = int(os.environ.get("HARBOUR_LOCKOUT_FAILURES", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("HARBOUR_LOCKOUT_HOURS", "1"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False  # axes logs usernames at INFO when verbose; keep identities out of logs
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "password"]
# Behind a reverse proxy, the client address is the Nth from the right in X-Forwarded-For.
HARBOUR_PROXY_COUNT = int(os.environ.get("HARBOUR_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "harbour.core.middleware.client_address"
ALLAUTH_TRUSTED_PROXY_COUNT = HARBOUR_PROXY_COUNT

# Sessions: an idle session ends after HARBOUR_IDLE_MINUTES.
HARBOUR_IDLE_MINUTES = int(os.environ.get("HARBOUR_IDLE_MINUTES", "30"))
SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_HSTS_SECONDS = 63072000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_SSL_REDIRECT = env_bool("HARBOUR_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

HARBOUR_TILE_URL = os.environ.get("HARBOUR_TILE_URL", "")  # empty: maps draw without tiles
_tile_origin = "/".join(HARBOUR_TILE_URL.split("/")[:3]) if HARBOUR_TILE_URL.startswith("http") else ""

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *([_tile_origin] if _tile_origin else [])],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A database cache, shared by every worker process: allauth keeps sign-in and authenticator-code
# limits and used TOTP codes here, so they must not be per process. The table is made by a migration.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "harbour_cache",
        # Django's default of 300 entries would let a flood of sign-in attempts under made-up usernames
        # cull a real user's wrong-code count; a million rows is a small table and a large flood.
        "OPTIONS": {"MAX_ENTRIES": int(os.environ.get("HARBOUR_CACHE_MAX_ENTRIES", "1000000"))},
    }
}

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "harbour@localhost")

TASKS = {
    "default": {
        "BACKEND": os.environ.get("HARBOUR_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# Break-glass access lasts this long unless the user asks for less.
HARBOUR_BREAK_GLASS_HOURS = int(os.environ.get("HARBOUR_BREAK_GLASS_HOURS", "4"))
HARBOUR_PAGE_SIZE = 50

# Front door: the working day that timescales count in (Europe/London, England and Wales bank
# holidays excluded), how long the front door keeps seeing a referral's young people after its
# decision, and the address emails link to (emails carry a reference and a link, nothing personal).
HARBOUR_WORKING_DAY = os.environ.get("HARBOUR_WORKING_DAY", "09:00-17:00")
HARBOUR_FRONT_DOOR_ACCESS_DAYS = int(os.environ.get("HARBOUR_FRONT_DOOR_ACCESS_DAYS", "30"))
HARBOUR_PUBLIC_CONCERNS_PER_ADDRESS_PER_HOUR = int(
    os.environ.get("HARBOUR_PUBLIC_CONCERNS_PER_ADDRESS_PER_HOUR", "5")
)
HARBOUR_PUBLIC_CONCERNS_PER_HOUR = int(os.environ.get("HARBOUR_PUBLIC_CONCERNS_PER_HOUR", "200"))
HARBOUR_SITE_URL = os.environ.get("HARBOUR_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Missing from home or care: the return home interview is due this many clock hours after the return,
# and its interviewer (and the interview team's managers) see the young person for this many days after
# it is held or declined.
HARBOUR_RHI_HOURS = int(os.environ.get("HARBOUR_RHI_HOURS", "72"))
# How many days ahead a joint assessment's review shows as due on the lead's home page and is reminded.
HARBOUR_REVIEW_DUE_SOON_DAYS = int(os.environ.get("HARBOUR_REVIEW_DUE_SOON_DAYS", "14"))
HARBOUR_RHI_ACCESS_DAYS = int(os.environ.get("HARBOUR_RHI_ACCESS_DAYS", "14"))

# Partnership figures: counts below this are shown as "fewer than N" (0 or 1 shows every number).
HARBOUR_SMALL_NUMBER_THRESHOLD = int(os.environ.get("HARBOUR_SMALL_NUMBER_THRESHOLD", "5"))
# The partnership figures are counted again by `harbour tick` when the last count is older than this
# (and always when the day changes); until a first count exists the page counts live.
HARBOUR_FIGURES_REFRESH_MINUTES = int(os.environ.get("HARBOUR_FIGURES_REFRESH_MINUTES", "30"))
# Threads the home page fills its work queues on, each with its own database connection (PostgreSQL
# only; 1: one after another on the request's thread). See ui/queues.py.
HARBOUR_QUEUE_THREADS = int(os.environ.get("HARBOUR_QUEUE_THREADS", "3"))
# The largest list of exclusions or children missing education the education import page takes, in
# bytes (5 MB, about 70,000 rows). Larger files: `harbour education_import`.
HARBOUR_EDUCATION_UPLOAD_MAX_BYTES = int(os.environ.get("HARBOUR_EDUCATION_UPLOAD_MAX_BYTES", "5242880"))
# The largest police missing-persons log the police log import page takes, in bytes (100 MB, about a
# million rows). Larger files: `harbour missing_import`.
HARBOUR_POLICE_LOG_UPLOAD_MAX_BYTES = int(
    os.environ.get("HARBOUR_POLICE_LOG_UPLOAD_MAX_BYTES", str(100 * 1024 * 1024))
)

# Logs carry request ids and audit codes, never names or other personal data.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "harbour.core.logging.RequestIdFilter"},
        "no_query_string": {"()": "harbour.core.logging.NoQueryStringFilter"},
    },
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["request_id"]}
    },
    "root": {"handlers": ["console"], "level": os.environ.get("HARBOUR_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "axes": {"level": "WARNING"},
        # The development server logs request lines; query strings can carry personal data.
        "django.server": {
            "handlers": ["console"],
            "level": "INFO",
            "filters": ["no_query_string"],
            "propagate": False,
        },
    },
}
