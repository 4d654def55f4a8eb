import os
import subprocess
import sys

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from servicedesk.core.choices import Role

pytestmark = pytest.mark.django_db


def test_login_page_and_dashboard(client, make_user):
    make_user(Role.SERVICE_MANAGER, username="zhang")
    assert client.get("/").status_code == 302  # to the login page
    response = client.post("/accounts/login/", {"username": "zhang", "password": "pw-123456"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_wrong_password_shows_an_error(client, make_user):
    make_user(username="zhang")
    response = client.post("/accounts/login/", {"username": "zhang", "password": "wrong"})
    assert response.status_code == 200
    assert 'data-testid="form-errors"' in response.content.decode()


def test_login_is_throttled_after_repeated_failures(client, make_user):
    make_user(username="zhang")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "zhang", "password": "wrong"})
    locked = client.post("/accounts/login/", {"username": "zhang", "password": "pw-123456"})
    assert locked.status_code == 429
    assert 'data-testid="locked-out"' in locked.content.decode()


def test_logout_is_post_only_and_ends_the_session(client, make_user):
    user = make_user()
    client.force_login(user)
    client.post("/accounts/logout/")
    assert client.get("/").status_code == 302


def test_password_change(client, make_user):
    user = make_user()
    client.force_login(user)
    response = client.post(
        "/accounts/password/",
        {
            "old_password": "pw-123456",
            "new_password1": "Qiang-2026!x",
            "new_password2": "Qiang-2026!x",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Qiang-2026!x")


def test_api_token_and_token_auth(make_user):
    make_user(Role.AUDITOR, username="audit")
    api = APIClient()
    bad = api.post("/api/v1/auth/token/", {"username": "audit", "password": "no"}, format="json")
    assert bad.status_code == 400
    assert "non_field_errors" in bad.json()
    ok = api.post(
        "/api/v1/auth/token/", {"username": "audit", "password": "pw-123456"}, format="json"
    )
    token = ok.json()["token"]
    assert APIClient().get("/api/v1/timers/").status_code in (401, 403)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/timers/").status_code == 200


def test_api_pagination_shape_and_max_page_size(make_user):
    api = APIClient()
    api.force_authenticate(make_user(Role.AUDITOR))
    data = api.get("/api/v1/calendars/?page_size=1000").json()
    assert set(data) == {"count", "next", "previous", "results"}


def test_calendar_write_needs_a_manager(make_user):
    api = APIClient()
    api.force_authenticate(make_user(Role.HOTLINE_ENGINEER))
    payload = {"name": "华南 5×8", "time_zone": "Asia/Shanghai"}
    assert api.post("/api/v1/calendars/", payload, format="json").status_code == 403
    api.force_authenticate(make_user(Role.SERVICE_MANAGER))
    assert api.post("/api/v1/calendars/", payload, format="json").status_code == 201
    bad = api.post(
        "/api/v1/calendars/",
        {"name": "x", "time_zone": "Mars/Base", "weekly_periods": {"0": [["18:00", "09:00"]]}},
        format="json",
    )
    assert bad.status_code == 400
    assert set(bad.json()) == {"time_zone", "weekly_periods"}


def test_production_settings_pass_the_deploy_check():
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "servicedesk.settings.production",
        "SECRET_KEY": "x" * 20 + "-production-secret-key-with-enough-entropy-9f8e7d6c5b4a",
        "ALLOWED_HOSTS": "desk.example.com",
        "DATABASE_URL": "sqlite:////tmp/deploy-check.sqlite3",
        "CREDENTIAL_KEYS": "eEwR-1yao3N7NvFrKeD_MAFePaYlhfSCUnzH1iB2GF0=",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
