import pytest
from django.contrib.auth.models import Group

from servicedesk.core.choices import Role
from servicedesk.core.models import Notification, WorkCalendar
from servicedesk.core.roles import sync_role_permissions

pytestmark = pytest.mark.django_db


def test_every_role_of_the_design_is_a_group():
    names = set(Group.objects.values_list("name", flat=True))
    assert {r.value for r in Role} <= names
    assert len(Role) == 14


def test_permissions_are_attached_to_groups_not_users(make_user):
    manager = make_user(Role.SERVICE_MANAGER)
    engineer = make_user(Role.HOTLINE_ENGINEER)
    assert manager.user_permissions.count() == 0
    assert manager.has_perm("core.change_workcalendar")
    assert not engineer.has_perm("core.change_workcalendar")
    assert engineer.has_perm("core.view_workcalendar")


def test_auditor_reads_everything_and_changes_nothing(make_user):
    auditor = make_user(Role.AUDITOR)
    assert auditor.has_perm("core.view_slatimer")
    assert auditor.has_perm("auth.view_user")
    assert not auditor.has_perm("core.change_workcalendar")
    assert not auditor.has_perm("core.add_signature")


def test_sync_is_idempotent_and_restores_removed_permissions(make_user):
    group = Group.objects.get(name=Role.SERVICE_MANAGER)
    before = set(group.permissions.values_list("pk", flat=True))
    group.permissions.clear()
    sync_role_permissions()
    sync_role_permissions()
    assert set(group.permissions.values_list("pk", flat=True)) == before


def test_restrict_hides_rows_without_view_permission(make_user):
    nobody = make_user()
    engineer = make_user(Role.FIELD_ENGINEER)
    assert WorkCalendar.objects.restrict(nobody).count() == 0
    assert WorkCalendar.objects.restrict(engineer).count() == WorkCalendar.objects.count()


def test_restrict_applies_the_models_scope(make_user):
    alice = make_user(Role.HOTLINE_ENGINEER)
    bob = make_user(Role.HOTLINE_ENGINEER)
    Notification.objects.create(recipient=alice, kind="x", title="for alice")
    Notification.objects.create(recipient=bob, kind="x", title="for bob")
    assert list(Notification.objects.restrict(alice).values_list("title", flat=True)) == [
        "for alice"
    ]


def test_restrict_refuses_anonymous_and_inactive(make_user):
    from django.contrib.auth.models import AnonymousUser

    inactive = make_user(Role.DIRECTOR, is_active=False)
    assert WorkCalendar.objects.restrict(AnonymousUser()).count() == 0
    assert WorkCalendar.objects.restrict(inactive).count() == 0
