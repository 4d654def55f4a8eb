"""The clocks of a dispatch request (docs/domain.md §dispatch.request-clock), and the first promise
of dispatches scheduled before it was kept.

Verified and assigned, from the moment the request is made: system down within one
working hour on the contract's calendar (no calendar on the policy: the contract's
service level decides); a normal request before the next working day starts, on the
office calendar (the default 5×8 calendar), so a normal Saturday request to a 7×24
customer is due on Monday morning, not at midnight.
"""

from decimal import Decimal

from django.db import migrations

# target, condition, amount, unit, office calendar?, rule
POLICIES = [
    (
        "verification",
        "severity=system_down",
        1,
        "working_hours",
        False,
        "系统瘫痪的上门请求：提出后 1 个工作小时内核实（按合同服务时间）",
    ),
    (
        "verification",
        "severity=normal",
        0,
        "next_working_day_start",
        True,
        "上门请求：次日上班前核实",
    ),
    (
        "assignment",
        "severity=system_down",
        1,
        "working_hours",
        False,
        "系统瘫痪的上门请求：提出后 1 个工作小时内派定工程师（按合同服务时间）",
    ),
    (
        "assignment",
        "severity=normal",
        0,
        "next_working_day_start",
        True,
        "上门请求：次日上班前派定工程师",
    ),
]


def seed(apps, schema_editor):
    SlaPolicy = apps.get_model("core", "SlaPolicy")
    WorkCalendar = apps.get_model("core", "WorkCalendar")
    office = WorkCalendar.objects.filter(is_default=True).first()
    for target, condition, amount, unit, on_office_calendar, rule in POLICIES:
        SlaPolicy.objects.get_or_create(
            subject="dispatch",
            target=target,
            condition=condition,
            defaults={
                "amount": Decimal(amount),
                "unit": unit,
                "calendar": office if on_office_calendar else None,
                "notify": ["service_manager"],
                "description": rule,
                "warn_percent": 80,
            },
        )


def first_appointments(apps, schema_editor):
    Dispatch = apps.get_model("fieldservice", "Dispatch")
    DispatchReschedule = apps.get_model("fieldservice", "DispatchReschedule")
    for dispatch in Dispatch.objects.filter(
        appointment_at__isnull=False, first_appointment_at__isnull=True
    ).only("pk", "appointment_at"):
        first = (
            DispatchReschedule.objects.filter(dispatch_id=dispatch.pk)
            .order_by("at", "pk")
            .values_list("previous_at", flat=True)
            .first()
        )
        Dispatch.objects.filter(pk=dispatch.pk).update(
            first_appointment_at=first or dispatch.appointment_at
        )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_default_sla_policies"),
        ("fieldservice", "0002_severity_plan_and_appointments"),
    ]
    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
        migrations.RunPython(first_appointments, migrations.RunPython.noop),
    ]
