"""A signed form's files are written after the transaction commits (docs/architecture.md
§signatures): never inside a row lock, and a rollback leaves no orphan file. The contracts
app's printed forms (the first-visit record) are signed through core's signature_record."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction

from contracts.models import Customer, FirstVisit
from servicedesk.core.choices import Role
from servicedesk.core.models import Signature
from servicedesk.core.services import signature_record
from tests.core.test_forms_signatures import data_url, squiggle_png

pytestmark = pytest.mark.django_db


class Refused(Exception):
    pass


def _files() -> set[Path]:
    media = Path(settings.MEDIA_ROOT)
    return {p for p in media.rglob("*") if p.is_file()} if media.exists() else set()


@pytest.fixture
def visit(make_user):
    agent = make_user(Role.FIRST_VISIT_AGENT)
    customer = Customer.objects.create(name="台州汽配有限公司")
    return FirstVisit.objects.create(customer=customer, agent=agent)


def _sign(visit: FirstVisit) -> Signature:
    return signature_record(
        target=visit,
        form="first_visit_record",
        signer_role="first_visit_agent",
        image=data_url(squiggle_png()),
        by=visit.agent,
    )


def test_a_rolled_back_signature_leaves_no_file(visit):
    before = _files()
    with pytest.raises(Refused), transaction.atomic():
        _sign(visit)
        raise Refused  # the caller's step fails after the signature
    assert not Signature.objects.exists()
    assert _files() == before


def test_the_signed_pdf_is_rendered_only_after_commit(visit, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        sig = _sign(visit)
        stored = Signature.objects.get(pk=sig.pk)
        # Inside the transaction: the row, no file yet.
        assert not stored.image and not stored.signed_pdf and not stored.signed_pdf_sha256
        assert _files() == set()
    assert callbacks
    for callback in callbacks:
        callback()
    stored = Signature.objects.get(pk=sig.pk)
    assert stored.image and stored.signed_pdf and len(stored.signed_pdf_sha256) == 64
    assert Path(settings.MEDIA_ROOT, stored.signed_pdf.name).read_bytes().startswith(b"%PDF")
