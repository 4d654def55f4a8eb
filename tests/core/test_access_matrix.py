"""Who may read and do what, as a matrix generated from the declarations
(docs/architecture.md §access-and-sessions).

Rows: every role of ``servicedesk.core.choices.Role`` (its group carries the permissions
of core's and every app's ``roles.py``), our own field engineer and a partner engineer.
Columns: every list and detail GET of the API (walked from the URL resolver), every
declared API action of every ``ActionSet`` in the registry, every menu page of the portal
and the portal page of each record. What the design says:

- a read needs the model's view permission: 403 without it;
- field engineers (ours and a partner's) see only the customers, contracts, tickets,
  dispatches, deadlines and documents of their own work: another customer's records are
  404 on the API and on the portal, and never listed;
- an action answers 403 to a user without its permission, whatever the record's state
  (never the 400 / 409 that would tell it); the auditor holds no action at all;
- the portal agrees with the API on each record page, and a menu entry opens (200) for
  whom it is shown, 403 for whom its permission is missing.

Each cell's mismatch is collected, so one run names them all. Bounded: one record per
model, one request per cell (about 3,000 requests; well under a minute on SQLite).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.db import models
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from servicedesk.core.actions import ActionSet, registered_action_sets
from servicedesk.core.choices import Role
from servicedesk.core.models import SlaTimer
from servicedesk.core.navigation import _items, nav_for
from servicedesk.core.scoping import field_work
from tests.core.test_field_work_scoping import world  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db

FIELD = ("ours", "partner")


def _api_routes() -> list[tuple[str, Any]]:
    """(url name, view callback) of every list and detail route under ``/api/v1/``."""
    out: list[tuple[str, Any]] = []

    def walk(patterns: list, namespace: str, inside: bool) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
                walk(p.url_patterns, ns, inside or str(p.pattern).startswith("api/v1/"))
            elif isinstance(p, URLPattern) and inside and p.name:
                if "format" in str(p.pattern):
                    continue
                if p.name.endswith(("-list", "-detail")) and hasattr(p.callback, "cls"):
                    out.append((namespace + p.name, p.callback))

    walk(get_resolver().url_patterns, "", False)
    return out


def _model_of(view_class: Any) -> type[models.Model] | None:
    queryset = getattr(view_class, "queryset", None)
    if queryset is not None:
        return queryset.model
    meta = getattr(getattr(view_class, "serializer_class", None), "Meta", None)
    return getattr(meta, "model", None)


def _view_perm(model: type[models.Model]) -> str:
    return f"{model._meta.app_label}.view_{model._meta.model_name}"


def _scoped(model: type[models.Model], user: Any) -> bool:
    """The model declares that ``user`` sees only some of its rows (``scope_for_user``:
    field work, a first-visit agent's own visits)."""
    scope = getattr(model, "scope_for_user", None)
    return scope is not None and scope(user) is not None


def _model_permissions(view_class: Any) -> bool:
    """The view reads by model permission (the default); a view declaring its own
    (project credentials: the project's members) is checked for no 5xx only."""
    from servicedesk.core.api.permissions import ModelPermissions

    classes = getattr(view_class, "permission_classes", [])
    return all(issubclass(c, ModelPermissions) for c in classes)


def _is_model_read(perm: str) -> bool:
    """``app.view_<model>``: the read permission of a model (not a custom ``view_all_…``)."""
    from django.apps import apps

    app_label, _dot, codename = perm.partition(".")
    if not codename.startswith("view_"):
        return False
    try:
        apps.get_model(app_label, codename.removeprefix("view_"))
    except LookupError:
        return False
    return True


def _users(world, make_user) -> dict[str, Any]:  # noqa: F811
    users = {str(role): make_user(role) for role in Role if role != Role.FIELD_ENGINEER}
    users["ours"] = world["ours"]
    users["partner"] = world["partner"]
    return users


def _records(world) -> tuple[dict[type, Any], dict[type, Any]]:  # noqa: F811
    """(one record per model of another customer's work, one of our engineer's work)."""
    theirs: dict[type, Any] = {}
    ours: dict[type, Any] = {}
    for key, target in (("c", theirs), ("a", ours)):
        for obj in world[key].values():
            if isinstance(obj, models.Model):
                target.setdefault(type(obj), obj)
        ticket = world[key].get("ticket")
        timer = SlaTimer.objects.for_subject(ticket).first() if ticket is not None else None
        if timer is not None:
            target.setdefault(SlaTimer, timer)
    return theirs, ours


def _any_record(model: type[models.Model], theirs: dict) -> Any:
    return theirs.get(model) or model._base_manager.order_by("pk").first()


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_api_reads_by_role(world, make_user):  # noqa: F811
    users = _users(world, make_user)
    theirs, ours = _records(world)
    routes = _api_routes()
    assert len(routes) > 40, "the resolver walk found too few API routes"
    problems: list[str] = []
    cells = 0
    for who, user in users.items():
        client = _api(user)
        limited = field_work(user) is not None
        assert limited == (who in FIELD), who
        for name, callback in routes:
            model = _model_of(callback.cls)
            if model is None:
                continue
            allowed = user.has_perm(_view_perm(model))
            by_model = _model_permissions(callback.cls)
            if name.endswith("-list"):
                response = client.get(reverse(name), {"page_size": 200})
                cells += 1
                want = 200 if allowed else 403
                if not by_model and response.status_code in (200, 403):
                    continue
                if response.status_code != want:
                    problems.append(f"{who} GET {name}: {response.status_code}, want {want}")
                elif want == 200 and limited and model in theirs:
                    ids = {row.get("id") for row in response.json().get("results", [])}
                    if theirs[model].pk in ids:
                        problems.append(f"{who} GET {name}: lists another customer's record")
                continue
            record = _any_record(model, theirs)
            if record is None:
                continue
            response = client.get(reverse(name, kwargs={"pk": record.pk}))
            cells += 1
            if not by_model:
                want = {200, 403, 404}
            elif not allowed:
                want = {403, 404}  # 404: outside the user's records is not even named
            elif limited and model in theirs:
                want = {404}
            elif _scoped(model, user) or limited:
                want = {200, 404}  # field work: only what belongs to it
            else:
                want = {200}
            if response.status_code not in want:
                problems.append(f"{who} GET {name} #{record.pk}: {response.status_code}, {want}")
            if who == "ours" and allowed and model in ours:
                mine = client.get(reverse(name, kwargs={"pk": ours[model].pk}))
                cells += 1
                if mine.status_code != 200:
                    problems.append(f"ours GET {name} (own work): {mine.status_code}")
    print(f"API reads: {len(users)} users x {len(routes)} routes = {cells} cells")
    assert not problems, "\n".join(problems)


def _defects_and_projects(world, make_user) -> None:  # noqa: F811
    """A defect, a requirement and a project for the action sets of those apps."""
    from tests.defects.factories import record_defect, record_requirement
    from tests.projects.factories import make_team, project_in

    record_defect(world["hotline"])
    record_requirement(world["hotline"], world["c"]["customer"])
    project_in("applied", make_team(make_user), customer=world["c"]["customer"])


def _action_routes() -> dict[int, tuple[ActionSet, str]]:
    """id(action set) → (the set, the detail route serving it)."""
    served: dict[int, tuple[ActionSet, str]] = {}
    for name, callback in _api_routes():
        action_set = getattr(callback.cls, "action_set", None)
        if name.endswith("-detail") and action_set is not None:
            served.setdefault(id(action_set), (action_set, name))
    return served


def test_api_actions_answer_403_first_by_role(world, make_user):  # noqa: F811
    users = _users(world, make_user)
    theirs, _ours = _records(world)
    _defects_and_projects(world, make_user)
    served = _action_routes()
    # (the core's own test model, tests/testapp, is served by its own URLconf only)
    sets = [s for s in registered_action_sets() if s.model._meta.app_label != "testapp"]
    assert sets and all(id(s) in served for s in sets if s.for_channel("api")), [
        s for s in sets if s.for_channel("api") and id(s) not in served
    ]
    problems: list[str] = []
    cells = posted = 0
    skipped: list[str] = []  # no record of the model in the world
    for action_set, route in served.values():
        record = _any_record(action_set.model, theirs)
        if record is None:
            skipped.append(action_set.model.__name__)
            continue
        detail = reverse(route, kwargs={"pk": record.pk})
        for declared in action_set.for_channel("api"):
            path = declared.api_path or f"transitions/{declared.name}"
            for who, user in users.items():
                cells += 1
                permitted = action_set.permits(record, user, declared)
                if who == str(Role.AUDITOR) and permitted:
                    problems.append(f"auditor may {action_set.model.__name__}.{declared.name}")
                if permitted:
                    continue
                posted += 1
                response = _api(user).post(f"{detail}{path}/", {}, format="json")
                hidden = who in FIELD and action_set.model in theirs
                unseen = (
                    not user.has_perm(_view_perm(action_set.model))
                    or who in FIELD
                    or _scoped(action_set.model, user)
                )
                want = {404} if hidden else {403, 404} if unseen else {403}
                if response.status_code not in want:
                    problems.append(
                        f"{who} POST {action_set.model.__name__}.{declared.name} "
                        f"({getattr(record, action_set.state_field)}): "
                        f"{response.status_code}, want {want}"
                    )
    print(
        f"API actions: {len(users)} users x {cells // len(users)} actions; {posted} refused; "
        f"of {len(served)} sets, without a record: {skipped}"
    )
    assert not problems, "\n".join(problems)


def test_the_auditor_holds_no_change_permission_but_his_read_marks(make_user):
    auditor = make_user(Role.AUDITOR)
    held = {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Permission.objects.filter(group__user=auditor).select_related("content_type")
    }
    writes = {p for p in held if not p.split(".")[1].startswith("view_")}
    assert writes == {"core.change_notification"}
    assert "contracts.view_full_copy" not in held


def test_portal_pages_by_role(world, client, make_user):  # noqa: F811
    users = _users(world, make_user)
    theirs, ours = _records(world)
    problems: list[str] = []
    cells = 0
    for who, user in users.items():
        client.force_login(user)
        shown = {entry["url"] for entry in nav_for(user)}
        for item in _items:
            try:
                url = reverse(item.url_name)
            except NoReverseMatch:  # an entry whose page needs arguments
                continue
            response = client.get(url)
            cells += 1
            # Shown: it opens (a redirect to its first page counts). Not shown: refused,
            # or a page the role may read without being offered it in the menu.
            want = {200, 302} if url in shown else {200, 302, 403, 404}
            perm = item.permission or ""
            if _is_model_read(perm) and not user.has_perm(perm):
                want = {403}  # the page lists a model the role may not read
            if response.status_code not in want:
                problems.append(f"{who} GET {url}: {response.status_code}, want {want}")
        for model, record in {**theirs}.items():
            if not hasattr(record, "get_absolute_url"):
                continue
            response = client.get(record.get_absolute_url())
            cells += 1
            allowed = user.has_perm(_view_perm(model))
            if not allowed:
                want = {403, 404}
            elif who in FIELD:
                want = {404}
            elif _scoped(model, user):
                want = {200, 404}
            else:
                want = {200}
            if response.status_code not in want:
                problems.append(
                    f"{who} GET {record.get_absolute_url()}: {response.status_code}, want {want}"
                )
        if who == "ours":
            for model, record in ours.items():
                if hasattr(record, "get_absolute_url") and user.has_perm(_view_perm(model)):
                    cells += 1
                    status = client.get(record.get_absolute_url()).status_code
                    if status != 200:
                        problems.append(f"ours GET {record.get_absolute_url()}: {status}")
    print(f"Portal: {len(users)} users, {cells} cells")
    assert not problems, "\n".join(problems)
