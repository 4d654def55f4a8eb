"""Implementation projects at production size on PostgreSQL (issue 13, Done when).

2,000 projects × 200 daily logs each (400,000 logs) with four stages apiece: the
implementation manager's project list (a page of 50, sorted by days behind, with
confirmed person-days and open incidents) and a project's page (timeline, logs per day,
open issues, action panel) render in the same number of queries as with a handful of rows
(asserted). Targets: list under 100 ms, detail under 150 ms (median, reported).

Prints ``BENCH <name>_median_ms``, ``_p95_ms`` and ``_queries`` lines.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import time
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contracts.models import Customer
from projects.choices import LogState, ProjectState, StageState
from projects.models import DailyLog, Project, Stage
from projects.services import progress_refresh
from servicedesk.core.choices import Role
from servicedesk.core.roles import sync_role_permissions

pytestmark = [pytest.mark.postgres, pytest.mark.bench, pytest.mark.django_db]

PROJECTS = 2_000
LOGS = 200
STAGES = 4
REQUESTS = 15
STATES = [ProjectState.IN_PROGRESS] * 6 + [
    ProjectState.PAUSED,
    ProjectState.PLANNING,
    ProjectState.ACCEPTED,
    ProjectState.ACCEPTANCE_REVIEW,
]


def _measure(run: Callable[[], object], n: int) -> tuple[float, float, float]:
    """Median and p95 wall time, and the median CPU time of this (the Django) process: on a
    shared machine the wall time mostly measures the other processes' load, which is
    reported with it (``_load``)."""
    times, cpu = [], []
    for _ in range(n):
        start, start_cpu = time.perf_counter(), time.process_time()
        run()
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    times.sort()
    return (
        statistics.median(times),
        times[max(0, int(len(times) * 0.95) - 1)],
        statistics.median(cpu),
    )


def _report(name: str, median: float, p95: float, cpu: float, queries: int | None = None) -> None:
    print(f"\nBENCH {name}_median_ms {median:.1f}")
    print(f"BENCH {name}_p95_ms {p95:.1f}")
    print(f"BENCH {name}_python_cpu_median_ms {cpu:.1f}")
    print(f"BENCH {name}_loadavg_1min {os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs)")
    if queries is not None:
        print(f"BENCH {name}_queries {queries}")


def make_world(projects: int, logs: int, *, pm, consultant, offset: int = 0) -> list[int]:
    customers = Customer.objects.bulk_create(
        Customer(name=f"基准客户{offset + i:05d}有限公司") for i in range(max(1, projects // 40))
    )
    today = timezone.localdate()
    now = timezone.now()
    rows = [
        Project(
            number=f"PJB-{offset + i:06d}",
            title=f"基准项目 {offset + i}",
            customer=customers[i % len(customers)],
            project_manager=pm,
            state=STATES[i % len(STATES)],
            created_at=now - dt.timedelta(minutes=i),
        )
        for i in range(projects)
    ]
    made = Project.objects.bulk_create(rows, batch_size=2_000)
    Project.consultants.through.objects.bulk_create(
        [Project.consultants.through(project_id=p.pk, user_id=consultant.pk) for p in made],
        batch_size=5_000,
    )
    start = today - dt.timedelta(days=logs + 10)
    stages = []
    for p in made:
        for order in range(1, STAGES + 1):
            planned_start = start + dt.timedelta(days=(order - 1) * 60)
            stages.append(
                Stage(
                    project=p,
                    order=order,
                    name=f"阶段{order}",
                    planned_start=planned_start,
                    planned_end=planned_start + dt.timedelta(days=50 + p.pk % 30),
                    actual_start=planned_start if order <= 2 else None,
                    state=StageState.SIGNED
                    if order == 1
                    else StageState.IN_PROGRESS
                    if order == 2
                    else StageState.PLANNED,
                )
            )
    Stage.objects.bulk_create(stages, batch_size=5_000)
    batch: list[DailyLog] = []
    for p in made:
        for n in range(logs):
            batch.append(
                DailyLog(
                    project=p,
                    consultant=consultant,
                    day=today - dt.timedelta(days=n),
                    work_done="数据导入与配置",
                    hours=Decimal("8.0"),
                    state=LogState.CONFIRMED if n % 4 else LogState.SUBMITTED,
                )
            )
            if len(batch) >= 20_000:
                DailyLog.objects.bulk_create(batch, batch_size=20_000)
                batch = []
    if batch:
        DailyLog.objects.bulk_create(batch, batch_size=20_000)
    ids = [p.pk for p in made]
    # what the services keep on each project as stages and logs change
    progress_refresh(Project.objects.filter(pk__in=ids))
    with connection.cursor() as cursor:  # as autovacuum would after a load like this
        cursor.execute("ANALYZE")
    return ids


def _count(client: Client, url: str) -> int:
    client.get(url)  # warm caches (content types, permissions)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(ctx.captured_queries)


def test_project_list_and_detail_2000_projects_x_200_logs():
    sync_role_permissions()
    users = get_user_model().objects
    im = users.create_user("bench-im", last_name="孙", first_name="丽")
    im.groups.add(Group.objects.get(name=Role.IMPLEMENTATION_MANAGER))
    pm = users.create_user("bench-pm", last_name="李", first_name="华")
    pm.groups.add(Group.objects.get(name=Role.PROJECT_MANAGER))
    consultant = users.create_user("bench-c", last_name="周", first_name="强")
    consultant.groups.add(Group.objects.get(name=Role.CONSULTANT))
    client = Client()
    client.force_login(im)
    list_url = "/projects/?sort=-slip"

    few = make_world(10, 5, pm=pm, consultant=consultant)
    few_list = _count(client, list_url)
    few_detail = _count(client, f"/projects/{few[0]}/")

    many = make_world(PROJECTS - 10, LOGS, pm=pm, consultant=consultant, offset=100_000)
    assert Project.objects.count() == PROJECTS
    assert DailyLog.objects.count() >= (PROJECTS - 10) * LOGS
    many_list = _count(client, list_url)
    detail_url = f"/projects/{many[0]}/"
    many_detail = _count(client, detail_url)
    assert many_list == few_list
    assert many_detail == few_detail

    page = client.get(list_url).content.decode()
    assert page.count('data-testid="project-row"') == 50
    # 150 of each project's 200 logs are confirmed, 8 hours each: 150 person-days
    assert ">150.0<" in page

    median, p95, cpu = _measure(lambda: client.get(list_url), REQUESTS)
    _report("projects_list_2000x200", median, p95, cpu, many_list)
    median_d, p95_d, cpu_d = _measure(lambda: client.get(detail_url), REQUESTS)
    _report("projects_detail_200_logs", median_d, p95_d, cpu_d, many_detail)
