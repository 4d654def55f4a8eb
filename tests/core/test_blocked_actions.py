"""Actions that cannot succeed are not offered as if they could (issue 10 item 13).

A step the user may take in this state but whose guard fails now is shown disabled with
why, in words (``core.conditions``); posting it anyway is a 409 with the same reason. The
solution confirmation's "confirm" offers the signing of the user's own box next to it.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from defects.models import SOLUTION_FORM
from defects.services import requirement_evaluate, requirement_set_solution
from servicedesk.core.choices import Role
from servicedesk.core.services.signatures import signature_record
from servicedesk.core.services.transitions import blocked_transitions
from tests.defects.factories import record_requirement
from tests.fieldservice.factories import advance, make_engineer, new_dispatch, signature_png
from tests.testapp.models import Job
from tests.tickets.factories import in_state, make_contract, take_call

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _chinese(settings):
    settings.LANGUAGE_CODE = "zh-hans"


def disabled_button(html: str, name: str) -> bool:
    return bool(re.search(rf'<button[^>]*disabled[^>]*data-testid="action-{name}"', html))


@pytest.fixture
def accepted(make_user):
    """A requirement accepted with its solution written, nobody has signed yet."""
    sales = make_user(Role.SALES_MANAGER, username="sales", last_name="钱", first_name="军")
    director = make_user(Role.DIRECTOR, username="boss", last_name="赵", first_name="敏")
    evaluator = make_user(Role.TECH_MANAGER, username="tm")
    contract = make_contract(sales, scope=("phone_support", "development"))
    item = record_requirement(sales, contract.customer)
    item = requirement_evaluate(
        item,
        by=evaluator,
        outcome="accepted",
        in_scope=True,
        urgent=False,
        affects_operation=False,
        effort_days=2,
        evaluators=[evaluator],
    )
    item = requirement_set_solution(item, by=sales, solution="账龄表增加业务员分组")
    return {"item": item, "sales": sales, "director": director}


def test_guards_say_why_they_fail(accepted):
    item, sales = accepted["item"], accepted["sales"]
    blocked = blocked_transitions(item, sales)
    assert list(blocked) == ["confirm_solution"]
    assert blocked["confirm_solution"] == ["方案确定书尚缺签字：销售经理、总监。"]


def test_a_guard_without_words_still_gives_a_reason(make_user):
    from django.contrib.auth.models import Permission

    user = make_user(Role.SERVICE_MANAGER)
    user.user_permissions.add(Permission.objects.get(codename="start_job"))
    job = Job.objects.create(title="巡检", state=Job.State.STARTED)
    assert blocked_transitions(job, user)["finish"] == ["这一步的前提条件尚未满足。"]


def test_an_unmet_guard_is_a_409_with_why_not_a_403(make_user):
    """django-fsm's has_transition_perm also checks the guards: a user who may take the
    step but whose guard fails was told 403 "not permitted" instead of why."""
    from django.db import transaction

    from servicedesk.core.exceptions import TransitionConflict
    from servicedesk.core.services.transitions import transition_run

    user = make_user(Role.SERVICE_MANAGER)
    job = Job.objects.create(title="巡检", state=Job.State.STARTED)
    with (
        pytest.raises(TransitionConflict, match="这一步的前提条件尚未满足。"),
        transaction.atomic(),
    ):
        transition_run(instance=job, name="finish", by=user)


def test_confirm_is_disabled_with_what_is_missing_and_signing_is_next_to_it(client, accepted):
    item, sales, director = accepted["item"], accepted["sales"], accepted["director"]
    client.force_login(sales)
    html = client.get(item.get_absolute_url()).content.decode()
    assert disabled_button(html, "confirm_solution")
    assert 'data-testid="form-confirm_solution"' not in html
    assert "方案确定书尚缺签字：销售经理、总监。" in html
    # The sales manager's own box, preselected on the sign page, back to the request.
    link = re.search(r'href="([^"]+)" data-testid="sign-for-confirm_solution-sales_manager"', html)
    assert link and "role=sales_manager" in link.group(1)
    assert "sign-for-confirm_solution-director" not in html
    page = client.get(link.group(1).replace("&amp;", "&"))
    assert page.status_code == 200
    assert re.search(r'<option value="sales_manager"[^>]*selected', page.content.decode())

    # Posted anyway: a 409 that says what is missing, nothing changes.
    refused = client.post(reverse("defects:requirement-action", args=[item.pk, "confirm_solution"]))
    assert refused.status_code == 409
    assert "方案确定书尚缺签字：销售经理、总监。" in refused.content.decode()
    item.refresh_from_db()
    assert item.state == "accepted"

    signature_record(
        target=item,
        form=SOLUTION_FORM,
        signer_role="sales_manager",
        by=sales,
        image=signature_png(),
    )
    client.force_login(director)
    html = client.get(item.get_absolute_url()).content.decode()
    assert "方案确定书尚缺签字：总监。" in html
    assert 'data-testid="sign-for-confirm_solution-director"' in html
    signature_record(
        target=item, form=SOLUTION_FORM, signer_role="director", by=director, image=signature_png()
    )
    html = client.get(item.get_absolute_url()).content.decode()
    assert not disabled_button(html, "confirm_solution")
    assert 'data-testid="form-confirm_solution"' in html


def test_the_api_409_says_what_is_missing(accepted):
    api = APIClient()
    api.force_authenticate(accepted["sales"])
    item = accepted["item"]
    response = api.post(f"/api/v1/requirements/{item.pk}/transitions/confirm_solution/")
    assert response.status_code == 409
    assert "销售经理、总监" in response.json()["detail"]


def test_reschedule_after_the_appointment_is_disabled_with_why(client, make_user):
    from fieldservice.models import Dispatch

    manager = make_user(Role.SERVICE_MANAGER)
    engineer = make_engineer(make_user)
    dispatch = advance(new_dispatch(manager), "scheduled", manager=manager, engineer=engineer)
    Dispatch.objects.filter(pk=dispatch.pk).update(
        appointment_at=timezone.now() - dt.timedelta(hours=1)
    )
    client.force_login(engineer.user)
    html = client.get(dispatch.get_absolute_url()).content.decode()
    assert disabled_button(html, "reschedule")
    assert "约定时间已过：改约须在约定时间之前提出。" in html
    assert disabled_button(html, "check_in") is False  # what can be done stays offered

    api = APIClient()
    api.force_authenticate(engineer.user)
    response = api.post(
        f"/api/v1/dispatches/{dispatch.pk}/transitions/reschedule/",
        {
            "appointment_at": (timezone.now() + dt.timedelta(days=1)).isoformat(),
            "reason": "客户停电",
            "customer_informed": True,
        },
        format="json",
    )
    assert response.status_code == 409
    assert "约定时间已过" in response.json()["detail"]


def test_closing_a_ticket_without_its_resolution_is_disabled_with_why(client, make_user):
    hotline = make_user(Role.HOTLINE_ENGINEER)
    sales = make_user(Role.SALES_MANAGER)
    ticket = take_call(hotline, make_contract(sales).customer)
    ticket = in_state(ticket, "resolved")  # back from a visit, the steps never copied
    client.force_login(hotline)
    html = client.get(ticket.get_absolute_url()).content.decode()
    assert disabled_button(html, "close")
    assert "请先记录问题、原因、解决方法和步骤。" in html
    refused = client.post(reverse("tickets:ticket-action", args=[ticket.pk, "close"]))
    assert refused.status_code == 409
    assert "请先记录问题、原因、解决方法和步骤。" in refused.content.decode()
