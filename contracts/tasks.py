"""Thin daily tasks of the contracts app; each is idempotent."""

from celery import shared_task

from .tasks_visits import revisits_generate, revisits_mark_missed  # noqa: F401


@shared_task(name="contracts.update_service_states", acks_late=True)
def update_service_states() -> dict:
    from .services import contracts_update_service_states

    return contracts_update_service_states()


@shared_task(name="contracts.renewal_reminders", acks_late=True)
def renewal_reminders() -> int:
    from .services import renewal_reminders_send

    return renewal_reminders_send()
