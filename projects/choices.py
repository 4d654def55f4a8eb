"""Choices of implementation projects (docs/domain.md §project)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ProjectState(models.TextChoices):
    APPLIED = "applied", pgettext_lazy("project", "Applied")
    ALLOCATED = "allocated", pgettext_lazy("project", "Allocated")
    PLANNING = "planning", pgettext_lazy("project", "Planning")
    READY = "ready", pgettext_lazy("project", "Ready to start")
    IN_PROGRESS = "in_progress", pgettext_lazy("project", "In progress")
    PAUSED = "paused", pgettext_lazy("project", "Paused")
    ACCEPTANCE_REVIEW = "acceptance_review", pgettext_lazy("project", "Acceptance review")
    ACCEPTED = "accepted", pgettext_lazy("project", "Accepted")
    ARCHIVED = "archived", pgettext_lazy("project", "Archived")
    TERMINATED = "terminated", pgettext_lazy("project", "Terminated")


#: states in which the project is still being carried out (slippage is measured)
ACTIVE_STATES = [
    ProjectState.APPLIED,
    ProjectState.ALLOCATED,
    ProjectState.PLANNING,
    ProjectState.READY,
    ProjectState.IN_PROGRESS,
    ProjectState.PAUSED,
    ProjectState.ACCEPTANCE_REVIEW,
]


class ProjectSource(models.TextChoices):
    CONTRACT = "contract", _("Signed contract with implementation")
    FIRST_VISIT = "first_visit", _("First-visit need routed to implementation")
    MANUAL = "manual", _("Entered by the implementation manager")


class StageState(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("stage", "Planned")
    IN_PROGRESS = "in_progress", pgettext_lazy("stage", "In progress")
    DELIVERED = "delivered", pgettext_lazy("stage", "Delivered")
    REVIEWED = "reviewed", pgettext_lazy("stage", "Reviewed by the PM")
    SIGNED = "signed", pgettext_lazy("stage", "Signed by the customer")


class LogState(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("log", "Draft")
    SUBMITTED = "submitted", pgettext_lazy("log", "Submitted")
    CONFIRMED = "confirmed", pgettext_lazy("log", "Confirmed by the customer")


class PauseCategory(models.TextChoices):
    CUSTOMER_NOT_READY = "customer_not_ready", _("The customer is not ready")
    CUSTOMER_REQUEST = "customer_request", _("The customer asked to pause")
    PROBLEM = "problem", _("A problem we cannot solve now")
    PRODUCT = "product", _("Waiting for a product fix")
    OTHER = "other", _("Other")


class TerminateCategory(models.TextChoices):
    UNSOLVABLE = "unsolvable", _("The problem cannot be solved")
    PRESALES_PROMISE = "presales_promise", _("A pre-sales promise the product cannot keep")
    PRODUCT_GAP = "product_gap", _("A gap in the product")
    CUSTOMER_WITHDREW = "customer_withdrew", _("The customer withdrew")


#: the evaluation's failures that end the project rather than send it back to work
TERMINAL_FAILURES = {TerminateCategory.PRESALES_PROMISE, TerminateCategory.PRODUCT_GAP}


class EvaluationOutcome(models.TextChoices):
    PASSED = "passed", _("Passed")
    INCOMPLETE = "incomplete", _("Failed: stage work is incomplete (rework)")
    PRESALES_PROMISE = "presales_promise", _("Failed: a pre-sales promise the product cannot keep")
    PRODUCT_GAP = "product_gap", _("Failed: a gap in the product")


class DocumentKind(models.TextChoices):
    REDACTED_CONTRACT = "redacted_contract", _("Contract (redacted copy)")
    SURVEY = "survey", _("Survey report")
    ISSUE_OPINION = "issue_opinion", _("Issue-handling opinion")
    PLAN = "plan", _("Implementation plan")
    READINESS = "readiness", _("Readiness confirmation")
    IMPORT_TEMPLATE = "import_template", _("Data-import template")
    DELIVERABLE = "deliverable", _("Stage deliverable")
    ACCEPTANCE = "acceptance", _("Acceptance report")
    OTHER = "other", _("Other document")


class IncidentState(models.TextChoices):
    OPEN = "open", pgettext_lazy("incident", "Open")
    CLOSED = "closed", pgettext_lazy("incident", "Closed")


class ImportState(models.TextChoices):
    OPEN = "open", pgettext_lazy("import", "Open")
    DONE = "done", pgettext_lazy("import", "Done")


class HandoverState(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("handover", "Draft")
    GIVEN = "given", pgettext_lazy("handover", "Acknowledged by the giver")
    ACKNOWLEDGED = "acknowledged", pgettext_lazy("handover", "Acknowledged by both")
