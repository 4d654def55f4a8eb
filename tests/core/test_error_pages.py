"""Error pages (issue 10 §18): 403, 404, 500 and a refused form (CSRF) speak Chinese, keep
the menu, offer a way back, and a 403 says which roles may open the page."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client, RequestFactory

from servicedesk.core.choices import Role
from tests.core.words import page_section, visible_text

pytestmark = pytest.mark.django_db
CJK = r"[\u3400-\u9fff]"


def _zh(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    return client


def _assert_chinese_page_with_menu_and_way_back(html: str, *, menu: bool = True) -> str:
    text = visible_text(page_section(html, "error-page"))
    assert re.search(CJK, text), text
    english = set(re.findall(r"\b[A-Za-z]{3,}\b", text)) - {"Cookie"}  # a word in Chinese too
    assert not english, text
    assert 'data-testid="home"' in html  # back to the dashboard
    if menu:
        assert 'id="sidebar"' in html and re.search(r'class="nav-link[^"]*" href="/"', html)
    return text


def test_a_403_says_which_roles_may_open_the_page(make_user):
    engineer = make_user(Role.FIELD_ENGINEER)
    client = _zh(Client())
    client.force_login(engineer)
    response = client.get("/tickets/new/", HTTP_REFERER="http://testserver/dispatches/mine/")
    assert response.status_code == 403
    html = response.content.decode()
    text = _assert_chinese_page_with_menu_and_way_back(html)
    from django.contrib.auth.models import Group

    holders = set(
        Group.objects.filter(
            permissions__content_type__app_label="tickets", permissions__codename="add_ticket"
        ).values_list("name", flat=True)
    )
    needed = [str(role.label) for role in Role if role.value in holders]
    assert "热线工程师" in needed and "现场工程师" not in needed
    assert f"此页面开放给：{'、'.join(needed)}。" in text
    assert "您的角色：现场工程师。" in text
    assert 'href="http://testserver/dispatches/mine/"' in html  # back where they came from


def test_a_403_with_a_reason_shows_the_reason(make_user, rf):
    from django.core.exceptions import PermissionDenied

    from servicedesk.core.errors import permission_denied

    request = rf.get("/somewhere/")
    request.user = make_user(Role.HOTLINE_ENGINEER)
    request.COOKIES[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    from django.utils import translation

    with translation.override("zh-hans"):
        response = permission_denied(request, PermissionDenied("只有服务部经理可以核实派工单。"))
    assert "只有服务部经理可以核实派工单。" in response.content.decode()


def test_a_404_in_chinese_with_the_menu(make_user):
    client = _zh(Client())
    client.force_login(make_user(Role.SERVICE_MANAGER))
    response = client.get("/dispatches/987654/")
    assert response.status_code == 404
    text = _assert_chinese_page_with_menu_and_way_back(response.content.decode())
    assert "页面不存在" in text


def test_a_404_for_a_page_that_does_not_exist_at_all(make_user):
    client = _zh(Client())
    client.force_login(make_user(Role.HOTLINE_ENGINEER))
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    _assert_chinese_page_with_menu_and_way_back(response.content.decode())


@pytest.mark.urls("tests.core.urls_boom")
def test_a_500_in_chinese_with_the_menu(make_user):
    client = _zh(Client(raise_request_exception=False))
    client.force_login(make_user(Role.FIELD_ENGINEER))
    response = client.get("/boom/")
    assert response.status_code == 500
    text = _assert_chinese_page_with_menu_and_way_back(response.content.decode())
    assert "系统出错了" in text


def test_a_500_still_answers_when_the_menu_cannot_be_drawn(monkeypatch):
    """The database may be what failed: the page is then drawn without the menu."""
    from django.utils import translation

    from servicedesk.core import context_processors
    from servicedesk.core.errors import server_error

    def broken(request):
        raise RuntimeError("database down")

    monkeypatch.setattr(context_processors, "portal", broken)
    request = RequestFactory().get("/")
    with translation.override("zh-hans"):
        response = server_error(request)
    assert response.status_code == 500
    _assert_chinese_page_with_menu_and_way_back(response.content.decode(), menu=False)


def test_the_500_handler_is_the_project_one(make_user):
    """Through the URL configuration: an exception in a view gives our page."""
    from servicedesk import urls

    assert urls.handler500 == "servicedesk.core.errors.server_error"
    assert urls.handler403 == "servicedesk.core.errors.permission_denied"
    assert urls.handler404 == "servicedesk.core.errors.page_not_found"


def test_a_refused_form_explains_the_page_expired(make_user):
    client = _zh(Client(enforce_csrf_checks=True))
    client.force_login(make_user(Role.HOTLINE_ENGINEER))
    response = client.post("/notifications/read-all/")
    assert response.status_code == 403
    text = _assert_chinese_page_with_menu_and_way_back(response.content.decode())
    assert "页面已过期" in text and "CSRF" not in text


def test_a_500_answers_even_when_no_template_can_be_drawn(monkeypatch):
    from django.template import loader
    from django.utils import translation

    from servicedesk.core import errors
    from servicedesk.core.errors import server_error

    def broken(*args, **kwargs):
        raise ValueError("Missing staticfiles manifest entry")

    monkeypatch.setattr(errors, "render", broken)
    monkeypatch.setattr(loader, "get_template", broken)
    with translation.override("zh-hans"):
        response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "系统出错了" in response.content.decode()
