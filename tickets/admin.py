"""Admin of the hotline for managers (docs/architecture.md §layers.admin).

Every model has history. Tickets are taken on the portal and the API (intake decides the
entitlement); here their state is read-only and each transition is a button calling the
same service, declared once in ``tickets/actions.py`` (docs/architecture.md
§action-layer). Shifts are planned and removed through the roster services, articles saved
through the knowledge services; calls, notes and password disclosures are records written
by services and are read-only.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from servicedesk.core.admin_fsm import FSMTransitionAdminMixin
from servicedesk.core.admin_history import HistoryAdmin, ReadOnlyHistoryAdmin
from servicedesk.core.exceptions import ApplicationError

from .actions import ARTICLE_ACTIONS, TICKET_ACTIONS
from .models import (
    ArticleVote,
    Call,
    DutyShift,
    HotlineLine,
    InboundMail,
    InboundMailAttachment,
    KnowledgeArticle,
    PasswordDisclosure,
    Ticket,
    TicketNote,
)
from .services.knowledge import article_delete, article_save
from .services.roster import shift_plan, shift_plan_errors, shift_remove

# -- shared pieces ---------------------------------------------------------------------


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# -- lines -----------------------------------------------------------------------------


@admin.register(HotlineLine)
class HotlineLineAdmin(HistoryAdmin):
    list_display = ["name", "number", "active"]
    list_filter = ["active"]
    search_fields = ["name", "number"]


# -- duty roster -----------------------------------------------------------------------


class DutyShiftAddForm(forms.ModelForm):
    """A new shift; ``shift_plan`` checks the same rules again under a lock."""

    class Meta:
        model = DutyShift
        fields = ["line", "engineer", "starts_at", "ends_at"]

    def clean(self):
        data = super().clean()
        values = [data.get(k) for k in ("line", "engineer", "starts_at", "ends_at")]
        if all(v is not None for v in values):
            line, engineer, starts_at, ends_at = values
            errors = shift_plan_errors(
                line=line, engineer=engineer, starts_at=starts_at, ends_at=ends_at
            )
            for field, messages_ in errors.items():
                for message in messages_:
                    self.add_error(field if field in self.fields else None, message)
        return data


@admin.register(DutyShift)
class DutyShiftAdmin(HistoryAdmin):
    list_display = ["starts_at", "ends_at", "line", "engineer", "handover_acknowledged_at"]
    list_filter = ["line", ("engineer", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["engineer__username", "engineer__last_name", "engineer__first_name"]
    list_select_related = ["line", "engineer"]
    date_hierarchy = "starts_at"
    readonly_fields = [
        "line",
        "engineer",
        "starts_at",
        "ends_at",
        "handover_acknowledged_at",
        "handover_note",
        "planned_by",
    ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = DutyShiftAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["line", "engineer", "starts_at", "ends_at"]
        return self.readonly_fields

    def has_change_permission(self, request, obj=None):
        # A planned shift is removed and planned again, never edited.
        return False if obj is not None else super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        shift = shift_plan(
            by=request.user,
            line=obj.line,
            engineer=obj.engineer,
            starts_at=obj.starts_at,
            ends_at=obj.ends_at,
        )
        obj.pk = shift.pk

    def delete_model(self, request, obj):
        shift_remove(obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for shift in queryset.order_by("pk"):
            try:
                shift_remove(shift, by=request.user)
            except ApplicationError as exc:
                self.message_user(request, f"{shift}: {exc.message}", messages.ERROR)


# -- tickets ---------------------------------------------------------------------------


class TicketNoteInline(ReadOnlyInline):
    model = TicketNote
    fields = ["created_at", "author", "text"]
    readonly_fields = fields


class CallInline(ReadOnlyInline):
    model = Call
    fields = ["started_at", "caller_phone", "answered", "rings", "duration_seconds", "engineer"]
    readonly_fields = fields


class PasswordDisclosureInline(ReadOnlyInline):
    model = PasswordDisclosure
    fields = ["disclosed_at", "contact", "what", "disclosed_by"]
    readonly_fields = fields


@admin.register(Ticket)
class TicketAdmin(FSMTransitionAdminMixin, HistoryAdmin):
    """Tickets are taken on the portal or the API; here they are read and moved on."""

    # Each button, its form and its service come from the one declaration.
    action_set = TICKET_ACTIONS
    # Closing one by one: each needs its own resolution checked.
    transition_bulk_actions = False

    list_display = [
        "number",
        "caller_company",
        "customer",
        "state",
        "severity",
        "kind",
        "entitlement",
        "assignee",
        "first_contact_owner",
        "received_at",
    ]
    list_filter = [
        "state",
        "severity",
        "kind",
        "channel",
        "entitlement",
        ("assignee", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = [
        "number",
        "caller_phone",
        "caller_name",
        "caller_company",
        "customer__name",
        "customer__short_name",
    ]
    list_select_related = ["customer", "assignee", "first_contact_owner"]
    date_hierarchy = "received_at"
    inlines = [TicketNoteInline, CallInline, PasswordDisclosureInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "number",
                    "kind",
                    "state",
                    "severity",
                    "customer",
                    "contract",
                    "caller_name",
                    "caller_company",
                    "caller_phone",
                    "channel",
                    "product",
                    "service_type",
                    "description",
                    "received_at",
                    "needs_on_site",
                    "first_contact_owner",
                    "assignee",
                ]
            },
        ),
        (
            _("entitlement"),
            {"fields": ["entitlement", "entitlement_reason", "entitlement_code", "charge"]},
        ),
        (
            _("resolution"),
            {
                "fields": [
                    "problem",
                    "cause",
                    "solution",
                    "steps",
                    "precautions",
                    "shelve_reason",
                    "dispatch_notes",
                    "answered_at",
                    "closed_at",
                ]
            },
        ),
        (
            _("scope and charge"),
            {
                "fields": [
                    "scope_decision",
                    "scope_note",
                    "commercial_decision",
                    "agreed_charge",
                    "commercial_note",
                ]
            },
        ),
    ]

    def get_readonly_fields(self, request, obj=None):
        # Everything: a ticket changes only through its services.
        return [f.name for f in Ticket._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TicketNote)
class TicketNoteAdmin(ReadOnlyHistoryAdmin):
    list_display = ["created_at", "ticket", "author", "text"]
    search_fields = ["text", "ticket__number"]
    list_select_related = ["ticket", "author"]


@admin.register(Call)
class CallAdmin(ReadOnlyHistoryAdmin):
    list_display = [
        "started_at",
        "caller_phone",
        "answered",
        "rings",
        "duration_seconds",
        "engineer",
        "line",
        "customer",
        "ticket",
    ]
    list_filter = ["answered", "line", ("engineer", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["caller_phone", "external_id", "customer__name", "ticket__number"]
    list_select_related = ["engineer", "line", "customer", "ticket"]
    date_hierarchy = "started_at"


class InboundMailAttachmentInline(admin.TabularInline):
    model = InboundMailAttachment
    fields = ["name", "file", "size"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(InboundMail)
class InboundMailAdmin(ReadOnlyHistoryAdmin):
    """Every mail the support address received, the ignored ones with why
    (docs/domain.md §hotline.mail)."""

    list_display = ["received_at", "sender", "sender_name", "subject", "outcome", "ticket"]
    list_filter = ["outcome"]
    search_fields = ["sender", "sender_name", "subject", "ticket__number", "message_id"]
    list_select_related = ["ticket"]
    date_hierarchy = "received_at"
    inlines = [InboundMailAttachmentInline]
    fields = [
        "received_at",
        "sender",
        "sender_name",
        "subject",
        "outcome",
        "ticket",
        "contact",
        "text",
        "refused_attachments",
        "message_id",
        "references",
        "reply_message_id",
    ]
    readonly_fields = fields


@admin.register(PasswordDisclosure)
class PasswordDisclosureAdmin(ReadOnlyHistoryAdmin):
    list_display = ["disclosed_at", "ticket", "contact", "what", "disclosed_by"]
    search_fields = ["ticket__number", "contact__name", "what"]
    list_select_related = ["ticket", "contact__customer", "disclosed_by"]
    date_hierarchy = "disclosed_at"


# -- knowledge base --------------------------------------------------------------------


@admin.register(KnowledgeArticle)
class KnowledgeArticleAdmin(FSMTransitionAdminMixin, HistoryAdmin):
    """Articles are saved through the knowledge services; the review's steps are the
    declared buttons (tickets/actions.py)."""

    action_set = ARTICLE_ACTIONS
    list_display = [
        "title",
        "product",
        "module",
        "state",
        "suggested_count",
        "opened_count",
        "helpful_count",
        "not_helpful_count",
        "solved_count",
        "updated_at",
    ]
    list_filter = ["state", "product"]
    search_fields = ["title", "symptoms", "solution"]
    readonly_fields = [
        "state",
        "source_ticket",
        "source_type",
        "source_id",
        "solved_count",
        "suggested_count",
        "opened_count",
        "helpful_count",
        "not_helpful_count",
        "author",
        "reviewer",
        "review_note",
        "published_at",
        "updated_at",
    ]
    fields = [
        "title",
        "product",
        "module",
        "symptoms",
        "cause",
        "solution",
        "steps",
        *readonly_fields,
    ]

    def save_model(self, request, obj, form, change):
        data = dict(form.cleaned_data)
        article = article_save(by=request.user, data=data, article=obj if change else None)
        obj.pk = article.pk

    def delete_model(self, request, obj):
        article_delete(obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for article in queryset.order_by("pk"):
            article_delete(article, by=request.user)


@admin.register(ArticleVote)
class ArticleVoteAdmin(ReadOnlyHistoryAdmin):
    """Readers' verdicts, written by the knowledge services; read here."""

    list_display = ["article", "user", "helpful", "at"]
    list_filter = ["helpful"]
    list_select_related = ["article", "user"]
