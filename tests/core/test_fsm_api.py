"""The reusable FSM resource pieces: state fields, transitions endpoint, 409s, history."""

import threading

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from rest_framework.test import APIClient

from servicedesk.core.choices import Role
from servicedesk.core.exceptions import TransitionConflict
from servicedesk.core.models import DomainEvent
from tests.testapp.models import Job
from tests.testapp.services import job_start

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.testapp.urls")]


@pytest.fixture
def starter(make_user):
    user = make_user(Role.SERVICE_MANAGER)
    for codename in ("view_job", "start_job", "add_job", "change_job"):
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


@pytest.fixture
def client_for():
    def make(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


def test_representation_has_state_display_and_available_transitions(starter, client_for):
    job = Job.objects.create(title="装机")
    data = client_for(starter).get(f"/api/v1/jobs/{job.pk}/").json()
    assert data["state"] == "new"
    assert data["state_display"] == "New"
    assert data["available_transitions"] == ["start"]
    assert data["timers"] == []


def test_transition_endpoint_validates_input_and_applies(starter, client_for):
    job = Job.objects.create(title="装机")
    client = client_for(starter)
    bad = client.post(f"/api/v1/jobs/{job.pk}/transitions/start/", {}, format="json")
    assert bad.status_code == 400
    assert "note" in bad.json()
    job.refresh_from_db()
    assert job.state == "new"
    ok = client.post(f"/api/v1/jobs/{job.pk}/transitions/start/", {"note": "到场"}, format="json")
    assert ok.status_code == 200, ok.content
    assert ok.json()["state"] == "started"
    assert ok.json()["available_transitions"] == ["finish"]
    event = DomainEvent.objects.get(kind="job.start")
    assert event.actor == starter
    assert event.data == {"from": "new", "to": "started"}


def test_transition_not_allowed_now_is_409(starter, client_for):
    job = Job.objects.create(title="装机")
    response = client_for(starter).post(f"/api/v1/jobs/{job.pk}/transitions/finish/")
    assert response.status_code == 409
    assert "finish" in response.json()["detail"]


def test_transition_without_permission_is_403(make_user, client_for):
    viewer = make_user(Role.SERVICE_MANAGER)
    viewer.user_permissions.add(Permission.objects.get(codename="view_job"))
    job = Job.objects.create(title="装机")
    response = client_for(viewer).post(
        f"/api/v1/jobs/{job.pk}/transitions/start/", {"note": "x"}, format="json"
    )
    assert response.status_code == 403
    assert client_for(viewer).get(f"/api/v1/jobs/{job.pk}/").json()["available_transitions"] == []


def test_stale_instance_is_a_conflict(starter):
    job = Job.objects.create(title="装机")
    stale = Job.objects.get(pk=job.pk)
    job_start(job, by=starter, note="first")
    with pytest.raises(TransitionConflict):
        job_start(stale, by=starter, note="second")
    assert Job.objects.get(pk=job.pk).note == "first"


def test_history_endpoint_lists_who_changed_what(starter, client_for):
    job = Job.objects.create(title="装机")
    job_start(job, by=starter, note="到场")
    rows = client_for(starter).get(f"/api/v1/jobs/{job.pk}/history/").json()
    assert rows[0]["user"] == starter.username
    assert rows[0]["reason"] == "start"
    assert {"field": "state", "old": "new", "new": "started"} in rows[0]["changes"]
    assert rows[-1]["type"] == "created"


def test_object_scoping_hides_other_engineers_jobs(make_user, client_for):
    mine = make_user(Role.FIELD_ENGINEER)
    other = make_user(Role.FIELD_ENGINEER)
    mine.user_permissions.add(Permission.objects.get(codename="view_job"))
    Job.objects.create(title="mine", owner=mine)
    theirs = Job.objects.create(title="theirs", owner=other)
    client = client_for(mine)
    assert [j["title"] for j in client.get("/api/v1/jobs/").json()["results"]] == ["mine"]
    assert client.get(f"/api/v1/jobs/{theirs.pk}/").status_code == 404


def test_schema_lists_each_transition_with_its_arguments(starter, client_for):
    schema = client_for(starter).get("/api/schema/?format=json").json()
    start = schema["paths"]["/api/v1/jobs/{id}/transitions/start/"]["post"]
    ref = start["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    component = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    assert "note" in component["properties"]
    assert "/api/v1/jobs/{id}/transitions/finish/" in schema["paths"]
    assert "/api/v1/jobs/{id}/history/" in schema["paths"]


def test_list_query_count_does_not_grow_with_rows(starter, client_for):
    from django.test.utils import CaptureQueriesContext

    for i in range(3):
        Job.objects.create(title=f"job {i}")
    client = client_for(starter)
    client.get("/api/v1/jobs/")  # warm per-process caches (content types)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/api/v1/jobs/").status_code == 200
    for i in range(20):
        Job.objects.create(title=f"more {i}")
    with CaptureQueriesContext(connection) as many:
        assert len(client.get("/api/v1/jobs/").json()["results"]) == 23
    assert len(many) == len(few)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_transitions_one_wins(starter):
    job = Job.objects.create(title="并发")
    outcomes = []
    barrier = threading.Barrier(2)

    def attempt(note):
        from django.db import connections

        try:
            barrier.wait()
            job_start(Job.objects.get(pk=job.pk), by=starter, note=note)
            outcomes.append("ok")
        except TransitionConflict:
            outcomes.append("conflict")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "ok"]
    assert Job.objects.get(pk=job.pk).state == "started"
