"""Run the web server, a Celery worker and Celery beat together; Ctrl-C stops all three.

It stops its children on Ctrl-C, SIGTERM and when the terminal hangs up (SIGHUP), and
exits non-zero when the port is taken or any child fails.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Linux: the child gets SIGTERM if serve_all itself is killed (even by SIGKILL)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def port_taken(addr: str) -> bool:
    """Whether something already listens on ``host:port`` (runserver's address syntax)."""
    host, _sep, port = addr.rpartition(":")
    host = (host or "127.0.0.1").strip("[]")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, int(port)))
        except OSError:
            return True
    return False


class Command(BaseCommand):
    help = "Start web + Celery worker + beat in the foreground (make run)."
    # Messages in the product's language (settings.LANGUAGE_CODE), not Django's English.
    leave_locale_alone = True

    def add_arguments(self, parser) -> None:
        parser.add_argument("--addr", default=os.environ.get("RUN_ADDR", "127.0.0.1:8000"))
        parser.add_argument("--concurrency", default="2")

    def handle(self, *args, **options) -> None:
        addr = options["addr"]
        if port_taken(addr):
            raise CommandError(
                _("Address %(addr)s is already in use: stop what runs there or set RUN_ADDR.")
                % {"addr": addr}
            )
        var = Path(settings.VAR_DIR)
        for sub in ("celery/queue", "celery/processed", "celery/control"):
            (var / sub).mkdir(parents=True, exist_ok=True)
        python = sys.executable
        manage = str(Path(settings.BASE_DIR) / "manage.py")
        celery = [python, "-m", "celery", "-A", "servicedesk"]
        commands = {
            "web": [python, manage, "runserver", addr, "--noreload"],
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
        state = {"stopping": False, "failed": ""}

        def stop(*_args) -> None:
            if state["stopping"]:
                return
            state["stopping"] = True
            self.stdout.write(_("Stopping web, worker and beat …"))
            for proc in procs.values():
                if proc.poll() is None:
                    proc.terminate()
            deadline = time.monotonic() + 15
            for proc in procs.values():
                try:
                    proc.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()

        for signum in STOP_SIGNALS:
            signal.signal(signum, stop)
        try:
            for name, cmd in commands.items():
                procs[name] = subprocess.Popen(  # noqa: S603
                    cmd, start_new_session=True, preexec_fn=_die_with_parent
                )
            self.stdout.write(
                self.style.SUCCESS(
                    _("Portal: http://%(addr)s/  (Ctrl-C stops everything)") % {"addr": addr}
                )
            )
            while not state["stopping"]:
                for name, proc in procs.items():
                    if proc.poll() is not None:
                        state["failed"] = _("%(name)s exited with code %(code)s") % {
                            "name": name,
                            "code": proc.returncode,
                        }
                        self.stderr.write(state["failed"])
                        stop()
                        break
                time.sleep(0.5)
        finally:
            stop()
        if state["failed"]:
            raise CommandError(state["failed"])
