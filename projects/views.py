"""Portal pages of implementation projects (docs/domain.md §project.pages): the
implementation manager's list by state with slippage, the PM's "my projects", the
consultant's "today's log" on a phone, the project page (timeline, logs per day, open
issues, requirements, documents) and the stage, log and plan pages. Every action panel is
built from projects/actions.py (docs/architecture.md §action-layer)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from servicedesk.core.actions import action_panels, action_run_portal
from servicedesk.core.exceptions import ApplicationError, NotPermitted
from servicedesk.core.forms import form_errors_from

from . import selectors
from .actions import LOG_ACTIONS, PLAN_ACTIONS, PROJECT_ACTIONS, STAGE_ACTIONS
from .choices import ACTIVE_STATES, IncidentState, ProjectState
from .forms import LogForm
from .models import (
    LOG_FORM,
    PLAN_FORM,
    STAGE_FORM,
    DailyLog,
    PlanRevision,
    Project,
    Stage,
)
from .services import log_write, plan_compare

# -- lists -------------------------------------------------------------------------------------

#: the list's orders offered on phones, where the table's sortable headings are hidden
SORT_CHOICES = [
    ("-slip", gettext_lazy("Most behind first")),
    ("-created", gettext_lazy("Newest first")),
    ("number", gettext_lazy("Number")),
    ("customer", gettext_lazy("Customer")),
    ("state", gettext_lazy("State")),
]


@login_required
@permission_required("projects.run_project", raise_exception=True)
@require_GET
def my_projects(request: HttpRequest) -> HttpResponse:
    sort = request.GET.get("sort", "-slip")
    projects = selectors.decorate(
        selectors.project_list(request.user, manager=request.user, sort=sort)[:200]
    )
    active = [p for p in projects if p.state in ACTIVE_STATES]
    done = [p for p in projects if p.state not in ACTIVE_STATES]
    to_review = (
        Stage.objects.filter(project__project_manager=request.user, state="delivered")
        .select_related("project")
        .order_by("delivered_at")
    )
    return render(
        request,
        "projects/mine.html",
        {"active": active, "done": done, "to_review": to_review, "sort": sort},
    )


@login_required
@permission_required("projects.work_project", raise_exception=True)
@require_http_methods(["GET", "POST"])
def today_log(request: HttpRequest) -> HttpResponse:
    """The consultant's log of today on a phone: pick the project, write, submit."""
    today = timezone.localdate()
    projects = list(
        Project.objects.restrict(request.user)
        .filter(state__in=[ProjectState.IN_PROGRESS, ProjectState.READY])
        .filter(consultants=request.user)
        .select_related("customer")
        .order_by("number")
    )
    chosen = None
    pk = request.POST.get("project") or request.GET.get("project")
    if pk:
        chosen = next((p for p in projects if str(p.pk) == str(pk)), None)
    elif len(projects) == 1:
        chosen = projects[0]
    status = 200
    if request.method == "POST":
        form = LogForm(request.POST)
        if chosen is None:
            form.is_valid()
            form.add_error(None, _("Choose the project."))
            status = 400
        elif form.is_valid():
            try:
                log = log_write(chosen, by=request.user, **form.cleaned_data)
            except NotPermitted as exc:
                form.add_error(None, exc.message)
                status = 403
            except ApplicationError as exc:
                form_errors_from(exc, form)
                status = 400
            else:
                messages.success(request, _("Today's log is submitted; the customer confirms it."))
                return redirect(log.get_absolute_url())
        else:
            status = 400
    else:
        initial = {"day": today, "hours": 8}
        if chosen is not None:
            existing = DailyLog.objects.filter(
                project=chosen, consultant=request.user, day=today
            ).first()
            if existing is not None:
                initial.update(
                    work_done=existing.work_done,
                    hours=existing.hours,
                    issues=existing.issues,
                    next_steps=existing.next_steps,
                )
        form = LogForm(initial=initial)
    return render(
        request,
        "projects/today.html",
        {
            "projects": projects,
            "chosen": chosen,
            "form": form,
            "today": today,
            "recent": selectors.today_logs(request.user),
        },
        status=status,
    )


# -- the project page --------------------------------------------------------------------------


def _project_page(
    request: HttpRequest,
    project: Project,
    *,
    status: int = 200,
    failed: str = "",
    failed_form: Any = None,
) -> HttpResponse:
    if not getattr(project, "detail_loaded", False):
        project = selectors.project_detail(request.user, project.pk)
    panels = action_panels(
        PROJECT_ACTIONS, project, request.user, failed=failed, failed_form=failed_form
    )
    revisions = sorted(project.revisions, key=lambda r: r.number)
    return render(
        request,
        "projects/project_detail.html",
        {
            "object": project,
            "project": project,
            "panels": panels,
            "action_url": "projects:project-action",
            "timeline": selectors.timeline(project),
            "logs_by_day": selectors.logs_by_day(project),
            "open_incidents": [i for i in project.incidents.all() if i.state == IncidentState.OPEN],
            "closed_incidents": [
                i for i in project.incidents.all() if i.state != IncidentState.OPEN
            ],
            "requirements": selectors.requirements_of(project),
            "revisions": revisions,
            "plan": project.plan_in_force,
            "handover": getattr(project, "handover_book", None),
        },
        status=status,
    )


def _get_project(request: HttpRequest, pk: int) -> Project:
    return get_object_or_404(Project.objects.restrict(request.user), pk=pk)


@login_required
@require_GET
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        project = selectors.project_detail(request.user, pk)
    except Project.DoesNotExist:
        raise Http404 from None
    return _project_page(request, project)


@login_required
@require_POST
def project_action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    project = _get_project(request, pk)
    return action_run_portal(
        request,
        action_set=PROJECT_ACTIONS,
        obj=project,
        name=name,
        page=_project_page,
        reload=lambda: _get_project(request, pk),
    )


# -- stages, logs, plans -----------------------------------------------------------------------


def _child_page(template: str, action_set, url_name: str, form_code: str, extra=None):
    def page(request, obj, *, status=200, failed="", failed_form=None):
        panels = action_panels(
            action_set, obj, request.user, failed=failed, failed_form=failed_form
        )
        context = {
            "object": obj,
            "project": obj.project,
            "panels": panels,
            "action_url": url_name,
        }
        if extra is not None:
            context.update(extra(obj))
        return render(request, template, context, status=status)

    return page


def _plan_extra(revision: PlanRevision) -> dict[str, Any]:
    previous = (
        revision.project.plan_revisions.filter(number__lt=revision.number)
        .order_by("-number")
        .first()
    )
    in_force = revision.project.plan_in_force
    return {
        "previous": previous,
        "comparison": plan_compare(previous, revision),
        "in_force": in_force is not None and in_force.pk == revision.pk,
    }


_stage_page = _child_page(
    "projects/stage_detail.html", STAGE_ACTIONS, "projects:stage-action", STAGE_FORM
)
_log_page = _child_page("projects/log_detail.html", LOG_ACTIONS, "projects:log-action", LOG_FORM)
_plan_page = _child_page(
    "projects/plan_detail.html", PLAN_ACTIONS, "projects:plan-action", PLAN_FORM, _plan_extra
)

_CHILDREN = {
    "stage": (Stage, _stage_page, STAGE_ACTIONS),
    "log": (DailyLog, _log_page, LOG_ACTIONS),
    "plan": (PlanRevision, _plan_page, PLAN_ACTIONS),
}


def _child(request: HttpRequest, kind: str, pk: int) -> Any:
    model = _CHILDREN[kind][0]
    return get_object_or_404(model.objects.restrict(request.user).select_related("project"), pk=pk)


def child_detail(kind: str):
    @login_required
    @require_GET
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        if kind not in _CHILDREN:
            raise Http404
        return _CHILDREN[kind][1](request, _child(request, kind, pk))

    return view


def child_action(kind: str):
    @login_required
    @require_POST
    def view(request: HttpRequest, pk: int, name: str) -> HttpResponse:
        obj = _child(request, kind, pk)
        return action_run_portal(
            request,
            action_set=_CHILDREN[kind][2],
            obj=obj,
            name=name,
            page=_CHILDREN[kind][1],
            reload=lambda: _child(request, kind, pk),
        )

    return view


# -- the hand-over book (docs/domain.md §project.handover) ----------------------------------------


def _handover_page(request, version_or_project, *, status=200, failed="", failed_form=None):
    from .actions import HANDOVER_ACTIONS
    from .forms import RevealForm
    from .models import HandoverBook

    project = (
        version_or_project
        if isinstance(version_or_project, Project)
        else version_or_project.book.project
    )
    book = HandoverBook.objects.filter(project=project).first()
    versions = (
        list(book.versions.select_related("giver", "receiver").order_by("-number")) if book else []
    )
    panels = {}
    for version in versions:
        if failed and failed_form is not None and version == version_or_project:
            panels[version.pk] = action_panels(
                HANDOVER_ACTIONS, version, request.user, failed=failed, failed_form=failed_form
            )
        else:
            panels[version.pk] = action_panels(HANDOVER_ACTIONS, version, request.user)
        # one page holds every version's panel: their element ids carry the version
        for state in panels[version.pk]:
            if state.form is not None:
                state.form.auto_id = f"v{version.pk}-id_%s"
    from .models import is_member

    member = is_member(project, request.user) and request.user.has_perm(
        "projects.reveal_credential"
    )
    return render(
        request,
        "projects/handover.html",
        {
            "project": project,
            "book": book,
            "versions": [(v, panels[v.pk], f"v{v.pk}-") for v in versions],
            "credentials": list(book.credentials.all()) if book else [],
            "member": member,
            "reveal_form": getattr(request, "_reveal_form", None) or RevealForm(),
            "revealed": getattr(request, "_revealed", None),
            "action_url": "projects:handover-action",
        },
        status=status,
    )


@login_required
@permission_required("projects.view_handoverversion", raise_exception=True)
@require_GET
def handover(request: HttpRequest, pk: int) -> HttpResponse:
    return _handover_page(request, _get_project(request, pk))


@login_required
@require_POST
def handover_action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    from .actions import HANDOVER_ACTIONS
    from .models import HandoverVersion

    version = get_object_or_404(
        HandoverVersion.objects.restrict(request.user).select_related("book__project"), pk=pk
    )
    return action_run_portal(
        request,
        action_set=HANDOVER_ACTIONS,
        obj=version,
        name=name,
        page=_handover_page,
        reload=lambda: HandoverVersion.objects.get(pk=pk),
    )


@login_required
@require_POST
def credential_reveal_view(request: HttpRequest, pk: int, credential_pk: int) -> HttpResponse:
    """Show one credential after the member re-entered their password (logged)."""
    from django.core.exceptions import PermissionDenied

    from .forms import RevealForm
    from .models import Credential
    from .services import credential_reveal

    project = _get_project(request, pk)
    credential = get_object_or_404(Credential, pk=credential_pk, book__project=project)
    form = RevealForm(request.POST, prefix=f"reveal-{credential.pk}")
    status = 400
    if form.is_valid():
        try:
            secret = credential_reveal(
                credential,
                by=request.user,
                password=form.cleaned_data["password"],
                ip_address=request.META.get("REMOTE_ADDR"),
            )
        except NotPermitted as exc:
            raise PermissionDenied(exc.message) from exc
        except ApplicationError as exc:
            form_errors_from(exc, form)
        else:
            request._revealed = {"pk": credential.pk, "secret": secret}
            status = 200
    request._reveal_form = form
    response = _handover_page(request, project, status=status)
    response["Cache-Control"] = "no-store"
    return response
