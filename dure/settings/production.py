"""Production: everything sensitive comes from the environment; secure by default."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F401,F403

DEBUG = False
SECRET_KEY = os.environ.get("DURE_SECRET_KEY", "")
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("Set DURE_SECRET_KEY to a random string of at least 50 characters.")
DURE_RECEIPT_KEY = os.environ.get("DURE_RECEIPT_KEY", SECRET_KEY)
SECURE_SSL_REDIRECT = os.environ.get("DURE_SSL_REDIRECT", "1") == "1"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
DURE_EMAIL_DELIVERY_BACKEND = os.environ.get("DURE_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("DURE_EMAIL_HOST", "localhost")
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": os.environ.get("DURE_REDIS_URL", "redis://127.0.0.1:6379/0"),
    }
}
SILENCED_SYSTEM_CHECKS: list[str] = []
