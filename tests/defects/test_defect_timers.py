"""Each severity's deadlines at real dates around the 2026 National Day holiday
(10-01..10-07 off, Saturday 10-10 a make-up working day; 09:00–12:00 and 13:00–18:00),
counted from ``reported_at``; severity changes re-plan them; followers are reminded at
the warning point exactly once (docs/domain.md §defect.severity)."""

from __future__ import annotations

import pytest

from defects.services import (
    defect_change_severity,
    defect_fix,
    defect_follow,
    defect_report,
    defect_start_fix,
    defect_verify,
)
from servicedesk.core.choices import TimerState
from servicedesk.core.models import DomainEvent, Escalation, Notification, SlaTimer
from servicedesk.core.services.timers import sla_sweep
from tests.defects.factories import record_defect, reload, sh

pytestmark = pytest.mark.django_db

WED_1700 = sh(2026, 9, 30, 17, 0)


def due(defect) -> dict[str, object]:
    return {
        t.target: t.due_at
        for t in SlaTimer.objects.for_subject(defect).filter(state=TimerState.RUNNING)
    }


@pytest.mark.parametrize(
    ("severity", "expected"),
    [
        # 1 working day: the day it starts is not counted; 10-01..10-07 are the holiday.
        # The fix clock starts when it is verified and reported (see below).
        ("serious", {"report": sh(2026, 10, 8, 18, 0)}),
        (
            "important",
            {
                "report": sh(2026, 10, 8, 18, 0),
                "verify": sh(2026, 10, 9, 18, 0),
                # Saturday 10-10 is a make-up working day.
                "resolve": sh(2026, 10, 10, 18, 0),
            },
        ),
        ("general", {"report": sh(2026, 10, 10, 18, 0)}),
        ("fatal", {}),
    ],
)
def test_deadlines_of_every_severity_around_national_day(clock, engineer, severity, expected):
    clock.set(sh(2026, 9, 30, 17, 30))
    defect = record_defect(engineer, severity=severity, reported_at=WED_1700)
    assert due(defect) == expected
    timers = SlaTimer.objects.for_subject(defect).exclude(target="escalation")
    assert {t.started_at for t in timers} <= {WED_1700}


def test_fatal_notifies_region_lead_and_back_office_at_once(
    clock, engineer, region_lead, tech_manager
):
    clock.set(sh(2026, 9, 30, 17, 5))
    defect = record_defect(engineer, severity="fatal", reported_at=WED_1700)
    recipients = set(
        Notification.objects.filter(kind="defect_fatal").values_list(
            "recipient__username", flat=True
        )
    )
    assert recipients == {"lead_sun", "tm_qian"}
    escalation = SlaTimer.objects.for_subject(defect).get(target="escalation")
    assert escalation.state == TimerState.MET
    assert set(defect.followers.values_list("username", flat=True)) >= {"lead_sun", "tm_qian"}


def test_transitions_meet_their_deadlines(clock, engineer, tester, developer):
    clock.set(sh(2026, 9, 30, 17, 0))
    defect = record_defect(engineer, severity="important", reported_at=WED_1700)
    clock.set(sh(2026, 10, 8, 10, 0))
    defect = defect_report(defect, by=engineer, note="已在现场复现")
    defect = defect_verify(defect, by=tester, note="测试环境复现")
    defect = defect_start_fix(defect, by=developer)
    defect = defect_fix(defect, by=developer, note="修正科目校验", version="V13.0 补丁 5")
    states = dict(SlaTimer.objects.for_subject(defect).values_list("target", "state"))
    assert states == {"report": "met", "verify": "met", "resolve": "met"}


def test_severity_change_replans_from_reported_at_and_is_audited(clock, engineer, tester):
    clock.set(sh(2026, 9, 30, 17, 30))
    defect = record_defect(engineer, severity="general", reported_at=WED_1700)
    assert due(defect) == {"report": sh(2026, 10, 10, 18, 0)}
    clock.set(sh(2026, 9, 30, 17, 45))
    defect = defect_change_severity(
        defect, by=tester, severity="serious", reason="主流程无法推进：所有凭证都无法保存"
    )
    assert defect.severity == "serious"
    assert due(defect) == {"report": sh(2026, 10, 8, 18, 0)}
    cancelled = SlaTimer.objects.for_subject(defect).get(state=TimerState.CANCELLED)
    assert cancelled.target == "report" and cancelled.due_at == sh(2026, 10, 10, 18, 0)
    event = DomainEvent.objects.get(kind="defect.change_severity")
    assert event.data["severity_from"] == "general"
    assert event.data["severity_to"] == "serious"
    assert event.data["reason"].startswith("主流程")
    assert event.actor == tester
    latest = reload(defect).history.first()
    assert latest.severity == "serious"
    assert latest.history_user == tester
    assert "主流程" in latest.history_change_reason


def test_severity_change_keeps_deadlines_already_met(clock, engineer, tester):
    clock.set(sh(2026, 9, 30, 17, 30))
    defect = record_defect(engineer, severity="important", reported_at=WED_1700)
    defect = defect_report(defect, by=engineer)
    defect = defect_change_severity(defect, by=tester, severity="serious", reason="影响主流程")
    # report was met as important; only fix is planned for serious: 24 hours from the
    # report (17:30).
    assert due(defect) == {"fix": sh(2026, 10, 1, 17, 30)}
    assert SlaTimer.objects.for_subject(defect).get(target="report").state == TimerState.MET


def test_severity_change_needs_a_reason_and_a_new_severity(engineer, tester):
    from servicedesk.core.exceptions import ApplicationError

    defect = record_defect(engineer, severity="general")
    with pytest.raises(ApplicationError) as exc:
        defect_change_severity(defect, by=tester, severity="serious", reason=" ")
    assert "reason" in exc.value.extra
    with pytest.raises(ApplicationError) as exc:
        defect_change_severity(defect, by=tester, severity="general", reason="同上")
    assert "severity" in exc.value.extra
    assert reload(defect).severity == "general"


def test_followers_are_reminded_at_the_warning_point_exactly_once(
    clock, engineer, tester, developer, make_user
):
    """Serious: fix is due 24 h after reporting; its warning comes at 80 % (19.2 h)."""
    watcher = make_user("service_manager", username="sm_follow")
    clock.set(sh(2026, 9, 30, 17, 0))
    defect = record_defect(engineer, severity="serious", reported_at=WED_1700)
    defect = defect_report(defect, by=engineer)
    defect_follow(defect, by=watcher)
    fix = SlaTimer.objects.for_subject(defect).get(target="fix")
    assert fix.warn_at == sh(2026, 10, 1, 12, 12)
    sla_sweep(now=sh(2026, 10, 1, 12, 11))
    assert not Notification.objects.filter(kind="sla_warning").exists()
    sla_sweep(now=sh(2026, 10, 1, 12, 12))
    sla_sweep(now=sh(2026, 10, 1, 12, 30))
    warned = Notification.objects.filter(kind="sla_warning", target_id=defect.pk)
    by_person = sorted(warned.values_list("recipient__username", flat=True))
    # The testers own it until a developer takes it; the reporter and the follower follow
    # it; each told once.
    assert by_person == sorted({"qa_li", "fe_wang", "sm_follow"})
    assert Escalation.objects.filter(timer=fix, kind="warning").count() == 1
    fix.refresh_from_db()
    assert fix.warned_at == sh(2026, 10, 1, 12, 12)
    assert fix.state == TimerState.RUNNING


def test_reopening_gives_a_fresh_fix_deadline(clock, engineer, tester, developer):
    from defects.services import defect_confirm, defect_reopen

    clock.set(sh(2026, 9, 30, 17, 0))
    defect = record_defect(engineer, severity="serious", reported_at=WED_1700)
    defect = defect_report(defect, by=engineer)
    defect = defect_verify(defect, by=tester, note="复现")
    defect = defect_start_fix(defect, by=developer)
    clock.set(sh(2026, 10, 1, 10, 0))
    defect = defect_fix(defect, by=developer, note="补丁 1")
    defect = defect_confirm(defect, by=engineer, note="客户确认")
    clock.set(sh(2026, 10, 8, 9, 30))
    defect = defect_reopen(defect, by=engineer, reason="月末再次出现")
    assert due(defect) == {"fix": sh(2026, 10, 9, 9, 30)}  # 24 hours from the reopening
    defect = defect_start_fix(defect, by=developer)
    # A severity change now keeps counting the fix from the reopening.
    defect = defect_change_severity(defect, by=tester, severity="important", reason="分支流程")
    # 3 working days after 10-08: 10-09, Saturday 10-10 (make-up day), 10-12, close of business.
    assert due(defect) == {"resolve": sh(2026, 10, 12, 18, 0)}
    clock.set(sh(2026, 10, 8, 15, 0))
    defect = defect_fix(defect, by=developer, note="补丁 2")
    fixes = SlaTimer.objects.for_subject(defect).filter(target__in=["fix", "resolve"])
    assert sorted(fixes.values_list("state", flat=True)) == ["cancelled", "met", "met"]
