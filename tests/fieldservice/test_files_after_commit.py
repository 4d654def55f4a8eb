"""Signed documents are written after the completion commits (docs/architecture.md
§signatures): a completion that rolls back leaves no file behind, and the signed PDF is
rendered outside the dispatch's row lock."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from fieldservice.choices import DispatchState
from fieldservice.services import dispatch_complete
from fieldservice.services import dispatches as dispatch_services
from servicedesk.core.choices import Role
from servicedesk.core.models import Signature
from tests.fieldservice.factories import (
    REPORT,
    advance,
    make_engineer,
    new_dispatch,
    reload,
    signature_png,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(make_user):
    return make_user(Role.SERVICE_MANAGER)


@pytest.fixture
def engineer(make_user):
    return make_engineer(make_user)


def _files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _complete(dispatch, engineer):
    return dispatch_complete(
        dispatch,
        by=engineer.user,
        signature_image=signature_png(),
        signer_name="王主任",
        engineer_signature_image=signature_png(),
        **REPORT,
    )


def test_a_completion_that_rolls_back_leaves_no_file(
    manager, engineer, monkeypatch, django_capture_on_commit_callbacks
):
    dispatch = advance(
        new_dispatch(manager), DispatchState.ON_SITE, manager=manager, engineer=engineer
    )

    def fails(*args, **kwargs):
        raise RuntimeError("the follow-up call could not be scheduled")

    # Fails after both signatures were taken, inside the completion's transaction.
    monkeypatch.setattr(dispatch_services, "_schedule_follow_up_call", fails)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        _complete(dispatch, engineer)
    assert reload(dispatch).state == DispatchState.ON_SITE
    assert not Signature.objects.exists()
    assert _files() == []


def test_the_signed_pdf_is_rendered_once_the_completion_commits(
    manager, engineer, django_capture_on_commit_callbacks
):
    dispatch = advance(
        new_dispatch(manager), DispatchState.ON_SITE, manager=manager, engineer=engineer
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _complete(dispatch, engineer)
        # Inside the transaction nothing is written yet.
        assert _files() == []
        assert not Signature.objects.exclude(signed_pdf="").exists()
    assert callbacks
    for callback in callbacks:
        callback()
    engineer_sig, customer_sig = Signature.objects.order_by("pk")
    assert engineer_sig.signed_pdf and customer_sig.signed_pdf and customer_sig.image
    assert {p.suffix for p in _files()} == {".png", ".pdf"}
    assert reload(dispatch).customer_signature == customer_sig
