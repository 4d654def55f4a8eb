"""Defect deadlines in a sensible order, owned by who must act (docs/domain.md §defect.owners,
§defect.serious:
"严重级BUG……在一个工作日内完成验证、上报工作。保证在24小时内督促开发人员完成修改工作").

A serious defect's fix clock starts when it is verified and reported, 24 hours from then,
so it never falls before the report deadline. Each deadline's owner is who must act: the
reporter reports, the testers verify, the developer fixes (and until one takes it, the
tester who verified it, before that the testers)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from defects.services import defect_report, defect_start_fix, defect_verify
from servicedesk.core.choices import Role, TimerState
from servicedesk.core.models import Notification, SlaTimer
from servicedesk.core.selectors import my_open_timers
from servicedesk.core.services.timers import sla_sweep
from tests.defects.factories import record_defect, sh

pytestmark = pytest.mark.django_db

FRI_1000 = sh(2026, 11, 13, 10, 0)


def owners(defect) -> dict[str, tuple[str | None, str]]:
    return {
        t.target: (t.assignee.username if t.assignee else None, t.owner_role)
        for t in SlaTimer.objects.for_subject(defect).open()
    }


def open_due(defect) -> dict[str, object]:
    return {t.target: t.due_at for t in SlaTimer.objects.for_subject(defect).open()}


def test_serious_fix_is_due_24_hours_after_the_report_never_before_it(clock, engineer, tester):
    clock.set(FRI_1000)
    defect = record_defect(engineer, severity="serious", reported_at=FRI_1000)
    # Verified and reported within 1 working day: Monday close of business. No fix clock
    # yet: 24 hours from Friday 10:00 would be due before the report itself.
    assert open_due(defect) == {"report": sh(2026, 11, 16, 18, 0)}
    clock.set(sh(2026, 11, 16, 11, 0))
    defect = defect_report(defect, by=engineer, note="现场已复现")
    report = SlaTimer.objects.for_subject(defect).get(target="report")
    fix = SlaTimer.objects.for_subject(defect).get(target="fix")
    assert report.state == TimerState.MET
    assert fix.started_at == sh(2026, 11, 16, 11, 0)
    assert fix.due_at == sh(2026, 11, 17, 11, 0)
    assert fix.due_at > report.due_at or fix.started_at >= report.met_at
    # Shown in that order on the record: the report deadline, then the fix.
    listed = [t.target for t in SlaTimer.objects.for_subject(defect).order_by("started_at", "id")]
    assert listed == ["report", "fix"]


def test_each_deadline_is_owned_by_who_must_act(clock, engineer, tester, developer):
    clock.set(FRI_1000)
    serious = record_defect(engineer, severity="serious", reported_at=FRI_1000)
    assert owners(serious) == {"report": ("fe_wang", "")}
    serious = defect_report(serious, by=engineer)
    # The field engineer who reported it does not own the developers' deadline.
    assert owners(serious) == {"fix": (None, Role.TESTER)}
    serious = defect_verify(serious, by=tester, note="测试环境复现")
    assert owners(serious) == {"fix": ("qa_li", "")}
    serious = defect_start_fix(serious, by=developer)
    assert owners(serious) == {"fix": ("dev_zhou", "")}
    history = SlaTimer.objects.for_subject(serious).get(target="fix").history.all()
    assert {h.history_change_reason for h in history} >= {"start", "assign"}

    important = record_defect(engineer, severity="important", reported_at=FRI_1000)
    assert owners(important) == {
        "report": ("fe_wang", ""),
        "verify": (None, Role.TESTER),
        "resolve": (None, Role.TESTER),
    }
    important = defect_report(important, by=engineer)
    important = defect_verify(important, by=tester, note="复现")
    important = defect_start_fix(important, by=developer)
    assert owners(important) == {"resolve": ("dev_zhou", "")}


def test_role_owned_deadlines_wait_for_that_role(clock, engineer, tester, developer):
    clock.set(FRI_1000)
    defect = defect_report(
        record_defect(engineer, severity="serious", reported_at=FRI_1000), by=engineer
    )
    assert [t.target for t in my_open_timers(user=tester)] == ["fix"]
    assert [t.target for t in my_open_timers(user=engineer)] == []
    assert [t.target for t in my_open_timers(user=developer)] == []
    # The warning goes to the testers (who must act), and to the defect's followers.
    sla_sweep(now=sh(2026, 11, 14, 5, 30))
    warned = Notification.objects.filter(kind="sla_warning", target_id=defect.pk)
    assert "qa_li" in set(warned.values_list("recipient__username", flat=True))


def test_the_record_shows_who_owns_each_deadline(client, clock, engineer, tester, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    clock.set(FRI_1000)
    defect = defect_report(
        record_defect(engineer, severity="serious", reported_at=FRI_1000), by=engineer
    )
    client.force_login(engineer)
    page = client.get(reverse("defects:defect", args=[defect.pk])).content.decode()
    assert "负责：测试" in page
