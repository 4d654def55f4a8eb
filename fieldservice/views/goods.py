"""The goods inspection page of a goods inspection visit (docs/domain.md §goods-inspection)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from servicedesk.core.exceptions import ApplicationError, NotPermitted
from servicedesk.core.forms import DeskFormMixin

from ..models import Dispatch
from ..models.goods import DEFAULT_TEST_HOURS, GoodsInspection
from ..services.goods import goods_inspection_record
from . import form_errors_from


class GoodsForm(DeskFormMixin, forms.Form):
    goods = forms.CharField(
        label=gettext_lazy("goods inspected"), widget=forms.Textarea(attrs={"rows": 3})
    )
    delivery_on = forms.DateField(
        label=gettext_lazy("delivery on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    test_hours = forms.IntegerField(
        label=gettext_lazy("test duration (hours)"), initial=DEFAULT_TEST_HOURS
    )
    test_result = forms.CharField(
        label=gettext_lazy("test results"), widget=forms.Textarea(attrs={"rows": 3})
    )
    passed = forms.BooleanField(label=gettext_lazy("passed"), required=False, initial=True)
    box_sealed = forms.BooleanField(label=gettext_lazy("box sealed"), required=False)
    unpacking_consent_by = forms.CharField(
        label=gettext_lazy("unpacking agreed by (customer)"), required=False
    )
    unpacking_consent_on = forms.DateField(
        label=gettext_lazy("unpacking agreed on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    licences_requested = forms.CharField(
        label=gettext_lazy("licences requested"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    backup_location = forms.CharField(
        label=gettext_lazy("where the media and licence backups are kept"), required=False
    )


FIELDS = list(GoodsForm.base_fields)


@login_required
@require_http_methods(["GET", "POST"])
def goods_inspection(request: HttpRequest, pk: int) -> HttpResponse:
    dispatch = get_object_or_404(Dispatch.objects.restrict(request.user), pk=pk)
    record = GoodsInspection.objects.filter(dispatch=dispatch).first()
    initial = {name: getattr(record, name) for name in FIELDS} if record else {}
    form = GoodsForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                record = goods_inspection_record(dispatch, by=request.user, **form.cleaned_data)
            except NotPermitted as exc:
                raise PermissionDenied(exc.message) from exc
            except ApplicationError as exc:
                form_errors_from(exc, form)
            else:
                messages.success(request, _("The goods inspection was recorded."))
                return redirect(record.get_absolute_url())
    return render(
        request,
        "fieldservice/goods/detail.html",
        {"dispatch": dispatch, "object": record, "form": form},
        status=status,
    )
