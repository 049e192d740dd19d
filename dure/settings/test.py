"""The test suite: fast hashing, in-memory mail, immediate tasks."""

from .base import *  # noqa: F401,F403
from .base import DATABASES

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
DURE_EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tests use the keyword affinity; the embedding engine has its own tests in tests/core.
DURE_EXPERTISE_ENGINE = "keyword"
# Pages are in English unless a test asks for Korean (?lang=ko or the language cookie).
LANGUAGE_CODE = "en"
