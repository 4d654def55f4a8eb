"""Portal pages of on-site support plans (docs/domain.md §support-plan): the list, a new
plan, and a plan's page where its items are tracked and the customer's questions are
answered or routed."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from servicedesk.core.exceptions import ApplicationError
from servicedesk.core.forms import form_errors_from

from .. import selectors
from .. import upgrade_forms as f
from ..models.support import CustomerQuestion, SupportPlan, SupportPlanItem
from ..services import support as ss


def _staff() -> Any:
    return get_user_model().objects.filter(is_active=True, groups__isnull=False).distinct()


@login_required
@permission_required("fieldservice.view_supportplan", raise_exception=True)
@require_GET
def plan_list(request: HttpRequest) -> HttpResponse:
    plans = (
        SupportPlan.objects.restrict(request.user)
        .select_related("customer", "engineer__user", "back_office")
        .order_by("-starts_on", "-id")[:200]
    )
    return render(request, "fieldservice/support/list.html", {"plans": plans})


@login_required
@permission_required("fieldservice.add_supportplan", raise_exception=True)
@require_http_methods(["GET", "POST"])
def plan_new(request: HttpRequest) -> HttpResponse:
    form = f.SupportPlanForm(
        request.POST or None,
        initial=request.GET.dict(),
        engineers=selectors.engineers_assignable(request.user),
        staff=_staff(),
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                plan = ss.support_plan_create(by=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                form_errors_from(exc, form)
            else:
                messages.success(request, _("Support plan recorded."))
                return redirect(plan.get_absolute_url())
    return render(
        request,
        "fieldservice/restores/new.html",
        {"form": form, "title": _("New on-site support plan")},
        status=status,
    )


def _plan(request: HttpRequest, pk: int) -> SupportPlan:
    return get_object_or_404(
        SupportPlan.objects.restrict(request.user).select_related(
            "customer", "engineer__user", "back_office"
        ),
        pk=pk,
    )


def _page(request: HttpRequest, plan: SupportPlan, *, failed: str = "", form: Any = None):
    forms = {
        "item": f.SupportItemForm(prefix="item"),
        "question": f.QuestionForm(prefix="question"),
    }
    if failed in forms:
        forms[failed] = form
    return render(
        request,
        "fieldservice/support/detail.html",
        {
            "plan": plan,
            "items": list(plan.items.select_related("done_by")),
            "questions": list(plan.questions.select_related("recorded_by")),
            "forms": forms,
            "done_form": f.ItemDoneForm(prefix="done"),
            "reply_form": f.ReplyForm(prefix="reply"),
            "failed": failed,
            "may_work": request.user.has_perm("fieldservice.change_supportplan"),
        },
        status=400 if failed else 200,
    )


@login_required
@permission_required("fieldservice.view_supportplan", raise_exception=True)
@require_GET
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, _plan(request, pk))


def _run(request, plan, kind, form, call) -> HttpResponse:
    if form.is_valid():
        try:
            call(form.cleaned_data)
        except ApplicationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, _("Recorded."))
            return redirect(plan.get_absolute_url())
    if kind in ("item", "question"):
        return _page(request, plan, failed=kind, form=form)
    messages.error(request, "；".join(str(e) for errors in form.errors.values() for e in errors))
    return _page(request, plan)


@login_required
@permission_required("fieldservice.change_supportplan", raise_exception=True)
@require_POST
def plan_record(request: HttpRequest, pk: int, kind: str, child: int = 0) -> HttpResponse:
    plan = _plan(request, pk)
    if kind == "item":
        form = f.SupportItemForm(request.POST, prefix="item")
        return _run(
            request, plan, kind, form, lambda d: ss.support_item_add(plan, by=request.user, **d)
        )
    if kind == "question":
        form = f.QuestionForm(request.POST, prefix="question")
        return _run(
            request, plan, kind, form, lambda d: ss.question_record(plan, by=request.user, **d)
        )
    if kind == "done":
        item = get_object_or_404(SupportPlanItem, pk=child, plan=plan)
        form = f.ItemDoneForm(request.POST, prefix="done")
        return _run(
            request, plan, kind, form, lambda d: ss.support_item_done(item, by=request.user, **d)
        )
    if kind == "reply":
        q = get_object_or_404(CustomerQuestion, pk=child, plan=plan)
        form = f.ReplyForm(request.POST, prefix="reply")
        return _run(request, plan, kind, form, lambda d: ss.question_reply(q, by=request.user, **d))
    raise Http404
