"""The contracts admin: every page loads with flat query counts, transitions are buttons that
call the services, the state is never editable, full contract copies are permission-checked."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contracts.choices import ContractState, DocumentKind, PeriodKind
from contracts.models import (
    Asset,
    ChargeRate,
    Contact,
    Contract,
    ContractDocument,
    Customer,
    FirstVisit,
    FirstVisitNeed,
    InstalledProduct,
    Revisit,
    RevisitCycle,
    ServicePeriod,
    ServiceScopeItem,
    ServiceUsage,
)
from contracts.services import contract_sign
from servicedesk.core.choices import Role

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def superuser(make_user):
    return make_user(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def sales(make_user):
    return make_user(Role.SALES_MANAGER, username="qianjun", is_staff=True)


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def make_customer(i: int = 1, **extra) -> Customer:
    return Customer.objects.create(name=f"上海示例制造有限公司{i}", short_name=f"示例{i}", **extra)


def make_contract(
    i: int = 1, *, customer=None, sales_manager=None, complete=True, starts_in_days=10
) -> Contract:
    contract = Contract.objects.create(
        number=f"HT-2026-{i:03d}",
        customer=customer or make_customer(i),
        title="年度维保",
        sales_manager=sales_manager,
        signed_on=TODAY if complete else None,
        amount=Decimal("12000.00") if complete else None,
    )
    if complete:
        ServiceScopeItem.objects.create(contract=contract, service_type="repair", quota=4)
        starts = TODAY + dt.timedelta(days=starts_in_days)
        ServicePeriod.objects.create(
            contract=contract,
            kind=PeriodKind.FREE,
            starts_on=starts,
            ends_on=starts + dt.timedelta(days=364),
        )
    return contract


def make_document(contract: Contract, kind: str, by) -> ContractDocument:
    return ContractDocument.objects.create(
        contract=contract,
        kind=kind,
        file=ContentFile(b"%PDF-1.4 contract copy", name=f"{kind}.pdf"),
        sha256="0" * 64,
        uploaded_by=by,
    )


def admin_url(model, view: str, *args) -> str:
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def transition_url(contract: Contract, name: str) -> str:
    return reverse("admin:contracts_contract_transition", args=[contract.pk, name])


def messages_of(response) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


def change_form_data(response) -> dict:
    """The POST data of an admin change page as the browser would send it unchanged."""
    data: dict = {}

    def add(form, prefix=""):
        for name in form.fields:
            key = f"{prefix}{name}"
            value = form[name].value()
            if isinstance(value, bool):
                if value:
                    data[key] = "on"
            elif value is None:
                data[key] = ""
            elif isinstance(value, list | tuple):
                data[key] = [str(v) for v in value]
            elif isinstance(value, dt.date):
                data[key] = value.isoformat()
            else:
                data[key] = str(value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        add(formset.management_form, f"{formset.prefix}-")
        for form in formset.forms:
            add(form, f"{form.prefix}-")
    return data


# -- every page loads; changelists do not grow queries with rows ------------------------------


def _rows(model, i: int, ctx: dict) -> None:
    customer = make_customer(100 + i, sales_manager=ctx["sales"])
    if model is Customer:
        return
    contract = make_contract(100 + i, customer=customer, sales_manager=ctx["sales"])
    if model is Contact:
        Contact.objects.create(customer=customer, name=f"联系人{i}", phone="021-5555")
    elif model is InstalledProduct:
        InstalledProduct.objects.create(customer=customer, contract=contract, software="ERP")
    elif model is Asset:
        Asset.objects.create(customer=customer, contract=contract, model="PowerEdge R750")
    elif model is ChargeRate:
        ChargeRate.objects.create(unit="per_visit", price=Decimal("500"), note=f"标准{i}")
    elif model is ServiceUsage:
        ServiceUsage.objects.create(contract=contract, service_type="repair", used_on=TODAY)
    elif model is ContractDocument:
        make_document(contract, DocumentKind.FULL, ctx["sales"])
    elif model in (FirstVisit, FirstVisitNeed):
        visit = FirstVisit.objects.create(contract=contract, customer=customer, agent=ctx["sales"])
        FirstVisitNeed.objects.create(first_visit=visit, department="service", description="培训")
    elif model is Revisit:
        Revisit.objects.create(
            customer=customer, contract=contract, due_on=TODAY, assignee=ctx["sales"]
        )


MODELS = [
    Customer,
    Contact,
    InstalledProduct,
    Asset,
    Contract,
    ChargeRate,
    ServicePeriod,
    ServiceUsage,
    ContractDocument,
    FirstVisit,
    FirstVisitNeed,
    Revisit,
    RevisitCycle,
]
NO_ADD = {ServicePeriod, ServiceUsage, ContractDocument, FirstVisit, FirstVisitNeed, Revisit}


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_pages_load_and_changelist_queries_are_flat(model, admin_client, sales):
    ctx = {"sales": sales}
    changelist = admin_url(model, "changelist")
    assert admin_client.get(changelist).status_code == 200  # warm caches

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.get(changelist)
        assert response.status_code == 200
        return len(queries)

    if model is not RevisitCycle:  # three fixed categories
        for i in range(2):
            _rows(model, i, ctx)
        few = count()
        for i in range(2, 8):
            _rows(model, i, ctx)
        many = count()
        assert many == few, f"{model.__name__} changelist: {few} queries → {many}"

    obj = model.objects.order_by("-pk").first()
    assert obj is not None
    change = admin_client.get(admin_url(model, "change", obj.pk))
    assert change.status_code == 200
    assert admin_client.get(admin_url(model, "history", obj.pk)).status_code == 200
    add = admin_client.get(admin_url(model, "add"))
    assert add.status_code == (403 if model in NO_ADD else 200)


def test_admin_index_lists_the_contracts_app(admin_client):
    response = admin_client.get(reverse("admin:app_list", args=["contracts"]))
    assert response.status_code == 200
    assert admin_url(Contract, "changelist") in response.content.decode()


def test_customer_search_by_contact_phone_and_licence(admin_client):
    hit = make_customer(1)
    miss = make_customer(2)
    Contact.objects.create(customer=hit, name="张工", mobile="13912345678")
    InstalledProduct.objects.create(customer=hit, software="ERP", licence_number="DG-7788")
    for term in ("13912345678", "DG-7788", "示例1"):
        response = admin_client.get(admin_url(Customer, "changelist"), {"q": term})
        names = [c.name for c in response.context["cl"].result_list]
        assert names == [hit.name], term
    assert miss.name not in names


# -- transitions as buttons --------------------------------------------------------------


def test_change_page_shows_state_read_only_and_transition_buttons(admin_client, sales):
    contract = make_contract(sales_manager=sales)
    response = admin_client.get(admin_url(Contract, "change", contract.pk))
    body = response.content.decode()
    form = response.context["adminform"].form
    assert "state" not in form.fields
    assert 'name="state"' not in body
    assert 'id="fsm-transition-sign"' in body
    assert transition_url(contract, "sign") in body
    # terminate is possible from a draft (with a form), renew is not
    assert 'id="fsm-transition-terminate"' in body
    assert 'id="fsm-transition-renew"' not in body
    assert "historylink" in body  # simple-history's button stays


def test_sign_complete_draft_through_the_admin(admin_client, superuser, sales):
    contract = make_contract(sales_manager=sales)
    response = admin_client.post(transition_url(contract, "sign"))
    assert response.status_code == 302
    assert response["Location"] == admin_url(Contract, "change", contract.pk)
    assert [level for level, _text in messages_of(response)] == ["success"]
    contract.refresh_from_db()
    assert contract.state == ContractState.SIGNED
    latest = contract.history.first()
    assert latest.state == ContractState.SIGNED
    assert latest.history_user == superuser
    assert latest.history_change_reason == "sign"
    assert FirstVisit.objects.filter(contract=contract).exists()
    # After signing the page is read-only and offers renew and terminate.
    body = admin_client.get(admin_url(Contract, "change", contract.pk)).content.decode()
    assert 'id="fsm-transition-sign"' not in body
    assert 'id="fsm-transition-renew"' in body


def test_sign_incomplete_draft_is_an_error_message_not_a_500(admin_client):
    contract = make_contract(complete=False)
    page = admin_client.get(admin_url(Contract, "change", contract.pk))
    assert 'id="fsm-transition-sign"' not in page.content.decode()
    assert page.context["fsm_transition_notes"]  # what signing still needs
    response = admin_client.post(transition_url(contract, "sign"))
    assert response.status_code == 302
    assert [level for level, _text in messages_of(response)] == ["error"]
    contract.refresh_from_db()
    assert contract.state == ContractState.DRAFT


def test_transition_never_runs_on_get(admin_client, sales):
    contract = make_contract(sales_manager=sales)
    response = admin_client.get(transition_url(contract, "sign"))
    assert response.status_code == 200  # a confirmation page with a POST button
    assert 'method="post"' in response.content.decode()
    contract.refresh_from_db()
    assert contract.state == ContractState.DRAFT


def test_renew_with_the_intermediate_form(admin_client, superuser, sales):
    contract = make_contract(sales_manager=sales, starts_in_days=-30)
    contract = contract_sign(contract, by=superuser)
    assert contract.state == ContractState.IN_SERVICE
    free = contract.periods.get()
    url = transition_url(contract, "renew")

    page = admin_client.get(url)
    assert page.status_code == 200
    assert page.context["form"].initial["starts_on"] == free.ends_on + dt.timedelta(days=1)

    bad = admin_client.post(url, {"starts_on": "2027-06-01", "ends_on": "2027-05-31"})
    assert bad.status_code == 200
    assert "ends_on" in bad.context["form"].errors
    overlap = admin_client.post(
        url, {"starts_on": free.ends_on.isoformat(), "ends_on": "2099-01-01"}
    )
    assert overlap.status_code == 200
    assert "starts_on" in overlap.context["form"].errors  # the service's error, on its field
    contract.refresh_from_db()
    assert contract.periods.count() == 1
    assert contract.history.count() == 3  # created, signed, in service: nothing else

    starts = free.ends_on + dt.timedelta(days=1)
    ok = admin_client.post(
        url,
        {
            "starts_on": starts.isoformat(),
            "ends_on": (starts + dt.timedelta(days=364)).isoformat(),
            "amount": "9800",
        },
    )
    assert ok.status_code == 302
    contract.refresh_from_db()
    assert contract.state == ContractState.IN_SERVICE
    paid = contract.periods.get(kind=PeriodKind.PAID)
    assert paid.amount == Decimal("9800") and paid.created_by == superuser
    assert contract.history.first().history_change_reason == "renew"


def test_terminate_needs_a_reason(admin_client, sales):
    contract = make_contract(sales_manager=sales)
    url = transition_url(contract, "terminate")
    response = admin_client.post(url, {"reason": "  "})
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    contract.refresh_from_db()
    assert contract.state == ContractState.DRAFT

    done = admin_client.post(url, {"reason": "客户公司注销"})
    assert done.status_code == 302
    contract.refresh_from_db()
    assert contract.state == ContractState.TERMINATED
    assert contract.terminated_reason == "客户公司注销"


def test_user_without_sign_permission_sees_no_button_and_is_refused(client, make_user, sales):
    manager = make_user(Role.SERVICE_MANAGER, is_staff=True)
    contract = make_contract(sales_manager=sales)
    client.force_login(manager)
    page = client.get(admin_url(Contract, "change", contract.pk))
    assert page.status_code == 200
    body = page.content.decode()
    assert "fsm-transition-" not in body
    assert transition_url(contract, "sign") not in body
    response = client.post(transition_url(contract, "sign"))
    assert response.status_code == 302
    assert [level for level, _text in messages_of(response)] == ["error"]
    contract.refresh_from_db()
    assert contract.state == ContractState.DRAFT
    # Nor is the change form theirs to post.
    assert client.post(admin_url(Contract, "change", contract.pk), {}).status_code == 403


def test_bulk_sign_action_calls_the_service_per_contract(admin_client, sales):
    good = make_contract(1, sales_manager=sales)
    incomplete = make_contract(2, complete=False)
    response = admin_client.post(
        admin_url(Contract, "changelist"),
        {"action": "transition_sign", "_selected_action": [good.pk, incomplete.pk]},
    )
    assert response.status_code == 302
    levels = sorted(level for level, _text in messages_of(response))
    assert levels == ["error", "success"]
    good.refresh_from_db()
    incomplete.refresh_from_db()
    assert (good.state, incomplete.state) == (ContractState.SIGNED, ContractState.DRAFT)


def test_posting_a_state_in_the_change_form_does_not_change_it(admin_client, superuser, sales):
    contract = make_contract(sales_manager=sales)
    url = admin_url(Contract, "change", contract.pk)
    data = change_form_data(admin_client.get(url))
    data.update({"state": ContractState.SIGNED, "title": "三年维保"})
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    contract.refresh_from_db()
    assert contract.title == "三年维保"
    assert contract.state == ContractState.DRAFT
    assert contract.history.first().history_user == superuser


def test_draft_edit_sets_the_free_period_through_the_service(admin_client, sales):
    contract = make_contract(sales_manager=sales)
    url = admin_url(Contract, "change", contract.pk)
    data = change_form_data(admin_client.get(url))
    data.update({"free_starts_on": "2026-01-01", "free_ends_on": "2025-12-31"})
    bad = admin_client.post(url, data)
    assert bad.status_code == 200
    assert "free_ends_on" in bad.context["adminform"].form.errors
    data.update({"free_ends_on": "2026-12-31"})
    assert admin_client.post(url, data).status_code == 302
    free = contract.periods.get(kind=PeriodKind.FREE)
    assert (free.starts_on, free.ends_on) == (dt.date(2026, 1, 1), dt.date(2026, 12, 31))


def test_signed_contract_is_read_only(admin_client, superuser, sales):
    contract = contract_sign(make_contract(sales_manager=sales), by=superuser)
    url = admin_url(Contract, "change", contract.pk)
    page = admin_client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    for name in ("title", "amount", "free_starts_on", "state"):
        assert f'name="{name}"' not in body
    assert admin_client.post(url, {"title": "x"}).status_code == 403
    assert admin_client.post(admin_url(Contract, "delete", contract.pk)).status_code == 403


def test_history_revert_is_refused_for_workflow_records(admin_client, superuser, sales):
    contract = contract_sign(make_contract(sales_manager=sales), by=superuser)
    draft_version = contract.history.last()
    url = reverse(
        "admin:contracts_contract_simple_history", args=[contract.pk, draft_version.history_id]
    )
    assert admin_client.get(url).status_code == 200
    assert admin_client.post(url, {}).status_code == 403
    contract.refresh_from_db()
    assert contract.state == ContractState.SIGNED


# -- full copies ---------------------------------------------------------------------------


def test_full_copy_is_refused_to_a_service_manager_and_given_to_sales(client, make_user, sales):
    manager = make_user(Role.SERVICE_MANAGER, is_staff=True)
    contract = make_contract(sales_manager=sales)
    full = make_document(contract, DocumentKind.FULL, sales)
    redacted = make_document(contract, DocumentKind.REDACTED, sales)
    full_url = admin_url(ContractDocument, "download", full.pk)
    redacted_url = admin_url(ContractDocument, "download", redacted.pk)

    client.force_login(manager)
    for page in (
        admin_url(ContractDocument, "change", full.pk),
        admin_url(ContractDocument, "changelist"),
        admin_url(Contract, "change", contract.pk),
    ):
        body = client.get(page).content.decode()
        assert full_url not in body, page
        assert "/media/" not in body, page
    assert redacted_url in client.get(admin_url(Contract, "change", contract.pk)).content.decode()
    assert client.get(full_url).status_code == 403
    assert client.get(redacted_url).status_code == 200

    client.force_login(sales)
    body = client.get(admin_url(ContractDocument, "change", full.pk)).content.decode()
    assert full_url in body
    assert "/media/" not in body
    response = client.get(full_url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 contract copy"


def test_company_charge_rates_exclude_contract_rates(admin_client, sales):
    contract = make_contract(sales_manager=sales)
    ChargeRate.objects.create(
        contract=contract, unit="per_visit", price=Decimal("1"), note="合同价"
    )
    response = admin_client.get(admin_url(ChargeRate, "changelist"))
    rates = list(response.context["cl"].result_list)
    assert rates and all(rate.contract_id is None for rate in rates)


# -- first visits and revisits use the same buttons -------------------------------------------


def test_first_visit_start_button(admin_client, superuser, sales):
    contract = contract_sign(make_contract(sales_manager=sales), by=superuser)
    visit = FirstVisit.objects.get(contract=contract)
    page = admin_client.get(admin_url(FirstVisit, "change", visit.pk)).content.decode()
    assert 'id="fsm-transition-start"' in page
    assert 'name="state"' not in page
    response = admin_client.post(
        reverse("admin:contracts_firstvisit_transition", args=[visit.pk, "start"])
    )
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.state == "verifying" and visit.started_at is not None


def test_revisit_record_form(admin_client, superuser):
    revisit = Revisit.objects.create(
        customer=make_customer(), reason="post_visit", due_on=TODAY, assignee=superuser
    )
    url = reverse("admin:contracts_revisit_transition", args=[revisit.pk, "record"])
    bad = admin_client.post(url, {"contact_name": "", "satisfaction": "4"})
    assert bad.status_code == 200
    assert "contact_name" in bad.context["form"].errors
    follow_up = admin_client.post(
        url, {"contact_name": "张工", "satisfaction": "2", "follow_up": "on_site"}
    )
    assert follow_up.status_code == 200  # the service's own check, shown on its field
    assert "issue_raised" in follow_up.context["form"].errors
    revisit.refresh_from_db()
    assert revisit.state == "scheduled"
    ok = admin_client.post(url, {"contact_name": "张工", "satisfaction": "5", "opinion": "满意"})
    assert ok.status_code == 302
    revisit.refresh_from_db()
    assert (revisit.state, revisit.contact_name, revisit.satisfaction) == ("done", "张工", 5)
    # Done: read-only, no more buttons.
    page = admin_client.get(admin_url(Revisit, "change", revisit.pk)).content.decode()
    assert "fsm-transition-" not in page


def test_not_renewed_from_the_admin_uses_the_portal_form(admin_client, sales):
    """Declared once (contracts/actions.py): the admin offers "not renewed" with the same
    form as the contract page, once the service period has ended."""
    from contracts.models import RenewalDecision

    contract = make_contract(sales_manager=sales, starts_in_days=-400)
    Contract.objects.filter(pk=contract.pk).update(state=ContractState.EXPIRED)
    body = admin_client.get(admin_url(Contract, "change", contract.pk)).content.decode()
    assert 'id="fsm-transition-not_renewed"' in body
    url = transition_url(contract, "not_renewed")
    form_page = admin_client.get(url)
    assert form_page.status_code == 200
    assert "notice_text" in form_page.context["form"].fields
    bad = admin_client.post(url, {"channel": "fax"})
    assert bad.status_code == 200 and "channel" in bad.context["form"].errors
    done = admin_client.post(url, {"channel": "letter", "notice_text": "服务期已结束。"})
    assert done.status_code == 302
    decision = RenewalDecision.objects.get(contract=contract)
    assert (decision.outcome, decision.notice_text) == ("not_renewed", "服务期已结束。")
    body = admin_client.get(admin_url(Contract, "change", contract.pk)).content.decode()
    assert 'id="fsm-transition-not_renewed"' not in body  # recorded once
