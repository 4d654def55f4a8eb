"""With several web processes the cache must be one (docs/architecture.md §cache): with
``CACHE_URL`` naming Redis, a key one process adds is seen by the next, so the knowledge
base's "opened once per reader and half hour" holds across processes; without it each
process keeps its own."""

import os
import subprocess
import sys
import uuid

import pytest
from django.conf import settings

from tests.conftest import redis_url

# ``cache.add`` of one key in a fresh process: True when it was not there yet.
ADD_ONCE = (
    "import sys, django; django.setup(); "
    "from django.core.cache import cache; "
    "print(cache.add(sys.argv[1], 1, timeout=60))"
)


def _add_in_new_process(key: str, cache_url: str | None) -> str:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "servicedesk.settings.local"}
    env.pop("CACHE_URL", None)
    if cache_url:
        env["CACHE_URL"] = cache_url
    result = subprocess.run(
        [sys.executable, "-c", ADD_ONCE, key],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.strip()


@pytest.mark.redis
def test_two_processes_share_one_window_when_cache_url_names_redis():
    url = redis_url()
    assert url
    base = url.rsplit("/", 1)[0]
    key = f"test-shared-cache-{uuid.uuid4().hex}"
    assert _add_in_new_process(key, f"{base}/11") == "True"
    assert _add_in_new_process(key, f"{base}/11") == "False"


def test_without_cache_url_each_process_has_its_own():
    key = f"test-shared-cache-{uuid.uuid4().hex}"
    assert _add_in_new_process(key, None) == "True"
    assert _add_in_new_process(key, None) == "True"
