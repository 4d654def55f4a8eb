"""Run the web server, a Celery worker and Celery beat together; Ctrl-C stops all three."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Start web + Celery worker + beat in the foreground (make run)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--addr", default=os.environ.get("RUN_ADDR", "127.0.0.1:8000"))
        parser.add_argument("--concurrency", default="2")

    def handle(self, *args, **options) -> None:
        var = Path(settings.VAR_DIR)
        for sub in ("celery/queue", "celery/processed", "celery/control"):
            (var / sub).mkdir(parents=True, exist_ok=True)
        python = sys.executable
        manage = str(Path(settings.BASE_DIR) / "manage.py")
        celery = [python, "-m", "celery", "-A", "servicedesk"]
        commands = {
            "web": [python, manage, "runserver", options["addr"], "--noreload"],
            "worker": [
                *celery,
                "worker",
                "-l",
                "INFO",
                "-c",
                options["concurrency"],
                "-n",
                "worker@%h",
            ],
            "beat": [*celery, "beat", "-l", "INFO", "-s", str(var / "celerybeat-schedule")],
        }
        procs: dict[str, subprocess.Popen] = {}
        stopping = False

        def stop(*_args) -> None:
            nonlocal stopping
            if stopping:
                return
            stopping = True
            self.stdout.write("stopping web, worker and beat …")
            for proc in procs.values():
                if proc.poll() is None:
                    proc.terminate()
            deadline = time.monotonic() + 15
            for proc in procs.values():
                try:
                    proc.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    proc.kill()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        for name, cmd in commands.items():
            procs[name] = subprocess.Popen(cmd, start_new_session=True)  # noqa: S603
        self.stdout.write(
            self.style.SUCCESS(f"Portal: http://{options['addr']}/  (Ctrl-C stops everything)")
        )
        try:
            while not stopping:
                for name, proc in procs.items():
                    if proc.poll() is not None:
                        self.stderr.write(f"{name} exited with {proc.returncode}; stopping")
                        stop()
                        break
                time.sleep(0.5)
        finally:
            stop()
