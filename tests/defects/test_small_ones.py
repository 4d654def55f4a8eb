"""Issue 10 §19 in the defects app: the developer picker lists developers only; a defect
recorded from a dispatch names the one failing module, not every installed one; the
version shows once on the cards ("U8 ERP V16.0", not "U8 ERP V16.0 V16.0")."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from contracts.models import InstalledProduct
from defects.forms import ScheduleForm, StartFixForm
from fieldservice.choices import Outcome
from servicedesk.core.choices import Role
from tests.defects.factories import in_state, record_defect
from tests.fieldservice.factories import REPORT, advance, make_engineer, new_dispatch, signature_png

pytestmark = pytest.mark.django_db


def test_the_developer_picker_lists_developers_only(client, make_user, engineer):
    developer = make_user(Role.DEVELOPER, last_name="韩", first_name="博")
    manager = make_user(Role.TECH_MANAGER, last_name="卫", first_name="东")
    make_user(username="root", is_superuser=True, is_staff=True)
    for form in (StartFixForm(), ScheduleForm()):
        assert list(form.fields["developer"].queryset) == [developer]
    defect = in_state(record_defect(engineer), "verified")
    client.force_login(manager)
    page = client.get(reverse("defects:defect", args=[defect.pk])).content.decode()
    select = re.search(r'<select name="[\w-]*developer"[^>]*>(.*?)</select>', page, re.S)
    assert select, "no developer picker on the page"
    options = re.findall(r'<option value="(\d+)"', select.group(1))
    assert options == [str(developer.pk)]


def _unsolved_dispatch(make_user, **fields):
    from fieldservice.services import dispatch_complete

    manager = make_user(Role.SERVICE_MANAGER)
    field = make_engineer(make_user)
    dispatch = advance(new_dispatch(manager, **fields), "on_site", manager=manager, engineer=field)
    dispatch = dispatch_complete(
        dispatch,
        by=field.user,
        signature_image=signature_png(),
        signer_name="王主任",
        **{**REPORT, "outcome": Outcome.UNSOLVED},
    )
    return dispatch, field


def test_a_defect_from_a_dispatch_does_not_prefill_every_module(client, make_user):
    dispatch, field = _unsolved_dispatch(make_user, product="U8 ERP V16.0")
    InstalledProduct.objects.create(
        customer=dispatch.customer,
        software="U8 ERP",
        version="V16.0",
        modules="总账、应收、应付、存货、生产制造",
    )
    client.force_login(field.user)
    page = client.get(reverse("defects:defect-create") + f"?dispatch={dispatch.pk}")
    initial = page.context["form"].initial
    assert initial["module"] == ""  # the engineer names the failing one
    assert (initial["product"], initial["version"]) == ("U8 ERP", "V16.0")


def test_a_single_installed_module_is_prefilled(client, make_user):
    dispatch, field = _unsolved_dispatch(make_user, product="U8 ERP")
    InstalledProduct.objects.create(
        customer=dispatch.customer, software="U8 ERP", version="V16.0", modules="总账"
    )
    client.force_login(field.user)
    page = client.get(reverse("defects:defect-create") + f"?dispatch={dispatch.pk}")
    assert page.context["form"].initial["module"] == "总账"


def test_the_version_shows_once_on_the_cards(client, engineer):
    record_defect(engineer, product="U8 ERP V16.0", version="V16.0")
    client.force_login(engineer)
    for url in (reverse("defects:board"), reverse("defects:all")):
        page = client.get(url).content.decode()
        assert "U8 ERP V16.0" in page and "V16.0 V16.0" not in page, url
