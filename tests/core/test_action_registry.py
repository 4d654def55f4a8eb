"""Every workflow model declares its actions once, and the admin and the API are built
from that declaration (docs/architecture.md §action-layer)."""

import pytest
from django.contrib import admin
from django.urls import get_resolver

from servicedesk.core.actions import registered_action_sets

#: the workflow models users act on; each must have exactly one declared action set
WORKFLOW_MODELS = {
    "tickets.Ticket",
    "tickets.KnowledgeArticle",
    "fieldservice.Dispatch",
    "defects.Defect",
    "defects.Requirement",
    "contracts.Contract",
    "contracts.FirstVisit",
    "contracts.Revisit",
    "projects.Project",
}


def _viewsets(patterns):
    for pattern in patterns:
        if hasattr(pattern, "url_patterns"):
            yield from _viewsets(pattern.url_patterns)
        else:
            cls = getattr(pattern.callback, "cls", None)
            if cls is not None:
                yield cls


@pytest.fixture(scope="module")
def action_sets():
    assert get_resolver().url_patterns  # loads every app's views, admin and API
    return {
        s.model._meta.label: s
        for s in registered_action_sets()
        if s.model._meta.app_label != "testapp"
    }


def test_every_workflow_model_declares_its_actions_once(action_sets):
    labels = [
        s.model._meta.label
        for s in registered_action_sets()
        if s.model._meta.app_label != "testapp"
    ]
    assert len(labels) == len(set(labels)), labels
    assert set(action_sets) >= WORKFLOW_MODELS, WORKFLOW_MODELS - set(action_sets)


def test_admin_buttons_come_from_the_declaration(action_sets):
    for label, action_set in action_sets.items():
        model_admin = admin.site._registry.get(action_set.model)
        assert model_admin is not None, label
        assert getattr(model_admin, "action_set", None) is action_set, label


def test_api_transitions_come_from_the_declaration(action_sets):
    served = {}
    for cls in _viewsets(get_resolver().url_patterns):
        declared = getattr(cls, "action_set", None)
        if declared is not None:
            served[declared.model._meta.label] = declared
    for label, action_set in action_sets.items():
        if not action_set.for_channel("api"):
            continue
        assert served.get(label) is action_set, label
