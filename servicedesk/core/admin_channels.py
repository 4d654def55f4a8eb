"""Admin pages of the notification channels (docs/architecture.md §channels): channels
(addresses and secrets write-only), message templates, and the deliveries with their
failures and a retry action. Imported by ``core.admin``."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from .admin_history import HistoryAdmin
from .exceptions import ApplicationError
from .models import ChannelDelivery, DeliveryState, MessageTemplate, NotificationChannel
from .services.channels import (
    channel_save,
    channel_test_send,
    deliveries_retry,
    message_template_preview,
    message_template_save,
)


class ChannelForm(forms.ModelForm):
    address = forms.CharField(
        label=_("address"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_(
            "The robot's webhook URL, or e-mail addresses separated by commas. "
            "Leave empty to keep the stored one (it is never shown)."
        ),
    )
    secret = forms.CharField(
        label=_("signing secret"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("DingTalk's or Feishu's signing secret; empty keeps the stored one."),
    )
    clear_secret = forms.BooleanField(label=_("remove the signing secret"), required=False)

    class Meta:
        model = NotificationChannel
        fields = ["name", "kind", "user", "team", "group", "kinds", "quiet_hours", "enabled"]

    def clean(self):
        data = super().clean()
        self.saved = None
        if self.errors:
            return data
        try:
            self.saved = channel_save(
                by=getattr(self, "acting_user", None),
                channel=self.instance if self.instance.pk else None,
                name=data.get("name") or "",
                kind=data.get("kind") or "",
                address=data.get("address") or None,
                secret="" if data.get("clear_secret") else (data.get("secret") or None),
                user=data.get("user"),
                team=data.get("team") or "",
                group=data.get("group"),
                kinds=data.get("kinds") or "",
                quiet_hours=bool(data.get("quiet_hours")),
                enabled=bool(data.get("enabled")),
            )
        except ApplicationError as exc:
            for field, errors in (exc.extra or {}).items():
                self.add_error(field if field in self.fields else None, errors)
        return data


@admin.register(NotificationChannel)
class NotificationChannelAdmin(HistoryAdmin):
    form = ChannelForm
    list_display = ["name", "kind", "user", "team", "group", "kinds", "quiet_hours", "enabled"]
    list_filter = ["kind", "enabled", "team"]
    search_fields = ["name", "team", "user__username"]
    autocomplete_fields = ["user"]
    actions = ["send_test"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.acting_user = request.user  # the history row names who changed the channel
        return form

    # channel_save wrote the row while the form was validated (one service, one writer).
    def save_form(self, request, form, change):
        return form.saved

    def save_model(self, request, obj, form, change):
        return None

    def save_related(self, request, form, formsets, change):
        return None

    def get_urls(self):
        return [
            path(
                "<int:pk>/test/",
                self.admin_site.admin_view(require_POST(self.test_view)),
                name="core_notificationchannel_test",
            ),
            *super().get_urls(),
        ]

    def test_view(self, request: HttpRequest, pk: int):
        channel = get_object_or_404(NotificationChannel, pk=pk)
        if not self.has_change_permission(request, channel):
            messages.error(request, _("You may not change this channel."))
        else:
            self._report(request, channel_test_send(channel=channel, by=request.user))
        return HttpResponseRedirect(reverse("admin:core_notificationchannel_change", args=[pk]))

    @admin.action(description=_("Send a test message"), permissions=["change"])
    def send_test(self, request, queryset):
        for channel in queryset.order_by("pk"):
            self._report(request, channel_test_send(channel=channel, by=request.user))

    def _report(self, request, delivery: ChannelDelivery) -> None:
        if delivery.state == DeliveryState.SENT:
            messages.success(
                request, _("Test message sent to “%(c)s”.") % {"c": delivery.channel.name}
            )
        else:
            messages.error(
                request,
                _("Test message to “%(c)s” failed: %(e)s")
                % {"c": delivery.channel.name, "e": delivery.last_error},
            )


class MessageTemplateForm(forms.ModelForm):
    class Meta:
        model = MessageTemplate
        fields = ["kind", "channel_kind", "title", "body"]
        help_texts = {
            "title": _(
                "Django template syntax: {{ title }}, {{ body }}, {{ kind }}, {{ link }}, "
                "{{ time }}; tags if, for, with; filters such as truncatechars, date, default."
            ),
        }

    def clean(self):
        data = super().clean()
        self.saved = None
        if self.errors:
            return data
        try:
            self.saved = message_template_save(
                by=getattr(self, "acting_user", None),
                template=self.instance if self.instance.pk else None,
                kind=data.get("kind") or "",
                channel_kind=data.get("channel_kind") or "",
                title=data.get("title") or "",
                body=data.get("body") or "",
            )
        except ApplicationError as exc:
            for field, errors in (exc.extra or {}).items():
                self.add_error(field if field in self.fields else None, errors)
        return data


@admin.register(MessageTemplate)
class MessageTemplateAdmin(HistoryAdmin):
    """The words of channel messages per notification kind and channel (Chinese by
    default, docs/architecture.md §channels.templates), with a preview on sample words."""

    form = MessageTemplateForm
    list_display = ["kind_shown", "channel_kind", "title"]
    list_filter = ["channel_kind"]
    search_fields = ["kind", "title", "body"]
    readonly_fields = ["preview"]
    fields = ["kind", "channel_kind", "title", "body", "preview"]

    @admin.display(description=_("notification kind"), ordering="kind")
    def kind_shown(self, obj: MessageTemplate) -> str:
        return obj.kind or str(_("every kind"))

    @admin.display(description=_("preview"))
    def preview(self, obj: MessageTemplate):
        if obj is None or not obj.pk:
            return _("Save and continue editing to see the preview.")
        words = message_template_preview(
            title=obj.title, body=obj.body, channel_kind=obj.channel_kind
        )
        if words is None:
            return _("The template cannot be read.")
        return format_html(
            '<div class="message-preview"><strong>{}</strong>'
            '<pre style="white-space: pre-wrap">{}</pre><small>{}</small></div>',
            words[0],
            words[1],
            _("Filled in with sample words."),
        )

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.acting_user = request.user
        return form

    # message_template_save wrote the row while the form was validated.
    def save_form(self, request, form, change):
        return form.saved

    def save_model(self, request, obj, form, change):
        return None

    def save_related(self, request, form, formsets, change):
        return None


@admin.register(ChannelDelivery)
class ChannelDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "channel",
        "title",
        "state",
        "attempts",
        "next_attempt_at",
        "held_for_quiet_hours",
        "urgent",
        "last_error",
    ]
    list_filter = ["state", "channel", "held_for_quiet_hours", "urgent"]
    search_fields = ["title", "last_error"]
    list_select_related = ["channel"]
    actions = ["retry"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_retry_permission(self, request) -> bool:
        return request.user.is_superuser or request.user.has_perm("core.change_channeldelivery")

    @admin.action(description=_("Send the failed deliveries again"), permissions=["retry"])
    def retry(self, request, queryset):
        count = deliveries_retry(deliveries=queryset.order_by("pk"), by=request.user)
        messages.success(request, _("%(n)s deliveries will be sent again.") % {"n": count})
