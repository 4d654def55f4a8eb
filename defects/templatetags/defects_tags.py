from django import template

from ..selectors import timer_label

register = template.Library()


@register.filter
def timer_target(target: str) -> str:
    """The translated name of a defect or requirement deadline (report, fix, …)."""
    return timer_label(target)
