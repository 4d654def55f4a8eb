"""Portal pages of upgrades and restores (docs/domain.md §upgrade, §restore): lists, the
new-record forms, and each record's page with its action panel built from
fieldservice/actions_upgrades.py (docs/architecture.md §action-layer)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from servicedesk.core.actions import action_panels, action_run_portal
from servicedesk.core.exceptions import ApplicationError
from servicedesk.core.forms import form_errors_from

from .. import selectors
from ..actions_upgrades import RESTORE_ACTIONS, UPGRADE_ACTIONS
from ..models.backups import BackupPolicy, RestoreRequest, RestoreState
from ..models.upgrades import Upgrade, UpgradeState
from ..services.backups import backup_policy_save, restore_request_create
from ..services.upgrades import upgrade_create
from ..upgrade_forms import BackupPolicyForm, RestoreCreateForm, UpgradeCreateForm

# -- upgrades ----------------------------------------------------------------------------------


@login_required
@permission_required("fieldservice.view_upgrade", raise_exception=True)
@require_GET
def upgrade_list(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    qs = (
        Upgrade.objects.restrict(request.user)
        .select_related("customer", "engineer__user", "engineer__partner")
        .order_by("-created_at", "-id")
    )
    if state == "open":
        qs = qs.open()
    elif state in UpgradeState.values:
        qs = qs.filter(state=state)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "fieldservice/upgrades/list.html",
        {"page": page, "state": state, "states": UpgradeState.choices},
    )


@login_required
@permission_required("fieldservice.add_upgrade", raise_exception=True)
@require_http_methods(["GET", "POST"])
def upgrade_new(request: HttpRequest) -> HttpResponse:
    engineers = selectors.engineers_assignable(request.user)
    form = UpgradeCreateForm(request.POST or None, initial=request.GET.dict(), engineers=engineers)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                upgrade = upgrade_create(by=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                form_errors_from(exc, form)
            else:
                messages.success(
                    request, _("Upgrade %(number)s planned.") % {"number": upgrade.number}
                )
                return redirect(upgrade.get_absolute_url())
    return render(request, "fieldservice/upgrades/new.html", {"form": form}, status=status)


def _upgrade(request: HttpRequest, pk: int) -> Upgrade:
    return get_object_or_404(
        Upgrade.objects.restrict(request.user).select_related(
            "customer", "contract", "engineer__user", "engineer__partner", "dispatch"
        ),
        pk=pk,
    )


def _upgrade_page(
    request: HttpRequest,
    upgrade: Upgrade,
    *,
    status: int = 200,
    failed: str = "",
    failed_form: Any = None,
) -> HttpResponse:
    upgrade = _upgrade(request, upgrade.pk)
    panels = action_panels(
        UPGRADE_ACTIONS, upgrade, request.user, failed=failed, failed_form=failed_form
    )
    return render(
        request,
        "fieldservice/upgrades/detail.html",
        {
            "object": upgrade,
            "upgrade": upgrade,
            "panels": panels,
            "action_url": "fieldservice:upgrade-action",
            "gates": gates(upgrade),
            "problems": list(upgrade.problems.select_related("recorded_by")),
            "notices": list(upgrade.notices.select_related("by")),
        },
        status=status,
    )


def gates(upgrade: Upgrade) -> list[dict[str, Any]]:
    """The guided checklist (the same gates for a customer upgrading by themselves)."""
    from ..models.upgrades import (
        upgrade_backup_complete,
        upgrade_customer_agreed,
        upgrade_customer_told_after,
        upgrade_customer_told_before,
        upgrade_has_manual,
        upgrade_plan_complete,
        upgrade_rehearsal_passed,
        upgrade_report_written,
        upgrade_time_justified,
    )

    items = [
        (_("Upgrade manual attached"), upgrade_has_manual),
        (_("Plan: time, content, risks, contingency plan"), upgrade_plan_complete),
        (_("Outside office hours, or the reason given"), upgrade_time_justified),
        (_("Customer's signed agreement"), upgrade_customer_agreed),
        (_("Rehearsal in a simulated environment passed"), upgrade_rehearsal_passed),
        (_("Programs, database and attachments backed up"), upgrade_backup_complete),
        (_("Customer told before"), upgrade_customer_told_before),
        (_("Customer told after"), upgrade_customer_told_after),
        (_("Upgrade report to the region lead"), upgrade_report_written),
    ]
    return [{"label": label, "done": bool(check(upgrade))} for label, check in items]


@login_required
@require_GET
def upgrade_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _upgrade_page(request, _upgrade(request, pk))


@login_required
@require_POST
def upgrade_action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    return action_run_portal(
        request,
        action_set=UPGRADE_ACTIONS,
        obj=_upgrade(request, pk),
        name=name,
        page=_upgrade_page,
        reload=lambda: _upgrade(request, pk),
    )


# -- restores and backup policies ----------------------------------------------------------------


@login_required
@permission_required("fieldservice.view_restorerequest", raise_exception=True)
@require_GET
def restore_list(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    qs = (
        RestoreRequest.objects.restrict(request.user)
        .select_related("customer")
        .order_by("-created_at", "-id")
    )
    if state in RestoreState.values:
        qs = qs.filter(state=state)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    selectors_timers(page.object_list)
    policies = (
        BackupPolicy.objects.restrict(request.user)
        .select_related("customer")
        .order_by("customer__name", "system")[:200]
    )
    return render(
        request,
        "fieldservice/restores/list.html",
        {"page": page, "state": state, "states": RestoreState.choices, "policies": policies},
    )


def selectors_timers(objects: Any) -> None:
    from servicedesk.core.selectors import timers_attach

    timers_attach(list(objects))


@login_required
@permission_required("fieldservice.add_restorerequest", raise_exception=True)
@require_http_methods(["GET", "POST"])
def restore_new(request: HttpRequest) -> HttpResponse:
    form = RestoreCreateForm(request.POST or None, initial=request.GET.dict())
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                restore = restore_request_create(by=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                form_errors_from(exc, form)
            else:
                messages.success(
                    request, _("Restore request %(number)s recorded.") % {"number": restore.number}
                )
                return redirect(restore.get_absolute_url())
    return render(
        request,
        "fieldservice/restores/new.html",
        {"form": form, "title": _("New restore request")},
        status=status,
    )


@login_required
@permission_required("fieldservice.add_backuppolicy", raise_exception=True)
@require_http_methods(["GET", "POST"])
def backup_policy_new(request: HttpRequest) -> HttpResponse:
    form = BackupPolicyForm(request.POST or None, initial=request.GET.dict())
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                policy = backup_policy_save(by=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                form_errors_from(exc, form)
            else:
                messages.success(request, _("Backup policy recorded."))
                return redirect(policy.customer.get_absolute_url())
    return render(
        request,
        "fieldservice/restores/new.html",
        {"form": form, "title": _("Backup policy")},
        status=status,
    )


def _restore(request: HttpRequest, pk: int) -> RestoreRequest:
    return get_object_or_404(
        RestoreRequest.objects.restrict(request.user).select_related("customer", "policy"),
        pk=pk,
    )


def _restore_page(
    request: HttpRequest,
    restore: RestoreRequest,
    *,
    status: int = 200,
    failed: str = "",
    failed_form: Any = None,
) -> HttpResponse:
    restore = _restore(request, restore.pk)
    panels = action_panels(
        RESTORE_ACTIONS, restore, request.user, failed=failed, failed_form=failed_form
    )
    return render(
        request,
        "fieldservice/restores/detail.html",
        {
            "object": restore,
            "restore": restore,
            "panels": panels,
            "action_url": "fieldservice:restore-action",
        },
        status=status,
    )


@login_required
@require_GET
def restore_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _restore_page(request, _restore(request, pk))


@login_required
@require_POST
def restore_action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    return action_run_portal(
        request,
        action_set=RESTORE_ACTIONS,
        obj=_restore(request, pk),
        name=name,
        page=_restore_page,
        reload=lambda: _restore(request, pk),
    )
