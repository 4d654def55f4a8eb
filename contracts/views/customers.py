"""Portal pages for customers and contracts: the customer list and archive (客户服务档案),
the customer's contacts, products and assets, contracts with their transitions and
documents, the renewal worklist and the entitlement component used by intake screens.

Thin views (docs/architecture.md §layers.views): a form, one service or selector, a render.
State changes only on POST; htmx requests get partials.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.context_processors import PermWrapper
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from servicedesk.core.actions import action_panels
from servicedesk.core.choices import Role
from servicedesk.core.exceptions import ApplicationError
from servicedesk.core.list_views import list_moved

from .. import selectors
from ..actions import CONTRACT_ACTIONS
from ..archive import customer_archive
from ..choices import ContractState, PeriodKind, ServiceType
from ..entitlement import entitlement_check
from ..forms import (
    AssetForm,
    ContactForm,
    ContractForm,
    CustomerForm,
    DocumentUploadForm,
    EntitlementQueryForm,
    FreePeriodForm,
    InstalledProductForm,
    RateFormSet,
    ScopeFormSet,
)
from ..models import (
    Asset,
    Contact,
    Contract,
    ContractDocument,
    Customer,
    InstalledProduct,
)
from ..services import (
    contract_document_upload,
    contract_save_draft,
    customer_save,
)
from .actions import action_run


def _form_errors_from(exc: ApplicationError, *forms_: Any) -> None:
    """Put a service's field errors on the form that has the field, the rest on the first."""
    placed = False
    for field, errors in exc.extra.items():
        target = next((f for f in forms_ if field in f.fields), None)
        for error in errors:
            (target or forms_[0]).add_error(field if target else None, error)
            placed = True
    if not placed:
        forms_[0].add_error(None, exc.message)


def _sort(request: HttpRequest, sorts: dict[str, str], default: str) -> tuple[str, str]:
    key = request.GET.get("sort", default)
    bare = key.lstrip("-")
    if bare not in sorts:
        key, bare = default, default.lstrip("-")
    return key, ("-" if key.startswith("-") else "") + sorts[bare]


def _query_without(request: HttpRequest, *names: str) -> str:
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


# -- customers ------------------------------------------------------------------------


def _partial(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """An htmx fragment: no layout, so none of the layout's context processors' queries."""
    context = {**context, "perms": PermWrapper(request.user), "request": request}
    return HttpResponse(render_to_string(template, context))


PICK_LIMIT = 10


@login_required
@permission_required("contracts.view_customer", raise_exception=True)
@require_GET
def customer_pick(request: HttpRequest) -> HttpResponse:
    """htmx: the first customers matching what is typed in a ``CustomerPicker``."""
    q = request.GET.get(f"{request.GET.get('field', 'customer')}-search", "")
    q = (q or request.GET.get("q", "")).strip()[:100]
    customers = (
        list(selectors.customers_list(user=request.user, search=q).order_by("name")[:PICK_LIMIT])
        if q
        else []
    )
    return _partial(
        request, "contracts/partials/customer_pick_results.html", {"customers": customers, "q": q}
    )


@login_required
def customer_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    if pk is None:
        if not request.user.has_perm("contracts.add_customer"):
            raise PermissionDenied
        customer = Customer()
    else:
        if not request.user.has_perm("contracts.change_customer"):
            raise PermissionDenied
        customer = get_object_or_404(Customer.objects.restrict(request.user), pk=pk)
    initial = {}
    if pk is None and request.user.groups.filter(name=Role.SALES_MANAGER).exists():
        initial["sales_manager"] = request.user.pk
    form = CustomerForm(request.POST or None, instance=customer, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            customer = customer_save(customer=form.instance, by=request.user)
        except ApplicationError as exc:
            _form_errors_from(exc, form)
        else:
            if pk is None:
                messages.success(
                    request,
                    _("Customer %(name)s created: add contacts and installed products next.")
                    % {"name": customer},
                )
            else:
                messages.success(request, _("Customer %(name)s saved.") % {"name": customer})
            return redirect(customer)
    return render(
        request,
        "contracts/customer_form.html",
        {"form": form, "customer": customer, "adding": pk is None},
    )


@login_required
@permission_required("contracts.view_customer", raise_exception=True)
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The customer service archive: everything about one customer, grouped by contract."""
    archive = customer_archive(user=request.user, pk=pk)
    service_type = request.GET.get("service_type", "")
    if service_type not in ServiceType.values:
        service_type = ServiceType.PHONE_SUPPORT
    return render(
        request,
        "contracts/customer_archive.html",
        {
            "archive": archive,
            "customer": archive.customer,
            "today": timezone.localdate(),
            "service_type": service_type,
        },
    )


# Contacts, installed products and assets share one small page each (add and edit).
CHILDREN = {
    "contact": (Contact, ContactForm, "contracts.%s_contact"),
    "product": (InstalledProduct, InstalledProductForm, "contracts.%s_installedproduct"),
    "asset": (Asset, AssetForm, "contracts.%s_asset"),
}


def _child_edit(request: HttpRequest, kind: str, pk: int, item: int | None) -> HttpResponse:
    model, form_class, perm = CHILDREN[kind]
    if not request.user.has_perm(perm % ("add" if item is None else "change")):
        raise PermissionDenied
    customer = get_object_or_404(Customer.objects.restrict(request.user), pk=pk)
    if item is None:
        instance = model(customer=customer)
    else:
        instance = get_object_or_404(
            model.objects.restrict(request.user), pk=item, customer=customer
        )
    extra = {} if model is Contact else {"customer": customer}
    form = form_class(request.POST or None, instance=instance, **extra)
    if request.method == "POST" and form.is_valid():
        saved = form.save(by=request.user)
        messages.success(request, _("Saved: %(item)s.") % {"item": saved})
        if request.POST.get("another"):
            return redirect(request.path)
        return redirect(f"{customer.get_absolute_url()}#{kind}s")
    return render(
        request,
        "contracts/customer_child_form.html",
        {
            "form": form,
            "customer": customer,
            "kind": kind,
            "title": model._meta.verbose_name,
            "adding": item is None,
        },
    )


@login_required
def contact_edit(request: HttpRequest, pk: int, item: int | None = None) -> HttpResponse:
    return _child_edit(request, "contact", pk, item)


@login_required
def product_edit(request: HttpRequest, pk: int, item: int | None = None) -> HttpResponse:
    return _child_edit(request, "product", pk, item)


@login_required
def asset_edit(request: HttpRequest, pk: int, item: int | None = None) -> HttpResponse:
    return _child_edit(request, "asset", pk, item)


# -- contracts ------------------------------------------------------------------------


@login_required
@permission_required("contracts.renew_contract", raise_exception=True)
@require_GET
def renewal_list(request: HttpRequest) -> HttpResponse:
    """The sales manager's renewal worklist: in service and ending within 30 days, or
    already expired."""
    today = timezone.localdate()
    contracts = list(selectors.renewals_due(user=request.user, today=today)[:500])
    for contract in contracts:
        contract.days_left = (contract.last_day - today).days if contract.last_day else None
        contract.days_ago = -contract.days_left if (contract.days_left or 0) < 0 else None
    return render(request, "contracts/renewal_list.html", {"contracts": contracts, "today": today})


def _scope_initial(contract: Contract) -> list[dict[str, Any]]:
    return [
        {
            "service_type": s.service_type,
            "quota": s.quota,
            "quota_period": s.quota_period,
            "note": s.note,
        }
        for s in contract.scope_items.all()
    ]


def _rates_initial(contract: Contract) -> list[dict[str, Any]]:
    return [
        {"service_type": r.service_type, "unit": r.unit, "price": r.price, "note": r.note}
        for r in contract.charge_rates.all()
    ]


def _contract_number_suggestion(customer: Customer) -> str:
    today = timezone.localdate()
    count = Contract.objects.filter(customer=customer).count() + 1
    return f"HT-{today:%Y}-{customer.pk:05d}-{count:02d}"


def _contract_form_page(
    request: HttpRequest, customer: Customer, contract: Contract | None
) -> HttpResponse:
    """Create or edit a draft: the contract, its scope, its free period and its own rates."""
    data = request.POST if request.method == "POST" else None
    show_amount = request.user.has_perm("contracts.view_full_copy")
    if contract is None:
        initial = {
            "number": _contract_number_suggestion(customer),
            "sales_manager": customer.sales_manager_id,
        }
        form = ContractForm(data, initial=initial, show_amount=show_amount)
        form.instance.customer = customer
        scope = ScopeFormSet(data, prefix="scope")
        free_period = None
        rates = RateFormSet(data, prefix="rates")
    else:
        form = ContractForm(data, instance=contract, show_amount=show_amount)
        scope = ScopeFormSet(data, prefix="scope", initial=_scope_initial(contract))
        free_period = contract.periods.filter(kind=PeriodKind.FREE).first()
        rates = RateFormSet(data, prefix="rates", initial=_rates_initial(contract))
    free = FreePeriodForm(
        data,
        prefix="free",
        initial=(
            {"starts_on": free_period.starts_on, "ends_on": free_period.ends_on}
            if free_period
            else {}
        ),
    )
    if request.method == "POST":
        valid = [form.is_valid(), scope.is_valid(), free.is_valid(), rates.is_valid()]
        if all(valid):
            payload = {name: form.cleaned_data[name] for name in form.fields}
            payload["customer"] = customer
            payload["scope_items"] = scope.items()
            payload["charge_rates"] = rates.rates()
            if free.period() is not None:
                payload["free_period"] = free.period()
            try:
                contract = contract_save_draft(by=request.user, data=payload, contract=contract)
            except ApplicationError as exc:
                _form_errors_from(exc, form, free)
            else:
                messages.success(
                    request, _("Draft contract %(number)s saved.") % {"number": contract}
                )
                return redirect(contract)
    return render(
        request,
        "contracts/contract_form.html",
        {
            "form": form,
            "scope": scope,
            "free": free,
            "rates": rates,
            "customer": customer,
            "contract": contract,
        },
    )


@login_required
@permission_required("contracts.add_contract", raise_exception=True)
def contract_add(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer.objects.restrict(request.user), pk=pk)
    return _contract_form_page(request, customer, None)


@login_required
@permission_required("contracts.change_contract", raise_exception=True)
def contract_edit(request: HttpRequest, pk: int) -> HttpResponse:
    contract = get_object_or_404(
        Contract.objects.restrict(request.user).select_related("customer"), pk=pk
    )
    if contract.state != ContractState.DRAFT:
        messages.error(request, _("Only a draft contract can be edited."))
        return redirect(contract)
    return _contract_form_page(request, contract.customer, contract)


def _contract_or_404(request: HttpRequest, pk: int) -> Contract:
    try:
        return selectors.contract_detail(user=request.user, pk=pk)
    except Contract.DoesNotExist:
        raise Http404 from None


def _renewal_decisions(contract: Contract) -> list[Any]:
    """The ends of the contract's service periods, each with its printed letter."""
    from django.contrib.contenttypes.models import ContentType

    from ..models import RenewalDecision

    decisions = list(
        contract.renewal_decisions.select_related("decided_by", "notice_contact").order_by(
            "-period_end", "-pk"
        )
    )
    if decisions:
        ct = ContentType.objects.get_for_model(RenewalDecision).pk
        for decision in decisions:
            decision.letter_url = reverse("core:form-pdf", args=[ct, decision.pk, "renewal_notice"])
    return decisions


def _contract_page(
    request: HttpRequest,
    contract: Contract,
    *,
    failed: str = "",
    failed_form: Any = None,
    upload_form: DocumentUploadForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    panels = action_panels(CONTRACT_ACTIONS, contract, user, failed=failed, failed_form=failed_form)
    # The renewal worklist opens the renewal form (``?open=renew``).
    opened = request.GET.get("open", "")
    for panel in panels:
        if panel.name == opened and panel.enabled and not failed:
            panel.open = True
        if panel.name == failed and not panel.enabled and failed_form is not None:
            # A disabled action the service refused: its words, above the panel.
            for errors in failed_form.errors.values():
                for error in errors:
                    messages.error(request, error)
    may = {
        "sign": any(p.name == "sign" for p in panels),
        "edit": contract.state == ContractState.DRAFT
        and user.has_perm("contracts.change_contract"),
        "upload": user.has_perm("contracts.add_contractdocument"),
        "amount": user.has_perm("contracts.view_full_copy"),
    }
    first_visit = getattr(contract, "first_visit", None) if contract.state != "draft" else None
    documents = selectors.documents_visible(user=user, contract=contract)
    return render(
        request,
        "contracts/contract_detail.html",
        {
            "contract": contract,
            "object": contract,
            "customer": contract.customer,
            "documents": [d for d in documents if d.is_contract_copy],
            "technical_documents": [d for d in documents if not d.is_contract_copy],
            "problems": contract.signing_problems() if may["sign"] else [],
            "may": may,
            "panels": panels,
            "action_url": "contracts:contract-action",
            "renewal_decisions": _renewal_decisions(contract),
            "upload_form": upload_form or DocumentUploadForm(user=user),
            "first_visit": first_visit,
            "today": timezone.localdate(),
        },
        status=status,
    )


@login_required
@permission_required("contracts.view_contract", raise_exception=True)
def contract_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _contract_page(request, _contract_or_404(request, pk))


def _contract_action(request: HttpRequest, pk: int, name: str, **kwargs: Any) -> HttpResponse:
    return action_run(
        request,
        action_set=CONTRACT_ACTIONS,
        obj=_contract_or_404(request, pk),
        name=name,
        page=_contract_page,
        reload=lambda: _contract_or_404(request, pk),
        **kwargs,
    )


@login_required
@permission_required("contracts.view_contract", raise_exception=True)
@require_POST
def contract_action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """Any action of the contract's panel (contracts/actions.py)."""
    return _contract_action(request, pk, name)


def _legacy(name: str, permission: str, refusal_status: int = 302) -> Any:
    """The older address of one action: the same declaration, refusals answered as they
    always were (a redirect with the message; "not renewed" re-showed its page, 400)."""

    @login_required
    @permission_required(permission, raise_exception=True)
    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        return _contract_action(request, pk, name, refusal_status=refusal_status)

    view.__name__ = f"contract_{name}_view"
    return view


contract_sign_view = _legacy("sign", "contracts.sign_contract")
contract_renew_view = _legacy("renew", "contracts.renew_contract")
contract_not_renewed_view = _legacy("not_renewed", "contracts.renew_contract", 400)
contract_terminate_view = _legacy("terminate", "contracts.terminate_contract")


@login_required
@permission_required("contracts.add_contractdocument", raise_exception=True)
@require_POST
def contract_document_upload_view(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract_or_404(request, pk)
    form = DocumentUploadForm(request.POST, request.FILES, user=request.user)
    if form.is_valid():
        try:
            document = contract_document_upload(
                contract=contract,
                kind=form.cleaned_data["kind"],
                file=form.cleaned_data["file"],
                by=request.user,
            )
        except ApplicationError as exc:
            _form_errors_from(exc, form)
        else:
            messages.success(
                request, _("%(kind)s uploaded.") % {"kind": document.get_kind_display()}
            )
            return redirect(reverse("contracts:contract", args=[pk]) + "#documents")
    return _contract_page(request, contract, upload_form=form, status=400)


@login_required
@require_GET
def contract_document(request: HttpRequest, pk: int, doc_pk: int) -> FileResponse:
    """The copy itself; permissions are checked here, not only by hiding the link."""
    contract = get_object_or_404(Contract.objects.restrict(request.user), pk=pk)
    document = get_object_or_404(ContractDocument, pk=doc_pk, contract=contract)
    if not selectors.document_may_download(user=request.user, document=document):
        raise PermissionDenied
    return FileResponse(
        document.file.open("rb"),
        as_attachment=False,
        filename=document.file.name.rsplit("/", 1)[-1],
    )


# -- entitlement ------------------------------------------------------------------------


@login_required
@permission_required("contracts.view_customer", raise_exception=True)
@require_GET
def entitlement(request: HttpRequest) -> HttpResponse:
    """``?customer=<id>&service_type=<t>&on=<date>`` → the entitlement partial (htmx)."""
    form = EntitlementQueryForm(request.GET)
    if not form.is_valid():
        response = _partial(request, "contracts/partials/entitlement.html", {"errors": form.errors})
        response.status_code = 400
        return response
    customer = get_object_or_404(
        Customer.objects.restrict(request.user), pk=form.cleaned_data["customer"]
    )
    on = form.cleaned_data.get("on") or timezone.localdate()
    result = entitlement_check(
        customer=customer, service_type=form.cleaned_data["service_type"], on=on
    )
    return _partial(
        request,
        "contracts/partials/entitlement.html",
        {"entitlement": result, "on": on, "customer": customer},
    )


urlpatterns = [
    # The old list pages' addresses keep working (``q`` is the declared lists' search).
    path(
        "customers/",
        list_moved(
            "contracts:all-customers",
            {"q": {"": "search"}, "sort": {"short": "short_name", "-short": "-short_name"}},
        ),
        name="customers",
    ),
    path("customers/pick/", customer_pick, name="customer-pick"),
    path("customers/add/", customer_edit, name="customer-add"),
    path("customers/<int:pk>/", customer_detail, name="customer"),
    path("customers/<int:pk>/edit/", customer_edit, name="customer-edit"),
    path("customers/<int:pk>/contacts/add/", contact_edit, name="contact-add"),
    path("customers/<int:pk>/contacts/<int:item>/", contact_edit, name="contact-edit"),
    path("customers/<int:pk>/products/add/", product_edit, name="product-add"),
    path("customers/<int:pk>/products/<int:item>/", product_edit, name="product-edit"),
    path("customers/<int:pk>/assets/add/", asset_edit, name="asset-add"),
    path("customers/<int:pk>/assets/<int:item>/", asset_edit, name="asset-edit"),
    path("customers/<int:pk>/contracts/add/", contract_add, name="contract-add"),
    path("contracts/", list_moved("contracts:all-contracts"), name="contracts"),
    path("contracts/renewals/", renewal_list, name="contract-renewals"),
    path("contracts/<int:pk>/", contract_detail, name="contract"),
    path("contracts/<int:pk>/edit/", contract_edit, name="contract-edit"),
    path("contracts/<int:pk>/action/<str:name>/", contract_action, name="contract-action"),
    path("contracts/<int:pk>/sign/", contract_sign_view, name="contract-sign"),
    path("contracts/<int:pk>/renew/", contract_renew_view, name="contract-renew"),
    path("contracts/<int:pk>/not-renewed/", contract_not_renewed_view, name="contract-not-renewed"),
    path("contracts/<int:pk>/terminate/", contract_terminate_view, name="contract-terminate"),
    path(
        "contracts/<int:pk>/documents/",
        contract_document_upload_view,
        name="contract-document-upload",
    ),
    path(
        "contracts/<int:pk>/documents/<int:doc_pk>/",
        contract_document,
        name="contract-document",
    ),
    path("entitlement/", entitlement, name="entitlement"),
]
