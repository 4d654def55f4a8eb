"""The data-import template handed to the customer (docs/domain.md §project.import-template):
who handed it, when, to which contact, the file; on the project page, the API, the history
in words and the readiness confirmation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from contracts.models import Contact
from projects.choices import ProjectState
from projects.models import READINESS_FORM, ImportTemplateHandover, Project
from projects.printing import readiness_confirmation
from projects.services import import_template_hand, project_confirm_ready
from servicedesk.core.demo import demo_xlsx
from servicedesk.core.exceptions import ApplicationError, NotPermitted, TransitionConflict
from servicedesk.core.history import panel_entries
from servicedesk.core.printing import content_fingerprint
from tests.projects.factories import customer_signs, make_team, project_in, sign_plan
from tests.tickets.factories import make_customer

pytestmark = pytest.mark.django_db

S = ProjectState


@pytest.fixture
def team(make_user):
    return make_team(make_user)


TEMPLATE = demo_xlsx("t.xlsx", {"会计科目": ["科目编码", "科目名称"]}).read()


def _template(name: str = "基础数据导入模板.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, TEMPLATE, "application/vnd.ms-excel")


def _contact(customer, name: str = "赵敏") -> Contact:
    return Contact.objects.create(customer=customer, name=name, title="财务主管")


def test_handing_the_template_records_who_when_to_whom_and_the_file(team):
    project = project_in(S.PLANNING, team)
    contact = _contact(project.customer)
    when = timezone.now() - dt.timedelta(hours=3)
    handed = import_template_hand(
        project, by=team.consultant, contact=contact, file=_template(), handed_at=when
    )
    row = ImportTemplateHandover.objects.get(pk=handed.pk)
    assert row.handed_by == team.consultant
    assert row.contact == contact
    assert row.handed_at == when
    assert row.file_name == "基础数据导入模板.xlsx"
    assert row.file.read() == TEMPLATE
    # the history reads in words: what, the file, to whom, when
    entries = panel_entries(project, limit=50)
    entry = next(e for e in entries if e["title"] == "Data-import template handed to the customer")
    assert "基础数据导入模板.xlsx" in entry["note"] and "赵敏" in entry["note"]
    assert timezone.localtime(when).strftime("%Y-%m-%d %H:%M") in entry["note"]
    assert row.history.first().history_change_reason == "import template handed"


def test_refusals_in_words(team):
    project = project_in(S.PLANNING, team)
    other = _contact(make_customer(team.sales), "外人")
    with pytest.raises(ApplicationError) as exc:
        import_template_hand(project, by=team.pm, contact=other, file=_template())
    assert "contact" in exc.value.extra
    with pytest.raises(ApplicationError) as exc:
        import_template_hand(project, by=team.pm, contact=_contact(project.customer), file=None)
    assert "file" in exc.value.extra
    with pytest.raises(ApplicationError) as exc:
        import_template_hand(
            project,
            by=team.pm,
            contact=_contact(project.customer),
            file=_template(),
            handed_at=timezone.now() + dt.timedelta(days=1),
        )
    assert "handed_at" in exc.value.extra
    with pytest.raises(NotPermitted):
        import_template_hand(
            project, by=team.outsider, contact=_contact(project.customer), file=_template()
        )
    applied = project_in(S.APPLIED, team)
    with pytest.raises(TransitionConflict):
        import_template_hand(
            applied, by=team.im, contact=_contact(applied.customer), file=_template()
        )
    assert not ImportTemplateHandover.objects.exists()


def test_the_project_page_offers_and_lists_it(team):
    project = project_in(S.PLANNING, team)
    contact = _contact(project.customer)
    client = Client()
    client.force_login(team.consultant)
    page = client.get(f"/projects/{project.pk}/").content.decode()
    assert 'data-testid="import-templates"' in page
    assert "hand_import_template" in page
    bad = client.post(f"/projects/{project.pk}/action/hand_import_template/", {})
    assert bad.status_code == 400
    assert not ImportTemplateHandover.objects.exists()
    ok = client.post(
        f"/projects/{project.pk}/action/hand_import_template/",
        {"hand_import_template-contact": contact.pk, "hand_import_template-file": _template()},
    )
    assert ok.status_code == 302, ok.content.decode()[:2000]
    page = client.get(f"/projects/{project.pk}/").content.decode()
    assert page.count('data-testid="import-template"') == 1
    assert "基础数据导入模板.xlsx" in page and "赵敏" in page
    # not offered before planning
    applied = project_in(S.APPLIED, team)
    client.force_login(team.im)
    assert "hand_import_template" not in client.get(f"/projects/{applied.pk}/").content.decode()


def test_the_api_records_and_lists_it(team):
    project = project_in(S.IN_PROGRESS, team)
    contact = _contact(project.customer)
    api = APIClient()
    api.force_authenticate(team.pm)
    detail = api.get(f"/api/v1/projects/{project.pk}/").json()
    assert "hand_import_template" in detail["available_transitions"]
    bad = api.post(
        f"/api/v1/projects/{project.pk}/transitions/hand_import_template/",
        {"contact": contact.pk},
        format="multipart",
    )
    assert bad.status_code == 400 and "file" in bad.json()
    ok = api.post(
        f"/api/v1/projects/{project.pk}/transitions/hand_import_template/",
        {"contact": contact.pk, "file": _template("v2.xlsx"), "note": "第二版"},
        format="multipart",
    )
    assert ok.status_code == 200, ok.content
    listed = api.get(f"/api/v1/project-import-templates/?project={project.pk}").json()
    [row] = listed["results"]
    assert row["contact_name"] == "赵敏"
    assert row["handed_by"] == team.pm.pk
    assert row["file_name"] == "v2.xlsx" and row["note"] == "第二版"
    outsider = APIClient()
    outsider.force_authenticate(team.outsider)
    assert outsider.get("/api/v1/project-import-templates/").json()["results"] == []


def test_the_readiness_confirmation_shows_the_templates_handed_before_signing(team):
    project = project_in(S.PLANNING, team)
    contact = _contact(project.customer)
    doc = readiness_confirmation(project)
    item = next(i for i in _items(doc) if i[0] == "Data-import template handed to the customer")
    assert item[1] is None
    import_template_hand(project, by=team.pm, contact=contact, file=_template())
    doc = readiness_confirmation(Project.objects.get(pk=project.pk))
    item = next(i for i in _items(doc) if i[0] == "Data-import template handed to the customer")
    assert item[1] is True and "赵敏" in item[2]
    assert any("基础数据导入模板.xlsx" in str(row) for row in _table_rows(doc))
    sign_plan(project, team)
    customer_signs(project, READINESS_FORM, team.pm)
    project = project_confirm_ready(Project.objects.get(pk=project.pk), by=team.pm)
    signed = content_fingerprint(readiness_confirmation(project))
    # a template handed after the customer signed does not change what they signed
    import_template_hand(project, by=team.pm, contact=contact, file=_template("later.xlsx"))
    again = readiness_confirmation(Project.objects.get(pk=project.pk))
    assert content_fingerprint(again) == signed
    assert not any("later.xlsx" in str(row) for row in _table_rows(again))


def _items(doc):
    from servicedesk.core.printing import Checklist

    return [i for b in doc.blocks if isinstance(b, Checklist) for i in b.items]


def _table_rows(doc):
    from servicedesk.core.printing import Table

    return [r for b in doc.blocks if isinstance(b, Table) for r in b.rows]
