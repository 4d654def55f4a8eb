"""One-time customer links for signing (docs/architecture.md §links): expiry, single use,
fingerprint binding, decline, the log of opens, the rate limit against guessing, and the
staff pages (QR code, SMS words, e-mail, withdraw)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from servicedesk.core.choices import Role
from servicedesk.core.exceptions import ApplicationError, NotPermitted
from servicedesk.core.models import (
    CustomerLink,
    DomainEvent,
    LinkOpen,
    LinkState,
    Notification,
    Signature,
)
from servicedesk.core.services.links import (
    MAX_MISSES_PER_IP,
    link_create_for_signing,
    link_qr_svg,
)
from tests.core.test_forms_signatures import data_url, squiggle_png
from tests.testapp.models import Job

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.testapp.urls")]


@pytest.fixture
def engineer(make_user):
    user = make_user(Role.SERVICE_MANAGER, first_name="工", last_name="程")
    user.user_permissions.add(Permission.objects.get(codename="view_job"))
    return user


@pytest.fixture
def job(engineer):
    return Job.objects.create(title="服务器巡检", owner=engineer)


@pytest.fixture
def link(job, engineer):
    return link_create_for_signing(
        target=job,
        form="job_sheet",
        by=engineer,
        contact_name="李客户",
        contact_phone="13800000000",
    )


def _url(token: str) -> str:
    return reverse("core:link", args=[token])


def _sign(client, token, **extra):
    return client.post(
        _url(token),
        {"do": "sign", "signer_name": "李客户", "image": data_url(squiggle_png())},
        REMOTE_ADDR=extra.pop("ip", "10.0.0.7"),
        HTTP_USER_AGENT="Mobile Safari",
    )


def test_customer_reads_and_signs_once(client, link, job, engineer):
    obj, token = link
    page = client.get(_url(token), REMOTE_ADDR="10.0.0.7", HTTP_USER_AGENT="Mobile Safari")
    assert page.status_code == 200
    html = page.content.decode()
    assert "作业单" in html and "data:image/png;base64," in html  # the server-side preview
    assert 'class="signature-pad' in html
    assert page["X-Robots-Tag"] == "noindex"
    done = _sign(client, token)
    assert done.status_code == 200 and 'data-testid="link-done"' in done.content.decode()
    sig = Signature.objects.get()
    assert (sig.signer_name, sig.signer_role, sig.recorded_by) == ("李客户", "customer", engineer)
    assert sig.ip_address == "10.0.0.7" and sig.content_sha256 == obj.content_sha256
    obj.refresh_from_db()
    assert obj.state == LinkState.SIGNED and obj.signature == sig
    # Works once: the page and a second signature are refused with the dead page.
    again = client.get(_url(token))
    assert again.status_code == 404 and "作业单" not in again.content.decode()
    assert _sign(client, token).status_code == 404
    assert Signature.objects.count() == 1
    # Every request is logged with time and IP.
    opens = list(LinkOpen.objects.filter(link=obj).order_by("at", "id"))
    assert [o.outcome for o in opens] == ["ok", "ok", "dead", "dead"]
    assert opens[0].ip_address == "10.0.0.7" and opens[0].user_agent == "Mobile Safari"
    assert Notification.objects.filter(recipient=engineer, kind="link_signed").exists()


def test_expired_link_is_dead(client, link, clock):
    obj, token = link
    assert obj.expires_at - obj.created_at >= dt.timedelta(hours=71, minutes=59)
    clock.set(obj.expires_at + dt.timedelta(seconds=1))
    assert client.get(_url(token)).status_code == 404
    assert _sign(client, token).status_code == 404
    assert not Signature.objects.exists()


def test_changed_document_kills_the_link(client, link, job):
    obj, token = link
    Job.objects.filter(pk=job.pk).update(note="改过的备注")
    response = client.get(_url(token))
    assert response.status_code == 404
    assert LinkOpen.objects.filter(link=obj).latest("at").outcome == "changed"
    assert _sign(client, token).status_code == 404
    assert not Signature.objects.exists()


def test_unknown_used_expired_pages_are_identical(client, link, clock, settings):
    settings.LANGUAGE_CODE = "zh-hans"  # the customer's page is in Chinese
    obj, token = link
    import re

    def page(url: str) -> str:
        # The masked CSRF tokens and the page's own address (the language switch's
        # "next") differ per response; nothing else may.
        html = client.get(url).content.decode()
        html = re.sub(r'"X-CSRFToken": "[^"]+"', "", html)
        html = re.sub(r'value="[A-Za-z0-9]{64}"', "", html)
        return html.replace(url, "/l/T/")

    unknown = page(_url("x" * 32))
    CustomerLink.objects.filter(pk=obj.pk).update(state=LinkState.REVOKED)
    assert page(_url(token)) == unknown
    CustomerLink.objects.filter(pk=obj.pk).update(state=LinkState.OPEN)
    clock.set(obj.expires_at + dt.timedelta(minutes=1))
    assert page(_url(token)) == unknown
    text = unknown
    assert "该链接无法打开" in text and "请联系为您服务的工程师" in text
    assert "作业单" not in text and "李客户" not in text


def test_decline_with_reason(client, link, engineer):
    obj, token = link
    empty = client.post(_url(token), {"do": "decline", "reason": " "})
    assert empty.status_code == 400
    assert 'data-testid="form-errors"' in empty.content.decode()
    response = client.post(_url(token), {"do": "decline", "reason": "报告里的故障描述不对"})
    assert response.status_code == 200
    obj.refresh_from_db()
    assert obj.state == LinkState.DECLINED and obj.decline_reason == "报告里的故障描述不对"
    event = DomainEvent.objects.get(kind="link.declined")
    assert event.data["reason"] == "报告里的故障描述不对"
    assert Notification.objects.filter(recipient=engineer, kind="link_declined").exists()
    assert client.get(_url(token)).status_code == 404


def test_sign_without_drawing_is_a_field_error(client, link):
    _obj, token = link
    response = client.post(_url(token), {"do": "sign", "signer_name": "李客户", "image": ""})
    assert response.status_code == 400
    assert not Signature.objects.exists()


def test_guessing_tokens_is_rate_limited(client, link):
    _obj, token = link
    for i in range(MAX_MISSES_PER_IP):
        assert client.get(_url(f"guess{i:030d}"), REMOTE_ADDR="10.9.9.9").status_code == 404
    # From that address even the right token is refused now, with a page that says wait.
    limited = client.get(_url(token), REMOTE_ADDR="10.9.9.9")
    assert limited.status_code == 429 and "作业单" not in limited.content.decode()
    assert LinkOpen.objects.filter(ip_address="10.9.9.9", outcome="limited").count() == 1
    # Another address is not affected.
    assert client.get(_url(token), REMOTE_ADDR="10.0.0.1").status_code == 200


def test_one_live_link_per_document(job, engineer, link):
    first, _token = link
    second, _ = link_create_for_signing(
        target=job, form="job_sheet", by=engineer, contact_name="王客户"
    )
    first.refresh_from_db()
    assert first.state == LinkState.REVOKED and second.state == LinkState.OPEN
    assert first.token_sha256 != second.token_sha256


def test_refusals(job, engineer, make_user):
    with pytest.raises(NotPermitted):
        link_create_for_signing(
            target=job, form="job_sheet", by=make_user(Role.AUDITOR), contact_name="x"
        )
    with pytest.raises(ApplicationError) as bad:
        link_create_for_signing(
            target=job,
            form="job_sheet",
            by=engineer,
            contact_name="",
            contact_email="nope",
            hours=0,
        )
    assert set(bad.value.extra) == {"contact_name", "contact_email", "hours"}
    with pytest.raises(ApplicationError):
        link_create_for_signing(target=job, form="nope", by=engineer, contact_name="x")


def test_already_signed_document_gets_no_link(client, link, job, engineer):
    _obj, token = link
    _sign(client, token)
    with pytest.raises(ApplicationError):
        link_create_for_signing(target=job, form="job_sheet", by=engineer, contact_name="x")


def test_staff_pages(client, job, engineer, settings):
    settings.EMAIL_ALWAYS_SEND = True
    client.force_login(engineer)
    new_url = reverse("core:link-new", args=[_ct(job), job.pk, "job_sheet"])
    assert client.get(new_url).status_code == 200
    bad = client.post(new_url, {"contact_name": "", "hours": 72})
    assert bad.status_code == 400
    response = client.post(
        new_url,
        {"contact_name": "李客户", "contact_email": "li@example.com", "hours": 24},
    )
    assert response.status_code == 302
    obj = CustomerLink.objects.get(state=LinkState.OPEN)
    detail = client.get(response.url)
    html = detail.content.decode()
    assert "<svg" in html and "/l/" in html and "李客户" in html
    assert "24" in html  # the SMS says how long it is valid
    client.post(reverse("core:link-email", args=[obj.pk]))
    assert mail.outbox[-1].to == ["li@example.com"] and "/l/" in mail.outbox[-1].body
    client.post(reverse("core:link-withdraw", args=[obj.pk]))
    obj.refresh_from_db()
    assert obj.state == LinkState.REVOKED


def test_staff_pages_are_scoped(client, link, make_user):
    obj, _token = link
    stranger = make_user(Role.SERVICE_MANAGER)  # cannot see jobs
    client.force_login(stranger)
    assert client.get(reverse("core:link-detail", args=[obj.pk])).status_code == 404


def test_qr_code_is_svg():
    svg = link_qr_svg("https://desk.example.com/l/abc/")
    assert svg.startswith("<svg") and "rect" in svg


def _ct(obj) -> int:
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(obj).pk


def test_link_expires_at_is_in_the_future(link):
    obj, _ = link
    assert obj.expires_at > timezone.now()


def test_behind_the_proxy_the_forwarded_address_counts(client, link, settings):
    settings.TRUST_X_FORWARDED_FOR = True
    _obj, token = link
    for i in range(MAX_MISSES_PER_IP):
        client.get(
            _url(f"guess{i:030d}"),
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR="1.2.3.4, 10.9.9.9",
        )
    # The guesser (10.9.9.9, appended by nginx) is limited; another customer behind the
    # same proxy is not, and a forged first entry does not help the guesser.
    limited = client.get(_url(token), REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.9.9.9")
    assert limited.status_code == 429
    ok = client.get(_url(token), REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.0.0.5")
    assert ok.status_code == 200
    assert LinkOpen.objects.filter(ip_address="10.0.0.5").exists()
