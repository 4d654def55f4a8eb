"""Check a running site as a first visitor would (``manage.py site_check``, deploy check):
``/healthz``, the login page, logging in, the portal home, the boards, the API docs and
the admin answer 200, and so does every static file they reference (CSS ``url()``s too).

Standard library only: it runs from the production install, against any address.
"""

from __future__ import annotations

import http.client
import json
import re
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urljoin, urlsplit

PAGES = [
    "/",
    "/tickets/board/",
    "/dispatches/board/",
    "/defects/",
    "/api/docs/",
    "/admin/",
]
STATIC_REF = re.compile(r"""(?:src|href)=["']([^"'#?]+)(?:[?#][^"']*)?["']""")
CSS_URL = re.compile(r"""url\(\s*["']?([^"')]+?)["']?\s*\)""")


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


@dataclass
class Client:
    """A tiny HTTP client that keeps cookies (even Secure ones: behind a TLS proxy this
    client speaks plain HTTP to the web process and says ``X-Forwarded-Proto: https``)."""

    base: str
    forwarded_proto: str = ""
    host: str = ""
    timeout: float = 30
    cookies: dict[str, str] = field(default_factory=dict)

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict | None = None
    ) -> Response:
        url = urlsplit(urljoin(self.base, path))
        cls = http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
        conn = cls(url.hostname, url.port, timeout=self.timeout)
        sent = {"Accept-Language": "zh-CN", "User-Agent": "servicedesk-site-check"}
        if self.host:
            sent["Host"] = self.host
        if self.forwarded_proto:
            sent["X-Forwarded-Proto"] = self.forwarded_proto
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        sent.update(headers or {})
        target = url.path + (f"?{url.query}" if url.query else "")
        try:
            conn.request(method, target or "/", body=body, headers=sent)
            raw = conn.getresponse()
            response = Response(raw.status, raw.headers, raw.read())
        finally:
            conn.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    @property
    def origin(self) -> str:
        url = urlsplit(self.base)
        return f"{self.forwarded_proto or url.scheme}://{self.host or url.netloc}"


def static_refs(html: str, static_url: str = "/static/") -> set[str]:
    return {ref for ref in STATIC_REF.findall(html) if ref.startswith(static_url)}


def css_refs(css: str, css_path: str) -> set[str]:
    refs = set()
    for ref in CSS_URL.findall(css):
        if ref.startswith(("data:", "http:", "https:", "#")):
            continue
        refs.add(urljoin(css_path, ref.split("?")[0].split("#")[0]))
    return refs


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    checked_static: list[str] = field(default_factory=list)

    def ok(self, text: str) -> None:
        self.lines.append(f"  ✔ {text}")

    def fail(self, text: str) -> None:
        self.lines.append(f"  ✘ {text}")
        self.failures.append(text)


def wait_healthy(client: Client, timeout: float, report: Report) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            response = client.get("/healthz")
            body = json.loads(response.body or b"{}")
        except (OSError, ValueError) as exc:
            response, body = None, {"error": type(exc).__name__}
        if response is not None and response.status == 200:
            report.ok(f"/healthz 200 {json.dumps(body['checks'], ensure_ascii=False)}")
            return
        if time.monotonic() > deadline:
            status = response.status if response is not None else "无响应"
            report.fail(f"/healthz {status} {json.dumps(body, ensure_ascii=False)}")
            return
        time.sleep(1)


def site_check(
    client: Client,
    *,
    username: str,
    password: str,
    pages: list[str] | None = None,
    health_timeout: float = 0,
) -> Report:
    """Log in and fetch ``pages`` and their static files; every answer must be 200."""
    report = Report()
    if health_timeout:
        wait_healthy(client, health_timeout, report)
    login = client.get("/accounts/login/")
    statics: set[str] = set()
    if login.status != 200:
        report.fail(f"/accounts/login/ {login.status}")
        return report
    report.ok("/accounts/login/ 200")
    statics |= static_refs(login.text)
    token = client.cookies.get("csrftoken", "")
    form = urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": token, "next": "/"}
    ).encode()
    answer = client.request(
        "POST",
        "/accounts/login/",
        body=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": client.origin + "/accounts/login/",
        },
    )
    if answer.status != 302 or "sessionid" not in client.cookies:
        report.fail(f"登录 {username}：{answer.status}（应为 302 并得到会话）")
        return report
    report.ok(f"登录 {username} 302")
    for path in pages if pages is not None else PAGES:
        page = client.get(path)
        if page.status == 200:
            report.ok(f"{path} 200")
            statics |= static_refs(page.text)
        else:
            report.fail(f"{path} {page.status}")
    seen: set[str] = set()
    good = 0
    queue = sorted(statics)
    while queue:
        path = queue.pop()
        if path in seen:
            continue
        seen.add(path)
        asset = client.get(path)
        if asset.status != 200:
            report.fail(f"{path} {asset.status}")
            continue
        good += 1
        if path.endswith(".css"):
            queue.extend(sorted(css_refs(asset.text, path) - seen))
    report.checked_static = sorted(seen)
    if not seen:
        report.fail("页面未引用任何静态文件")
    report.ok(f"静态文件 {good}/{len(seen)} 个 200")
    return report
