"""Migrations render historical models without a django-fsm receiver for each
(servicedesk/core/fsm_migrations.py, docs/architecture.md §migrations)."""

from __future__ import annotations

from django.db.migrations.loader import MigrationLoader
from django.db.models.signals import class_prepared
from django_fsm import FSMFieldMixin


def test_rendering_historical_models_adds_no_class_prepared_receiver():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    state = loader.project_state(("tickets", "0002_policies_and_lines"))
    before = len(class_prepared.receivers)
    apps = state.apps  # renders every historical model, the ticket's FSM field included
    ticket = apps.get_model("tickets", "Ticket")
    assert isinstance(ticket._meta.get_field("state"), FSMFieldMixin)
    assert ticket.__module__ == "__fake__"
    assert len(class_prepared.receivers) == before


def test_the_real_models_still_collect_their_transitions():
    from tickets.models import Ticket

    field = Ticket._meta.get_field("state")
    assert field.transitions  # collected when the model class was prepared
