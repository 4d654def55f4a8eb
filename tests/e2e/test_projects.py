"""An implementation project from application to archive in the browser (issue 13, Done
when): allocation, a plan revision signed by the customer on the signing page, readiness
and kickoff, a pause and a resume, a second plan revision signed, a failed evaluation and
rework, acceptance with the acceptance report printed (PDF rendered to PNG), archive."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.django_db(transaction=True)


def _user_page(browser, live_server, login, username: str, password: str) -> Page:
    context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    page = context.new_page()
    login(page, username, password)
    return page


def _state(page: Page, state: str):
    return page.locator(f"[data-testid='project-state'] [data-state='{state}']")


def _open(page: Page, action: str):
    """Open an action's panel and wait until its collapse animation has finished (a click
    during the animation can land beside the moving button)."""
    page.get_by_test_id(f"action-{action}").click()
    form = page.get_by_test_id(f"form-{action}")
    expect(form).to_be_visible()
    page.wait_for_function("() => !document.querySelector('.collapsing')")
    return form


def _act(page: Page, action: str, fields: dict | None = None, selects: dict | None = None):
    form = _open(page, action)
    for name, value in (selects or {}).items():
        form.locator(f"[name='{action}-{name}']").select_option(value)
    for name, value in (fields or {}).items():
        form.locator(f"[name='{action}-{name}']").fill(value)
    with page.expect_navigation():
        form.get_by_test_id(f"submit-{action}").click()


def _draw(page: Page) -> None:
    pad = page.locator("canvas.signature-pad")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    page.mouse.move(x + w * 0.1, y + h * 0.7)
    page.mouse.down()
    for fx, fy in [(0.25, 0.3), (0.4, 0.75), (0.6, 0.25), (0.85, 0.65)]:
        page.mouse.move(x + w * fx, y + h * fy, steps=8)
    page.mouse.up()


def test_project_from_application_to_archive(
    browser, live_server, page, demo_staff, demo_password, login, result_path
):
    from django.contrib.auth import get_user_model
    from django.contrib.contenttypes.models import ContentType

    from projects.choices import EvaluationOutcome
    from projects.models import ACCEPTANCE_FORM, PLAN_FORM, READINESS_FORM, Project
    from projects.services import plan_review, plan_revise, project_apply
    from servicedesk.core.services import signature_record
    from tests.fieldservice.factories import signature_png
    from tests.projects.factories import STAGES, Team, customer_signs, finish_stages
    from tests.tickets.factories import make_customer

    users = {u.username: u for u in get_user_model().objects.all()}
    im, pm, consultant, sales = (users[n] for n in ("sunli", "lihua", "zhouqiang", "qianjun"))
    team = Team(im=im, pm=pm, consultant=consultant, sales=sales, outsider=users["chengang"])
    customer = make_customer(sales, name="苏州星湖精密制造有限公司")
    project = project_apply(by=im, customer=customer, title="U8 财务供应链实施")
    url = f"/projects/{project.pk}/"

    # The implementation manager allocates.
    login(page, "sunli", demo_password)
    page.goto(url)
    _act(
        page,
        "allocate",
        selects={"project_manager": str(pm.pk), "consultants": [str(consultant.pk)]},
    )
    expect(_state(page, "allocated")).to_be_visible()

    # The PM plans; the implementation manager reviews; the customer signs on the signing page.
    pm_page = _user_page(browser, live_server, login, "lihua", demo_password)
    pm_page.goto(url)
    _act(pm_page, "start_planning")
    _act(
        pm_page,
        "revise_plan",
        fields={"scope": "总账、应收应付、存货核算", "stages": STAGES},
    )
    revision = Project.objects.get(pk=project.pk).plan_revisions.get()
    page.goto(f"/projects/plans/{revision.pk}/")
    _open(page, "review")
    with page.expect_navigation():
        page.get_by_test_id("submit-review").click()
    ct = ContentType.objects.get_for_model(type(revision)).pk
    pm_page.goto(f"/sign/{ct}/{revision.pk}/{PLAN_FORM}/?role=customer")
    pm_page.locator("[name='signer_name']").fill("王建国")
    _draw(pm_page)
    with pm_page.expect_navigation():
        pm_page.get_by_test_id("sign-submit").click()
    pm_page.goto(f"/projects/plans/{revision.pk}/")
    expect(pm_page.get_by_test_id("in-force")).to_be_visible()

    # Ready needs the readiness confirmation: offered disabled with the reason until signed.
    pm_page.goto(url)
    expect(pm_page.get_by_test_id("why-confirm_ready")).to_be_visible()
    customer_signs(Project.objects.get(pk=project.pk), READINESS_FORM, pm)
    pm_page.goto(url)
    _act(pm_page, "confirm_ready")
    _act(
        pm_page,
        "record_kickoff",
        fields={
            "kickoff_on": "2026-03-02",
            "attendees": "李华、周强",
            "executives": "王建国（总经理）",
        },
    )
    _act(pm_page, "kick_off")
    expect(_state(pm_page, "in_progress")).to_be_visible()

    # A pause and a resume.
    _act(
        pm_page,
        "pause",
        fields={"reason": "客户服务器未到货，暂停两周"},
        selects={"category": "customer_not_ready", "requested_by": str(consultant.pk)},
    )
    expect(_state(pm_page, "paused")).to_be_visible()
    _act(pm_page, "resume")
    expect(_state(pm_page, "in_progress")).to_be_visible()

    # A second revision, signed by the customer: it is the plan in force.
    second = plan_revise(
        Project.objects.get(pk=project.pk),
        by=pm,
        scope="总账、应收应付、存货核算",
        stages=STAGES.replace("2026-03-20", "2026-03-27"),
        change_note="上线推迟一周",
    )
    customer_signs(plan_review(second, by=im), PLAN_FORM, pm)
    pm_page.goto(url)
    expect(pm_page.get_by_test_id("plan-in-force")).to_contain_text("2")

    # Stages delivered and signed; acceptance; a failed evaluation sends it back to work.
    finish_stages(Project.objects.get(pk=project.pk), team)
    pm_page.goto(url)
    _act(pm_page, "request_acceptance")
    _act(
        pm_page,
        "evaluate",
        fields={"items": "报表模块：未完成"},
        selects={"outcome": EvaluationOutcome.INCOMPLETE},
    )
    last = Project.objects.get(pk=project.pk).stages.order_by("order").last()
    _open(pm_page, "rework")
    pm_page.get_by_test_id("form-rework").locator(f"input[value='{last.pk}']").check()
    with pm_page.expect_navigation():
        pm_page.get_by_test_id("submit-rework").click()
    expect(_state(pm_page, "in_progress")).to_be_visible()
    finish_stages(Project.objects.get(pk=project.pk), team)
    pm_page.goto(url)
    _act(pm_page, "request_acceptance")
    _act(pm_page, "evaluate", fields={"items": "全部模块：通过"}, selects={"outcome": "passed"})
    _act(pm_page, "write_acceptance", fields={"summary": "系统上线运行正常，同意验收。"})
    p = Project.objects.get(pk=project.pk)
    customer_signs(p, ACCEPTANCE_FORM, pm)
    signature_record(
        target=p,
        form=ACCEPTANCE_FORM,
        signer_role="sales_manager",
        by=sales,
        image=signature_png(),
    )
    pm_page.goto(url)
    _act(pm_page, "accept")
    expect(_state(pm_page, "accepted")).to_be_visible()

    # The acceptance report, printed.
    pct = ContentType.objects.get_for_model(Project).pk
    pdf = pm_page.request.get(f"/print/{pct}/{project.pk}/{ACCEPTANCE_FORM}.pdf")
    assert pdf.ok and pdf.body().startswith(b"%PDF")
    pdf_path = result_path("project_acceptance_report", ".pdf")
    pdf_path.write_bytes(pdf.body())
    if shutil.which("pdftoppm"):
        prefix = result_path("project_acceptance_report", "")
        subprocess.run(["pdftoppm", "-png", "-r", "80", str(pdf_path), str(prefix)], check=True)
        assert list(prefix.parent.glob(prefix.name + "-*.png"))

    # Every document reviewed by the PM, then archived.
    pm_page.goto(url)
    if pm_page.get_by_test_id("action-review_documents").count():
        form = _open(pm_page, "review_documents")
        for box in form.locator("input[type='checkbox']").all():
            box.check()
        with pm_page.expect_navigation():
            form.get_by_test_id("submit-review_documents").click()
    _act(pm_page, "archive")
    expect(_state(pm_page, "archived")).to_be_visible()
    assert Project.objects.get(pk=project.pk).state == "archived"
