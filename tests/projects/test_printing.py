"""The project's printed forms (docs/domain.md §project.forms) on the core printing
framework: each renders as a PDF with its signature boxes; the signed acceptance report
carries the signatures and the fingerprint."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client

from projects.choices import ProjectState
from projects.models import HandoverVersion
from projects.services import handover_write
from servicedesk.core.printforms import forms_for
from tests.projects.factories import make_team, project_in, write_log

pytestmark = pytest.mark.django_db


def _pdf(client: Client, obj, code: str) -> bytes:
    ct = ContentType.objects.get_for_model(type(obj)).pk
    response = client.get(f"/print/{ct}/{obj.pk}/{code}.pdf")
    assert response.status_code == 200, (code, response.status_code)
    assert response.content.startswith(b"%PDF")
    return response.content


def test_every_project_form_prints(make_user):
    team = make_team(make_user)
    project = project_in(ProjectState.ACCEPTED, team)
    log = write_log(project_in(ProjectState.IN_PROGRESS, team), team, dt.date(2026, 12, 1))
    handover_write(project, by=team.pm, receiver=team.consultant, reason="调岗")
    client = Client()
    client.force_login(team.pm)
    records = [
        project,
        project.plan_revisions.first(),
        project.stages.first(),
        log,
        HandoverVersion.objects.get(),
    ]
    codes = set()
    for record in records:
        for spec in forms_for(type(record)):
            content = _pdf(client, record, spec.code)
            codes.add(spec.code)
            if spec.code == "acceptance_report" and os.environ.get("PROJECTS_PDF_OUT"):
                with open(os.environ["PROJECTS_PDF_OUT"], "wb") as fh:
                    fh.write(content)
    assert codes == {
        "readiness_confirmation",
        "acceptance_report",
        "implementation_plan",
        "stage_signoff",
        "daily_log",
        "handover_book",
    }
