"""The knowledge base, 标准化问题库 (docs/domain.md §hotline.knowledge): articles written
from solved tickets, on-site visits and defects (a pre-filled draft linked back to its
source) or directly, reviewed (draft → in review → published → archived), suggested at
intake, and counted: suggested, opened, marked helpful or not, calls solved."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.core.exceptions import ApplicationError, NotPermitted, raise_field_errors
from servicedesk.core.models import DomainEvent
from servicedesk.core.services import event_record
from servicedesk.core.services.history import history_reason, history_user
from servicedesk.core.services.transitions import transition_run

from ..choices import ArticleState, TicketState
from ..models import ArticleVote, KnowledgeArticle, Ticket
from ..search import article_index_text
from ..selectors import article_for_source

if TYPE_CHECKING:
    from servicedesk.core.types import User

PUBLISHABLE_STATES = (TicketState.ANSWERED, TicketState.CLOSED)
EDITABLE_FIELDS = ("title", "product", "module", "symptoms", "cause", "solution", "steps")
REQUIRED_FIELDS = ("title", "symptoms", "solution")
SOLVED_EVENT = "knowledgearticle.solved"
#: usage a reader causes again within this many seconds counts once (the intake's
#: suggestions refresh at every pause in typing; a page reloaded is not read twice)
USAGE_WINDOW = 30 * 60
USAGE_COUNTERS = {"suggested": "suggested_count", "opened": "opened_count"}


def _check_perm(by: User | None, perm: str) -> None:
    if by is not None and not by.has_perm(perm):
        raise NotPermitted(_("You may not perform this action."))


def _refuse(message: str) -> None:
    raise ApplicationError(message, extra={"non_field_errors": [message]})


def _save(article: KnowledgeArticle, *, by: User | None, reason: str) -> KnowledgeArticle:
    article.search_text = article_index_text(article)
    if getattr(by, "is_authenticated", False):
        history_user(article, by)
    history_reason(article, reason)
    article.save()
    return article


def article_may_edit(article: KnowledgeArticle, user: User | None) -> str | None:
    """Why ``user`` may not change the article's text now, or ``None``: drafts and
    articles in review by whoever may change articles; a published article (read at
    intake) only by a reviewer; an archived one by nobody until it is revised."""
    if article.state == ArticleState.ARCHIVED:
        return _("An archived article cannot be changed: revise it first.")
    if user is None:
        return None
    if not user.has_perm("tickets.change_knowledgearticle"):
        return _("You may not perform this action.")
    if article.state == ArticleState.PUBLISHED and not user.has_perm(
        "tickets.review_knowledgearticle"
    ):
        return _("A published article is changed by a reviewer.")
    return None


def article_save(
    *, by: User | None, data: dict[str, Any], article: KnowledgeArticle | None = None
) -> KnowledgeArticle:
    """Write a new draft or change an article's text; the search index is rebuilt."""
    if article is None:
        _check_perm(by, "tickets.add_knowledgearticle")
    else:
        refusal = article_may_edit(article, by)
        if refusal is not None:
            if article.state == ArticleState.ARCHIVED:
                _refuse(refusal)
            raise NotPermitted(refusal)
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


# -- one step from a solved ticket, visit or defect ------------------------------------------


def article_draft(
    *, by: User | None, source: models.Model, data: dict[str, Any]
) -> KnowledgeArticle:
    """A draft article pre-filled from ``source`` and linked back to it, once per source.
    The owning app decides what ``data`` says (its own fields: docs/architecture.md
    §apps.calls); the draft is then edited, submitted and reviewed like any article."""
    _check_perm(by, "tickets.add_knowledgearticle")
    existing = article_for_source(source)
    if existing is not None:
        _refuse(
            _("An article was already written from this record: “%(title)s”.")
            % {"title": existing.title}
        )
    values = {name: (data.get(name) or "").strip() for name in EDITABLE_FIELDS}
    values["title"] = values["title"][:200]
    values["product"] = values["product"][:100]
    values["module"] = values["module"][:100]
    if not values["solution"]:
        message = _("Record the solution before writing an article.")
        raise ApplicationError(message, extra={"solution": [message]})
    with transaction.atomic():
        article = KnowledgeArticle(
            **values,
            source_type=ContentType.objects.get_for_model(source),
            source_id=source.pk,
            source_ticket=source if isinstance(source, Ticket) else None,
            author=by if getattr(by, "is_authenticated", False) else None,
        )
        _save(article, by=by, reason="draft from source")
        event_record(
            kind="knowledgearticle.drafted",
            target=article,
            actor=by,
            data={"source": str(source), "model": source._meta.model_name},
        )
    return article


def _first_line(text: str) -> str:
    lines = (text or "").strip().splitlines()
    return lines[0][:200] if lines else ""


def article_draft_from_ticket(
    ticket: Ticket, *, by: User | None, title: str | None = None
) -> KnowledgeArticle:
    """The ticket's ``publish`` action: a draft from a solved call's product, symptoms,
    cause, solution and steps."""
    _check_perm(by, "tickets.add_knowledgearticle")
    if ticket.state not in PUBLISHABLE_STATES:
        _refuse(_("Only an answered or closed ticket can be published to the knowledge base."))
    if not (ticket.solution or "").strip():
        message = _("Record the solution before publishing.")
        raise ApplicationError(message, extra={"solution": [message]})
    existing = ticket.articles.first()
    if existing is not None:
        _refuse(_("This ticket is already published as “%(title)s”.") % {"title": existing.title})
    return article_draft(
        by=by,
        source=ticket,
        data={
            "title": (title or "").strip() or _first_line(ticket.problem or ticket.description),
            "product": ticket.product,
            "symptoms": ticket.description,
            "cause": ticket.cause,
            "solution": ticket.solution,
            "steps": ticket.steps,
        },
    )


# -- the review ------------------------------------------------------------------------------


def article_submit(article: KnowledgeArticle, *, by: User | None) -> KnowledgeArticle:
    """Draft → in review: the reviewers (service and technical managers) are asked."""
    with transaction.atomic():
        return transition_run(instance=article, name="submit", by=by, update_fields=["review_note"])


def article_publish(
    article: KnowledgeArticle, *, by: User | None, note: str = ""
) -> KnowledgeArticle:
    """In review → published: suggested at intake from now on."""
    with transaction.atomic():
        return transition_run(
            instance=article,
            name="publish",
            by=by,
            kwargs={"at": timezone.now(), "reviewer": by, "note": (note or "").strip()},
            update_fields=["published_at", "reviewer", "review_note"],
        )


def article_send_back(article: KnowledgeArticle, *, by: User | None, note: str) -> KnowledgeArticle:
    """In review → draft, with what the author should change."""
    note = (note or "").strip()
    raise_field_errors({"note": [_("Say what should change.")]} if not note else {})
    with transaction.atomic():
        return transition_run(
            instance=article,
            name="send_back",
            by=by,
            kwargs={"reviewer": by, "note": note},
            update_fields=["reviewer", "review_note"],
        )


def article_archive(article: KnowledgeArticle, *, by: User | None, note: str) -> KnowledgeArticle:
    """Published → archived (outdated, wrong): no longer suggested, kept for the record."""
    note = (note or "").strip()
    raise_field_errors({"note": [_("Say why the article is archived.")]} if not note else {})
    with transaction.atomic():
        return transition_run(
            instance=article,
            name="archive",
            by=by,
            kwargs={"note": note},
            update_fields=["review_note"],
        )


def article_revise(article: KnowledgeArticle, *, by: User | None) -> KnowledgeArticle:
    """Archived → draft: rewritten and reviewed again."""
    with transaction.atomic():
        return transition_run(instance=article, name="revise", by=by, update_fields=["review_note"])


# -- usage ------------------------------------------------------------------------------------


def article_usage_record(
    articles: Iterable[KnowledgeArticle], *, kind: str, by: User | None
) -> int:
    """Count that ``articles`` were suggested to or opened by ``by``: one ``UPDATE … SET
    n = n + 1`` for all of them, each article at most once per reader within
    ``USAGE_WINDOW`` (an atomic ``cache.add`` decides: per web process with the default
    local-memory cache, across processes when ``CACHE_URL`` names Redis). Returns
    how many were counted."""
    column = USAGE_COUNTERS[kind]
    reader = getattr(by, "pk", None) or "anonymous"
    fresh = [
        article.pk
        for article in articles
        if cache.add(f"kb:{kind}:{reader}:{article.pk}", 1, timeout=USAGE_WINDOW)
    ]
    if fresh:
        KnowledgeArticle.objects.filter(pk__in=fresh).update(**{column: F(column) + 1})
    return len(fresh)


def article_vote(article: KnowledgeArticle, *, by: User, helpful: bool) -> KnowledgeArticle:
    """The reader found the published article helpful or not; a changed verdict moves the
    count from one counter to the other (one vote per reader)."""
    _check_perm(by, "tickets.view_knowledgearticle")
    if article.state != ArticleState.PUBLISHED:
        _refuse(_("Only a published article can be rated."))
    counter = {True: "helpful_count", False: "not_helpful_count"}
    with transaction.atomic():
        vote = ArticleVote.objects.select_for_update().filter(article=article, user=by).first()
        if vote is not None and vote.helpful == helpful:
            return article
        changes = {counter[helpful]: F(counter[helpful]) + 1}
        if vote is None:
            vote = ArticleVote(article=article, user=by, helpful=helpful)
        else:
            changes[counter[vote.helpful]] = F(counter[vote.helpful]) - 1
            vote.helpful = helpful
        history_user(vote, by)
        vote.save()
        KnowledgeArticle.objects.filter(pk=article.pk).update(**changes)
        event_record(
            kind="knowledgearticle.rated", target=article, actor=by, data={"helpful": helpful}
        )
    article.refresh_from_db(fields=list(counter.values()))
    return article


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
