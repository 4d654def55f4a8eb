"""Portal pages of the shared kernel: dashboard, notifications, forms, signatures."""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.contenttypes.models import ContentType
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from . import printforms, selectors
from .choices import DayKind
from .exceptions import ApplicationError, NotPermitted
from .forms import CalendarImportForm, SignatureDrawForm, VerifyForm, form_errors_from
from .live import live_etag, live_partial, live_render
from .models import Notification, SlaTimer, WorkCalendar
from .services.calendar import calendar_import_csv
from .services.notifications import notification_mark_read, notifications_mark_all_read
from .services.signatures import signature_record, signatures_verify


def safe_next(request: HttpRequest, default: str) -> str:
    """The ``next`` parameter only when it points back into this site."""
    target = request.GET.get("next") or request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """What waits for the user (every registered step, with its deadline) and their own —
    or, for managers, their team's — figures (issue 10 §12)."""
    user = request.user
    context = {
        "work_items": selectors.work_queue(user=user),
        "recent_notifications": list(selectors.notifications_for(user=user)[:8]),
        **selectors.dashboard_counts(user=user),
    }
    if user.has_perm("core.view_surveyanswer"):  # customer satisfaction (issue 17)
        from .services.surveys import survey_figures

        context["satisfaction"] = survey_figures()
    return render(request, "core/dashboard.html", context)


TIMER_SORTS = {
    "due": "due_at",
    "-due": "-due_at",
    "started": "started_at",
    "-started": "-started_at",
    "target": "target",
    "-target": "-target",
    "state": "state",
    "-state": "-state",
}


@login_required
def timer_list(request: HttpRequest) -> HttpResponse:
    """Every deadline the user may see, as a dense sortable table for managers."""
    from django.core.paginator import Paginator

    qs = selectors.timers_list(user=request.user)
    state = request.GET.get("state", "open")
    if state == "open":
        qs = qs.open()
    elif state in dict(SlaTimer._meta.get_field("state").choices):
        qs = qs.filter(state=state)
    if request.GET.get("overdue"):
        qs = qs.filter(state="breached", met_at__isnull=True) | qs.filter(
            state="running", due_at__lte=timezone.now()
        )
    target = request.GET.get("target", "")
    if target:
        qs = qs.filter(target=target)
    sort = request.GET.get("sort", "due")
    qs = qs.order_by(TIMER_SORTS.get(sort, "due_at"), "id")
    page = Paginator(qs, 100).get_page(request.GET.get("page"))
    from django.db.models import prefetch_related_objects

    prefetch_related_objects(page.object_list, "subject")
    params = request.GET.copy()
    params.pop("sort", None)
    params.pop("page", None)
    return render(
        request,
        "core/timer_list.html",
        {
            "page": page,
            "sort": sort,
            "state": state,
            "target": target,
            "targets": SlaTimer.objects.values_list("target", flat=True).distinct().order_by(),
            "states": SlaTimer._meta.get_field("state").choices,
            "query": params.urlencode(),
        },
    )


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    qs = selectors.notifications_for(user=request.user)
    if request.GET.get("unread"):
        qs = qs.unread()
    return render(
        request,
        "core/notification_list.html",
        {"notifications": qs[:200], "only_unread": bool(request.GET.get("unread"))},
    )


TRAY_SIZE = 10


def _tray(request: HttpRequest, *, done: str = "") -> HttpResponse:
    """The bell's tray: the latest notifications, and the bell's count out of band."""
    return render(
        request,
        "core/partials/notification_tray.html",
        {
            "notifications": selectors.notifications_for(user=request.user)[:TRAY_SIZE],
            "count": selectors.unread_count(user=request.user),
            "done": done,
        },
    )


@live_partial
@require_GET
def notification_tray(request: HttpRequest) -> HttpResponse:
    return _tray(request)


@live_partial
@require_GET
def notification_count(request: HttpRequest) -> HttpResponseBase:
    """The bell's unread count for live.js: 304 while it is unchanged."""
    count, newest = selectors.unread_version(user=request.user)
    return live_render(
        request,
        "core/partials/bell_count.html",
        lambda: {"count": count},
        live_etag(request, "core.bell", count, newest),
    )


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = get_object_or_404(Notification.objects.restrict(request.user), pk=pk)
    notification_mark_read(notification=notification, by=request.user)
    if request.htmx and request.POST.get("tray"):
        return _tray(request)
    if request.htmx:
        return render(request, "core/partials/notification_row.html", {"n": notification})
    return redirect(notification.url or "core:notifications")


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count = notifications_mark_all_read(by=request.user)
    done = _("%(count)s notifications marked as read.") % {"count": count}
    if request.htmx and request.POST.get("tray"):
        return _tray(request, done=done)
    messages.success(request, done)
    return redirect(safe_next(request, reverse("core:notifications")))


def _record_for(request: HttpRequest, ct_id: int, pk: int):
    content_type = get_object_or_404(ContentType, pk=ct_id)
    model = content_type.model_class()
    if model is None:
        raise Http404
    manager = model._default_manager
    qs = manager.restrict(request.user) if hasattr(manager, "restrict") else manager.none()
    return get_object_or_404(qs, pk=pk)


@login_required
def form_pdf(request: HttpRequest, ct_id: int, pk: int, code: str) -> HttpResponse:
    obj = _record_for(request, ct_id, pk)
    try:
        spec = printforms.form_get(type(obj), code)
    except LookupError:
        raise Http404 from None
    response = HttpResponse(printforms.render(spec, obj), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{code}-{obj.pk}.pdf"'
    return response


@login_required
def form_sign(request: HttpRequest, ct_id: int, pk: int, code: str) -> HttpResponse:
    """Sign one box of a printed form on screen (canvas) or upload the signed scan.

    Staff sign the boxes they hold for the record, as themselves (docs/domain.md §signatures.who);
    the boxes they do not hold are shown disabled with who may sign them. A customer box
    takes the customer's name, with the user as witness. ``?role=`` preselects a box."""
    obj = _record_for(request, ct_id, pk)
    try:
        spec = printforms.form_get(type(obj), code)
    except LookupError:
        raise Http404 from None
    rights = printforms.slot_rights(spec, obj, request.user)
    if not request.user.has_perm("core.add_signature"):  # the auditor reads, never signs
        refused = _("You may not sign forms.")
        rights = [printforms.SlotRight(r.slot, False, refused) for r in rights]
    form = SignatureDrawForm(
        request.POST or None,
        request.FILES or None,
        rights=rights,
        initial={"signer_role": request.GET.get("role", "")},
    )
    status = 200
    if request.method == "POST":
        status = 400
        if not any(r.allowed for r in rights):
            form.is_valid()
            form.add_error(None, rights[0].reason if rights else _("You may not sign forms."))
            status = 403
        elif form.is_valid():
            try:
                signature_record(
                    target=obj,
                    form=code,
                    signer_role=form.cleaned_data["signer_role"],
                    signer_name=form.cleaned_data.get("signer_name", ""),
                    image=form.cleaned_data.get("image") or None,
                    file=form.cleaned_data.get("file"),
                    by=request.user,
                    ip_address=request.META.get("REMOTE_ADDR"),
                    user_agent=request.META.get("HTTP_USER_AGENT", ""),
                )
            except NotPermitted as exc:
                form.add_error(None, exc.message)
                status = 403
            except ApplicationError as exc:
                form_errors_from(exc, form)
            else:
                messages.success(request, _("The signature was recorded."))
                return redirect(safe_next(request, request.path))
    return render(
        request,
        "core/form_sign.html",
        {
            "object": obj,
            "spec": spec,
            "form": form,
            "rights": rights,
            "may_sign": any(r.allowed for r in rights),
            "ct_id": ct_id,
            "signatures": selectors.signatures_for(obj, code),
        },
        status=status,
    )


def verify(request: HttpRequest, token: str) -> HttpResponse:
    """Public page behind the QR code: does a PDF match what was signed?"""
    from .models import Signature

    signature = get_object_or_404(Signature, verify_token=token)
    form = VerifyForm(request.POST or None, request.FILES or None)
    outcome = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data["file"].read()
        matches = signatures_verify(data=data)
        outcome = {
            "ok": any(
                m.target_type_id == signature.target_type_id and m.target_id == signature.target_id
                for m in matches
            ),
            "matches": matches,
        }
    siblings = selectors.signatures_for(signature.target, signature.form).order_by("signed_at")
    return render(
        request,
        "core/verify.html",
        {"signature": signature, "signatures": siblings, "form": form, "outcome": outcome},
    )


@login_required
def calendar_month(request: HttpRequest, pk: int) -> HttpResponse:
    """A month view with holidays and make-up working days marked."""
    calendar = get_object_or_404(WorkCalendar.objects.restrict(request.user), pk=pk)
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year", today.year))
        month = int(request.GET.get("month", today.month))
        first = dt.date(year, month, 1)
    except ValueError:
        first = today.replace(day=1)
    from . import worktime
    from .calendars import calendar_spec

    spec = calendar_spec(calendar)
    exceptions = {
        e.date: e
        for e in calendar.exceptions.filter(date__year=first.year, date__month=first.month)
    }
    weeks = []
    for week in pycalendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month):
        row = []
        for day in week:
            exc = exceptions.get(day)
            row.append(
                {
                    "date": day,
                    "in_month": day.month == first.month,
                    "working": worktime.is_working_day(spec, day),
                    "holiday": exc is not None and exc.kind == DayKind.HOLIDAY,
                    "makeup": exc is not None and exc.kind == DayKind.WORKDAY,
                    "note": exc.note if exc else "",
                    "today": day == today,
                }
            )
        weeks.append(row)
    prev_month = (first - dt.timedelta(days=1)).replace(day=1)
    next_month = (first + dt.timedelta(days=32)).replace(day=1)
    return render(
        request,
        "core/calendar_month.html",
        {
            "calendar": calendar,
            "calendars": WorkCalendar.objects.restrict(request.user),
            "first": first,
            "weeks": weeks,
            "prev": prev_month,
            "next": next_month,
            "weekday_names": [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")],
        },
    )


@login_required
@permission_required("core.add_calendarexception", raise_exception=True)
def calendar_import(request: HttpRequest) -> HttpResponse:
    form = CalendarImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        raw = form.cleaned_data["file"].read()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = None
            form.add_error("file", _("The file must be UTF-8 text."))
        if text is not None:
            try:
                result = calendar_import_csv(
                    calendar=form.cleaned_data["calendar"], text=text, by=request.user
                )
            except ApplicationError as exc:
                for error in exc.extra.get("file", [exc.message]):
                    form.add_error("file", error)
            else:
                messages.success(
                    request,
                    _("Imported: %(c)s new, %(u)s changed, %(n)s unchanged.")
                    % {"c": result.created, "u": result.updated, "n": result.unchanged},
                )
                return redirect("core:calendar", pk=form.cleaned_data["calendar"].pk)
    return render(request, "core/calendar_import.html", {"form": form})


@login_required
def calendars(request: HttpRequest) -> HttpResponse:
    first = WorkCalendar.objects.restrict(request.user).first()
    if first is None:
        raise Http404
    return redirect("core:calendar", pk=first.pk)
