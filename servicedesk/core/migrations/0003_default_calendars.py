"""The default 5×8 calendar with every holiday the chinesecalendar package knows, and a
24×7 calendar for round-the-clock contracts."""

from django.db import migrations

WEEKDAYS_5X8 = {
    str(d): ([["09:00", "12:00"], ["13:00", "18:00"]] if d < 5 else []) for d in range(7)
}


def seed(apps, schema_editor):
    WorkCalendar = apps.get_model("core", "WorkCalendar")
    CalendarException = apps.get_model("core", "CalendarException")
    standard, _ = WorkCalendar.objects.get_or_create(
        name="标准工作日历 5×8",
        defaults={"is_default": True, "service_level": "5x8", "weekly_periods": WEEKDAYS_5X8},
    )
    WorkCalendar.objects.get_or_create(
        name="全天候 7×24",
        defaults={
            "always_open": True,
            "service_level": "7x24",
            "weekly_periods": {str(d): [["00:00", "24:00"]] for d in range(7)},
        },
    )
    from chinese_calendar.constants import Holiday, holidays, workdays

    chinese = {h.value: h.chinese for h in Holiday}

    existing = set(
        CalendarException.objects.filter(calendar=standard).values_list("date", flat=True)
    )
    rows = [
        CalendarException(
            calendar=standard, date=day, kind="holiday", note=chinese.get(name, str(name))
        )
        for day, name in holidays.items()
        if day not in existing
    ]
    rows += [
        CalendarException(
            calendar=standard,
            date=day,
            kind="workday",
            note=f"{chinese.get(name, str(name))}调休上班",
        )
        for day, name in workdays.items()
        if day not in existing
    ]
    CalendarException.objects.bulk_create(rows, batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("core", "0002_role_groups")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
