from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CustomerCategory(models.TextChoices):
    """Revisit cycles depend on the customer's category (docs/domain.md §revisit.cycle)."""

    A = "A", _("A (key account)")
    B = "B", _("B")
    C = "C", _("C")


class ContractState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SIGNED = "signed", _("Signed")
    IN_SERVICE = "in_service", _("In service")
    EXPIRED = "expired", _("Expired")
    TERMINATED = "terminated", _("Terminated")


class ServiceType(models.TextChoices):
    """What a request asks for; contracts cover some of them (service scope)."""

    PHONE_SUPPORT = "phone_support", _("Phone support")
    REMOTE_SUPPORT = "remote_support", _("Remote support")
    REPAIR = "repair", _("On-site repair")
    INSTALLATION = "installation", _("Installation")
    ROUTINE_INSPECTION = "routine_inspection", _("Routine inspection")
    TRAINING = "training", _("Training")
    UPGRADE = "upgrade", _("Upgrade")
    GOODS_INSPECTION = "goods_inspection", _("Goods inspection")
    DATA_SERVICE = "data_service", _("Data service")
    CONSULTING = "consulting", _("Consulting")
    IMPLEMENTATION = "implementation", _("Implementation")
    DEVELOPMENT = "development", _("New requirement (development)")


class QuotaPeriod(models.TextChoices):
    YEAR = "year", _("per year")
    QUARTER = "quarter", _("per quarter")
    MONTH = "month", _("per month")
    PERIOD = "period", _("per service period")


class PeriodKind(models.TextChoices):
    FREE = "free", _("Free (from the contract)")
    PAID = "paid", _("Paid (renewal)")


class ChargeUnit(models.TextChoices):
    PER_VISIT = "per_visit", _("per visit")
    PER_PERSON_DAY = "per_person_day", _("per person-day")
    PER_HOUR = "per_hour", _("per hour")
    FIXED = "fixed", _("fixed price")


class EntitlementResult(models.TextChoices):
    IN_SCOPE = "in_scope", _("In scope")
    OUT_OF_SCOPE = "out_of_scope", _("Out of scope")
    UNDETERMINED = "undetermined", _("Undetermined")


class DocumentKind(models.TextChoices):
    """The contract's copies and the technical documents filed under it in the customer
    archive (docs/domain.md §customer.archive: 方案设计书, 投标文件技术部分, 安装报告, 验收报告,
    设备签收/送货单)."""

    FULL = "full", _("Full copy (management and sales only)")
    REDACTED = "redacted", _("Redacted copy (for implementation and service)")
    DESIGN = "design", _("Solution design")
    BID = "bid", _("Technical part of the bid")
    INSTALLATION = "install", _("Installation report")
    ACCEPTANCE = "acceptance", _("Acceptance report")
    DELIVERY = "delivery", _("Equipment receipt / delivery note")
    OTHER = "other", _("Other technical document")


#: The contract itself; the other kinds are technical documents.
CONTRACT_COPY_KINDS = {DocumentKind.FULL, DocumentKind.REDACTED}


class FirstVisitState(models.TextChoices):
    PENDING = "pending", pgettext_lazy("first visit", "Pending")
    VERIFYING = "verifying", _("Verifying")
    COMPLETED = "completed", _("Completed")


class Department(models.TextChoices):
    IMPLEMENTATION = "implementation", _("Implementation")
    SERVICE = "service", _("Service")
    SALES = "sales", _("Sales")
    DEVELOPMENT = "development", _("Development")
    TRAINING = "training", _("Training")


class RevisitState(models.TextChoices):
    SCHEDULED = "scheduled", pgettext_lazy("revisit", "Scheduled")
    DONE = "done", pgettext_lazy("revisit", "Done")
    MISSED = "missed", pgettext_lazy("revisit", "Missed")


class RevisitReason(models.TextChoices):
    PERIODIC = "periodic", _("Periodic revisit")
    POST_VISIT = "post_visit", _("Follow-up after an on-site visit")
    POST_INSTALLATION = "post_installation", _("Follow-up after an installation")
    POST_TRAINING = "post_training", _("Follow-up after a training")
    SURVEY = "survey", _("Satisfaction survey answered online")


class RevisitFollowUp(models.TextChoices):
    NONE = "", _("Nothing")
    TICKET = "ticket", _("Open a service ticket")
    ON_SITE = "on_site", _("Request an on-site visit")


class RenewalOutcome(models.TextChoices):
    """What the customer decided when the service period ended (docs/domain.md
    §contract.period-end)."""

    RENEWED = "renewed", _("Service bought (renewed)")
    NOT_RENEWED = "not_renewed", _("Not renewed")


class NoticeChannel(models.TextChoices):
    LETTER = "letter", _("Printed letter")
    EMAIL = "email", _("E-mail to the contact")
