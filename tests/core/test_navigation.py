"""The portal menu: only what the role may open, grouped by area in the order of the work."""

import pytest

from servicedesk.core.navigation import SECTIONS, nav_for

pytestmark = pytest.mark.django_db


def _sections(entries):
    return [e["section"] for e in entries]


def test_menu_is_grouped_with_one_heading_per_section(make_user):
    manager = make_user("service_manager")
    entries = nav_for(manager, "/")
    sections = _sections(entries)
    assert sections[0] == "start" and entries[0]["heading"] == ""
    # Each section is contiguous and comes in the declared order.
    seen = list(dict.fromkeys(sections))
    assert seen == sorted(seen, key=lambda s: SECTIONS.get(s, (80, ""))[0])
    assert len(seen) == len([s for i, s in enumerate(sections) if i == 0 or sections[i - 1] != s])
    headed = [e for e in entries if e["heading"]]
    assert [e["section"] for e in headed] == [s for s in seen if SECTIONS[s][1]]
    assert {"tickets", "fieldservice", "contracts", "core"} <= set(seen)


def test_menu_shows_only_what_the_role_may_open(make_user):
    engineer = make_user("field_engineer")
    urls = [e["url"] for e in nav_for(engineer, "/")]
    assert "/tickets/new/" not in urls  # intake is the hotline's
    assert "/" in urls
    active = [e for e in nav_for(engineer, "/calendars/") if e["active"]]
    assert [e["url"] for e in active] == ["/calendars/"]
