from django.conf import settings
from django.http import HttpRequest

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
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"company_name": settings.COMPANY_NAME}
    return {
        "company_name": settings.COMPANY_NAME,
        "nav_items": nav_for(user, request.path),
        "unread_notifications": unread_count(user=user),
        "user_roles": [role_label(g.name) for g in user.groups.all()],
        **poll_settings(),
    }
