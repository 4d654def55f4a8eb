"""A tiny workflow model that exercises the core's FSM, API, history and forms machinery
before the domain apps exist. Installed only by the test settings."""

from django.db import models
from django.urls import reverse
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from servicedesk.core.querysets import RestrictedManager


def has_note(job: "Job") -> bool:
    return bool(job.note)


def has_owner(job: "Job") -> bool:
    return job.owner_id is not None


class Job(ConcurrentTransitionMixin, models.Model):
    class State(models.TextChoices):
        NEW = "new", "New"
        STARTED = "started", "Started"
        DONE = "done", "Done"

    title = models.CharField(max_length=100)
    note = models.CharField(max_length=100, blank=True)
    owner = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL)
    state = FSMField(default=State.NEW, choices=State.choices, protected=True)

    objects = RestrictedManager()
    history = HistoricalRecords()

    class Meta:
        app_label = "testapp"
        permissions = [("start_job", "Can start a job")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("api:job-detail", args=[self.pk])

    @classmethod
    def scope_for_user(cls, user):
        if user.groups.filter(name="field_engineer").exists():
            return models.Q(owner=user)
        return None

    @transition(field=state, source=State.NEW, target=State.STARTED, permission="testapp.start_job")
    def start(self, note: str = "") -> None:
        self.note = note

    @transition(field=state, source=State.STARTED, target=State.DONE, conditions=[has_note])
    def finish(self) -> None:
        pass

    @transition(field=state, source=State.STARTED, target=State.STARTED, conditions=[has_owner])
    def hand_over(self, owner) -> None:
        """A self-transition (started → started), like a reassignment."""
        self.owner = owner
