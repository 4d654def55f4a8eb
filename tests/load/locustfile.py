"""What the desk's people do all day, for locust (issue 18 item 8; docs/architecture.md §load).

Three kinds of user, each logging in through the real login form with a demo login
(``manage.py demo``, password ``demo1234``) and then working as that person does:

- **Hotline engineer** (王静 ``wangjing``): the queue, a ticket, the intake form with the
  customer look-up as she types (the caller on the phone), the header's search-as-you-type
  and the ticket list API. (The ticket board is the managers': she gets 403 there.)
- **Field engineer** (陈刚 ``chengang``): "my visits", a visit, the dispatch API.
- **Service manager** (郑伟 ``zhengwei``): the ticket board, the dispatch board, the ticket
  and visit lists, a ticket, the API.

The boards' live polling (``static/core/live.js``: ``If-None-Match`` → 304) and the bell's
count (every page, every 60 s) are sent in the share a browser sends them: a board left
open polls every 20 s, so a board view is followed by about as many polls as views in
this closed loop (no think time: each user sends its next request when the last answer
arrives, like ``wrk -c 50``). Polls are a minority of requests: the mix is not made
cheaper than what people do.

The statistics are reset once every user has logged in (the logins hash passwords and are
not what is measured); the run then stops after ``LOAD_SECONDS`` seconds.
"""

from __future__ import annotations

import os
import random
import re
import time

import gevent
from locust import constant, events, task
from locust.contrib.fasthttp import FastHttpUser

PASSWORD = "demo1234"
TICKET_LINK = re.compile(r'href="/tickets/(\d+)/"')
DISPATCH_LINK = re.compile(r'href="/dispatches/(\d+)/"')
LIVE_ETAG = re.compile(r'data-live-etag="([^"]*)"')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
HTMX = {"HX-Request": "true"}
# What people type into the header's search and the ticket API's q: a company, a number,
# a phone, a symptom.
SEARCHES = ["精密", "BX0000", "1380", "凭证", "华东", "信达", "科目", "0512-6"]
MEASURE_SECONDS = float(os.environ.get("LOAD_SECONDS", "60"))
logged_in = {"n": 0, "measuring": False}
# Answers served from the page cache and drawn for it (the X-Page-Cache header;
# docs/architecture.md §page-cache), while measuring.
page_cache = {"hit": 0, "miss": 0}


@events.request.add_listener
def count_page_cache(response=None, **kwargs) -> None:
    if logged_in["measuring"] and response is not None:
        state = response.headers.get("X-Page-Cache")
        if state in page_cache:
            page_cache[state] += 1


def stop(runner) -> None:
    mark("stop")
    mark("page_cache_hits", page_cache["hit"])
    mark("page_cache_misses", page_cache["miss"])
    runner.quit()


def all_logged_in(environment) -> None:
    """Every user is in: measure from now, for MEASURE_SECONDS."""
    runner = environment.runner
    if logged_in["measuring"] or logged_in["n"] < (runner.target_user_count or 0):
        return
    logged_in["measuring"] = True
    environment.stats.reset_all()
    mark("start")
    gevent.spawn_later(MEASURE_SECONDS, stop, runner)


def mark(name: str, value: float | None = None) -> None:
    """When measuring started and stopped (the harness's CPU figures) and the page cache's
    counts, for the harness (LOAD_MARKS)."""
    path = os.environ.get("LOAD_MARKS")
    if path:
        with open(path, "a") as out:
            out.write(f"{name} {time.time() if value is None else value}\n")


class DeskUser(FastHttpUser):
    abstract = True
    username = ""
    wait_time = constant(0)

    def on_start(self) -> None:
        self.tickets: list[str] = []
        self.dispatches: list[str] = []
        self.etags: dict[str, str] = {}
        page = self.client.get("/accounts/login/", name="login form")
        token = CSRF.search(page.text)
        with self.client.post(
            "/accounts/login/",
            {
                "csrfmiddlewaretoken": token.group(1) if token else "",
                "username": self.username,
                "password": PASSWORD,
                "next": "/",
            },
            name="login",
            catch_response=True,
            allow_redirects=False,
        ) as response:
            # Accepted: a redirect away from the form; refused: the form again (200).
            where = response.headers.get("Location", "") if response.status_code == 302 else ""
            if not where or "/accounts/login/" in where:
                response.failure(f"login of {self.username} refused")
        logged_in["n"] += 1
        all_logged_in(self.environment)

    # -- helpers -----------------------------------------------------------------------

    def page(self, url: str, name: str | None = None, **kwargs) -> str:
        """A page; anything but 200 is a failure (a redirect to the login form: the session
        was lost)."""
        with self.client.get(
            url, name=name or url, catch_response=True, allow_redirects=False, **kwargs
        ) as response:
            if response.status_code != 200:
                response.failure(f"{url}: HTTP {response.status_code}")
            return response.text or ""

    def remember(self, html: str, pattern: re.Pattern, into: list[str]) -> None:
        found = pattern.findall(html)
        if found:
            into[:] = list(dict.fromkeys(found))[:50]

    def board(self, url: str, name: str) -> str:
        """A board page; its ETag kept for the live polls."""
        html = self.page(url, name)
        etag = LIVE_ETAG.search(html)
        if etag:
            self.etags[url] = etag.group(1)
        return html

    def poll(self, url: str, live_url: str, name: str) -> None:
        """live.js: the board's live fragment with the ETag it was drawn with."""
        if url not in self.etags:
            self.board(url, name.replace(" live", ""))
        headers = {**HTMX, "Accept": "text/html", "If-None-Match": self.etags.get(url, "")}
        with self.client.get(live_url, headers=headers, name=name, catch_response=True) as r:
            if r.status_code == 200:
                self.etags[url] = r.headers.get("ETag", "")
            elif r.status_code != 304:
                r.failure(f"{live_url}: HTTP {r.status_code}")

    def bell(self) -> None:
        """The bell's count, asked by every open page every 60 s."""
        headers = {**HTMX, "If-None-Match": self.etags.get("bell", "")}
        with self.client.get(
            "/notifications/count/", headers=headers, name="bell count", catch_response=True
        ) as r:
            if r.status_code == 200:
                self.etags["bell"] = r.headers.get("ETag", "")
            elif r.status_code != 304:
                r.failure(f"bell: HTTP {r.status_code}")

    def api(self, url: str, name: str) -> None:
        with self.client.get(
            url, headers={"Accept": "application/json"}, name=name, catch_response=True
        ) as r:
            if r.status_code != 200 or not r.headers.get("Content-Type", "").startswith(
                "application/json"
            ):
                r.failure(f"{url}: HTTP {r.status_code}")

    def ticket(self) -> None:
        if not self.tickets:
            self.remember(self.page("/tickets/", "queue"), TICKET_LINK, self.tickets)
        if self.tickets:
            self.page(f"/tickets/{random.choice(self.tickets)}/", "ticket")

    def search(self) -> None:
        """The header's search-as-you-type: two keystrokes' answers (htmx, 150 ms apart)."""
        text = random.choice(SEARCHES)
        for n in (len(text) - 1, len(text)):
            self.page(f"/search/?q={text[: max(n, 1)]}", "search as you type", headers=HTMX)


class HotlineEngineer(DeskUser):
    weight = 5
    username = "wangjing"

    @task(5)
    def queue(self) -> None:
        self.remember(self.page("/tickets/", "queue"), TICKET_LINK, self.tickets)

    @task(5)
    def open_ticket(self) -> None:
        self.ticket()

    @task(1)
    def intake(self) -> None:
        self.page("/tickets/new/", "intake form")

    @task(3)
    def customer_lookup(self) -> None:
        """The intake's look-up as she types what the caller says (htmx, 200 ms apart)."""
        text = random.choice(SEARCHES)
        for n in (len(text) - 1, len(text)):
            self.page(f"/tickets/new/lookup/?q={text[: max(n, 1)]}", "intake lookup", headers=HTMX)

    @task(2)
    def search_as_you_type(self) -> None:
        self.search()

    @task(3)
    def api_tickets(self) -> None:
        if random.random() < 0.5:
            self.api("/api/v1/tickets/?mine=true", "api tickets mine")
        else:
            self.api(f"/api/v1/tickets/?q={random.choice(SEARCHES)}", "api tickets q")

    @task(3)
    def bell_count(self) -> None:
        self.bell()


class FieldEngineer(DeskUser):
    weight = 3
    username = "chengang"

    @task(5)
    def my_visits(self) -> None:
        self.remember(self.page("/dispatches/mine/", "my visits"), DISPATCH_LINK, self.dispatches)

    @task(5)
    def open_visit(self) -> None:
        if not self.dispatches:
            self.my_visits()
        if self.dispatches:
            self.page(f"/dispatches/{random.choice(self.dispatches)}/", "visit")

    @task(3)
    def api_visits(self) -> None:
        self.api("/api/v1/dispatches/?open=true", "api dispatches open")

    @task(2)
    def bell_count(self) -> None:
        self.bell()


class ServiceManager(DeskUser):
    weight = 2
    username = "zhengwei"

    @task(3)
    def ticket_board(self) -> None:
        html = self.board("/tickets/board/", "ticket board")
        self.remember(html, TICKET_LINK, self.tickets)

    @task(3)
    def ticket_board_poll(self) -> None:
        self.poll("/tickets/board/", "/tickets/board/live/", "ticket board live")

    @task(3)
    def dispatch_board(self) -> None:
        self.board("/dispatches/board/", "dispatch board")

    @task(3)
    def dispatch_board_poll(self) -> None:
        self.poll("/dispatches/board/", "/dispatches/board/live/", "dispatch board live")

    @task(2)
    def ticket_list(self) -> None:
        self.remember(self.page("/tickets/all/", "ticket list"), TICKET_LINK, self.tickets)

    @task(2)
    def dispatch_list(self) -> None:
        self.page("/dispatches/list/", "dispatch list")

    @task(3)
    def open_ticket(self) -> None:
        if not self.tickets:
            self.ticket_list()
        if self.tickets:
            self.page(f"/tickets/{random.choice(self.tickets)}/", "ticket")

    @task(3)
    def api_reads(self) -> None:
        if random.random() < 0.5:
            self.api("/api/v1/tickets/?open=true&ordering=-received_at", "api tickets open")
        else:
            self.api("/api/v1/dispatches/?open=true", "api dispatches open")

    @task(2)
    def bell_count(self) -> None:
        self.bell()


# ``LOAD_WRITES_PER_MINUTE`` > 0: one more user, a service manager who marks his
# notifications read that many times a minute — a committed write each time, which draws
# every page again (docs/architecture.md §page-cache): the cost of the cache's one
# counter under a company's writes. Off by default: the mix is reads.
WRITES_PER_MINUTE = float(os.environ.get("LOAD_WRITES_PER_MINUTE", "0") or 0)

if WRITES_PER_MINUTE > 0:

    class Writer(DeskUser):
        fixed_count = 1
        username = "zhengwei"
        wait_time = constant(60 / WRITES_PER_MINUTE)

        @task
        def mark_all_read(self) -> None:
            page = self.page("/notifications/", "notifications")
            token = CSRF.search(page)
            with self.client.post(
                "/notifications/read-all/",
                {"csrfmiddlewaretoken": token.group(1) if token else ""},
                name="write: mark all read",
                catch_response=True,
                allow_redirects=False,
            ) as response:
                if response.status_code != 302:
                    response.failure(f"mark all read: HTTP {response.status_code}")
