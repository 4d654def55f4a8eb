"""The end of a service period is told to the right people (docs/domain.md §contract.period-end): a
renewal bought tells the company heads and the service staff; no renewal tells the
customer what happens to later requests (a printed letter or an e-mail to the contact)
and the company heads; both are recorded on the contract."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.utils import timezone
from rest_framework.test import APIClient

from contracts.choices import ContractState, NoticeChannel, RenewalOutcome
from contracts.models import RenewalDecision
from contracts.services import contract_not_renewed, contract_renew, contracts_update_service_states
from servicedesk.core.choices import Role
from servicedesk.core.exceptions import ApplicationError, NotPermitted
from servicedesk.core.models import Notification
from tests.tickets.factories import make_contact, make_contract, take_call

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.tickets.urls")]


@pytest.fixture
def people(make_user):
    return {
        "sales": make_user(Role.SALES_MANAGER, username="qianjun"),
        "director": make_user(Role.DIRECTOR, username="zhaomin"),
        "service": make_user(Role.SERVICE_MANAGER, username="zhengwei"),
        "hotline": make_user(Role.HOTLINE_ENGINEER, username="wangjing"),
        "developer": make_user(Role.DEVELOPER, username="hanbo"),
    }


@pytest.fixture
def expired(people):
    """A contract whose free service period ended ten days ago."""
    today = timezone.localdate()
    ended = today - dt.timedelta(days=10)
    contract = make_contract(
        people["sales"],
        free=(ended - dt.timedelta(days=365), ended),
        sign_on=ended - dt.timedelta(days=365),
    )
    contracts_update_service_states(today=today)
    contract.refresh_from_db()
    assert contract.state == ContractState.EXPIRED
    return contract


def recipients(kind: str) -> set[str]:
    return set(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


def test_a_renewal_bought_tells_the_heads_and_the_service_staff(people, expired):
    ended = expired.periods.get().ends_on
    today = timezone.localdate()
    # The contract lapsed days ago: the renewal confirms the gap (docs/domain.md
    # §contract.renewal).
    contract_renew(
        expired,
        by=people["sales"],
        starts_on=today,
        ends_on=today.replace(year=today.year + 1),
        confirm_gap=True,
    )
    decision = RenewalDecision.objects.get(contract=expired)
    assert (decision.outcome, decision.period_end) == (RenewalOutcome.RENEWED, ended)
    assert decision.decided_by == people["sales"]
    assert recipients("contract_renewed") == {"zhaomin", "zhengwei", "wangjing"}
    assert len(decision.told) == 3


def test_not_renewed_tells_the_heads_and_the_customer_by_letter(people, expired, client):
    contact = make_contact(expired.customer, name="陈红", is_primary=True)
    decision = contract_not_renewed(
        expired, by=people["sales"], channel=NoticeChannel.LETTER, note="客户暂不续费"
    )
    assert decision.outcome == RenewalOutcome.NOT_RENEWED
    assert decision.notice_contact == contact
    assert "sales manager" in decision.notice_text  # what happens to later requests
    assert recipients("contract_not_renewed") == {"zhaomin"}
    assert decision.history.get().history_user == people["sales"]
    # The printed letter.
    client.force_login(people["sales"])
    ct = ContentType.objects.get_for_model(RenewalDecision).pk
    pdf = client.get(f"/print/{ct}/{decision.pk}/renewal_notice.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-", "-"], input=pdf.content, capture_output=True, check=True
        ).stdout.decode()
        assert expired.number in text
    # Recorded once.
    with pytest.raises(ApplicationError):
        contract_not_renewed(expired, by=people["sales"], channel=NoticeChannel.LETTER)


def test_not_renewed_by_e_mail_to_the_contact(
    people, expired, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_ALWAYS_SEND = True
    contact = make_contact(expired.customer, name="陈红", email="chenhong@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        decision = contract_not_renewed(
            expired, by=people["sales"], channel=NoticeChannel.EMAIL, contact=contact
        )
    decision.refresh_from_db()
    assert decision.notice_sent_at is not None
    to_customer = [m for m in mail.outbox if m.to == ["chenhong@example.com"]]
    assert [m.body for m in to_customer] == [decision.notice_text]


def test_an_e_mail_needs_a_contact_with_an_address(people, expired):
    contact = make_contact(expired.customer, name="陈红")
    with pytest.raises(ApplicationError) as exc:
        contract_not_renewed(
            expired, by=people["sales"], channel=NoticeChannel.EMAIL, contact=contact
        )
    assert list(exc.value.extra) == ["contact"]
    assert not RenewalDecision.objects.exists()


def test_not_before_the_last_thirty_days_and_not_by_anyone(people):
    today = timezone.localdate()
    running = make_contract(
        people["sales"], free=(today - dt.timedelta(days=100), today + dt.timedelta(days=60))
    )
    with pytest.raises(ApplicationError):
        contract_not_renewed(running, by=people["sales"], channel=NoticeChannel.LETTER)
    with pytest.raises(NotPermitted):
        contract_not_renewed(running, by=people["hotline"], channel=NoticeChannel.LETTER)


def test_a_later_request_is_told_to_the_heads_too(people, expired):
    ticket = take_call(people["hotline"], expired.customer)
    assert ticket.entitlement_code == "expired"
    assert recipients("commercial_review") == {"qianjun", "zhaomin"}


def test_portal_records_not_renewed_on_the_contract(people, expired, client):
    make_contact(expired.customer, name="陈红", is_primary=True)
    client.force_login(people["sales"])
    page = client.get(f"/contracts/{expired.pk}/").content.decode()
    assert 'data-testid="action-not_renewed"' in page
    response = client.post(
        f"/contracts/{expired.pk}/not-renewed/",
        {
            "channel": "letter",
            "notice_text": "免费服务期已过，服务请求将转告公司负责人和销售经理。",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    page = client.get(f"/contracts/{expired.pk}/").content.decode()
    assert 'data-testid="renewal-decision" data-outcome="not_renewed"' in page
    assert "免费服务期已过" in page
    assert 'data-testid="action-not_renewed"' not in page  # recorded once
    bad = client.post(f"/contracts/{expired.pk}/not-renewed/", {"channel": "fax"})
    assert bad.status_code == 400


def test_api_not_renewed_and_the_contract_shows_it(people, expired):
    api = APIClient()
    api.force_authenticate(people["sales"])
    response = api.post(
        f"/api/v1/contracts/{expired.pk}/not-renewed/", {"channel": "letter"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["outcome"] == "not_renewed"
    contract = api.get(f"/api/v1/contracts/{expired.pk}/").json()
    assert [d["outcome"] for d in contract["renewal_decisions"]] == ["not_renewed"]
    api.force_authenticate(people["hotline"])
    refused = api.post(
        f"/api/v1/contracts/{expired.pk}/not-renewed/", {"channel": "letter"}, format="json"
    )
    assert refused.status_code == 403
