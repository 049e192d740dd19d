"""Defaults shared by every environment. Per-programme policy lives in the database."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from dure.core.datadir import data_dir

BASE_DIR = Path(__file__).resolve().parent.parent.parent
DATA_DIR = data_dir()
VAR_DIR = Path(os.environ.get("DURE_VAR_DIR", BASE_DIR / "var"))

SECRET_KEY = os.environ.get("DURE_SECRET_KEY", "dev-only-not-secret-dure-key-change-me")
DEBUG = False
ALLOWED_HOSTS = [h for h in os.environ.get("DURE_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    "django_tasks_db",
    "django_ratelimit",
    "dure.accounts",
    "dure.audit",
    "dure.organisations",
    "dure.programmes",
    "dure.partners",
    "dure.proposals",
    "dure.review",
    "dure.expertise",
    "dure.selection",
    "dure.agreements",
    "dure.outcomes",
    "dure.portal",
    "dure.techmap",
    "dure.testbeds",
    "dure.web",
    "dure.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "dure.web.middleware.LanguageFromQueryMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "dure.web.middleware.SecurityHeadersMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
    "dure.ops.faults.ServiceUnavailableMiddleware",
]

ROOT_URLCONF = "dure.urls"
WSGI_APPLICATION = "dure.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dure.web.context.navigation",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{BASE_DIR / 'dure.sqlite3'}",
        conn_max_age=int(os.environ.get("DURE_DB_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "ko"
LANGUAGES = [("ko", _("Korean")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "dure" / "locale"]
TIME_ZONE = "Asia/Seoul"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# Mail is queued as tasks (dure/ops/mail.py) and delivered by this backend.
EMAIL_BACKEND = "dure.ops.mail.TaskEmailBackend"
DURE_EMAIL_DELIVERY_BACKEND = os.environ.get("DURE_EMAIL_DELIVERY_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = "Dure <noreply@dure.example.org>"

TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Rate limits (sign-in, searches). Development serves from one process, so the local
# in-memory cache is shared enough there; production uses Redis (settings/production.py).
RATELIMIT_VIEW = "dure.web.views.rate_limited"
DURE_RATE_LOGIN = os.environ.get("DURE_RATE_LOGIN", "10/m")
DURE_RATE_SEARCH = os.environ.get("DURE_RATE_SEARCH", "60/m")
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Files applicants may upload, checked by content (magic bytes), not by name.
DURE_UPLOAD_MAX_BYTES = 20 * 1024 * 1024
# Key that signs submission receipts (HMAC-SHA256).
DURE_RECEIPT_KEY = os.environ.get("DURE_RECEIPT_KEY", SECRET_KEY)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DURE_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
