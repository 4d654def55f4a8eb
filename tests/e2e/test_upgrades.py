"""One upgrade walked in the browser, blocked at each gate until its evidence is added,
to the report (issue 15, Done when): the manual, the customer's signature on the printed
plan (signing page), the rehearsal that passed, the full backup, the customer told before,
the run, the customer told after, the upgrade report to the region lead; the printed
report is rendered to PNG."""

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
    return page.locator(f"[data-testid='upgrade-state'] [data-state='{state}']")


def _open(page: Page, action: str):
    page.get_by_test_id(f"action-{action}").click()
    form = page.get_by_test_id(f"form-{action}")
    expect(form).to_be_visible()
    page.wait_for_function("() => !document.querySelector('.collapsing')")
    return form


def _submit(page: Page, action: str, *, fields=None, checks=(), selects=None, files=None):
    form = _open(page, action)
    for name, value in (selects or {}).items():
        form.locator(f"[name='{action}-{name}']").select_option(value)
    for name, value in (fields or {}).items():
        form.locator(f"[name='{action}-{name}']").fill(value)
    for name in checks:
        form.locator(f"[name='{action}-{name}']").check()
    for name, value in (files or {}).items():
        form.locator(f"[name='{action}-{name}']").set_input_files(value)
    with page.expect_navigation():
        form.get_by_test_id(f"submit-{action}").click()


def _blocked(page: Page, action: str, words: str) -> None:
    expect(page.get_by_test_id(f"action-{action}")).to_be_disabled()
    expect(page.get_by_test_id(f"why-{action}")).to_contain_text(words)


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


def test_upgrade_blocked_at_each_gate_until_its_evidence_is_added(
    browser, live_server, page, demo_staff, demo_password, login, result_path, tmp_path
):
    import datetime as dt

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from fieldservice.models import Engineer
    from fieldservice.models.upgrades import Upgrade
    from servicedesk.core.models import Notification
    from tests.fieldservice.upgrade_factories import PLAN, off_hours
    from tests.tickets.factories import make_customer

    users = {u.username: u for u in get_user_model().objects.all()}
    manager, lead = users["zhengwei"], users["jiangtao"]
    engineer = Engineer.objects.create(
        user=users["chengang"], region="华东", certified_on=dt.date(2025, 3, 1)
    )
    customer = make_customer(manager, name="苏州星湖精密制造有限公司")
    from fieldservice.services.upgrades import upgrade_create

    upgrade = upgrade_create(
        by=manager,
        customer=customer,
        engineer=engineer,
        product="U8 ERP",
        from_version="V13.0",
        to_version="V16.1",
        planned_start=off_hours(),
        **PLAN,
    )
    url = f"/upgrades/{upgrade.pk}/"
    manual = tmp_path / "U8升级手册.pdf"
    manual.write_bytes(b"%PDF-1.4\n% U8 upgrade manual\n")

    # Gate 1: no upgrade manual, no upgrade.
    login(page, "zhengwei", demo_password)
    page.goto(url)
    expect(_state(page, "planned")).to_be_visible()
    _blocked(page, "approve", "升级手册")
    _submit(page, "attach_manual", files={"manual": str(manual)})
    expect(page.get_by_test_id("manual")).to_contain_text("U8升级手册")

    # Gate 2: the customer's signed agreement, on the printed plan's signing page.
    _blocked(page, "approve", "签字")
    with page.expect_navigation():
        page.get_by_test_id("sign-upgrade_plan").click()
    page.locator("[name='signer_role']").select_option("customer")
    page.locator("[name='signer_name']").fill("王主任")
    _draw(page)
    with page.expect_navigation():
        page.get_by_test_id("sign-submit").click()
    page.goto(url)
    _submit(page, "approve")
    expect(_state(page, "approved")).to_be_visible()

    # Gate 3: a rehearsal in a simulated environment that passed (the engineer).
    eng = _user_page(browser, live_server, login, "chengang", demo_password)
    eng.goto(url)
    _submit(eng, "rehearse", fields={"rehearsal_environment": "测试账套 998"})
    expect(eng.get_by_test_id("form-rehearse")).to_contain_text("演练未通过")
    eng.goto(url)
    _submit(
        eng,
        "rehearse",
        fields={"rehearsal_environment": "测试服务器：生产账套昨日备份还原"},
        checks=["rehearsal_passed"],
    )
    expect(_state(eng, "rehearsed")).to_be_visible()

    # Gate 4: programs, database and attachments backed up, and where.
    _submit(eng, "back_up", checks=["backup_programs", "backup_database"])
    expect(eng.get_by_test_id("form-back_up")).to_contain_text("请备份附件")
    eng.goto(url)
    _submit(
        eng,
        "back_up",
        checks=["backup_programs", "backup_database", "backup_attachments"],
        fields={"backup_location": "财务服务器 E:\\升级前备份"},
    )
    expect(_state(eng, "backed_up")).to_be_visible()

    # Gate 5: the customer told before the upgrade.
    _blocked(eng, "execute", "通知客户")
    _submit(eng, "notify_customer", selects={"when": "before", "channel": "phone"},
            fields={"contact": "王主任"})  # fmt: skip
    day = timezone.localdate() - dt.timedelta(days=1)
    while day.weekday() != 5:
        day -= dt.timedelta(days=1)
    _submit(
        eng,
        "execute",
        fields={"executed_at": f"{day.isoformat()}T20:00", "problems": "凭证打印模板错位"},
    )
    expect(_state(eng, "executed")).to_be_visible()
    expect(eng.get_by_test_id("upgrade-problems")).to_contain_text("凭证打印模板错位")

    # Gate 6: the customer told after, and the report written; it goes to the region lead.
    _blocked(eng, "submit_report", "升级后通知客户")
    _submit(eng, "notify_customer", selects={"when": "after", "channel": "email"},
            fields={"contact": "王主任"})  # fmt: skip
    _submit(eng, "submit_report")
    expect(eng.get_by_test_id("form-submit_report")).to_contain_text("升级情况说明")
    eng.goto(url)
    _submit(eng, "submit_report", fields={"report": "升级按计划完成，打印模板已调整。"})
    expect(_state(eng, "reported")).to_be_visible()
    eng.screenshot(path=str(result_path("upgrade-reported")), full_page=True)
    assert Upgrade.objects.get(pk=upgrade.pk).state == "reported"
    assert Notification.objects.filter(recipient=lead, kind="upgrade_reported").exists()

    # The printed report, rendered to PNG.
    from django.contrib.contenttypes.models import ContentType

    ct = ContentType.objects.get_for_model(Upgrade).pk
    response = eng.request.get(f"{live_server.url}/print/{ct}/{upgrade.pk}/upgrade_report.pdf")
    assert response.ok and response.body().startswith(b"%PDF")
    pdf = result_path("upgrade-report", ".pdf")
    pdf.write_bytes(response.body())
    if shutil.which("pdftoppm"):
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "60",
                "-f",
                "1",
                "-l",
                "1",
                str(pdf),
                str(pdf.with_suffix("")),
            ],
            check=True,
        )
