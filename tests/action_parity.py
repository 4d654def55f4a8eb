"""Portal, admin and API offer the same actions to the same people.

Each app's parity test calls :func:`assert_channels_agree` for records in each state and
for each role. The helper reads what each channel really shows — the portal page's action
buttons, the admin change page's transition buttons (or, for people who cannot open the
admin, the admin's own ``get_transition_buttons``), the API's ``available_transitions`` —
and checks that each equals what the action set declares for that channel, and that the
three agree on every action offered on all three channels.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.contrib import admin
from django.test import Client, RequestFactory
from django.urls import reverse

from servicedesk.core.actions import ActionSet

_PORTAL_BUTTON = re.compile(r'<button[^>]*data-testid="action-([\w-]+)"[^>]*>')
_ADMIN_BUTTON = re.compile(r'id="fsm-transition-([\w-]+)"')


@dataclass
class Offered:
    portal: set[str] | None  # None: the person cannot open the record's page
    portal_disabled: set[str]
    admin: set[str]
    api: set[str] | None  # None: the record is not in the person's API scope


def portal_offered(html: str) -> tuple[set[str], set[str]]:
    """(enabled, disabled) action names of the action panel on a portal page."""
    enabled: set[str] = set()
    disabled: set[str] = set()
    for match in _PORTAL_BUTTON.finditer(html):
        tag = match.group(0)
        (disabled if " disabled" in tag else enabled).add(match.group(1))
    return enabled, disabled


def admin_offered(obj: Any, user: Any, client: Client) -> set[str]:
    model_admin = _model_admin(type(obj))
    if user.is_staff and model_admin.has_view_or_change_permission(_request(user), obj):
        opts = obj._meta
        url = reverse(
            f"{model_admin.admin_site.name}:{opts.app_label}_{opts.model_name}_change",
            args=[obj.pk],
        )
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return set(_ADMIN_BUTTON.findall(response.content.decode()))
    return {b.name for b in model_admin.get_transition_buttons(_request(user), obj)}


def channels(
    obj: Any, user: Any, *, portal_url: str, api_url: str, client: Client | None = None
) -> Offered:
    client = client or Client()
    client.force_login(user)
    response = client.get(portal_url)
    enabled: set[str] | None = None
    disabled: set[str] = set()
    if response.status_code == 200:
        enabled, disabled = portal_offered(response.content.decode())
    else:
        assert response.status_code in (403, 404), (portal_url, response.status_code)
    api = client.get(api_url)
    api_names: set[str] | None = None
    if api.status_code == 200:
        api_names = set(api.json()["available_transitions"])
    else:
        assert api.status_code in (403, 404), (api_url, api.status_code)
    return Offered(enabled, disabled, admin_offered(obj, user, client), api_names)


def assert_channels_agree(
    action_set: ActionSet,
    obj: Any,
    users: list[Any],
    *,
    portal_url: str,
    api_url: str,
    portal_only: set[str] = frozenset(),
) -> dict[str, set[str]]:
    """Check each channel against the declaration and against each other; returns each
    user's enabled portal set (for the caller's own expectations).

    ``portal_only``: names the portal page shows outside the action set (links to a page
    of their own) — ignored in the comparison.
    """
    declared = {
        ch: {a.name for a in action_set.for_channel(ch)} for ch in ("portal", "admin", "api")
    }
    # An action the API serves at a path of its own is not named among the record's
    # available transitions (``listed=False``): compared on the portal and the admin only.
    unlisted = {a.name for a in action_set.for_channel("api") if not a.listed}
    everywhere = declared["portal"] & declared["admin"] & declared["api"] - unlisted
    both = declared["portal"] & declared["admin"]
    result: dict[str, set[str]] = {}
    for user in users:
        obj.refresh_from_db()
        seen = channels(obj, user, portal_url=portal_url, api_url=api_url)
        who = f"{user.username} on {obj._meta.label} #{obj.pk}"
        assert (seen.portal is None) == (seen.api is None), (who, "portal and API scope differ")
        assert seen.admin == set(action_set.available(obj, user, "admin")), (who, "admin", seen)
        if seen.portal is None or seen.api is None:
            result[user.username] = set()
            continue
        portal = seen.portal - set(portal_only)
        assert portal == set(action_set.available(obj, user, "portal")), (who, "portal", seen)
        assert seen.api == set(action_set.available(obj, user, "api")), (who, "api", seen)
        assert portal & everywhere == seen.api & everywhere == seen.admin & everywhere, (
            who,
            seen,
        )
        assert portal & both == seen.admin & both, (who, seen)
        result[user.username] = portal
    return result


def _model_admin(model: type) -> Any:
    sites = sorted(admin.sites.all_sites, key=lambda site: site is not admin.site)
    for site in sites:
        if model in site._registry and getattr(site._registry[model], "action_set", None):
            return site._registry[model]
    raise AssertionError(f"{model._meta.label} has no admin")


def _request(user: Any) -> Any:
    request = RequestFactory().get("/")
    request.user = user
    return request
