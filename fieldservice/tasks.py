"""Field service's Celery tasks (docs/architecture.md §celery), one module per topic."""

from .tasks_inspections import inspections_generate  # noqa: F401
