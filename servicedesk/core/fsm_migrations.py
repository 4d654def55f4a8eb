"""Migrations without django-fsm's transition collector on historical models.

django-fsm's state field connects a ``class_prepared`` receiver each time it is added to
a model class, to collect the model's transition methods. A migration's historical
models (module ``__fake__``) are rendered again and again as the project state moves
through 93 migrations, each rendering adds a receiver, and every model class prepared
afterwards is sent to all of them: hundreds of receivers times thousands of classes were
two fifths of ``migrate``'s time (docs/architecture.md §migrations).

A historical model has no methods, so it has no transitions to collect: its field keeps
everything else (the descriptor that protects ``state``) and drops the receiver."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import class_prepared
from django_fsm import FSMFieldMixin

HISTORICAL_MODULE = "__fake__"  # django.db.migrations.state.ModelState.render


def install() -> None:
    """Wrap the field's ``contribute_to_class`` once per process."""
    if getattr(FSMFieldMixin.contribute_to_class, "skips_historical_models", False):
        return
    original = FSMFieldMixin.contribute_to_class

    def contribute_to_class(self: FSMFieldMixin, cls: type, name: str, *args: Any, **kw: Any):
        original(self, cls, name, *args, **kw)
        if cls.__module__ == HISTORICAL_MODULE:
            class_prepared.disconnect(self._collect_transitions)

    contribute_to_class.skips_historical_models = True  # type: ignore[attr-defined]
    FSMFieldMixin.contribute_to_class = contribute_to_class  # type: ignore[method-assign]
