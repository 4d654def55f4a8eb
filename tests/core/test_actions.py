"""The action layer (servicedesk/core/actions.py): one declaration per action, served to
the portal, the admin and the API with the same availability and the same input rules."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from rest_framework.test import APIClient

from servicedesk.core.choices import Role
from servicedesk.core.conditions import unmet_reason
from tests.testapp.actions import JOB_ACTIONS
from tests.testapp.models import Job, has_note

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.testapp.urls")]


def _grant(user, *codenames):
    for codename in codenames:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


@pytest.fixture
def starter(make_user):
    return _grant(make_user(Role.SERVICE_MANAGER), "view_job", "start_job", "change_job")


@pytest.fixture
def viewer(make_user):
    return _grant(make_user(Role.AUDITOR), "view_job")


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_states_offer_enabled_disabled_and_hidden(starter, viewer):
    job = Job.objects.create(title="装机")
    states = {s.name: s for s in JOB_ACTIONS.states(job, starter)}
    assert set(states) == {"start", "rename"}
    assert states["start"].enabled
    # Nobody without the transition's permission is offered it.
    assert JOB_ACTIONS.states(job, viewer) == []

    job = Job.objects.create(title="装机", state=Job.State.STARTED)
    states = {s.name: s for s in JOB_ACTIONS.states(job, starter)}
    assert not states["finish"].enabled
    assert states["finish"].reason == unmet_reason(has_note, job)
    job.note = "到场"
    assert JOB_ACTIONS.available(job, starter) == ["finish", "rename"]


def test_api_is_built_from_the_declaration(starter):
    job = Job.objects.create(title="装机")
    client = _api(starter)
    data = client.get(f"/api/v1/declared-jobs/{job.pk}/").json()
    assert data["available_transitions"] == ["start", "rename"]

    bad = client.post(f"/api/v1/declared-jobs/{job.pk}/transitions/start/", {}, format="json")
    assert bad.status_code == 400
    assert "note" in bad.json()
    ok = client.post(
        f"/api/v1/declared-jobs/{job.pk}/transitions/start/", {"note": ""}, format="json"
    )
    assert ok.status_code == 400  # the form requires it, as on the portal
    ok = client.post(
        f"/api/v1/declared-jobs/{job.pk}/transitions/start/", {"note": "到场"}, format="json"
    )
    assert ok.status_code == 200, ok.content
    assert ok.json()["state"] == "started"

    renamed = client.post(
        f"/api/v1/declared-jobs/{job.pk}/transitions/rename/",
        {"title": "巡检", "urgent": True},
        format="json",
    )
    assert renamed.status_code == 200, renamed.content
    assert renamed.json()["title"] == "巡检!"


def test_api_refuses_a_disabled_action_with_its_reason(starter):
    job = Job.objects.create(title="装机", state=Job.State.STARTED)
    response = _api(starter).post(f"/api/v1/declared-jobs/{job.pk}/transitions/finish/")
    assert response.status_code == 409
    assert unmet_reason(has_note, job) in response.json()["detail"]


def test_api_refuses_an_action_without_its_permission(make_user):
    user = _grant(make_user(Role.SERVICE_MANAGER), "view_job")
    job = Job.objects.create(title="装机")
    response = _api(user).post(
        f"/api/v1/declared-jobs/{job.pk}/transitions/rename/", {"title": "x"}, format="json"
    )
    assert response.status_code == 403
    job.refresh_from_db()
    assert job.title == "装机"


def test_schema_documents_the_form_as_the_request_body(starter):
    schema = _api(starter).get("/api/schema/?format=json")
    if schema.status_code == 404:
        pytest.skip("no schema view in the test URLconf")
    body = schema.json()
    post = body["paths"]["/api/v1/declared-jobs/{id}/transitions/rename/"]["post"]
    ref = post["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    component = body["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert component["required"] == ["title"]
    assert component["properties"]["title"]["maxLength"] == 100
    assert component["properties"]["urgent"]["type"] == "boolean"


def test_portal_panel_shows_disabled_actions_with_the_reason(starter):
    job = Job.objects.create(title="装机", state=Job.State.STARTED)
    client = Client()
    client.force_login(starter)
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert 'data-testid="action-finish" data-disabled="true"' in page
    assert unmet_reason(has_note, job) in page
    assert 'data-testid="form-rename"' in page
    assert 'data-testid="form-finish"' not in page

    refused = client.post(f"/jobs/{job.pk}/action/finish/")
    assert refused.status_code == 409
    assert unmet_reason(has_note, job) in refused.content.decode()


def test_portal_runs_an_action_with_the_same_form(starter):
    job = Job.objects.create(title="装机")
    client = Client()
    client.force_login(starter)
    bad = client.post(f"/jobs/{job.pk}/action/start/", {"start-note": ""})
    assert bad.status_code == 400
    ok = client.post(f"/jobs/{job.pk}/action/start/", {"start-note": "到场"})
    assert ok.status_code == 302
    job.refresh_from_db()
    assert (job.state, job.note) == (Job.State.STARTED, "到场")


def test_portal_admin_and_api_offer_the_same_actions(starter):
    """One declaration: each channel offers the same enabled set to the same user."""
    job = Job.objects.create(title="装机", state=Job.State.STARTED, note="到场")
    expected = JOB_ACTIONS.available(job, starter, "portal")
    assert JOB_ACTIONS.available(job, starter, "admin") == expected
    api = _api(starter).get(f"/api/v1/declared-jobs/{job.pk}/").json()
    assert api["available_transitions"] == expected

    starter.is_staff = True
    starter.save()
    client = Client()
    client.force_login(starter)
    page = client.get(f"/actions-admin/testapp/job/{job.pk}/change/").content.decode()
    offered = [name for name in ("start", "finish", "rename") if f"fsm-transition-{name}" in page]
    assert offered == expected

    done = client.post(f"/actions-admin/testapp/job/{job.pk}/transition/rename/", {"title": "新"})
    assert done.status_code == 302
    job.refresh_from_db()
    assert job.title == "新"


# -- generic options used by field service (input guards, own pages, API input, plain names) --


@pytest.fixture
def scratch_set():
    """An ActionSet declared inside a test, taken out of the registry afterwards."""
    from servicedesk.core import actions as core_actions

    before = list(core_actions._REGISTRY)
    yield
    core_actions._REGISTRY[:] = before


def test_input_conditions_do_not_disable_the_action(starter, scratch_set):
    """A guard that reads the action's input (``hand_over`` needs the new owner) does not
    disable the action before the input is given; the others still do."""
    from servicedesk.core.actions import Action, ActionSet
    from tests.testapp.models import has_owner
    from tests.testapp.services import job_hand_over

    plain = ActionSet(Job, [Action("hand_over", "Hand over", job_hand_over)])
    guarded = ActionSet(
        Job, [Action("hand_over", "Hand over", job_hand_over, input_conditions=(has_owner,))]
    )
    job = Job.objects.create(title="装机", state=Job.State.STARTED)
    [state] = plain.states(job, starter)
    assert not state.enabled and state.reason == unmet_reason(has_owner, job)
    assert guarded.available(job, starter) == ["hand_over"]


def test_an_action_with_a_page_of_its_own_links_to_it(starter, scratch_set, rf):
    """``page``: the panel offers a button opening that page (no form), and a POST to the
    action is sent there; availability still comes from the declaration."""
    from servicedesk.core.actions import Action, ActionSet, action_panels, action_run_portal
    from tests.testapp.services import job_finish

    action_set = ActionSet(
        Job, [Action("finish", "Finish", job_finish, page=lambda job: f"/jobs/{job.pk}/sign/")]
    )
    job = Job.objects.create(title="装机", state=Job.State.STARTED, note="到场")
    [panel] = action_panels(action_set, job, starter)
    assert (panel.enabled, panel.url, panel.form) == (True, f"/jobs/{job.pk}/sign/", None)
    request = rf.post("/")
    request.user = starter
    request.session = {}
    response = action_run_portal(
        request, action_set=action_set, obj=job, name="finish", page=None, reload=None
    )
    assert (response.status_code, response["Location"]) == (302, f"/jobs/{job.pk}/sign/")
    job.refresh_from_db()
    assert job.state == Job.State.STARTED  # the page does the work, not the POST
    job.note = ""
    [panel] = action_panels(action_set, job, starter)
    assert (panel.enabled, panel.url) == (False, "")


def test_form_prefix_off_keeps_plain_field_names(starter, scratch_set):
    from servicedesk.core.actions import Action, ActionSet, action_panels
    from tests.testapp.actions import StartForm
    from tests.testapp.services import job_start

    action_set = ActionSet(Job, [Action("start", "Start", job_start, form=StartForm)])
    plain = ActionSet(Job, [Action("start", "Start", job_start, form=StartForm)], form_prefix=False)
    job = Job.objects.create(title="装机")
    [prefixed] = action_panels(action_set, job, starter)
    [unprefixed] = action_panels(plain, job, starter)
    assert 'name="start-note"' in str(prefixed.form)
    assert 'name="note"' in str(unprefixed.form)


def test_api_input_serializer_validates_and_documents_the_body(starter, scratch_set):
    """``api_input``: the API validates the body with that serializer (input a form
    cannot express, such as nested lists) and documents it as the request body."""
    from drf_spectacular.generators import SchemaGenerator
    from rest_framework import serializers, viewsets
    from rest_framework.routers import SimpleRouter
    from rest_framework.test import APIRequestFactory, force_authenticate

    from servicedesk.core.actions import Action, ActionSet
    from servicedesk.core.api.mixins import FSMViewSetMixin
    from tests.testapp.actions import StartForm
    from tests.testapp.apis import JobSerializer
    from tests.testapp.services import job_start

    class ShortNoteInput(serializers.Serializer):
        note = serializers.CharField(max_length=5)

    declared = ActionSet(
        Job, [Action("start", "Start", job_start, form=StartForm, api_input=ShortNoteInput)]
    )

    class ScratchJobViewSet(FSMViewSetMixin, viewsets.ReadOnlyModelViewSet):
        serializer_class = JobSerializer
        queryset = Job.objects.order_by("id")
        action_set = declared

    endpoint = ScratchJobViewSet.transition_start
    view = ScratchJobViewSet.as_view({"post": "transition_start"}, **endpoint.kwargs)
    job = Job.objects.create(title="装机")

    def post(body):
        request = APIRequestFactory().post("/", body, format="json")
        force_authenticate(request, starter)
        return view(request, pk=job.pk)

    assert post({"note": "longer than five"}).status_code == 400  # the form accepts it
    assert post({"note": "到场"}).status_code == 200
    job.refresh_from_db()
    assert (job.state, job.note) == (Job.State.STARTED, "到场")

    router = SimpleRouter()
    router.register("scratch-jobs", ScratchJobViewSet, basename="scratch-job")
    schema = SchemaGenerator(patterns=router.urls).get_schema(request=None, public=True)
    body = schema["paths"]["/scratch-jobs/{id}/transitions/start/"]["post"]["requestBody"]
    ref = body["content"]["application/json"]["schema"]["$ref"]
    assert ref.rsplit("/", 1)[1].startswith("ShortNoteInput")


def test_action_state_reads_like_a_dict_and_keeps_an_older_prefix(starter):
    """Additions for apps moving onto the layer: ``a["action"]`` reads as the older
    panels' dicts did, and ``prefix`` keeps a portal form's field names."""
    import dataclasses

    job = Job.objects.create(title="装机")
    state = JOB_ACTIONS.states(job, starter)[0]
    assert state["action"] is state.action and state["enabled"] is True
    with pytest.raises(KeyError):
        state["nothing"]
    renamed = dataclasses.replace(JOB_ACTIONS["rename"], prefix="old")
    assert renamed.make_form(job, starter).prefix == "old"
    assert JOB_ACTIONS["rename"].make_form(job, starter).prefix == "rename"


def test_api_input_serializer_replaces_the_form_derived_one():
    import dataclasses

    from rest_framework import serializers

    from servicedesk.core.actions import action_input_serializer

    class KeptInput(serializers.Serializer):
        note = serializers.CharField()

    kept = dataclasses.replace(JOB_ACTIONS["start"], name="start_kept", api_input=KeptInput)
    assert action_input_serializer(Job, kept) is KeptInput
    assert action_input_serializer(Job, JOB_ACTIONS["start"]) is not KeptInput


def test_a_condition_may_name_the_input_it_is_about():
    from types import SimpleNamespace

    from servicedesk.core.conditions import condition, unmet_fields, unmet_reasons

    @condition("写方案", field="solution")
    def written(obj):
        return bool(obj.solution)

    @condition("缺签字")
    def signed(obj):
        return obj.signed

    transition = SimpleNamespace(conditions=[written, signed])
    obj = SimpleNamespace(solution="", signed=False)
    assert unmet_fields(transition, obj) == ["solution"]
    assert unmet_reasons(transition, obj) == ["写方案", "缺签字"]
    obj.solution = "有"
    assert unmet_fields(transition, obj) == []  # the first unmet one names no field


def _portal_request(user, data):
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.backends.db import SessionStore
    from django.test import RequestFactory

    request = RequestFactory().post("/", data)
    request.user = user
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


def _run_portal(request, action_set, job, name, **kwargs):
    from django.http import HttpResponse

    from servicedesk.core.actions import action_run_portal

    def page(request, obj, *, status=200, failed="", failed_form=None):
        errors = str(failed_form.errors) if failed_form is not None else ""
        return HttpResponse(errors, status=status)

    return action_run_portal(
        request,
        action_set=action_set,
        obj=job,
        name=name,
        page=page,
        reload=lambda: Job.objects.get(pk=job.pk),
        **kwargs,
    )


def test_portal_reads_an_unprefixed_form_when_asked(starter):
    """``prefix=False``: a page's own form posting to an older URL of one action."""
    job = Job.objects.create(title="装机")
    prefixed = _run_portal(_portal_request(starter, {"title": "新"}), JOB_ACTIONS, job, "rename")
    assert prefixed.status_code == 400  # the field is read as "rename-title"
    done = _run_portal(
        _portal_request(starter, {"title": "新"}), JOB_ACTIONS, job, "rename", prefix=False
    )
    assert done.status_code == 302
    job.refresh_from_db()
    assert job.title == "新"


def test_service_explains_lets_a_disabled_action_reach_its_service(starter, monkeypatch):
    """``service_explains``: the service's own refusal (field errors, 400) answers a POST
    of an action offered disabled, instead of the channel's 409."""
    from dataclasses import replace

    from servicedesk.core.exceptions import ApplicationError

    def finish_needs_note(job, *, by):
        raise ApplicationError("写上备注", extra={"note": ["写上备注"]})

    job = Job.objects.create(title="装机", state=Job.State.STARTED)
    finish = JOB_ACTIONS["finish"]
    monkeypatch.setitem(JOB_ACTIONS.actions, "finish", replace(finish, service=finish_needs_note))
    refused = _run_portal(_portal_request(starter, {}), JOB_ACTIONS, job, "finish")
    assert refused.status_code == 409
    monkeypatch.setitem(
        JOB_ACTIONS.actions,
        "finish",
        replace(finish, service=finish_needs_note, service_explains=True),
    )
    explained = _run_portal(_portal_request(starter, {}), JOB_ACTIONS, job, "finish")
    assert explained.status_code == 400
    assert "写上备注" in explained.content.decode()
    assert not JOB_ACTIONS.states(job, starter)[0].enabled  # still offered disabled


def test_parity_helper_reads_every_channel(starter, viewer, make_user):
    """tests/action_parity.py, which every app's parity test uses, reads the three
    channels from what they render and compares them with the declaration."""
    from tests.action_parity import assert_channels_agree

    staff = _grant(make_user(Role.SERVICE_MANAGER, is_staff=True), "view_job", "start_job")
    seen = {}
    for state in Job.State.values:
        job = Job.objects.create(title="装机", state=state, note="到场")
        seen[state] = assert_channels_agree(
            JOB_ACTIONS,
            job,
            [starter, viewer, staff],
            portal_url=f"/jobs/{job.pk}/",
            api_url=f"/api/v1/declared-jobs/{job.pk}/",
        )
    assert "start" in seen[Job.State.NEW][starter.username]
    assert "start" not in seen[Job.State.NEW][viewer.username]
    assert seen[Job.State.DONE][starter.username] == set()


def test_an_unlisted_action_runs_on_the_api_but_is_not_named_in_available(starter, monkeypatch):
    """``listed=False``: served at ``transitions/<name>/`` without appearing in the
    representation's ``available_transitions`` (e.g. a customer wait)."""
    from dataclasses import replace

    monkeypatch.setitem(JOB_ACTIONS.actions, "rename", replace(JOB_ACTIONS["rename"], listed=False))
    job = Job.objects.create(title="装机")
    assert JOB_ACTIONS.available(job, starter, "api") == ["start"]
    assert JOB_ACTIONS.available(job, starter, "portal") == ["start", "rename"]
    client = _api(starter)
    assert client.get(f"/api/v1/declared-jobs/{job.pk}/").json()["available_transitions"] == [
        "start"
    ]
    renamed = client.post(
        f"/api/v1/declared-jobs/{job.pk}/transitions/rename/", {"title": "巡检"}, format="json"
    )
    assert renamed.status_code == 200, renamed.content


def test_a_disabled_action_waiting_for_signatures_links_to_them(starter, monkeypatch):
    """``sign_form``: the portal panel offers the boxes the user may sign next to the
    disabled button (``printforms.unsigned_boxes``)."""
    from dataclasses import replace

    from servicedesk.core import printforms
    from servicedesk.core.actions import action_panels

    monkeypatch.setitem(
        JOB_ACTIONS.actions, "finish", replace(JOB_ACTIONS["finish"], sign_form="job_sheet")
    )
    box = {"role": "engineer", "label": "工程师", "url": "/sign/?role=engineer"}
    calls = []

    def boxes(obj, user, code):
        calls.append(code)
        return [box]

    monkeypatch.setattr(printforms, "unsigned_boxes", boxes)
    job = Job.objects.create(title="装机", state=Job.State.STARTED)
    states = {s.name: s for s in action_panels(JOB_ACTIONS, job, starter)}
    assert not states["finish"].enabled and states["finish"].sign == [box]
    assert states["rename"].sign == [] and calls == ["job_sheet"]
    client = Client()
    client.force_login(starter)
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert 'href="/sign/?role=engineer" data-testid="sign-for-finish-engineer"' in page


def test_api_refuses_a_permitted_action_that_is_not_possible_now_with_409(starter):
    """An action that is not a transition, permitted but excluded by its ``when``: 409
    with the reason (403 stays for a missing permission)."""
    job = Job.objects.create(title="装机", state=Job.State.DONE)
    response = _api(starter).post(
        f"/api/v1/declared-jobs/{job.pk}/transitions/rename/", {"title": "x"}, format="json"
    )
    assert response.status_code == 409
    assert "Rename" in response.json()["detail"]
    job.refresh_from_db()
    assert job.title == "装机"


def test_input_name_keeps_a_published_schema_name():
    """``input_name`` names the request body derived from the form; two actions with the
    same name and form share one body (one schema component)."""
    from servicedesk.core.actions import Action, action_input_serializer
    from tests.testapp.actions import RenameForm

    def service(job, *, by, **data):
        return job

    first = Action("named_a", "A", service, form=RenameForm, input_name="RenameBody")
    second = Action("named_b", "B", service, form=RenameForm, input_name="RenameBody")
    plain = Action("named_c", "C", service, form=RenameForm)
    body = action_input_serializer(Job, first)
    assert body.__name__ == "RenameBody" and set(body().fields) == {"title", "urgent"}
    assert action_input_serializer(Job, second) is body
    assert action_input_serializer(Job, plain).__name__ == "JobNamedCInput"


def test_a_decimal_form_field_is_documented_as_a_decimal():
    """Django's forms.DecimalField is an IntegerField subclass: the derived body must
    still say decimal (an agreed charge of 300.50 is not an integer)."""
    from django import forms
    from rest_framework import serializers

    from servicedesk.core.actions import Action, action_input_serializer

    class ChargeForm(forms.Form):
        amount = forms.DecimalField(min_value=0, max_digits=10, decimal_places=2)
        rate = forms.FloatField(required=False)
        count = forms.IntegerField(required=False)

    action = Action("charge_body", "Charge", lambda job, *, by, **data: job, form=ChargeForm)
    fields = action_input_serializer(Job, action)().fields
    assert type(fields["amount"]) is serializers.DecimalField
    assert fields["amount"].decimal_places == 2
    assert type(fields["rate"]) is serializers.FloatField
    assert type(fields["count"]) is serializers.IntegerField


def test_admin_action_returning_another_record_names_this_one(starter, monkeypatch):
    """An action that is not a transition may return another record (a decision, a
    note); the admin's message still names the record it ran on, never a 500."""
    from dataclasses import replace

    from tests.testapp.models import Job as JobModel

    def rename_returning_a_note(job, *, by, title, urgent=False):
        job.title = title
        job.save(update_fields=["title"])
        return object()

    rename = JOB_ACTIONS["rename"]
    monkeypatch.setitem(
        JOB_ACTIONS.actions, "rename", replace(rename, service=rename_returning_a_note)
    )
    job = JobModel.objects.create(title="装机")
    starter.is_staff = True
    starter.save()
    client = Client()
    client.force_login(starter)
    done = client.post(f"/actions-admin/testapp/job/{job.pk}/transition/rename/", {"title": "新"})
    assert done.status_code == 302
    job.refresh_from_db()
    assert job.title == "新"


def test_portal_panel_states_the_confirmation_before_the_submit_button(starter):
    """An action declared with ``confirm`` says what it will do inside its panel, above
    the button that runs it (opening the panel and pressing the button is the
    confirmation; no browser dialog)."""
    job = Job.objects.create(title="装机", state=Job.State.STARTED, note="到场")
    client = Client()
    client.force_login(starter)
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    form = page[page.index('data-testid="form-finish"') :]
    warning = form.index('data-testid="confirm-finish"')
    assert "Finish the job?" in form[warning : form.index('data-testid="submit-finish"')]


def test_one_input_name_is_one_body_and_its_fields_must_match():
    """Two actions giving one ``input_name`` share one body even with two forms (the
    first documents it), as long as the forms take the same fields."""
    from django import forms

    from servicedesk.core.actions import Action, action_input_serializer

    class FirstNote(forms.Form):
        note = forms.CharField(label="First")

    class SecondNote(forms.Form):
        note = forms.CharField(label="Second")

    class Other(forms.Form):
        reason = forms.CharField()

    def service(job, *, by, **data):
        return job

    first = Action("shared_a", "A", service, form=FirstNote, input_name="SharedNoteBody")
    second = Action("shared_b", "B", service, form=SecondNote, input_name="SharedNoteBody")
    other = Action("shared_c", "C", service, form=Other, input_name="SharedNoteBody")
    body = action_input_serializer(Job, first)
    assert action_input_serializer(Job, second) is body
    with pytest.raises(ValueError):
        action_input_serializer(Job, other)


def test_a_json_null_reaches_the_form_as_an_empty_value_given():
    """``null`` is "none", not "not sent": a form telling the two apart (field service's
    expected engineer) sees the key."""
    from rest_framework.test import APIRequestFactory

    from servicedesk.core.actions import api_form_data

    factory = APIRequestFactory()
    request = factory.post("/", {"engineer": 3, "expected_engineer": None}, format="json")
    from rest_framework.parsers import JSONParser
    from rest_framework.request import Request

    data, _files = api_form_data(Request(request, parsers=[JSONParser()]))
    assert data["engineer"] == "3"
    assert "expected_engineer" in data and data["expected_engineer"] == ""


def test_a_required_box_is_required_in_the_body():
    """A confirmation box the form requires ticked is required in the derived body."""
    from django import forms

    from servicedesk.core.actions import Action, action_input_serializer

    class Confirm(forms.Form):
        told = forms.BooleanField()
        extra = forms.BooleanField(required=False)

    action = Action("box_body", "Box", lambda job, *, by, **data: job, form=Confirm)
    fields = action_input_serializer(Job, action)().fields
    assert fields["told"].required is True
    assert fields["extra"].required is False
