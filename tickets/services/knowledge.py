"""The knowledge base, 标准化问题库 (docs/domain.md §hotline.knowledge): articles published
from answered or closed tickets, edited by staff,
searched at intake, counting how often they solved a call."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from servicedesk.core.exceptions import ApplicationError, NotPermitted, raise_field_errors
from servicedesk.core.models import DomainEvent
from servicedesk.core.services import event_record
from servicedesk.core.services.history import history_reason, history_user

from ..choices import TicketState
from ..models import KnowledgeArticle, Ticket
from ..search import article_index_text

if TYPE_CHECKING:
    from servicedesk.core.types import User

PUBLISHABLE_STATES = (TicketState.ANSWERED, TicketState.CLOSED)
EDITABLE_FIELDS = (
    "title",
    "product",
    "module",
    "symptoms",
    "cause",
    "solution",
    "steps",
    "published",
)
REQUIRED_FIELDS = ("title", "symptoms", "solution")
SOLVED_EVENT = "knowledgearticle.solved"


def _check_perm(by: User | None, perm: str) -> None:
    if by is not None and not by.has_perm(perm):
        raise NotPermitted(_("You may not perform this action."))


def _save(article: KnowledgeArticle, *, by: User | None, reason: str) -> KnowledgeArticle:
    article.search_text = article_index_text(article)
    if getattr(by, "is_authenticated", False):
        history_user(article, by)
    history_reason(article, reason)
    article.save()
    return article


def _default_title(ticket: Ticket) -> str:
    text = (ticket.problem or ticket.description).strip().splitlines()[0]
    return text[:200]


def article_publish_from_ticket(
    ticket: Ticket, *, by: User | None, title: str | None = None
) -> KnowledgeArticle:
    """Publish a solved ticket's answer: product, symptoms, cause, solution and steps."""
    _check_perm(by, "tickets.add_knowledgearticle")
    if ticket.state not in PUBLISHABLE_STATES:
        message = _("Only an answered or closed ticket can be published to the knowledge base.")
        raise ApplicationError(message, extra={"non_field_errors": [message]})
    if not (ticket.solution or "").strip():
        message = _("Record the solution before publishing.")
        raise ApplicationError(message, extra={"solution": [message]})
    existing = ticket.articles.first()
    if existing is not None:
        message = _("This ticket is already published as “%(title)s”.") % {"title": existing.title}
        raise ApplicationError(message, extra={"non_field_errors": [message]})
    with transaction.atomic():
        article = KnowledgeArticle(
            title=(title or "").strip()[:200] or _default_title(ticket),
            product=ticket.product,
            symptoms=ticket.description,
            cause=ticket.cause,
            solution=ticket.solution,
            steps=ticket.steps,
            source_ticket=ticket,
            author=by if getattr(by, "is_authenticated", False) else None,
        )
        _save(article, by=by, reason="published from ticket")
        event_record(
            kind="knowledgearticle.published",
            target=article,
            actor=by,
            data={"ticket": ticket.pk, "number": ticket.number},
        )
    return article


def article_save(
    *, by: User | None, data: dict[str, Any], article: KnowledgeArticle | None = None
) -> KnowledgeArticle:
    """Create or edit an article; the search index is rebuilt from its text."""
    _check_perm(by, f"tickets.{'change' if article else 'add'}_knowledgearticle")
    article = article or KnowledgeArticle(
        author=by if getattr(by, "is_authenticated", False) else None
    )
    for name, value in data.items():
        if name not in EDITABLE_FIELDS:
            raise ApplicationError(_("Unknown field %(name)s.") % {"name": name})
        setattr(article, name, value.strip() if isinstance(value, str) else value)
    errors = {
        name: [_("This field is required.")]
        for name in REQUIRED_FIELDS
        if not (getattr(article, name) or "").strip()
    }
    raise_field_errors(errors)
    with transaction.atomic():
        return _save(article, by=by, reason="edit" if article.pk else "create")


def article_mark_solved(article: KnowledgeArticle, *, ticket: Ticket, by: User) -> KnowledgeArticle:
    """The article solved this ticket's call: count it once per ticket."""
    with transaction.atomic():
        locked = KnowledgeArticle.objects.select_for_update().get(pk=article.pk)
        already = DomainEvent.objects.filter(
            kind=SOLVED_EVENT,
            target_type__app_label="tickets",
            target_type__model="knowledgearticle",
            target_id=locked.pk,
            data__ticket=ticket.pk,
        ).exists()
        if not already:
            KnowledgeArticle.objects.filter(pk=locked.pk).update(solved_count=F("solved_count") + 1)
            event_record(
                kind=SOLVED_EVENT,
                target=locked,
                actor=by,
                data={"ticket": ticket.pk, "number": ticket.number},
            )
        locked.refresh_from_db(fields=["solved_count"])
    return locked


def article_delete(article: KnowledgeArticle, *, by: User | None) -> None:
    _check_perm(by, "tickets.delete_knowledgearticle")
    with transaction.atomic():
        event_record(
            kind="knowledgearticle.deleted",
            target=article,
            actor=by,
            data={"title": article.title, "source_ticket": article.source_ticket_id},
        )
        if getattr(by, "is_authenticated", False):
            history_user(article, by)
        article.delete()
