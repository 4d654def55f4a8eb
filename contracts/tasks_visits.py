"""Thin daily revisit tasks (docs/architecture.md §celery.beat), idempotent, safe on two workers.

Beat runs ``revisits_mark_missed`` before ``revisits_generate`` so that a revisit missed
overnight has its successor created the same morning.
"""

from celery import shared_task


@shared_task(name="contracts.revisits_mark_missed", acks_late=True)
def revisits_mark_missed() -> dict:
    from .services.visits import revisits_mark_missed as mark_missed

    return mark_missed()


@shared_task(name="contracts.revisits_generate", acks_late=True)
def revisits_generate() -> dict:
    from .services.visits import revisits_generate as generate

    return generate()
