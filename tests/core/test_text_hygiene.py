"""Text hygiene at the edge (docs/architecture.md §text-hygiene): control characters out,
a length limit on every free text, numbers and dates in the range the database and the
business can hold, and every API error in JSON."""

from __future__ import annotations

import io

import pytest
from django import forms
from django.conf import settings
from django.test import Client
from django.utils import translation
from rest_framework import serializers

from servicedesk.core.choices import Role
from servicedesk.core.lists import excel_value
from servicedesk.core.text import TEXT_MAX_LENGTH, clean_search, clean_text


def _zh(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    return client


def test_the_cleaner_removes_control_characters_but_keeps_lines():
    assert clean_text("机房\x00温度\x1b[31m 31℃\t\r\n好\x7f\x85") == "机房温度[31m 31℃\t\r\n好"
    assert clean_search("  \x00ＡＢＣ\x0b  ") == "ABC"


def test_form_text_is_cleaned_and_limited():
    field = forms.CharField()
    assert field.clean("a\x00b\x1bc") == "abc"
    with translation.override("zh-hans"):
        with pytest.raises(forms.ValidationError) as caught:
            field.clean("字" * (1024 * 1024))
        message = " ".join(caught.value.messages)
    assert f"{TEXT_MAX_LENGTH}" in message and "字符" in message


def test_api_text_is_cleaned_and_limited():
    field = serializers.CharField()
    assert field.run_validation("a\x00b") == "ab"
    with translation.override("zh-hans"), pytest.raises(serializers.ValidationError) as caught:
        field.run_validation("x" * (1024 * 1024))
    assert "10000" in str(caught.value.detail) and "字符" in str(caught.value.detail)


def test_api_numbers_stay_within_what_the_database_stores():
    with pytest.raises(serializers.ValidationError):
        serializers.IntegerField().run_validation(2**31)
    assert serializers.IntegerField().run_validation(2**31 - 1) == 2**31 - 1


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+08:00", "1999-12-31T23:00:00+08:00"])
def test_api_datetimes_outside_the_business_range_are_refused(value):
    with translation.override("zh-hans"), pytest.raises(serializers.ValidationError) as caught:
        serializers.DateTimeField().run_validation(value)
    detail = str(caught.value.detail)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in detail), detail


def test_api_datetimes_with_a_large_offset_are_stored_in_local_time():
    # DRF moves the value to the server's time zone: PostgreSQL can store it.
    value = serializers.DateTimeField().run_validation("2026-03-01T10:00:00+16:00")
    assert value.utcoffset().total_seconds() == 8 * 3600


def test_form_dates_outside_the_business_range_are_refused():
    with pytest.raises(forms.ValidationError):
        forms.DateField().clean("0001-01-01")
    with pytest.raises(forms.ValidationError):
        forms.DateTimeField().clean("2026-03-01T10:00:00+16:00")
    assert forms.DateField().clean("2026-03-01").year == 2026


@pytest.mark.django_db
def test_a_megabyte_description_is_refused_in_chinese(make_user):
    from rest_framework.authtoken.models import Token

    user = make_user(Role.HOTLINE_ENGINEER)
    client = _zh(Client())
    token = Token.objects.create(user=user).key
    response = client.post(
        "/api/v1/tickets/",
        {"description": "x" * (1024 * 1024), "caller_name": "张三"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token}",
    )
    assert response.status_code == 400, response.status_code
    message = " ".join(response.json()["description"])
    assert "10000" in message and "字符" in message


@pytest.mark.django_db
def test_a_nul_in_a_search_box_is_no_server_error(make_user):
    client = _zh(Client(raise_request_exception=False))
    client.force_login(make_user(Role.HOTLINE_ENGINEER, Role.SERVICE_MANAGER))
    for url in ("/search/", "/tickets/knowledge/", "/contracts/customers/"):
        response = client.get(url, {"q": "医院\x00"})
        assert response.status_code in (200, 302, 403, 404), (url, response.status_code)
        if response.status_code == 200:
            assert "\x00" not in response.content.decode()


def test_the_excel_export_survives_control_characters():
    from openpyxl import Workbook, load_workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append([excel_value("某某\x01医院\x1b"), excel_value(3)])
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    assert load_workbook(out).active["A1"].value == "某某医院"


@pytest.mark.django_db
def test_the_admin_export_escapes_what_openpyxl_refuses():
    from import_export.formats.base_formats import XLSX
    from tablib import Dataset

    data = Dataset(headers=["name"])
    data.append(["某某\x01医院"])
    assert XLSX().export_data(data)


@pytest.mark.django_db
@pytest.mark.urls("tests.core.urls_boom")
def test_api_errors_are_json(make_user):
    client = _zh(Client(raise_request_exception=False))
    client.force_login(make_user(Role.FIELD_ENGINEER))
    for url, status in (("/api/v1/boom/", 500), ("/api/v1/no-such-thing/", 404)):
        response = client.get(url)
        assert response.status_code == status
        assert response["Content-Type"].startswith("application/json")
        assert response.json()["detail"]


def test_null_text_in_a_form_upload_is_refused_for_a_json_field():
    from django.http import QueryDict

    field = serializers.JSONField()
    field.bind("notify", serializers.Serializer())
    data = QueryDict("notify=null")
    with pytest.raises(serializers.ValidationError):
        field.run_validation(field.get_value(data))
