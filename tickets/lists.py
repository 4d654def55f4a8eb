"""The list of all tickets the user may see (docs/architecture.md §lists)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from servicedesk.core.lists import BulkAction, Column, ListSpec, common_labels, list_register

from .actions import TICKET_ACTIONS
from .filters import KnowledgeArticleFilter, TicketFilter
from .models import Ticket
from .selectors import articles_list

#: what a person's name is made of (core.people.display_name)
PERSON = ("username", "first_name", "last_name")


def _tickets(user):
    return Ticket.objects.restrict(user).select_related(
        "customer", "assignee", "first_contact_owner"
    )


TICKETS = ListSpec(
    code="tickets",
    title=_("All tickets"),
    filterset=TicketFilter,
    queryset=_tickets,
    permission="tickets.view_ticket",
    labels=common_labels(),
    url_name="tickets:all",
    export_name="tickets",
    columns=(
        Column("number", _("Number"), order="number", link=True, classes="text-nowrap"),
        Column("received", _("Received"), "received_at", order="received_at"),
        Column(
            "customer",
            _("Customer"),
            lambda t: t.customer or t.caller_company,
            order="customer__name",
        ),
        Column("kind", _("Kind"), "get_kind_display", order="kind"),
        Column("severity", _("Severity"), "get_severity_display", order="severity"),
        Column("state", _("State"), "get_state_display", order="state"),
        Column("assignee", _("Assignee"), "assignee", order="assignee__last_name"),
        Column(
            "owner",
            _("First-contact owner"),
            "first_contact_owner",
            order="first_contact_owner__last_name",
        ),
        Column("region", _("Region"), "customer.region", order="customer__region"),
        Column("closed", _("Closed"), "closed_at", order="closed_at"),
    ),
    filters=(
        "q",
        "state",
        "severity",
        "kind",
        "assignee",
        "customer_name",
        "region",
        "received_on",
        "overdue",
    ),
    default_sort="-received",
    export_only=(
        "number",
        "received_at",
        "caller_company",
        "customer__name",
        "customer__short_name",
        "customer__region",
        "kind",
        "severity",
        "state",
        "closed_at",
        *(f"{person}__{name}" for person in ("assignee", "first_contact_owner") for name in PERSON),
    ),
    bulk=(BulkAction("transfer", TICKET_ACTIONS), BulkAction("close", TICKET_ACTIONS)),
)


def _source_label(article):
    return article.source_type.name if article.source_type_id else None


KNOWLEDGE = ListSpec(
    code="knowledge",
    title=_("Knowledge base"),
    filterset=KnowledgeArticleFilter,  # the API's (knowledge-articles/)
    queryset=lambda user: articles_list(user=user),
    permission="tickets.view_knowledgearticle",
    labels=common_labels(state=_("State"), author=_("Author")),
    url_name="tickets:knowledge",
    export_name="knowledge-base",
    create_url="tickets:article-create",
    create_label=_("New article"),
    create_permission="tickets.add_knowledgearticle",
    columns=(
        Column("title", _("Title"), order="title", link=True),
        Column("product", _("Product"), order="product"),
        Column("module", _("Module"), order="module"),
        Column("state", _("State"), "get_state_display", order="state"),
        Column("source", _("Written from"), _source_label, order="source_type__model"),
        Column("suggested", _("Suggested"), "suggested_count", order="suggested_count"),
        Column("opened", _("Opened"), "opened_count", order="opened_count"),
        Column("helpful", _("Helpful"), "helpful_count", order="helpful_count"),
        Column("not_helpful", _("Not helpful"), "not_helpful_count", order="not_helpful_count"),
        Column("solved", _("Calls solved"), "solved_count", order="solved_count"),
        Column("author", _("Author"), "author", order="author__last_name"),
        Column("updated", _("Updated"), "updated_at", order="updated_at"),
    ),
    filters=("q", "state", "product", "module", "source_kind", "author", "updated_on"),
    default_sort="-solved",
)


def register() -> None:
    list_register(TICKETS, KNOWLEDGE)
