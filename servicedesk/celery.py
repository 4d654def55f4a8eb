"""Celery application. Beat's schedule lives in settings (CELERY_BEAT_SCHEDULE)."""

import os

from celery import Celery
from celery.signals import beat_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicedesk.settings.local")

app = Celery("servicedesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@beat_init.connect
def _beat_started(sender=None, **kwargs) -> None:
    """Only one beat runs (a second one exits with an error); see core.services.operations."""
    from servicedesk.core.services.operations import beat_started

    beat_started()
