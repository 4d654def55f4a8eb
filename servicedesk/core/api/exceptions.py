"""One exception handler for the API (docs/api.md §errors)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransition, TransitionNotAllowed
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from ..exceptions import ApplicationError, NotPermitted, TransitionConflict


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The record was changed by someone else; reload it and try again.")
    default_code = "conflict"


def exception_handler(exc, context):
    if isinstance(exc, (TransitionNotAllowed, ConcurrentTransition)):
        # django-fsm's own text names states and methods by their codes, in English.
        exc = Conflict()
    elif isinstance(exc, TransitionConflict):
        exc = Conflict(exc.message)
    elif isinstance(exc, NotPermitted):
        exc = exceptions.PermissionDenied(exc.message)
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, ApplicationError):
        detail = exc.extra or {"non_field_errors": [exc.message]}
        exc = exceptions.ValidationError(detail)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    return Response(response.data, status=response.status_code, headers=response.headers)
