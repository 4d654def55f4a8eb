import pytest
from playwright.sync_api import expect
from .test_portal import open_calendar, draw_signature, SIGN_URL
pytestmark = pytest.mark.browser

@pytest.mark.parametrize("device", ["phone"], indirect=True)
def test_resize(page, demo_staff, demo_password, login):
    login(page, "zhengwei", demo_password)
    open_calendar(page, 2026, 10)
    page.get_by_test_id("sign-calendar_confirmation").click()
    expect(page).to_have_url(SIGN_URL)
    draw_signature(page)
    print("empty after draw", page.evaluate("() => window.deskSignaturePad.isEmpty()"))
    page.set_viewport_size({"width": 390, "height": 780})
    page.wait_for_function("() => true")
    print("empty after height change", page.evaluate("() => window.deskSignaturePad.isEmpty()"))
    print(page.evaluate("() => [document.documentElement.lang, getComputedStyle(document.body).fontFamily]"))
