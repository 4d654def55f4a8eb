"""Serializer fields shared by every app's API."""

from __future__ import annotations

from rest_framework import serializers


class VisiblePrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A reference to a record the requesting user may see (``restrict(user)``, DESIGN.md
    §9): a record outside the user's scope reads as one that does not exist, so a field
    engineer can neither attach work to another's customer nor learn that it exists.

    Needs ``context={"request": request}`` (DRF views pass it to their own serializers).
    """

    def get_queryset(self):
        queryset = super().get_queryset()
        request = self.context.get("request")
        if request is not None and hasattr(queryset, "restrict"):
            queryset = queryset.restrict(request.user)
        return queryset
