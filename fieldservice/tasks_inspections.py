"""Thin daily task making the routine inspection dispatches (docs/architecture.md
§celery.beat), idempotent and safe on two workers."""

from celery import shared_task


@shared_task(name="fieldservice.inspections_generate", acks_late=True)
def inspections_generate() -> dict:
    from .services.inspections import inspections_generate as generate

    return generate()
