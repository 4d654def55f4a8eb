"""Static files in production (issue: collectstatic stopped on missing source maps, no
manifest was written, and every page then answered 500)."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

from servicedesk.core.sitecheck import PAGES, Client, site_check

from .conftest import ADMIN_PASSWORD

STATIC = Path(settings.BASE_DIR) / "servicedesk" / "static"
SOURCE_MAP = re.compile(r"[#@]\s*sourceMappingURL=([^\s*]+)")
CSS_URL = re.compile(r"""url\(\s*["']?([^"')?#]+)""")


def test_vendored_files_reference_only_files_that_are_shipped():
    """ManifestStaticFilesStorage follows sourceMappingURL and url() references: each must
    name a file that exists, or collectstatic fails."""
    missing = []
    for path in STATIC.rglob("*"):
        if path.suffix not in {".js", ".css"}:
            continue
        text = path.read_text(errors="replace")
        refs = SOURCE_MAP.findall(text)
        if path.suffix == ".css":
            refs += [r for r in CSS_URL.findall(text) if not r.startswith(("data:", "http"))]
        missing += [
            f"{path.relative_to(STATIC)} → {ref}"
            for ref in refs
            if not (path.parent / ref).resolve().is_file()
        ]
    assert missing == []


def test_production_pages_and_their_static_files_answer_200_through_gunicorn(tls_server):
    """collectstatic with CompressedManifestStaticFilesStorage, DEBUG off, gunicorn: login,
    portal home, the boards, the API docs and the admin, and every static file they use."""
    manifest = Path(tls_server.root, "static", "staticfiles.json")
    assert manifest.is_file()
    client = Client(tls_server.url, forwarded_proto="https")
    report = site_check(client, username="admin", password=ADMIN_PASSWORD)
    assert report.failures == [], "\n".join(report.lines)
    assert {f"  ✔ {page} 200" for page in PAGES} <= set(report.lines)
    # Served under their hashed names (the manifest is in use), CSS url()s included.
    assert any(
        re.search(r"/static/core/desk\.[0-9a-f]{12}\.css$", p) for p in report.checked_static
    )
    assert any(p.endswith(".woff2") for p in report.checked_static)
    assert len(report.checked_static) >= 10


def test_tls_default_redirects_to_https_and_marks_cookies_secure(tls_server):
    plain = Client(tls_server.url)
    redirect = plain.get("/accounts/login/")
    assert redirect.status == 301
    assert redirect.headers["Location"].startswith("https://")
    behind_proxy = Client(tls_server.url, forwarded_proto="https")
    page = behind_proxy.get("/accounts/login/")
    assert page.status == 200
    assert "max-age=31536000" in page.headers["Strict-Transport-Security"]
    cookie = next(c for c in page.headers.get_all("Set-Cookie") if c.startswith("csrftoken="))
    assert "Secure" in cookie


def test_plain_http_has_no_redirect_no_hsts_and_plain_cookies(plain_server):
    client = Client(plain_server.url)
    page = client.get("/accounts/login/")
    assert page.status == 200
    assert "Strict-Transport-Security" not in page.headers
    cookie = next(c for c in page.headers.get_all("Set-Cookie") if c.startswith("csrftoken="))
    assert "Secure" not in cookie
    report = site_check(client, username="admin", password=ADMIN_PASSWORD, pages=["/"])
    assert report.failures == [], "\n".join(report.lines)
