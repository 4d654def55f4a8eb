"""Test settings: the database comes from DATABASE_URL (SQLite when unset)."""

from .base import *  # noqa: F403
from .base import STORAGES, VAR_DIR

DEBUG = False
# Tests assert the English source messages; the browser tests switch to the product's
# Chinese default themselves (tests/e2e/conftest.py).
LANGUAGE_CODE = "en"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "test-media"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 - whitenoise warns otherwise
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_BROKER_URL = "memory://"
CELERY_BROKER_TRANSPORT_OPTIONS = {}
CELERY_TASK_ALWAYS_EAGER = True
AXES_ENABLED = True
# Tests read what they just wrote inside a transaction that never commits; the page
# cache's own tests switch it on (tests/core/test_page_cache.py).
PAGE_CACHE = False

# A small workflow model for testing the core's FSM/API/forms machinery.
INSTALLED_APPS = [*INSTALLED_APPS, "tests.testapp"]  # noqa: F405
