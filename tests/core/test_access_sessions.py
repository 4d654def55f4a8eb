"""Access and sessions (docs/architecture.md §access-and-sessions): the auditor reads only,
an action answers 403 to a user without its permission before anything about the record's
state, the API schema needs a login, API tokens expire and die with a password change,
login throttling also counts per IP across users, and a lock-out answers JSON on the API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from contracts.choices import DocumentKind
from contracts.services import contract_document_upload
from servicedesk.core.choices import Role
from tests.defects.factories import record_defect
from tests.tickets.factories import make_contract, make_customer, take_call

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _api(user=None) -> APIClient:
    api = APIClient()
    if user is not None:
        api.force_authenticate(user)
    return api


# -- the auditor reads only ------------------------------------------------------------------


def test_the_auditor_may_not_follow_a_defect(make_user):
    tester = make_user(Role.TESTER)
    defect = record_defect(tester)
    auditor = make_user(Role.AUDITOR)
    response = _api(auditor).post(f"/api/v1/defects/{defect.pk}/follow/")
    assert response.status_code == 403
    assert not defect.followers.filter(pk=auditor.pk).exists()
    # A tester still follows it.
    assert _api(tester).post(f"/api/v1/defects/{defect.pk}/follow/").status_code == 200


def test_the_auditor_may_not_download_the_full_contract_copy(make_user):
    sales = make_user(Role.SALES_MANAGER)
    contract = make_contract(sales, make_customer(sales))
    full = contract_document_upload(
        contract=contract,
        kind=DocumentKind.FULL,
        file=SimpleUploadedFile("full.pdf", PDF, content_type="application/pdf"),
        by=sales,
    )
    auditor = make_user(Role.AUDITOR)
    assert not auditor.has_perm("contracts.view_full_copy")
    url = f"/api/v1/contracts/{contract.pk}/documents/{full.pk}/"
    assert _api(auditor).get(url).status_code == 403
    assert _api(sales).get(url).status_code == 200


# -- permission before state -------------------------------------------------------------------


def test_a_transition_without_the_permission_is_403_whatever_the_state(make_user):
    """A closed-state-only or input-needing transition posted by a user without its
    permission answers 403, never the 400 / 409 that would tell the record's state."""
    hotline = make_user(Role.HOTLINE_ENGINEER)
    ticket = take_call(hotline, make_customer(make_user(Role.SALES_MANAGER)))
    auditor = make_user(Role.AUDITOR)
    from tickets.actions import TICKET_ACTIONS

    answers = {
        a.name: _api(auditor)
        .post(
            f"/api/v1/tickets/{ticket.pk}/{a.api_path or 'transitions/' + a.name}/",
            {},
            format="json",
        )
        .status_code
        for a in TICKET_ACTIONS.for_channel("api")
    }
    assert set(answers.values()) == {403}, answers


@pytest.mark.urls("tests.testapp.urls")
def test_an_older_transition_endpoint_asks_the_permission_before_input_and_state(make_user):
    from django.contrib.auth.models import Permission

    from tests.testapp.models import Job

    viewer = make_user(Role.SERVICE_MANAGER)
    viewer.user_permissions.add(Permission.objects.get(codename="view_job"))
    job = Job.objects.create(title="装机")
    # Bad input (no note) and, after the job was started, the wrong state: both 403.
    url = f"/api/v1/jobs/{job.pk}/transitions/start/"
    assert _api(viewer).post(url, {}, format="json").status_code == 403
    Job.objects.filter(pk=job.pk).update(state="started")
    assert _api(viewer).post(url, {"note": "x"}, format="json").status_code == 403


def test_the_portal_refuses_an_action_without_the_permission_with_403(client, make_user):
    hotline = make_user(Role.HOTLINE_ENGINEER)
    ticket = take_call(hotline, make_customer(make_user(Role.SALES_MANAGER)))
    client.force_login(make_user(Role.AUDITOR))
    from tickets.actions import TICKET_ACTIONS

    for action in TICKET_ACTIONS.for_channel("portal"):
        response = client.post(f"/tickets/{ticket.pk}/{action.name}/", {})
        assert response.status_code == 403, (action.name, response.status_code)


# -- the schema and the docs need a login --------------------------------------------------------


@override_settings(API_DOCS_PUBLIC=False)
@pytest.mark.parametrize("url", ["/api/schema/", "/api/docs/"])
def test_the_schema_and_docs_need_a_login(client, make_user, url):
    assert client.get(url).status_code in (401, 403, 302)
    client.force_login(make_user(Role.AUDITOR))
    assert client.get(url).status_code == 200


def test_production_keeps_the_schema_private():
    from servicedesk.settings import base

    assert base.API_DOCS_PUBLIC is False


# -- API tokens --------------------------------------------------------------------------------


def _token(username: str, password: str = "pw-123456") -> str:
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": username, "password": password}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()["token"]


def _get_with(token: str) -> int:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return api.get("/api/v1/timers/").status_code


def test_an_api_token_expires_after_the_configured_days(make_user, settings):
    make_user(Role.AUDITOR, username="audit")
    token = _token("audit")
    assert _get_with(token) == 200
    Token.objects.filter(key=token).update(
        created=timezone.now() - dt.timedelta(days=settings.API_TOKEN_DAYS, minutes=1)
    )
    assert _get_with(token) in (401, 403)  # 403: the session scheme comes first
    # A new login gives a new token that works.
    fresh = _token("audit")
    assert fresh != token
    assert _get_with(fresh) == 200


def test_the_token_lifetime_is_a_setting_of_30_days_by_default(settings):
    from servicedesk.settings import base

    assert base.API_TOKEN_DAYS == 30
    settings.API_TOKEN_DAYS = 1


def test_a_password_change_ends_the_api_tokens(make_user, client):
    user = make_user(Role.AUDITOR, username="audit")
    token = _token("audit")
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
    assert _get_with(token) in (401, 403)
    user.set_password("another-Pw-2026")
    user.save()
    assert not Token.objects.filter(user=user).exists()


# -- login throttling ---------------------------------------------------------------------------


def test_spraying_many_users_from_one_ip_is_throttled(make_user, settings):
    names = [f"u{n:02}" for n in range(13)]
    for name in names:
        make_user(username=name)
    answers = [
        APIClient()
        .post("/api/v1/auth/token/", {"username": name, "password": "guess"}, format="json")
        .status_code
        for name in names
    ]
    # Each user tried once only (far below the per-user limit); the address's
    # AXES_IP_FAILURE_LIMIT-th failure locks the address.
    limit = settings.AXES_IP_FAILURE_LIMIT
    assert limit < len(names) and settings.AXES_FAILURE_LIMIT > 1
    assert answers[: limit - 1] == [400] * (limit - 1)
    assert set(answers[limit - 1 :]) == {429}
    # Even the right password is refused from that address now …
    right = APIClient().post(
        "/api/v1/auth/token/", {"username": "u00", "password": "pw-123456"}, format="json"
    )
    assert right.status_code == 429
    # … but not from another one.
    other = APIClient(REMOTE_ADDR="10.0.0.9").post(
        "/api/v1/auth/token/", {"username": "u00", "password": "pw-123456"}, format="json"
    )
    assert other.status_code == 200


def test_a_lock_out_answers_json_on_the_api(make_user, settings):
    make_user(username="zhang")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        APIClient().post(
            "/api/v1/auth/token/", {"username": "zhang", "password": "no"}, format="json"
        )
    locked = APIClient().post(
        "/api/v1/auth/token/", {"username": "zhang", "password": "pw-123456"}, format="json"
    )
    assert locked.status_code == 429
    assert locked["Content-Type"].startswith("application/json")
    assert set(locked.json()) >= {"detail", "code"}
    assert locked.json()["code"] == "locked_out"


def test_a_lock_out_on_the_login_page_stays_a_page(client, make_user, settings):
    make_user(username="zhang")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "zhang", "password": "wrong"})
    locked = client.post("/accounts/login/", {"username": "zhang", "password": "pw-123456"})
    assert locked.status_code == 429
    assert 'data-testid="locked-out"' in locked.content.decode()
