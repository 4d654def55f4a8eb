"""Thin Celery tasks of the reports app (docs/architecture.md §celery.beat)."""

from celery import shared_task


@shared_task(name="reports.weekly_reports_draft", acks_late=True)
def weekly_reports_draft() -> dict:
    """Friday afternoon (or the last working day of the week): draft the week's weekly
    reports and the technical managers' briefings, each once."""
    from .services import briefings_draft, weekly_reports_draft

    return {"weekly": weekly_reports_draft(), "briefings": briefings_draft()}
