"""Where projects come from and what acceptance starts (docs/domain.md §project.application,
§project.acceptance): a signed contract with implementation (its redacted copy filed, the
full copy never), a first-visit need routed to implementation, the free service period
starting at acceptance, incidents, data-import tasks and requirements."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from contracts.choices import ContractState, Department, DocumentKind, PeriodKind
from contracts.models import Contract, FirstVisit
from contracts.services import contract_document_upload, contract_save_draft, contract_sign
from contracts.services.visits import (
    first_visit_add_need,
    first_visit_route_needs,
    first_visit_start,
)
from projects.choices import DocumentKind as ProjectDocumentKind
from projects.choices import ProjectSource, ProjectState
from projects.models import Project
from projects.services import (
    data_import_create,
    incident_record,
    project_raise_requirement,
)
from servicedesk.core.choices import Role
from servicedesk.core.exceptions import ApplicationError
from servicedesk.core.models import Notification
from tests.projects.factories import make_team, project_in
from tests.tickets.factories import make_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(make_user):
    return make_team(make_user)


@pytest.fixture
def sign(django_capture_on_commit_callbacks):
    """Sign as the contracts app does; the project opens once the signing commits."""

    def run(contract):
        with django_capture_on_commit_callbacks(execute=True):
            return contract_sign(contract, by=contract.sales_manager, today=dt.date(2026, 1, 5))

    return run


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n% contract\n%%EOF\n", "application/pdf")


def _draft(team, *, implementation=True, from_acceptance=False, free_import=False) -> Contract:
    return contract_save_draft(
        by=team.sales,
        data={
            "number": f"HT-P{Contract.objects.count() + 1:05d}",
            "customer": make_customer(team.sales),
            "sales_manager": team.sales,
            "signed_on": dt.date(2026, 1, 5),
            "amount": Decimal("180000.00"),
            "service_level": "5x8",
            "includes_implementation": implementation,
            "free_period_from_acceptance": from_acceptance,
            "free_data_import": free_import,
            "scope_items": [
                {"service_type": "phone_support", "quota": None, "quota_period": "year", "note": ""}
            ],
            "charge_rates": [],
            "free_period": {"starts_on": dt.date(2027, 1, 1), "ends_on": dt.date(2027, 12, 31)},
        },
    )


def test_a_signed_contract_with_implementation_opens_an_application_with_the_redacted_copy(
    team, sign
):
    contract = _draft(team)
    contract_document_upload(
        contract=contract, kind=DocumentKind.FULL, file=_pdf("full.pdf"), by=team.sales
    )
    redacted = contract_document_upload(
        contract=contract, kind=DocumentKind.REDACTED, file=_pdf("redacted.pdf"), by=team.sales
    )
    sign(contract)
    project = Project.objects.get(contract=contract)
    assert (project.state, project.source) == (ProjectState.APPLIED, ProjectSource.CONTRACT)
    docs = list(project.documents.all())
    assert [d.kind for d in docs] == [ProjectDocumentKind.REDACTED_CONTRACT]
    assert docs[0].contract_document == redacted
    assert docs[0].file.name == redacted.file.name
    told = Notification.objects.filter(kind="project_applied").values_list("recipient", flat=True)
    assert team.im.pk in told


def test_a_contract_without_implementation_opens_nothing(team, sign):
    contract = _draft(team, implementation=False)
    sign(contract)
    assert not Project.objects.filter(contract=contract).exists()


def test_a_first_visit_need_routed_to_implementation_opens_an_application(team, sign, make_user):
    agent = make_user(Role.FIRST_VISIT_AGENT)
    contract = _draft(team, implementation=False)
    sign(contract)
    visit = FirstVisit.objects.get(contract=contract)
    visit.agent = agent
    visit.save(update_fields=["agent"])
    visit = first_visit_start(visit, by=agent)
    first_visit_add_need(
        visit, by=agent, department=Department.IMPLEMENTATION, description="新增供应链模块实施"
    )
    first_visit_add_need(visit, by=agent, department=Department.SALES, description="询价：加购站点")
    first_visit_route_needs(visit, by=agent)
    projects = list(Project.objects.filter(customer=contract.customer))
    assert len(projects) == 1
    assert projects[0].source == ProjectSource.FIRST_VISIT
    assert projects[0].description == "新增供应链模块实施"


def test_acceptance_starts_the_free_service_period_when_the_contract_says_so(team, sign):
    contract = _draft(team, from_acceptance=True)
    sign(contract)
    project = Project.objects.get(contract=contract)
    project = project_in(ProjectState.ACCEPTED, team, contract=contract, project=project)
    today = timezone.localdate()
    period = contract.periods.get(kind=PeriodKind.FREE)
    assert (period.starts_on, period.ends_on) == (today, today + dt.timedelta(days=364))
    contract.refresh_from_db()
    assert contract.state == ContractState.IN_SERVICE


def test_acceptance_leaves_the_period_alone_otherwise(team, sign):
    contract = _draft(team, from_acceptance=False)
    sign(contract)
    project = Project.objects.get(contract=contract)
    project_in(ProjectState.ACCEPTED, team, contract=contract, project=project)
    period = contract.periods.get(kind=PeriodKind.FREE)
    assert period.starts_on == dt.date(2027, 1, 1)


def test_an_incident_is_escalated_at_once_to_the_implementation_and_sales_managers(team, sign):
    project = project_in(ProjectState.IN_PROGRESS, team)
    incident_record(project, by=team.consultant, description="客户机房断电，服务器损坏")
    told = set(
        Notification.objects.filter(kind="project_incident").values_list("recipient", flat=True)
    )
    assert {team.im.pk, team.sales.pk} <= told


def test_data_import_is_free_when_the_contract_says_so_else_routed_to_sales(team, sign):
    free_contract = _draft(team, free_import=True)
    sign(free_contract)
    free_project = project_in(
        ProjectState.IN_PROGRESS,
        team,
        contract=free_contract,
        project=Project.objects.get(contract=free_contract),
    )
    task = data_import_create(free_project, by=team.consultant, description="期初余额导入")
    assert task.free and not Notification.objects.filter(kind="data_import_charged").exists()

    paid = project_in(ProjectState.IN_PROGRESS, team)
    task = data_import_create(paid, by=team.consultant, description="历史凭证导入")
    assert not task.free and task.charge_note
    told = Notification.objects.filter(kind="data_import_charged").values_list(
        "recipient", flat=True
    )
    assert list(told) == [team.sales.pk]


def test_a_requirement_raised_during_implementation_goes_to_the_pipeline_linked(
    team, sign, make_user
):
    make_user(Role.TECH_MANAGER)
    project = project_in(ProjectState.IN_PROGRESS, team)
    requirement = project_raise_requirement(
        project,
        by=team.consultant,
        title="凭证打印加水印",
        description="打印凭证时加公司水印",
        intent="防止凭证复印件被冒用",
        product="U8",
    )
    assert requirement.project == project
    assert requirement.state == "recorded"
    from django.test import Client

    client = Client()
    client.force_login(team.pm)
    page = client.get(f"/projects/{project.pk}/").content.decode()
    assert requirement.number in page


def test_survey_issue_needs_two_opinions_and_the_directors_decision(team, sign, make_user):
    from projects.models import SurveyIssue
    from projects.services import (
        survey_issue_decide,
        survey_issue_opinion,
        survey_issue_record,
    )
    from servicedesk.core.exceptions import NotPermitted, TransitionConflict

    director = make_user(Role.DIRECTOR)
    project = project_in(ProjectState.PLANNING, team)
    issue = survey_issue_record(project, by=team.consultant, description="客户物料编码不统一")
    issue = survey_issue_opinion(project, by=team.pm, issue=issue, opinion="先统一编码再导入")
    with pytest.raises(ApplicationError):
        survey_issue_opinion(project, by=team.pm, issue=issue, opinion="再说一次")
    with pytest.raises(TransitionConflict, match="Two reviewers"):
        survey_issue_decide(project, by=director, issue=issue, decision="同意")
    issue = survey_issue_opinion(project, by=team.im, issue=issue, opinion="客户负责整理")
    with pytest.raises(NotPermitted):
        survey_issue_decide(project, by=team.pm, issue=issue, decision="同意")
    issue = survey_issue_decide(project, by=director, issue=issue, decision="客户整理，顾问协助")
    assert issue.state == SurveyIssue.State.DECIDED and issue.decided_by == director
