"""Thin scheduled tasks of defects and requirements; each is idempotent."""

from celery import shared_task


@shared_task(name="defects.evaluation_report_monthly", acks_late=True)
def evaluation_report_monthly() -> int | None:
    """On the 1st: last month's requirement evaluation report, to sales, implementation
    and management (docs/domain.md §requirement.report)."""
    from .services import evaluation_report_monthly as make

    report = make()
    return report.pk if report else None
