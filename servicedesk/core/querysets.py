"""Row-level scoping in the style of NetBox's ``RestrictedQuerySet.restrict(user)``.

Selectors call ``Model.objects.restrict(user)`` so every list, page and API endpoint shows
only what the user may see. A model narrows the rows with a ``scope_for_user(user)``
classmethod returning a ``Q`` (or ``None`` for every row).
"""

from __future__ import annotations

from typing import Any

from django.db import models


class RestrictedQuerySet(models.QuerySet):
    def restrict(self, user: Any, action: str = "view") -> RestrictedQuerySet:
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        opts = self.model._meta
        if not user.has_perm(f"{opts.app_label}.{action}_{opts.model_name}"):
            return self.none()
        scope = getattr(self.model, "scope_for_user", None)
        if scope is None:
            return self
        condition = scope(user)
        return self if condition is None else self.filter(condition)


RestrictedManager = models.Manager.from_queryset(RestrictedQuerySet)
