"""The one base class of every admin whose model keeps history (django-simple-history).

simple-history's "Revert" (``history_form_view``) saves an old version on POST, and it
asks only for view permission: a view-only manager or the auditor could roll a customer,
a calendar or a user back. Here a revert needs change permission on that object, and the
button is hidden from whoever lacks it. Admins of state-machine models add
``FSMTransitionAdminMixin``, which refuses every revert (it would bypass the transitions).
"""

from __future__ import annotations

from typing import Any

from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.urls import NoReverseMatch
from simple_history.admin import SimpleHistoryAdmin


class HistoryAdmin(SimpleHistoryAdmin):
    """History on every model; "View on site" once the portal page exists; a revert only
    for those who may change the object."""

    def view_on_site(self, obj: Any) -> str | None:
        try:
            return obj.get_absolute_url()
        except (AttributeError, NoReverseMatch):
            return None

    def revert_disabled(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().revert_disabled(request, obj) or not self.has_change_permission(request, obj)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            obj = self.get_object(request, unquote(object_id))
            if obj is None or not self.has_change_permission(request, obj):
                raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class ReadOnlyHistoryAdmin(HistoryAdmin):
    """Rows written only by services (usage counts, periods, notes, calls): read here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
