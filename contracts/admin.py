"""Admin of customers and contracts for managers (docs/domain.md §roles.admin).

Every model has history (django-simple-history). States are read-only; contract
transitions are buttons that call ``contracts.services`` (docs/architecture.md §layers.admin). Edits
of customers and draft contracts go through ``customer_save`` / ``contract_save_draft``;
a contract that is no longer a draft is read-only here and changes only by transitions.
Customers, contacts and contracts import from and export to Excel (``contracts.resources``;
all or nothing). Full contract copies are downloaded through a permission-checked admin
view, never by a media URL.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AdminDateWidget
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, Case, Max, Value, When
from django.http import FileResponse, Http404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixin
from import_export.formats import base_formats

from servicedesk.core.admin_fsm import FSMTransitionAdminMixin
from servicedesk.core.admin_history import HistoryAdmin, ReadOnlyHistoryAdmin
from servicedesk.core.choices import Role

from . import selectors
from .actions import CONTRACT_ACTIONS, FIRST_VISIT_ACTIONS, REVISIT_ACTIONS
from .choices import ContractState, DocumentKind, PeriodKind, RevisitState
from .models import (
    Asset,
    ChargeRate,
    Contact,
    Contract,
    ContractDocument,
    Customer,
    FirstVisit,
    FirstVisitNeed,
    InstalledProduct,
    RenewalDecision,
    Revisit,
    RevisitCycle,
    ServicePeriod,
    ServiceScopeItem,
    ServiceUsage,
)
from .resources import ContactResource, ContractResource, CustomerResource
from .services import contract_save_draft, customer_save

User = get_user_model()

# -- shared pieces ---------------------------------------------------------------------


class ExcelImportExportMixin(ImportExportMixin):
    """Excel first (CSV too); a per-row report with row number and column."""

    formats = [base_formats.XLSX, base_formats.CSV]
    import_template_name = "admin/contracts/import_report.html"
    import_help: Any = ""

    def has_import_permission(self, request) -> bool:
        opts = self.opts
        return request.user.has_perm(
            f"{opts.app_label}.add_{opts.model_name}"
        ) and request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}")

    def has_export_permission(self, request) -> bool:
        return self.has_view_permission(request)

    def get_import_context_data(self, **kwargs):
        context = super().get_import_context_data(**kwargs)
        context["import_help"] = self.import_help
        return context


def sales_managers():
    return (
        User.objects.filter(is_active=True, groups__name=Role.SALES_MANAGER)
        .distinct()
        .order_by("username")
    )


class SalesManagerChoiceMixin:
    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "sales_manager":
            kwargs["queryset"] = sales_managers()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


# -- customers -------------------------------------------------------------------------


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    fields = [
        "name",
        "title",
        "phone",
        "mobile",
        "email",
        "is_primary",
        "may_receive_passwords",
        "authorised_by",
        "authorised_on",
    ]


class InstalledProductInline(admin.TabularInline):
    model = InstalledProduct
    extra = 0
    fields = ["software", "version", "modules", "licence_number", "go_live_on", "contract"]
    autocomplete_fields = ["contract"]


class AssetInline(admin.TabularInline):
    model = Asset
    extra = 0
    fields = ["model", "part_number", "serial_number", "location", "warranty_end", "contract"]
    autocomplete_fields = ["contract"]


@admin.register(Customer)
class CustomerAdmin(SalesManagerChoiceMixin, ExcelImportExportMixin, HistoryAdmin):
    resource_classes = [CustomerResource]
    import_help = _("Customers are matched by full legal name: a known name updates that customer.")
    list_display = [
        "name",
        "short_name",
        "category",
        "region",
        "industry",
        "phone",
        "sales_manager",
        "in_use_since",
    ]
    list_filter = ["region", "category", ("sales_manager", admin.RelatedOnlyFieldListFilter)]
    search_fields = [
        "name",
        "short_name",
        "phone",
        "contacts__phone",
        "contacts__mobile",
        "products__licence_number",
    ]
    list_select_related = ["sales_manager"]
    readonly_fields = ["created_at"]
    inlines = [ContactInline, InstalledProductInline, AssetInline]
    fieldsets = [
        (None, {"fields": ["name", "short_name", "category", "sales_manager"]}),
        (
            _("contact details"),
            {"fields": ["phone", "website", "address", "region", "industry"]},
        ),
        (None, {"fields": ["in_use_since", "notes", "created_at"]}),
    ]

    def save_model(self, request, obj, form, change):
        customer_save(customer=obj, by=request.user)


@admin.register(Contact)
class ContactAdmin(ExcelImportExportMixin, HistoryAdmin):
    resource_classes = [ContactResource]
    import_help = _(
        "Each contact names its customer by full legal name; contacts are matched by "
        "customer and name."
    )
    list_display = [
        "name",
        "customer",
        "title",
        "phone",
        "mobile",
        "email",
        "is_primary",
        "may_receive_passwords",
    ]
    list_filter = ["is_primary", "may_receive_passwords"]
    search_fields = ["name", "phone", "mobile", "email", "customer__name", "customer__short_name"]
    list_select_related = ["customer"]
    autocomplete_fields = ["customer"]


@admin.register(InstalledProduct)
class InstalledProductAdmin(HistoryAdmin):
    list_display = ["software", "version", "customer", "contract", "licence_number", "go_live_on"]
    list_filter = ["software"]
    search_fields = ["software", "licence_number", "customer__name", "customer__short_name"]
    list_select_related = ["customer", "contract"]
    autocomplete_fields = ["customer", "contract"]


@admin.register(Asset)
class AssetAdmin(HistoryAdmin):
    list_display = ["model", "serial_number", "customer", "contract", "location", "warranty_end"]
    list_filter = ["warranty_end"]
    search_fields = [
        "model",
        "serial_number",
        "part_number",
        "customer__name",
        "customer__short_name",
    ]
    list_select_related = ["customer", "contract"]
    autocomplete_fields = ["customer", "contract"]
    date_hierarchy = "warranty_end"


# -- contracts -------------------------------------------------------------------------


class ContractAdminForm(forms.ModelForm):
    """A draft contract with its free service period (saved by ``contract_save_draft``)."""

    free_starts_on = forms.DateField(
        label=_("free service from"), required=False, widget=AdminDateWidget
    )
    free_ends_on = forms.DateField(
        label=_("free service until"),
        required=False,
        widget=AdminDateWidget,
        help_text=_("The last day of service (inclusive)."),
    )

    class Meta:
        model = Contract
        fields = [
            "number",
            "customer",
            "title",
            "sales_manager",
            "signed_on",
            "amount",
            "service_level",
            "includes_implementation",
            "free_data_import",
            "notes",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.free_period = None
        if self.instance.pk:
            self.free_period = self.instance.periods.filter(kind=PeriodKind.FREE).first()
        if self.free_period is not None:
            for name, value in (
                ("free_starts_on", self.free_period.starts_on),
                ("free_ends_on", self.free_period.ends_on),
            ):
                if name in self.fields:
                    self.initial.setdefault(name, value)

    def clean(self):
        data = super().clean()
        if "free_starts_on" not in self.fields:
            return data
        starts, ends = data.get("free_starts_on"), data.get("free_ends_on")
        if bool(starts) != bool(ends):
            missing = "free_ends_on" if starts else "free_starts_on"
            self.add_error(
                missing, gettext("Give both dates of the free service period, or neither.")
            )
        elif starts and ends:
            if ends < starts:
                self.add_error(
                    "free_ends_on", gettext("The period must end on or after its start.")
                )
            elif self.instance.pk and (
                self.instance.periods.exclude(kind=PeriodKind.FREE)
                .filter(starts_on__lte=ends, ends_on__gte=starts)
                .exists()
            ):
                self.add_error(
                    "free_starts_on",
                    gettext("The period overlaps an existing service period."),
                )
        return data

    def free_period_data(self) -> dict[str, dt.date] | None:
        """The free period to save, or None when it is unchanged or not given."""
        starts = self.cleaned_data.get("free_starts_on")
        ends = self.cleaned_data.get("free_ends_on")
        if not (starts and ends):
            return None
        current = self.free_period
        if current is not None and (current.starts_on, current.ends_on) == (starts, ends):
            return None
        return {"starts_on": starts, "ends_on": ends}


class DraftOnlyInlineMixin:
    """Child rows of a contract are edited while it is a draft, then frozen."""

    @staticmethod
    def _is_draft(obj: Contract | None) -> bool:
        return obj is None or obj.state == ContractState.DRAFT

    def has_add_permission(self, request, obj=None):
        return self._is_draft(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._is_draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._is_draft(obj) and super().has_delete_permission(request, obj)


class ServiceScopeInline(DraftOnlyInlineMixin, admin.TabularInline):
    model = ServiceScopeItem
    extra = 0
    fields = ["service_type", "quota", "quota_period", "note"]


class ContractChargeRateInline(DraftOnlyInlineMixin, admin.TabularInline):
    model = ChargeRate
    extra = 0
    fields = ["service_type", "unit", "price", "note"]
    verbose_name = _("contract charge rate")
    verbose_name_plural = _("contract charge rates (override the company standard)")


class ServicePeriodInline(admin.TabularInline):
    """Periods come from the free period above and from renewals (a transition)."""

    model = ServicePeriod
    extra = 0
    fields = ["kind", "starts_on", "ends_on", "amount", "created_by", "created_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("created_by")


def documents_with_access(queryset, user):
    """Annotate ``may_download``: the full copy only with ``contracts.view_full_copy``."""
    return queryset.annotate(
        may_download=Case(
            When(kind=DocumentKind.FULL, then=Value(user.has_perm("contracts.view_full_copy"))),
            default=Value(True),
            output_field=BooleanField(),
        )
    )


def document_link(document: ContractDocument) -> str:
    name = document.file.name.rsplit("/", 1)[-1] if document.file else ""
    if not getattr(document, "may_download", False):
        return format_html('<span class="restricted">{}</span>', gettext("restricted"))
    url = reverse("admin:contracts_contractdocument_download", args=[document.pk])
    return format_html('<a href="{}">{}</a>', url, name or gettext("download"))


class ContractDocumentInline(admin.TabularInline):
    """Listing only: uploads go through ``contract_document_upload`` (portal and API)."""

    model = ContractDocument
    extra = 0
    fields = ["kind", "document", "sha256", "filed_at", "uploaded_by", "uploaded_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("uploaded_by")
        return documents_with_access(qs, request.user)

    @admin.display(description=_("file"))
    def document(self, obj: ContractDocument) -> str:
        return document_link(obj)


@admin.register(Contract)
class ContractAdmin(
    FSMTransitionAdminMixin, SalesManagerChoiceMixin, ExcelImportExportMixin, HistoryAdmin
):
    form = ContractAdminForm
    resource_classes = [ContractResource]
    import_help = _(
        "Contracts import as drafts, matched by contract number. Scope is written like "
        "repair:4/year;phone_support (periods: year, quarter, month, period); the free "
        "service period is the two date columns free_starts_on and free_ends_on."
    )
    list_display = [
        "number",
        "customer",
        "title",
        "state",
        "service_level",
        "sales_manager",
        "signed_on",
        "amount",
        "service_until",
    ]
    list_filter = [
        "state",
        "service_level",
        ("sales_manager", admin.RelatedOnlyFieldListFilter),
        "includes_implementation",
    ]
    search_fields = ["number", "customer__name", "customer__short_name"]
    list_select_related = ["customer", "sales_manager"]
    autocomplete_fields = ["customer"]
    readonly_fields = ["terminated_reason", "created_at"]
    date_hierarchy = "signed_on"
    inlines = [
        ServiceScopeInline,
        ServicePeriodInline,
        ContractChargeRateInline,
        ContractDocumentInline,
    ]
    action_set = CONTRACT_ACTIONS

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(service_until=Max("periods__ends_on"))

    @admin.display(description=_("service until"), ordering="service_until")
    def service_until(self, obj: Contract) -> dt.date | None:
        return obj.service_until

    def get_fieldsets(self, request, obj=None):
        editable = (
            self.has_change_permission(request, obj)
            if obj is not None
            else self.has_add_permission(request)
        )
        fieldsets = [
            (None, {"fields": ["number", "customer", "title", "sales_manager", "state"]}),
            (
                _("terms"),
                {
                    "fields": [
                        "signed_on",
                        "amount",
                        "service_level",
                        "includes_implementation",
                        "free_data_import",
                    ]
                },
            ),
        ]
        if editable:
            fieldsets.append(
                (_("free service period"), {"fields": ["free_starts_on", "free_ends_on"]})
            )
        fieldsets.append((None, {"fields": ["notes", "terminated_reason", "created_at"]}))
        return fieldsets

    def has_change_permission(self, request, obj=None):
        # Signed terms change only through transitions (renew, terminate).
        if obj is not None and obj.state != ContractState.DRAFT:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.state != ContractState.DRAFT:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        data = {}
        free = form.free_period_data()
        if free is not None:
            data["free_period"] = free
        contract_save_draft(by=request.user, data=data, contract=obj)


@admin.register(ChargeRate)
class ChargeRateAdmin(HistoryAdmin):
    """The company's charging standard (客户服务工作收费标准): rows without a contract.
    A contract's own rates are edited on the contract."""

    list_display = ["service_type", "unit", "price", "note"]
    list_filter = ["service_type", "unit"]
    search_fields = ["note"]
    exclude = ["contract"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(contract__isnull=True)

    def save_model(self, request, obj, form, change):
        obj.contract = None
        super().save_model(request, obj, form, change)


@admin.register(ServicePeriod)
class ServicePeriodAdmin(ReadOnlyHistoryAdmin):
    """Written by the contract's free period and by renewals."""

    list_display = ["contract", "customer", "kind", "starts_on", "ends_on", "amount", "created_by"]
    list_filter = ["kind"]
    search_fields = ["contract__number", "contract__customer__name"]
    list_select_related = ["contract__customer", "created_by"]
    date_hierarchy = "ends_on"

    @admin.display(description=_("customer"), ordering="contract__customer__name")
    def customer(self, obj: ServicePeriod) -> Customer:
        return obj.contract.customer


@admin.register(RenewalDecision)
class RenewalDecisionAdmin(ReadOnlyHistoryAdmin):
    """Written by renewals and by "not renewed" on the contract (docs/domain.md
    §contract.period-end)."""

    list_display = [
        "contract",
        "period_end",
        "outcome",
        "notice_channel",
        "notice_sent_at",
        "decided_by",
        "decided_at",
    ]
    list_filter = ["outcome", "notice_channel"]
    search_fields = ["contract__number", "contract__customer__name"]
    list_select_related = ["contract", "decided_by"]
    date_hierarchy = "period_end"


@admin.register(ServiceUsage)
class ServiceUsageAdmin(ReadOnlyHistoryAdmin):
    list_display = ["used_on", "contract", "service_type", "source_type", "source_id"]
    list_filter = ["service_type"]
    search_fields = ["contract__number", "contract__customer__name"]
    list_select_related = ["contract", "source_type"]
    date_hierarchy = "used_on"


@admin.register(ContractDocument)
class ContractDocumentAdmin(ReadOnlyHistoryAdmin):
    """A listing of the filed copies. The file is reached only through ``download/``,
    which checks ``contracts.view_full_copy`` for the full copy."""

    list_display = ["contract", "kind", "document", "filed_at", "uploaded_by", "uploaded_at"]
    list_filter = ["kind"]
    search_fields = ["contract__number", "contract__customer__name"]
    list_select_related = ["contract", "uploaded_by"]
    # ``file`` itself is never shown: the admin would link its media URL.
    fields = ["contract", "kind", "document", "sha256", "filed_at", "uploaded_by", "uploaded_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        return documents_with_access(super().get_queryset(request), request.user)

    @admin.display(description=_("file"))
    def document(self, obj: ContractDocument) -> str:
        return document_link(obj)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/download/",
                self.admin_site.admin_view(self.download_view),
                name="contracts_contractdocument_download",
            ),
            *super().get_urls(),
        ]

    def download_view(self, request, object_id):
        document = self.get_object(request, unquote(object_id))
        if document is None:
            raise Http404
        if not self.has_view_permission(request, document) or not (
            selectors.document_may_download(user=request.user, document=document)
        ):
            raise PermissionDenied
        return FileResponse(
            document.file.open("rb"),
            as_attachment=True,
            filename=document.file.name.rsplit("/", 1)[-1],
        )


# -- first visits and revisits -----------------------------------------------------------


class FirstVisitNeedInline(admin.TabularInline):
    """Needs are recorded with ``first_visit_add_need`` (it starts the routing timer)."""

    model = FirstVisitNeed
    extra = 0
    fields = ["department", "description", "routed_at", "created_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(FirstVisit)
class FirstVisitAdmin(FSMTransitionAdminMixin, HistoryAdmin):
    """Created when a contract is signed. The field-by-field verification and the needs
    are recorded on the portal's first-visit page (their services start and meet the
    timers); the admin reassigns the agent and offers start and complete."""

    action_set = FIRST_VISIT_ACTIONS

    list_display = ["customer", "contract", "agent", "state", "created_at", "completed_at"]
    list_filter = ["state", ("agent", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["customer__name", "customer__short_name", "contract__number"]
    list_select_related = ["customer", "contract", "agent"]
    fields = [
        "contract",
        "customer",
        "agent",
        "state",
        "checks",
        "notes",
        "started_at",
        "completed_at",
        "created_at",
    ]
    readonly_fields = ["contract", "customer", "checks", "started_at", "completed_at", "created_at"]
    inlines = [FirstVisitNeedInline]

    def has_add_permission(self, request):
        return False


@admin.register(FirstVisitNeed)
class FirstVisitNeedAdmin(ReadOnlyHistoryAdmin):
    """Written by ``first_visit_add_need`` and routed by the first-visit services."""

    list_display = ["first_visit", "department", "short_description", "routed_at", "created_at"]
    list_filter = ["department"]
    search_fields = ["description", "first_visit__customer__name"]
    list_select_related = ["first_visit__customer"]

    @admin.display(description=_("need"))
    def short_description(self, obj: FirstVisitNeed) -> str:
        return obj.description[:60]


@admin.register(Revisit)
class RevisitAdmin(FSMTransitionAdminMixin, HistoryAdmin):
    """Periodic revisits come from the revisit cycle (a daily task), follow-ups from the
    services of visits, installations and trainings; missing one is the system's call.
    Recording the call is a transition with its form."""

    action_set = REVISIT_ACTIONS

    list_display = ["due_on", "customer", "reason", "state", "assignee", "contract", "done_at"]
    list_filter = ["state", "reason", ("assignee", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["customer__name", "customer__short_name", "contact_name"]
    list_select_related = ["customer", "contract", "assignee"]
    autocomplete_fields = ["contract"]
    fields = [
        "customer",
        "reason",
        "state",
        "due_on",
        "assignee",
        "contract",
        "done_at",
        "contact_name",
        "opinion",
        "satisfaction",
        "issue_raised",
        "follow_up",
    ]
    # The call's details are written by ``revisit_record``; a scheduled revisit can be
    # moved or reassigned here.
    readonly_fields = [
        "customer",
        "reason",
        "done_at",
        "contact_name",
        "opinion",
        "satisfaction",
        "issue_raised",
        "follow_up",
    ]
    date_hierarchy = "due_on"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.state != RevisitState.SCHEDULED:
            return False
        return super().has_change_permission(request, obj)


@admin.register(RevisitCycle)
class RevisitCycleAdmin(HistoryAdmin):
    list_display = ["category", "months", "months_after_first_year"]
    list_editable = ["months", "months_after_first_year"]
