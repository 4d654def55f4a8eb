"""Satisfaction surveys through one-time links (docs/architecture.md §links.surveys).

After a ticket is closed, a visit written off, a training held or a project accepted
(the domain events in ``SURVEY_EVENTS``), the record's customer contact gets a survey
link (by e-mail when the contact has an address; the sender sees the SMS words either
way). The answer — a score of 1 to 5, would recommend, a comment — is recorded once;
a score of 2 or less announces ``survey.low_score``, to which the hotline reacts with a
complaint ticket for the technical manager (its acknowledge deadline included).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.db.models import Avg, Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ..channels import crypto
from ..exceptions import ApplicationError, raise_field_errors
from ..models import CustomerLink, DomainEvent, LinkPurpose, LinkState, SurveyAnswer
from .events import event_record
from .links import DEFAULT_HOURS, _lock_usable, _new_token, link_target

if TYPE_CHECKING:
    from ..types import User

logger = logging.getLogger(__name__)

LOW_SCORE = 2
#: The occasions that send a survey: event kind → what the customer is asked about.
SURVEY_EVENTS = (
    "ticket.close",
    "dispatch.write_off",
    "training.complete",
    "project.accept",
)


def survey_contact(target: models.Model) -> dict[str, str]:
    """The contact a record names (``contact_name`` / ``contact_phone``), else its
    customer's main contact."""
    found = {
        "name": getattr(target, "contact_name", "") or getattr(target, "caller_name", "") or "",
        "phone": getattr(target, "contact_phone", "") or getattr(target, "caller_phone", "") or "",
        "email": getattr(target, "contact_email", "") or "",
    }
    customer = getattr(target, "customer", None)
    contacts = getattr(customer, "contacts", None)
    if contacts is not None:
        primary = contacts.order_by("-is_primary", "pk").first()
        if primary is not None:
            found["name"] = found["name"] or primary.name
            found["phone"] = found["phone"] or primary.mobile or primary.phone
            found["email"] = found["email"] or primary.email
    return found


def survey_send(
    *, target: models.Model, occasion: str, by: User | None, hours: int = DEFAULT_HOURS
) -> CustomerLink | None:
    """One survey link per record and occasion (a repeated event sends nothing again);
    None when the record names no contact."""
    contact = survey_contact(target)
    if not contact["name"]:
        return None
    token, digest = _new_token()
    try:
        with transaction.atomic():
            link = CustomerLink.objects.create(
                purpose=LinkPurpose.SURVEY,
                token_sha256=digest,
                token_encrypted=crypto.seal(token),
                target=target,
                contact_name=contact["name"][:100],
                contact_phone=contact["phone"][:40],
                contact_email=contact["email"],
                expires_at=timezone.now() + dt.timedelta(hours=hours),
                event_kind=occasion[:60],
                created_by=by,
            )
            event_record(kind="survey.sent", target=target, actor=by, data={"occasion": occasion})
    except IntegrityError:
        return None  # already sent for this occasion
    transaction.on_commit(lambda: _email_quietly(link, by))
    _tell_sender(link, token)
    return link


def _email_quietly(link: CustomerLink, by: User | None) -> None:
    from .links import link_email

    if not link.contact_email or by is None:
        return
    try:
        link_email(link=link, by=by)
    except ApplicationError as exc:
        logger.info("survey %s not e-mailed: %s", link.pk, exc.message)


def _tell_sender(link: CustomerLink, token: str) -> None:
    from .links import link_sms_text
    from .notifications import notifications_create

    if link.created_by is None:
        return
    notifications_create(
        recipients=[link.created_by],
        kind="survey_sent",
        title=_("Satisfaction survey for %(name)s") % {"name": link.contact_name},
        body=link_sms_text(link, token),
        url=f"/links/{link.pk}/",
        target=link.target,
        dedupe_key=f"survey:{link.pk}",
    )


def survey_from_event(event: DomainEvent) -> None:
    """Subscriber of ``SURVEY_EVENTS`` (docs/architecture.md §apps.events)."""
    target = event.target
    if target is None:
        return
    survey_send(target=target, occasion=event.kind, by=event.actor)


def survey_answer(
    *,
    link: CustomerLink,
    score: int,
    would_recommend: bool,
    comment: str = "",
    meta: dict[str, Any] | None = None,
) -> SurveyAnswer:
    errors: dict[str, list[str]] = {}
    if not isinstance(score, int) or not 1 <= score <= 5:
        errors["score"] = [_("Choose a score from 1 to 5.")]
    if (
        score is not None
        and isinstance(score, int)
        and score <= LOW_SCORE
        and not (comment or "").strip()
    ):
        errors["comment"] = [_("Please tell us what went wrong, so we can put it right.")]
    raise_field_errors(errors)
    with transaction.atomic():
        locked = _lock_usable(link)
        if locked.purpose != LinkPurpose.SURVEY:
            raise ApplicationError(_("This link can no longer be used."))
        answer = SurveyAnswer.objects.create(
            link=locked,
            score=score,
            would_recommend=would_recommend,
            comment=comment.strip()[:2000],
        )
        locked.state, locked.used_at = LinkState.ANSWERED, timezone.now()
        locked.save(update_fields=["state", "used_at"])
        data = {
            "score": score,
            "would_recommend": would_recommend,
            "comment": answer.comment,
            "contact_name": locked.contact_name,
            "contact_phone": locked.contact_phone,
            "occasion": locked.event_kind,
            "link": locked.pk,
            "customer": getattr(getattr(locked.target, "customer", None), "pk", None),
        }
        event_record(
            kind="survey.answered", target=link_target(locked), actor=locked.created_by, data=data
        )
        if score <= LOW_SCORE:
            event_record(
                kind="survey.low_score",
                target=link_target(locked),
                actor=locked.created_by,
                data=data,
            )
    return answer


def survey_figures(*, since: dt.datetime | None = None) -> dict[str, Any]:
    """The dashboard's satisfaction figures: answers, average score, share who would
    recommend, low scores (last 30 days by default)."""
    since = since or timezone.now() - dt.timedelta(days=30)
    qs = SurveyAnswer.objects.filter(answered_at__gte=since)
    agg = qs.aggregate(
        n=Count("id"),
        avg=Avg("score"),
        recommend=Count("id", filter=Q(would_recommend=True)),
        low=Count("id", filter=Q(score__lte=LOW_SCORE)),
    )
    n = agg["n"] or 0
    return {
        "answers": n,
        "average": round(agg["avg"], 1) if agg["avg"] is not None else None,
        "recommend_percent": round(100 * agg["recommend"] / n) if n else None,
        "low": agg["low"] or 0,
    }


def surveys_for(target: models.Model) -> models.QuerySet[SurveyAnswer]:
    return SurveyAnswer.objects.filter(
        link__target_type=ContentType.objects.get_for_model(target), link__target_id=target.pk
    )
