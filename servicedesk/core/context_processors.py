from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .choices import Role
from .live import poll_settings
from .navigation import nav_for
from .selectors import unread_count


def role_label(name: str) -> str:
    try:
        return str(Role(name).label)
    except ValueError:
        return name


def portal(request: HttpRequest) -> dict:
    """The page chrome: menu, bell count, roles. Each is computed when a template first
    reads it (then kept for the request): fragments (htmx answers, live boards, the bell's
    own count, the API's browsable pages) render through the same context processors but
    draw no menu, and paid three queries and the menu's permission checks for nothing
    (docs/architecture.md §load)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"company_name": settings.COMPANY_NAME}
    return {
        "company_name": settings.COMPANY_NAME,
        "nav_items": SimpleLazyObject(lambda: nav_for(user, request.path)),
        "unread_notifications": SimpleLazyObject(lambda: unread_count(user=user)),
        "user_roles": SimpleLazyObject(lambda: [role_label(g.name) for g in user.groups.all()]),
        **poll_settings(),
    }
