"""Demo implementation projects (``manage.py demo``): three projects in different states,
driven through the same services users call (docs/domain.md §project).

- the contract with implementation signed by the contracts demo opened an application:
  it is taken to *in progress*, its first stage signed off, the second submitted for the
  PM's review, a week of daily logs (most confirmed by the customer), an open incident;
- a second customer's project is *paused* (server not delivered), with a hand-over book
  and an encrypted credential;
- a third customer's project is *accepted*, its acceptance report signed;
- applications other demos opened (a first-visit need routed to implementation) wait for
  the implementation manager's allocation.

Idempotent: skipped once a demo project is past its application.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from contracts.models import Customer
from servicedesk.core.demo import demo_pdf

from .choices import EvaluationOutcome, PauseCategory, ProjectSource, ProjectState
from .models import ACCEPTANCE_FORM, LOG_FORM, PLAN_FORM, READINESS_FORM, STAGE_FORM, Project

DEMO_TITLE = "U8 财务供应链实施"


def _signature() -> str:
    from fieldservice.demo import _signature as drawn

    return drawn()


def _customer_signs(obj: Any, form: str, witness: Any, name: str = "王建国") -> None:
    """The customer signs on the shared signing page: the step it completes is the projects
    app's reaction, run here at once because the demo loads in one transaction."""
    from servicedesk.core.services import signature_record
    from servicedesk.core.services.events import event_reactions_run_now

    signature_record(
        target=obj,
        form=form,
        signer_role="customer",
        signer_name=name,
        image=_signature(),
        by=witness,
    )
    event_reactions_run_now(target=obj)


def _working_days_back(n: int) -> dt.date:
    day = timezone.localdate()
    while n > 0:
        day -= dt.timedelta(days=1)
        if day.weekday() < 5:
            n -= 1
    return day


def _stages(start: dt.date) -> str:
    rows = [
        ("需求调研", 0, 6, "项目调研报告单"),
        ("系统配置与数据导入", 7, 20, "配置说明、期初数据"),
        ("培训与试运行", 21, 34, "培训签到表、试运行报告"),
        ("上线验收", 35, 41, "项目验收报告"),
    ]
    return "\n".join(
        f"{name} | {start + dt.timedelta(days=a)} | {start + dt.timedelta(days=b)} | {d}"
        for name, a, b, d in rows
    )


def _to_in_progress(project: Project, im, pm, consultant, start: dt.date) -> Project:
    from .services import (
        plan_review,
        plan_revise,
        project_allocate,
        project_confirm_ready,
        project_kick_off,
        project_record_kickoff,
        project_start_planning,
    )

    if project.state == ProjectState.APPLIED:
        project = project_allocate(project, by=im, project_manager=pm, consultants=[consultant])
    project = project_start_planning(project, by=pm)
    revision = plan_revise(
        project,
        by=pm,
        scope="总账、应收应付、存货核算、采购与销售管理；期初数据导入；关键用户培训。",
        summary="分四阶段实施，每周五提交周报。",
        stages=_stages(start),
    )
    revision = plan_review(revision, by=im)
    _customer_signs(revision, PLAN_FORM, pm)
    _customer_signs(Project.objects.get(pk=project.pk), READINESS_FORM, pm)
    project = project_confirm_ready(Project.objects.get(pk=project.pk), by=pm)
    project = project_record_kickoff(
        project,
        by=pm,
        kickoff_on=start,
        attendees="李华（项目经理）、周强（实施顾问）、客户财务部全体",
        executives="王建国（总经理）、刘敏（财务总监）",
    )
    return project_kick_off(project, by=pm)


def load(stdout: Any = None) -> None:
    users = {u.username: u for u in get_user_model().objects.all()}
    needed = ("sunli", "lihua", "zhouqiang", "qianjun")
    if any(name not in users for name in needed):
        return
    if Project.objects.exclude(state=ProjectState.APPLIED).filter(title=DEMO_TITLE).exists():
        if stdout:
            stdout.write("Projects demo already loaded.")
        return
    im, pm, consultant, sales = (users[n] for n in needed)
    customers = list(Customer.objects.order_by("pk")[:3])
    if len(customers) < 3:
        return
    from servicedesk.core.services import signature_record

    from .services import (
        credential_save,
        data_import_create,
        document_file,
        handover_write,
        incident_record,
        log_write,
        project_accept,
        project_apply,
        project_evaluate,
        project_pause,
        project_request_acceptance,
        project_write_acceptance,
        stage_deliver,
        stage_review,
        stage_start,
        survey_issue_decide,
        survey_issue_opinion,
        survey_issue_record,
    )

    with transaction.atomic():
        # 1. In progress, from the signed contract's application (opened by the
        # ``contract_signed`` subscriber once the signing committed; opened here when the
        # demo runs inside one transaction).
        from contracts.models import Contract

        for contract in Contract.objects.filter(includes_implementation=True, projects=None):
            project_apply(
                by=im,
                customer=contract.customer,
                contract=contract,
                source=ProjectSource.CONTRACT,
                title=DEMO_TITLE,
            )
        first = (
            Project.objects.filter(state=ProjectState.APPLIED, source=ProjectSource.CONTRACT)
            .order_by("pk")
            .first()
        )
        if first is None:
            first = project_apply(by=im, customer=customers[0], title=DEMO_TITLE)
        first.title = DEMO_TITLE
        first.save(update_fields=["title"])
        first = _to_in_progress(first, im, pm, consultant, _working_days_back(12))
        stages = list(first.stages.order_by("order"))
        doc = demo_pdf("调研报告", "调研报告.pdf")
        s1 = stage_start(stages[0], by=consultant, on=_working_days_back(12))
        s1 = stage_deliver(s1, by=consultant, deliverable=doc)
        s1 = stage_review(s1, by=pm, note="调研完整。")
        _customer_signs(s1, STAGE_FORM, pm)
        s2 = stage_start(stages[1], by=consultant, on=_working_days_back(6))
        stage_deliver(s2, by=consultant, deliverable=demo_pdf("配置说明", "配置说明.pdf"))
        for back in range(5, 0, -1):
            log = log_write(
                first,
                by=consultant,
                day=_working_days_back(back),
                work_done="存货档案整理与期初数据导入" if back > 2 else "采购流程配置与测试",
                hours=Decimal("8"),
                issues="部分物料编码重复" if back == 3 else "",
                next_steps="继续导入期初数据" if back > 2 else "准备关键用户培训",
            )
            if back > 1:
                _customer_signs(log, LOG_FORM, consultant, name="刘敏")
        data_import_create(first, by=consultant, description="历史三年凭证及期初余额导入")
        document_file(
            first,
            by=consultant,
            kind="survey",
            title="项目调研报告单",
            file=demo_pdf("调研报告单", "调研报告单.pdf"),
        )
        issue = survey_issue_record(
            first, by=consultant, description="客户物料编码不统一，存在一物多码。"
        )
        survey_issue_opinion(first, by=pm, issue=issue, opinion="上线前由客户统一编码，顾问协助。")
        survey_issue_opinion(first, by=im, issue=issue, opinion="同意，编码规则纳入实施计划。")
        if "zhaomin" in users:
            survey_issue_decide(
                first, by=users["zhaomin"], issue=issue, decision="客户统一编码，计划顺延一周。"
            )
        incident_record(
            first,
            by=consultant,
            description="客户机房空调故障，服务器停机半天，数据导入中断。",
            impact="系统配置阶段预计延误 1 天。",
        )

        # 2. Paused, with a hand-over book and an encrypted credential.
        second = project_apply(by=im, customer=customers[1], title="U8 人力资源模块实施")
        second = _to_in_progress(second, im, pm, consultant, _working_days_back(4))
        second = project_pause(
            second,
            by=pm,
            category=PauseCategory.CUSTOMER_NOT_READY,
            reason="客户新服务器未到货，暂停两周，到货后恢复实施。",
            requested_by=consultant,
        )
        credential_save(
            second,
            by=pm,
            system="U8 数据库 (SQL Server)",
            username="sa",
            secret="Demo-仅演示-2026",  # noqa: S106 - demo data, stored encrypted
            note="仅限实施期间使用",
        )
        handover_write(
            second,
            by=consultant,
            receiver=pm,
            reason="周强休假两周",
            customer_info="联系人刘敏（财务总监），电话 13900001111。",
            system_config="U8 V16.0，SQL Server 2019，应用服务器与数据库服务器分离。",
            implementation_records="人力资源档案已导入 80%，薪资方案待确认。",
        )

        # 3. Accepted, its report signed by the customer and the sales manager.
        third = project_apply(by=im, customer=customers[2], title="U8 生产制造模块实施")
        third = _to_in_progress(third, im, pm, consultant, _working_days_back(50))
        for stage in third.stages.order_by("order"):
            stage = stage_start(stage, by=consultant, on=stage.planned_start)
            stage = stage_deliver(
                stage,
                by=consultant,
                deliverable=demo_pdf(f"阶段{stage.order}成果", f"阶段{stage.order}.pdf"),
            )
            stage = stage_review(stage, by=pm)
            _customer_signs(stage, STAGE_FORM, pm)
        third = project_request_acceptance(Project.objects.get(pk=third.pk), by=pm)
        project_evaluate(
            third,
            by=pm,
            items="总账、存货、生产订单、MRP 运算：全部通过。",
            outcome=EvaluationOutcome.PASSED,
        )
        project_write_acceptance(
            third, by=pm, summary="系统已上线运行一个月，各模块运行正常，客户同意验收。"
        )
        _customer_signs(third, ACCEPTANCE_FORM, pm)
        signature_record(
            target=third,
            form=ACCEPTANCE_FORM,
            signer_role="sales_manager",
            by=sales,
            image=_signature(),
        )
        project_accept(Project.objects.get(pk=third.pk), by=pm)
    if stdout:
        stdout.write("Projects demo: 3 projects (in progress, paused, accepted).")
