"""States and kinds of the reports app (docs/domain.md §reports)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ReportState(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("report", "Draft")
    SUBMITTED = "submitted", pgettext_lazy("report", "Submitted")
    RETURNED = "returned", pgettext_lazy("report", "Returned for rework")


class TripState(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("report", "Draft")
    SUBMITTED = "submitted", pgettext_lazy("report", "Submitted")
    READ = "read", pgettext_lazy("report", "Read by the technical manager")


class BriefingState(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("report", "Draft")
    SENT = "sent", pgettext_lazy("report", "Sent to sales")


class LineSource(models.TextChoices):
    TICKET = "ticket", _("Hotline tickets")
    VISIT = "visit", _("On-site visits")
    PROJECT_LOG = "project_log", _("Implementation logs")


#: the roles whose members write a weekly report (docs/domain.md §reports.weekly)
EDITABLE_STATES = (ReportState.DRAFT, ReportState.RETURNED)
