"""The embedded defaults work before any worker ran: the filesystem broker's folders are
made with the settings, so the first notification (e.g. from `manage.py demo`) queues its
delivery instead of logging a traceback."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings


def test_the_filesystem_broker_folders_exist_with_the_settings(tmp_path):
    env = {
        **os.environ,
        "VAR_DIR": str(tmp_path / "var"),
        "DJANGO_SETTINGS_MODULE": "servicedesk.settings.local",
    }
    env.pop("CELERY_BROKER_URL", None)
    code = (
        "import django; django.setup(); "
        "from servicedesk.celery import app; "
        "app.send_task('core.deliver_notifications')"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    queued = list(Path(tmp_path / "var" / "celery" / "queue").iterdir())
    assert len(queued) == 1
