"""The load test's machinery (docs/architecture.md §load): a database of its own, the demo
company plus more rows, production gunicorn as deploy/systemd/servicedesk-web.service
starts it, and locust headless over tests/load/locustfile.py.

Used by tests/load/test_load.py (bounded, in ``make test``) and
tests/bench/test_bench_load.py (50 users, in ``make bench``). Prints ``BENCH load_*``
lines.

- **Database**: a copy (``CREATE DATABASE … TEMPLATE``) of the session's migrated test
  database, so no second migration (three minutes on a busy 2-core machine); dropped at
  the end by a process of its own (nobody waits for its checkpoint).
- **Rows**: ``manage.py demo`` (the three logins), then customers, tickets with their
  timers, calls and dispatches written with the helpers of tests/bench/test_bench_tickets.py
  and test_bench_fieldservice.py; the hotline engineer gets a queue, the field engineer a
  week of visits.
- **Static files**: collected with a manifest (what ``{% static %}`` needs) but not
  compressed: no static file is in the mix (a browser keeps them: hashed names, immutable),
  and compressing takes a minute.
- **gunicorn**: the unit file's ``ExecStart`` with its variables filled in (``WEB_WORKERS``
  4), production settings, Redis as cache and broker (a key prefix of its own, deleted at
  the end), ``SECURE_TRANSPORT=false`` (plain HTTP: locust talks to gunicorn directly, as an
  intranet install does).
"""

from __future__ import annotations

import csv
import os
import re
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOCUSTFILE = Path(__file__).with_name("locustfile.py")
UNIT = ROOT / "deploy" / "systemd" / "servicedesk-web.service"


@dataclass
class Size:
    customers: int
    tickets: int
    open_tickets: int
    calls: int
    hotline_engineers: int
    field_engineers: int
    dispatches: int
    waiting: int
    queue: int  # open tickets of the hotline engineer who logs in
    visits: int  # dispatches of the field engineer who logs in


CI_SIZE = Size(200, 2_000, 300, 5_000, 20, 20, 400, 40, 30, 20)
BENCH_SIZE = Size(2_000, 20_000, 1_500, 50_000, 60, 60, 2_000, 150, 40, 25)


@dataclass
class Figures:
    requests: int
    failures: int
    rps: float
    p50: float
    p95: float
    p99: float
    by_name: dict[str, dict[str, str]] = field(default_factory=dict)
    status_5xx: int = 0
    cpu_ms_web: float = 0.0  # CPU of the gunicorn workers per request measured
    cpu_ms_db: float = 0.0  # CPU of the site's PostgreSQL backends per request measured
    page_cache_hits: int = 0  # answers served from the page cache (core/page_cache.py)
    page_cache_misses: int = 0  # answers drawn and stored for it

    def lines(self, prefix: str) -> list[str]:
        return [
            f"BENCH {prefix}_requests_per_s {self.rps:.1f}",
            f"BENCH {prefix}_p50_ms {self.p50:.0f}",
            f"BENCH {prefix}_p95_ms {self.p95:.0f}",
            f"BENCH {prefix}_p99_ms {self.p99:.0f}",
            f"BENCH {prefix}_requests {self.requests}",
            f"BENCH {prefix}_errors {self.failures}",
            f"BENCH {prefix}_cpu_ms_per_request_web {self.cpu_ms_web:.1f}",
            f"BENCH {prefix}_cpu_ms_per_request_db {self.cpu_ms_db:.1f}",
            f"BENCH {prefix}_page_cache_hits {self.page_cache_hits}",
            f"BENCH {prefix}_page_cache_misses {self.page_cache_misses}",
            f"BENCH {prefix}_load_average {os.getloadavg()[0]:.2f}",
        ]


# -- database ------------------------------------------------------------------------


def _admin_connection(db: dict):
    import psycopg2

    conn = psycopg2.connect(
        dbname="postgres",
        user=db.get("USER") or "postgres",
        password=db.get("PASSWORD") or None,
        host=db.get("HOST") or "127.0.0.1",
        port=db.get("PORT") or 5432,
    )
    conn.autocommit = True
    return conn


def database_url(db: dict, name: str) -> str:
    auth = db.get("USER") or "postgres"
    if db.get("PASSWORD"):
        auth += f":{db['PASSWORD']}"
    return f"postgres://{auth}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{name}"


@contextmanager
def database_copy(db: dict) -> Iterator[str]:
    """A copy of the (migrated, empty) database ``db``, named ``<name>_load``; its URL."""
    from django.db import connections

    source = db["NAME"]
    target = f"{source}_load"[:63]
    connections.close_all()  # a template must have no other session
    admin = _admin_connection(db)
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
            for attempt in range(20):
                try:
                    cursor.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')
                    break
                except Exception:
                    if attempt == 19:
                        raise
                    if attempt >= 3:
                        # A connection an earlier browser test's server thread left open
                        # (this process's own are closed above) would hold the copy back.
                        cursor.execute(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE datname = %s AND pid <> pg_backend_pid()",
                            [source],
                        )
                    time.sleep(0.5)
        yield database_url(db, target)
    finally:
        admin.close()
        drop_later(db, target)


DROP = """
import sys, psycopg2
conn = psycopg2.connect(**{params!r})
conn.autocommit = True
conn.cursor().execute('DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
"""


def drop_later(db: dict, target: str) -> None:
    """Drop the copy in a process of its own: DROP DATABASE waits for a checkpoint (20 s on
    a busy machine) that nobody needs to wait for. The next run drops a copy still there."""
    params = {
        "dbname": "postgres",
        "user": db.get("USER") or "postgres",
        "password": db.get("PASSWORD") or None,
        "host": db.get("HOST") or "127.0.0.1",
        "port": db.get("PORT") or 5432,
    }
    subprocess.Popen(
        [sys.executable, "-c", DROP.format(params=params, target=target)],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


# -- the site ------------------------------------------------------------------------


def production_env(root: Path, database: str, redis: str, prefix: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST_", "DJANGO_", "CELERY_", "REDIS_", "SECURE_", "CACHE_"))
        and key not in {"DATABASE_URL", "MEDIA_ROOT", "STATIC_ROOT", "EMAIL_URL", "DEBUG", "CI"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="servicedesk.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_TRANSPORT="false",
        DATABASE_URL=database,
        CELERY_BROKER_URL=redis,
        REDIS_KEY_PREFIX=prefix,
        CACHE_URL=redis,
        CACHE_KEY_PREFIX=f"{prefix}cache",
        STATIC_ROOT=str(root / "static"),
        MEDIA_STORAGE="filesystem",
        MEDIA_ROOT=str(root / "media"),
        BEAT_LOCK_FILE=str(root / "celerybeat.lock"),
        PYTHONUNBUFFERED="1",
        PYTHONPATH=str(ROOT),
    )
    return env


SEED = """
import django
django.setup()
from django.core.management import call_command
from django.test import override_settings
from django.conf import settings
from tests.load.seed import seed, Size

call_command("demo", stdout=open("/dev/null", "w"))
seed(Size(*{size!r}))
# A manifest for {{% static %}}, without the compressed copies (see tests/load/harness.py).
manifest = "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
storages = {{**settings.STORAGES, "staticfiles": {{"BACKEND": manifest}}}}
with override_settings(STORAGES=storages):
    call_command("collectstatic", "--no-input", verbosity=0)
"""


def build_site(env: dict[str, str], size: Size) -> float:
    """The demo company, the extra rows and the static files; the seconds it took."""
    started = time.monotonic()
    script = SEED.format(size=tuple(size.__dict__.values()))
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    return time.monotonic() - started


def free_port() -> int:
    wanted = os.environ.get("LOAD_PORT")
    if wanted:
        return int(wanted)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gunicorn_command(env: dict[str, str]) -> list[str]:
    """deploy/systemd/servicedesk-web.service's ExecStart, its ${VARS} from ``env``."""
    line = next(
        line.removeprefix("ExecStart=")
        for line in UNIT.read_text().splitlines()
        if line.startswith("ExecStart=")
    )
    line = re.sub(r"\$\{(\w+)\}", lambda m: env[m.group(1)], line)
    words = shlex.split(line)
    assert words[0].endswith("/gunicorn"), words
    return [sys.executable, "-m", "gunicorn", *words[1:]]


@contextmanager
def gunicorn(
    env: dict[str, str], root: Path, port: int, workers: int = 4
) -> Iterator[tuple[str, int]]:
    env = {**env, "WEB_BIND": f"127.0.0.1:{port}", "WEB_WORKERS": str(workers)}
    log = root / "gunicorn.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            gunicorn_command(env),
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"gunicorn exited:\n{log.read_text()[-3000:]}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError("gunicorn did not listen within 90 s") from None
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}", proc.pid
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def status_counts(log: Path) -> dict[int, int]:
    """HTTP status → count, from gunicorn's access log (``--access-logfile -``)."""
    counts: dict[int, int] = {}
    for match in re.finditer(r'" (\d{3}) ', log.read_text(errors="replace")):
        status = int(match.group(1))
        counts[status] = counts.get(status, 0) + 1
    return counts


def delete_redis_keys(url: str, prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
    if keys:
        client.delete(*keys)


class CpuSampler:
    """CPU seconds of the gunicorn workers and of the PostgreSQL backends serving the
    site's database, sampled every half second: the CPU a request costs, which a busy
    shared machine changes much less than it changes latencies."""

    def __init__(self, master_pid: int, database: str, db: dict) -> None:
        import threading

        self.master, self.database, self.db = master_pid, database, db
        self.samples: list[tuple[float, float, float]] = []
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def cpu(self, pids: list[int]) -> float:
        import psutil

        total = 0.0
        for pid in pids:
            try:
                times = psutil.Process(pid).cpu_times()
                total += times.user + times.system
            except psutil.Error:
                pass
        return total

    def run(self) -> None:
        import psutil

        admin = _admin_connection(self.db)
        try:
            while not self.stopped.is_set():
                workers = [p.pid for p in psutil.Process(self.master).children()]
                with admin.cursor() as cursor:
                    cursor.execute(
                        "SELECT pid FROM pg_stat_activity WHERE datname = %s", [self.database]
                    )
                    backends = [pid for (pid,) in cursor.fetchall()]
                self.samples.append((time.time(), self.cpu(workers), self.cpu(backends)))
                self.stopped.wait(0.5)
        finally:
            admin.close()

    def __enter__(self) -> CpuSampler:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopped.set()
        self.thread.join()

    def between(self, start: float, stop: float) -> tuple[float, float]:
        """CPU seconds (web, database) spent between two moments (nearest samples)."""
        inside = [s for s in self.samples if start <= s[0] <= stop]
        if len(inside) < 2:
            return 0.0, 0.0
        return inside[-1][1] - inside[0][1], inside[-1][2] - inside[0][2]


# -- locust --------------------------------------------------------------------------


def run_locust(url: str, root: Path, users: int, spawn_rate: float, seconds: int) -> Figures:
    """locust headless; statistics from the moment every user has logged in, for
    ``seconds`` (the locustfile stops the run; ``-t`` only bounds it)."""
    prefix = root / "locust"
    ramp = users / spawn_rate + 60
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(LOCUSTFILE),
            "--headless",
            "--host",
            url,
            "-u",
            str(users),
            "-r",
            str(spawn_rate),
            "-t",
            f"{int(ramp + seconds)}s",
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "WARNING",
            "--stop-timeout",
            "10",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=ramp + seconds + 120,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")},
            "LOAD_SECONDS": str(seconds),
            "LOAD_MARKS": str(root / "marks.txt"),
        },
    )
    stats = Path(f"{prefix}_stats.csv")
    assert stats.exists(), result.stdout[-3000:] + result.stderr[-3000:]
    by_name: dict[str, dict[str, str]] = {}
    with stats.open() as fh:
        for row in csv.DictReader(fh):
            by_name[row["Name"] if row["Name"] != "Aggregated" else "*"] = row
    total = by_name["*"]
    failures_file = Path(f"{prefix}_failures.csv")
    if int(total["Failure Count"]) and failures_file.exists():
        print(failures_file.read_text()[-3000:])
    return Figures(
        requests=int(total["Request Count"]),
        failures=int(total["Failure Count"]),
        rps=float(total["Requests/s"]),
        p50=float(total["50%"]),
        p95=float(total["95%"]),
        p99=float(total["99%"]),
        by_name=by_name,
    )


def table(figures: Figures) -> str:
    rows = [
        f"{'request':<24} {'n':>7} {'fail':>5} {'req/s':>7} {'p50':>6} {'p95':>6} {'p99':>6}",
    ]
    for name, row in sorted(figures.by_name.items(), key=lambda kv: kv[0] == "*"):
        if row["Type"] == "" and name != "*":
            continue
        rows.append(
            f"{name[:24]:<24} {row['Request Count']:>7} {row['Failure Count']:>5} "
            f"{float(row['Requests/s']):>7.1f} {row['50%']:>6} {row['95%']:>6} {row['99%']:>6}"
        )
    return "\n".join(rows)


def load_run(
    db: dict, redis: str, root: Path, size: Size, users: int, spawn_rate: float, seconds: int
) -> Figures:
    """The whole run: database copy, rows, gunicorn, locust; everything removed after."""
    prefix = f"load-{os.getpid()}-{secrets.token_hex(3)}:"
    with database_copy(db) as database:
        env = production_env(root, database, redis, prefix)
        try:
            built = build_site(env, size)
            print(f"\nload test: site built in {built:.0f} s ({size})")
            started = time.monotonic()
            with (
                gunicorn(env, root, free_port()) as (url, pid),
                CpuSampler(pid, database.rsplit("/", 1)[1], db) as sampler,
            ):
                figures = run_locust(url, root, users, spawn_rate, seconds)
            marks_file = root / "marks.txt"
            marks = dict(
                line.split()
                for line in (marks_file.read_text() if marks_file.exists() else "").splitlines()
            )
            # No marks: not every user logged in (their failures are in the figures).
            assert "start" in marks, "the measurement never started: not every user logged in"
            web, base = sampler.between(float(marks["start"]), float(marks.get("stop", 0) or 9e9))
            figures.cpu_ms_web = 1000 * web / max(figures.requests, 1)
            figures.cpu_ms_db = 1000 * base / max(figures.requests, 1)
            figures.page_cache_hits = int(float(marks.get("page_cache_hits", 0)))
            figures.page_cache_misses = int(float(marks.get("page_cache_misses", 0)))
            print(f"load test: gunicorn and locust {time.monotonic() - started:.0f} s")
            counts = status_counts(root / "gunicorn.log")
            figures.status_5xx = sum(n for status, n in counts.items() if status >= 500)
            print(f"HTTP statuses (gunicorn's access log): {dict(sorted(counts.items()))}")
            print(table(figures))
            return figures
        finally:
            delete_redis_keys(redis, prefix)
