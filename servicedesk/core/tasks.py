"""Thin Celery tasks: each calls one service and is safe to run twice or on two workers."""

from celery import shared_task


@shared_task(name="core.sla_sweep", acks_late=True)
def sla_sweep(batch_size: int = 1000) -> dict:
    from .services.timers import sla_sweep as sweep

    result = sweep(batch_size=batch_size)
    return {"warned": result.warned, "breached": result.breached, "batches": result.batches}


@shared_task(name="core.next_due_repair", acks_late=True)
def next_due_repair() -> int:
    """Every night: set right any record's kept nearest deadline that is wrong (a write
    the triggers did not see). Normally none; each one is logged."""
    import logging

    from .next_due import next_due_repair as repair

    mended = repair()
    if mended:
        logging.getLogger(__name__).warning("next deadlines set right: %s records", mended)
    return mended


@shared_task(name="core.deliver_notifications", acks_late=True)
def deliver_notifications() -> dict:
    """E-mails, then channels, each for a bounded time; with a backlog left the task
    queues itself again rather than run into its time limit (docs/architecture.md §email)."""
    from .services.channels import channel_deliveries_run, channels_route
    from .services.notifications import emails_deliver

    emails = emails_deliver()
    # The channels (docs/architecture.md §channels): route new rows, then send what is due.
    channels_route()
    channels = channel_deliveries_run()
    if emails.backlog or channels.backlog:
        deliver_notifications.delay()
    return {
        "emails": emails.sent,
        "emails_resent": emails.resent_uncertain,
        "emails_retrying": emails.retrying,
        "channels": channels.sent,
        "requeued": emails.backlog or channels.backlog,
    }


@shared_task(name="core.check_calendar_coverage", acks_late=True)
def check_calendar_coverage() -> int:
    from .services.calendar import calendar_coverage_check

    return calendar_coverage_check()


@shared_task(name="core.beat_heartbeat", acks_late=True)
def beat_heartbeat() -> str:
    from .services.operations import heartbeat_record

    return heartbeat_record("beat").at.isoformat()


@shared_task(name="core.event_reactions", acks_late=True)
def event_reactions() -> int:
    from .services.events import event_reactions_retry

    return event_reactions_retry()
