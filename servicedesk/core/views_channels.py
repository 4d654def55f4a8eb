"""The user's own notification channels (docs/architecture.md §channels): add a robot
chat or a mailbox for one's own notifications, send it a test message, remove it. Team
channels are configured by administrators in the admin."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from .exceptions import ApplicationError
from .forms import DeskFormMixin, form_errors_from
from .models import ChannelKind, DeliveryState, NotificationChannel
from .services.channels import channel_delete, channel_save, channel_test_send


class MyChannelForm(DeskFormMixin, forms.Form):
    name = forms.CharField(label=gettext_lazy("name"), max_length=100)
    kind = forms.ChoiceField(label=gettext_lazy("channel"), choices=ChannelKind.choices)
    address = forms.CharField(
        label=gettext_lazy("address"),
        max_length=1000,
        help_text=gettext_lazy("The robot's webhook URL, or e-mail addresses separated by commas."),
    )
    secret = forms.CharField(
        label=gettext_lazy("signing secret"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=gettext_lazy("DingTalk's or Feishu's signing secret, if the robot has one."),
    )
    kinds = forms.CharField(label=gettext_lazy("notification kinds"), required=False)
    quiet_hours = forms.BooleanField(
        label=gettext_lazy("quiet outside office hours"), required=False, initial=True
    )


@login_required
def my_channels(request: HttpRequest) -> HttpResponse:
    form = MyChannelForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                channel_save(by=request.user, user=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                form_errors_from(exc, form)
            else:
                messages.success(request, _("The channel was added."))
                return redirect("core:my-channels")
    channels = NotificationChannel.objects.filter(user=request.user).order_by("name", "pk")
    return render(
        request,
        "core/channels/my_channels.html",
        {"form": form, "channels": channels},
        status=status,
    )


@login_required
@require_POST
def my_channel_test(request: HttpRequest, pk: int) -> HttpResponse:
    channel = get_object_or_404(NotificationChannel, pk=pk, user=request.user)
    delivery = channel_test_send(channel=channel, by=request.user)
    if delivery.state == DeliveryState.SENT:
        messages.success(request, _("Test message sent to “%(c)s”.") % {"c": channel.name})
    else:
        messages.error(
            request,
            _("Test message to “%(c)s” failed: %(e)s")
            % {"c": channel.name, "e": delivery.last_error},
        )
    return redirect("core:my-channels")


@login_required
@require_POST
def my_channel_delete(request: HttpRequest, pk: int) -> HttpResponse:
    channel = get_object_or_404(NotificationChannel, pk=pk, user=request.user)
    channel_delete(channel=channel, by=request.user)
    messages.success(request, _("The channel was removed."))
    return redirect("core:my-channels")
