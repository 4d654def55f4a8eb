from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .admin_history import HistoryAdmin
from .choices import TIMER_TARGET_LABELS, timer_target_label
from .models import (
    CalendarException,
    DomainEvent,
    Escalation,
    Notification,
    Signature,
    SlaPolicy,
    SlaTimer,
    StaffProfile,
    WorkCalendar,
)
from .selectors import sla_condition_label, sla_notify_choices, sla_subject_label, sla_subjects
from .services.calendar import calendar_load_chinese

User = get_user_model()


class StaffProfileInline(admin.StackedInline):
    model = StaffProfile
    fk_name = "user"
    can_delete = False
    extra = 0


admin.site.unregister(User)


@admin.register(User)
class UserAdmin(HistoryAdmin, BaseUserAdmin):
    inlines = [StaffProfileInline]
    list_display = ["username", "last_name", "first_name", "email", "is_active", "role_list"]
    list_filter = ["groups", "is_active", "is_staff"]

    @admin.display(description=_("roles"))
    def role_list(self, obj) -> str:
        return ", ".join(g.name for g in obj.groups.all())

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")


@admin.register(StaffProfile)
class StaffProfileAdmin(HistoryAdmin):
    list_display = ["user", "region", "team", "phone", "manager"]
    list_filter = ["region", "team"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "phone"]
    autocomplete_fields = ["user", "manager"]


@admin.register(WorkCalendar)
class WorkCalendarAdmin(HistoryAdmin):
    list_display = [
        "name",
        "time_zone",
        "service_level",
        "always_open",
        "is_default",
        "month_view",
        "exception_list",
    ]
    actions = ["load_chinese_holidays"]

    @admin.display(description=_("month view"))
    def month_view(self, obj) -> str:
        return format_html(
            '<a href="{}">{}</a>', reverse("core:calendar", args=[obj.pk]), _("open")
        )

    @admin.display(description=_("holidays and make-up days"))
    def exception_list(self, obj) -> str:
        # Hundreds of dated rows: a filtered list with date drill-down, not an inline.
        url = reverse("admin:core_calendarexception_changelist") + f"?calendar__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, _("edit"))

    @admin.action(description=_("Load Chinese public holidays and make-up days"))
    def load_chinese_holidays(self, request, queryset):
        for calendar in queryset:
            result = calendar_load_chinese(calendar=calendar, by=request.user)
            self.message_user(
                request,
                _("%(cal)s: %(c)s new, %(u)s changed.")
                % {"cal": calendar, "c": result.created, "u": result.updated},
                messages.SUCCESS,
            )


@admin.register(CalendarException)
class CalendarExceptionAdmin(HistoryAdmin):
    list_display = ["date", "kind", "note", "calendar"]
    list_filter = ["calendar", "kind"]
    date_hierarchy = "date"
    search_fields = ["note"]


class SlaPolicyForm(forms.ModelForm):
    """Subject, target and who is told, chosen by name (the codes stay in the database)."""

    subject = forms.ChoiceField(label=_("subject"))
    target = forms.ChoiceField(label=_("target"))
    notify = forms.MultipleChoiceField(
        label=_("notify"), required=False, widget=forms.CheckboxSelectMultiple
    )

    # No Meta: the admin builds the form for every field of the policy.

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        subjects = {code: str(m._meta.verbose_name) for code, m in sla_subjects().items()}
        targets = {code: str(label) for code, label in TIMER_TARGET_LABELS.items()}
        for name, known in (("subject", subjects), ("target", targets)):
            current = self.initial.get(name) or getattr(self.instance, name, "")
            if current and current not in known:
                known[current] = current  # a value typed before: keep it choosable
            self.fields[name].choices = [("", "---------"), *sorted(known.items())]
        self.fields["notify"].choices = sla_notify_choices()
        self.fields["notify"].help_text = _("Who is told of warnings and breaches.")


class SlaSubjectFilter(admin.SimpleListFilter):
    title = _("subject")
    parameter_name = "subject"

    def lookups(self, request, model_admin):
        return [(code, m._meta.verbose_name) for code, m in sorted(sla_subjects().items())]

    def queryset(self, request, queryset):
        return queryset.filter(subject=self.value()) if self.value() else queryset


@admin.register(SlaPolicy)
class SlaPolicyAdmin(HistoryAdmin):
    form = SlaPolicyForm
    list_display = [
        "subject_label",
        "target_label",
        "condition_label",
        "amount",
        "unit",
        "warn_percent",
        "calendar_basis",
        "calendar",
        "active",
    ]
    list_filter = [SlaSubjectFilter, "calendar_basis", "unit", "active"]
    list_editable = ["active"]
    search_fields = ["subject", "target", "description"]

    @admin.display(description=_("subject"), ordering="subject")
    def subject_label(self, obj) -> str:
        return sla_subject_label(obj.subject)

    @admin.display(description=_("target"), ordering="target")
    def target_label(self, obj) -> str:
        return timer_target_label(obj.target)

    @admin.display(description=_("condition"), ordering="condition")
    def condition_label(self, obj) -> str:
        return sla_condition_label(obj.subject, obj.condition) or "—"


@admin.register(SlaTimer)
class SlaTimerAdmin(HistoryAdmin):
    """Timers are changed only by workflow services and the sweep: read-only here."""

    list_display = [
        "target_label",
        "subject_type",
        "subject_id",
        "state",
        "started_at",
        "due_at",
        "warned_at",
        "breached_at",
        "met_at",
        "assignee",
    ]
    list_filter = ["state", "target", "subject_type"]
    date_hierarchy = "due_at"
    list_select_related = ["subject_type", "assignee"]

    @admin.display(description=_("target"), ordering="target")
    def target_label(self, obj) -> str:
        return timer_target_label(obj.target)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Escalation)
class EscalationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "timer", "recipients"]
    list_filter = ["kind"]
    list_select_related = ["timer"]


@admin.register(DomainEvent)
class DomainEventAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "kind",
        "actor",
        "target_type",
        "target_id",
        "reactions_done",
        "reaction_attempts",
    ]
    list_filter = ["reactions_done", "kind", "target_type"]
    search_fields = ["kind"]
    list_select_related = ["actor", "target_type"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "recipient", "kind", "title", "read_at", "email_state"]
    list_filter = ["kind", "email_state"]
    search_fields = ["title", "recipient__username"]
    list_select_related = ["recipient"]


@admin.register(Signature)
class SignatureAdmin(HistoryAdmin):
    list_display = [
        "signed_at",
        "form",
        "signer_name",
        "signer_role",
        "method",
        "recorded_by",
        "content_sha256",
    ]
    list_filter = ["form", "method"]
    readonly_fields = [f.name for f in Signature._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


from . import admin_channels  # noqa: E402,F401 - issue 17: channels, templates, deliveries
