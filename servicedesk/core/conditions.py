"""Transition guards that say why they fail (the shape of Viewflow's ``CONDITION(is_true,
unmet)``, without the dependency): a condition declared once gives the transition's
guard, the disabled button's reason on the action panel, and the 409's message.

    @condition(gettext_lazy("The customer has not signed yet."))
    def dispatch_customer_signed(dispatch) -> bool: ...

``unmet`` is a message, or a callable ``(instance) -> message`` when the reason depends
on the record (which signatures are missing). ``field`` names the input the condition is
about (``condition(_("Write the solution first."), field="solution")``): an API request
refused for it is bad input on that field (400), not a conflict (409).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext


def condition(
    unmet: Any, *, field: str = ""
) -> Callable[[Callable[[Any], bool]], Callable[[Any], bool]]:
    def decorate(predicate: Callable[[Any], bool]) -> Callable[[Any], bool]:
        predicate.unmet = unmet  # type: ignore[attr-defined]
        predicate.field = field  # type: ignore[attr-defined]
        return predicate

    return decorate


def unmet_reason(predicate: Callable[[Any], bool], instance: Any) -> str:
    """The words for a failed guard (a generic sentence when the guard has none)."""
    unmet = getattr(predicate, "unmet", None)
    if unmet is None:
        return _("A condition for this step is not met yet.")
    return str(unmet(instance) if callable(unmet) else unmet)


def unmet_reasons(transition: Any, instance: Any) -> list[str]:
    """Why each failing guard of a django-fsm ``Transition`` fails, in order."""
    return [unmet_reason(cond, instance) for cond in transition.conditions if not cond(instance)]


def unmet_fields(transition: Any, instance: Any) -> list[str]:
    """The input field the first failing guard is about (``[]`` when it names none)."""
    for cond in transition.conditions:
        if not cond(instance):
            field = getattr(cond, "field", "")
            return [field] if field else []
    return []


def words_list(items: Any) -> str:
    """Items named in a sentence: “销售经理、总监” in Chinese, “a, b” in English."""
    return pgettext("list separator", ", ").join(str(item) for item in items)
