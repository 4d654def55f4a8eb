from django.db import transaction

from servicedesk.core.services import transition_run

from .models import Job


def job_start(job: Job, *, by, note: str = "") -> Job:
    with transaction.atomic():
        return transition_run(
            instance=job, name="start", by=by, kwargs={"note": note}, update_fields=["note"]
        )


def job_finish(job: Job, *, by) -> Job:
    with transaction.atomic():
        return transition_run(instance=job, name="finish", by=by)


def job_rename(job: Job, *, by, title: str, urgent: bool = False) -> Job:
    from servicedesk.core.services.history import save_with_history

    job.title = f"{title}!" if urgent else title
    return save_with_history(job, by=by, fields=["title"], reason="rename")


def job_hand_over(job: Job, *, by, owner, expected: dict | None = None) -> Job:
    with transaction.atomic():
        return transition_run(
            instance=job,
            name="hand_over",
            by=by,
            kwargs={"owner": owner},
            update_fields=["owner"],
            **({"expected": expected} if expected is not None else {}),
        )
