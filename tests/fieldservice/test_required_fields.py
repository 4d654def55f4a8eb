"""Required fields are marked (issue 10 §15): the completion form on the engineer's phone
marks every field the service enforces, and the write-off of an unsolved visit never
preselects "solved"."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from fieldservice.choices import DispatchState
from servicedesk.core.choices import Role
from tests.core.words import marked_labels, required_controls_unmarked
from tests.fieldservice.factories import (
    REPORT,
    advance,
    make_engineer,
    new_dispatch,
    signature_png,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(make_user):
    return make_user(Role.SERVICE_MANAGER, last_name="郑", first_name="伟")


@pytest.fixture
def engineer(make_user):
    return make_engineer(make_user)


def _on_site(manager, engineer, **fields):
    return advance(
        new_dispatch(manager, **fields), DispatchState.ON_SITE, manager=manager, engineer=engineer
    )


def test_the_completion_form_marks_what_the_service_enforces(client, manager, engineer):
    dispatch = _on_site(manager, engineer, software_work=True)
    client.force_login(engineer.user)
    url = reverse("fieldservice:complete", args=[dispatch.pk])
    page = client.get(url).content.decode()
    marked = marked_labels(page)
    for name in ("outcome", "cause", "solution", "steps", "precautions"):
        assert name in marked, (name, marked)
    assert {"backup_done", "backup_location"} <= marked  # software work: back up first
    assert not required_controls_unmarked(page)

    # Whatever an empty completion is refused for is marked on the page.
    refused = client.post(url, {"outcome": "solved"})
    assert refused.status_code == 400
    html = refused.content.decode()
    with_errors = set(re.findall(r'name="([\w-]+)"[^>]*class="[^"]*is-invalid', html))
    with_errors |= set(re.findall(r'class="[^"]*is-invalid[^"]*"[^>]*name="([\w-]+)"', html))
    assert {"cause", "solution", "steps", "precautions"} <= with_errors, with_errors
    assert with_errors <= marked_labels(html), with_errors - marked_labels(html)


def test_without_software_work_the_backup_is_not_marked(client, manager, engineer):
    dispatch = _on_site(manager, engineer, software_work=False)
    client.force_login(engineer.user)
    page = client.get(reverse("fieldservice:complete", args=[dispatch.pk]))
    marked = marked_labels(page.content.decode())
    assert "cause" in marked and "backup_location" not in marked


def _write_off_form(client, dispatch) -> str:
    page = client.get(reverse("fieldservice:dispatch", args=[dispatch.pk])).content.decode()
    match = re.search(r'data-testid="action-write_off".*?</form>', page, re.S)
    assert match, "no write-off form on the page"
    return match.group(0)


def test_the_write_off_of_an_unsolved_visit_preselects_nothing(client, manager, engineer):
    from fieldservice.services import dispatch_complete

    dispatch = _on_site(manager, engineer)
    dispatch_complete(
        dispatch,
        by=engineer.user,
        signature_image=signature_png(),
        signer_name="王主任",
        **{**REPORT, "outcome": "unsolved"},
    )
    client.force_login(manager)
    form = _write_off_form(client, dispatch)
    radios = re.findall(r'<input type="radio"[^>]*name="next_step"[^>]*>', form)
    assert len(radios) == 2, radios  # a follow-up dispatch or a defect, nothing else
    assert not any(" checked" in radio for radio in radios), radios
    assert 'value=""' not in "".join(radios)  # "None (solved)" is not offered
    assert "next_step" in marked_labels(form)


def test_the_write_off_of_a_solved_visit_asks_no_next_step(client, manager, engineer):
    dispatch = advance(
        new_dispatch(manager), DispatchState.COMPLETED, manager=manager, engineer=engineer
    )
    client.force_login(manager)
    form = _write_off_form(client, dispatch)
    assert 'name="next_step"' not in form
    response = client.post(
        reverse("fieldservice:dispatch-action", args=[dispatch.pk, "write_off"]), {}
    )
    assert response.status_code == 302
