"""Django's ``ModelBackend`` with the user's permissions read in the query that loads the
user (docs/architecture.md §boards).

``ModelBackend`` reads a user's permissions in two queries (the user's own, the groups'),
once per request that checks one — nearly every portal page and API call. Here the
permissions of both sources come with the user as one string column (a scalar subquery:
``STRING_AGG`` on PostgreSQL, ``GROUP_CONCAT`` on SQLite), so a request that loads its
user from the session reads no permission query at all; a user loaded another way (an
API token, ``force_authenticate``) reads them in one query. The set is the one
``ModelBackend`` computes (same ``_perm_cache``), so the two can stand side by side.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL

SEPARATOR = ","

#: the user's permissions (own and through the groups) as ``app_label.codename`` joined
_PERMISSIONS_SQL = """
    SELECT {aggregate}
    FROM auth_permission p
    JOIN django_content_type ct ON ct.id = p.content_type_id
    WHERE p.id IN (SELECT up.permission_id FROM auth_user_user_permissions up
                   WHERE up.user_id = auth_user.id)
       OR p.id IN (SELECT gp.permission_id FROM auth_group_permissions gp
                   JOIN auth_user_groups ug ON ug.group_id = gp.group_id
                   WHERE ug.user_id = auth_user.id)
"""


def _permissions_column() -> RawSQL:
    name = "ct.app_label || '.' || p.codename"
    aggregate = (
        f"STRING_AGG({name}, '{SEPARATOR}')"
        if connection.vendor == "postgresql"
        else f"GROUP_CONCAT({name}, '{SEPARATOR}')"
    )
    # constant text, no parameter from outside
    return RawSQL(_PERMISSIONS_SQL.format(aggregate=aggregate), ())  # noqa: S611


class PermissionsWithUserBackend(ModelBackend):
    """``ModelBackend`` that loads the user with their permissions (one query, not three)."""

    def get_user(self, user_id: Any) -> Any:
        user_model = get_user_model()
        try:
            user = user_model._default_manager.annotate(
                loaded_permissions=_permissions_column()
            ).get(pk=user_id)
        except user_model.DoesNotExist:
            return None
        if not user.is_superuser:  # a superuser has every permission: read when asked
            names = user.loaded_permissions or ""
            user._perm_cache = {n for n in names.split(SEPARATOR) if n}
        return user if self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            if user_obj.is_superuser:
                perms = Permission.objects.all()
            else:
                perms = Permission.objects.filter(
                    Q(pk__in=_own_permission_ids(user_obj))
                    | Q(pk__in=_group_permission_ids(user_obj))
                )
            pairs = perms.values_list("content_type__app_label", "codename").order_by()
            user_obj._perm_cache = {f"{app}.{codename}" for app, codename in pairs}
        return user_obj._perm_cache


def _own_permission_ids(user_obj: Any) -> Any:
    through = Permission.user_set.through  # type: ignore[attr-defined]
    return through.objects.filter(user=user_obj).values("permission_id")


def _group_permission_ids(user_obj: Any) -> Any:
    through = Permission.group_set.through  # type: ignore[attr-defined]
    return through.objects.filter(group__user=user_obj).values("permission_id")
