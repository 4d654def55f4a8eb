"""The views serving every declared list (docs/architecture.md §lists): the page (the
table alone for htmx), the Excel export, saved filters and bulk actions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_POST

from .exceptions import ApplicationError, NotPermitted, TransitionConflict
from .lists import (
    CappedPaginator,
    ListSpec,
    filter_params,
    filtered,
    list_get,
    paged,
    query_string,
    rows_for_export,
    workbook_bytes,
)
from .models import SavedFilter
from .page_cache import page_cached

#: at most this many records in one bulk action
BULK_LIMIT = 200


def _spec(request: HttpRequest, code: str) -> ListSpec:
    spec = list_get(code)
    if spec is None:
        raise Http404
    if not request.user.has_perm(spec.permission):
        raise PermissionDenied
    return spec


def list_url(spec: ListSpec) -> str:
    return reverse(spec.url_name) if spec.url_name else reverse("core:list", args=[spec.code])


@page_cached
@login_required
@require_GET
def list_page(request: HttpRequest, code: str) -> HttpResponse:
    spec = _spec(request, code)
    data = _query_of(request, code)
    saved_pk = request.GET.get("saved")
    filterset, qs, sort = filtered(spec, request, data)
    page = CappedPaginator(paged(spec, qs, sort), spec.page_size).get_page(data.get("page"))
    columns = spec.columns_for(request.user)
    rows = [(obj, [(c, c.text(obj)) for c in columns]) for obj in page.object_list]
    context = {
        "spec": spec,
        "columns": columns,
        "page": page,
        "rows": rows,
        "sort": sort,
        "form": filterset.form,
        "shown": _shown_fields(spec, filterset),
        "query": query_string(data, sort=None, page=None, saved=None),
        "url": list_url(spec),
        "bulk": [
            (b.name, b.action_set[b.name].label)
            for b in spec.bulk
            if b.name in b.action_set and _may_bulk(request.user, b)
        ],
    }
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "list-table":
        return render(request, "core/partials/list_table.html", context)
    context["may_create"] = bool(spec.create_url) and request.user.has_perm(
        spec.create_permission or spec.permission
    )
    context["saved"] = list(SavedFilter.objects.visible_to(request.user, code))
    context["saved_current"] = saved_pk
    return render(request, "core/list.html", context)


def _query_of(request: HttpRequest, code: str) -> QueryDict:
    """The request's filters, or those of the saved filter ``?saved=<pk>`` (the user's
    own or a shared one)."""
    saved_pk = request.GET.get("saved", "")
    if saved_pk.isdigit() and set(request.GET) <= {"saved", "page", "sort"}:
        saved = get_object_or_404(SavedFilter.objects.visible_to(request.user, code), pk=saved_pk)
        data = QueryDict(saved.query, mutable=True)
        for name in ("page", "sort"):
            if name in request.GET:
                data[name] = request.GET[name]
        return data
    return request.GET


def _shown_fields(spec: ListSpec, filterset: Any) -> list[Any]:
    """The filters the page shows: Bootstrap's classes, date pickers, 全部 for "any", and
    the spec's Chinese labels where the API's label is for developers."""
    form = filterset.form
    shown = []
    for name in spec.filters:
        if name not in form.fields:
            continue
        field = form.fields[name]
        _any_choice(field)
        widgets = getattr(field.widget, "widgets", [field.widget])
        for widget in widgets:
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs.setdefault("class", f"{css} form-control-sm")
            if isinstance(widget, forms.DateInput):
                widget.input_type = "date"
                widget.format = "%Y-%m-%d"
        bound = form[name]
        if name in spec.labels:
            bound.label = spec.labels[name]
        else:
            bound.label = _model_label(filterset, name) or bound.label
        if len(widgets) > 1:  # a range: each of its two boxes says which end it is
            ends = [pgettext("range", "from"), pgettext("range", "to")]
            for widget, end in zip(widgets, ends, strict=False):
                widget.attrs["aria-label"] = f"{bound.label}（{end}）"
        shown.append({"field": bound, "range": len(widgets) > 1})
    return shown


def _model_label(filterset: Any, name: str) -> Any:
    """A filter declared without a label is named after its model field, in the language
    of this request: django-filter turns that name into text once per process, in the
    language of whichever request asked first (an English "Service level" then showed on
    the Chinese page). None when the filter was given a translated label of its own."""
    from django.utils.functional import Promise
    from django.utils.text import capfirst
    from django_filters.utils import get_model_field

    flt = filterset.filters.get(name)
    if flt is None or isinstance(flt._label, Promise):  # declared with a translated label
        return None
    field = get_model_field(filterset._meta.model, flt.field_name)
    verbose = getattr(field, "verbose_name", None)
    return capfirst(verbose) if verbose else None


def _any_choice(field: forms.Field) -> None:
    """ "全部" rather than Django's dashes or "unknown" for "not filtered"."""
    if isinstance(field.widget, forms.NullBooleanSelect):
        field.widget.choices = [("unknown", _("All")), ("true", _("Yes")), ("false", _("No"))]
    elif hasattr(field, "empty_label"):
        # ModelChoiceField and django-filter's ChoiceField read it when they render
        field.empty_label = _("All")
        if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
            field.widget.choices = list(field.choices)
    elif isinstance(field, forms.ChoiceField):
        choices = list(field.choices)
        if choices and choices[0][0] == "":
            field.choices = [("", _("All")), *choices[1:]]


def _may_bulk(user: Any, bulk: Any) -> bool:
    """Offered when the user holds the action's permission or that of one of its
    transitions (each record is still checked when it runs)."""
    action_set = bulk.action_set
    action = action_set[bulk.name]
    if action.permission:
        return user.has_perm(action.permission)
    names = action_set.transition_names(action)
    field = action_set.model._meta.get_field(action_set.state_field)
    for transition in field.get_all_transitions(action_set.model):
        if transition.name not in names:
            continue
        perm = transition.permission
        if perm is None or callable(perm) or user.has_perm(perm):
            return True
    return False


@login_required
@require_GET
def list_export(request: HttpRequest, code: str) -> HttpResponse:
    """The filtered, sorted list as .xlsx with the page's columns."""
    spec = _spec(request, code)
    _filterset, qs, _sort = filtered(spec, request, _query_of(request, code))
    columns = spec.columns_for(request.user)
    content = workbook_bytes(
        str(spec.title), [str(c.label) for c in columns], rows_for_export(spec, qs, columns)
    )
    name = f"{spec.export_name or spec.code}-{timezone.localdate():%Y%m%d}.xlsx"
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# -- saved filters ---------------------------------------------------------------------------


@login_required
@require_POST
def saved_filter_create(request: HttpRequest, code: str) -> HttpResponse:
    spec = _spec(request, code)
    name = request.POST.get("name", "").strip()[:60]
    query = query_string(filter_params(QueryDict(request.POST.get("query", ""))), page=None)
    sort = request.POST.get("sort", "")
    if sort:
        query = f"{query}&sort={sort}" if query else f"sort={sort}"
    if not name:
        messages.error(request, _("Give the filter a name."))
        return redirect(f"{list_url(spec)}?{query}")
    shared = bool(request.POST.get("shared"))
    try:
        with transaction.atomic():
            saved = SavedFilter.objects.create(
                owner=request.user, list_code=code, name=name, query=query, shared=shared
            )
    except IntegrityError:
        messages.error(request, _("You already have a filter of that name."))
        return redirect(f"{list_url(spec)}?{query}")
    messages.success(request, _("Filter “%(name)s” saved.") % {"name": saved.name})
    return redirect(f"{list_url(spec)}?saved={saved.pk}")


@login_required
@require_POST
def saved_filter_delete(request: HttpRequest, pk: int) -> HttpResponse:
    saved = get_object_or_404(SavedFilter, pk=pk, owner=request.user)
    spec = list_get(saved.list_code)
    saved.delete()
    messages.success(request, _("Filter “%(name)s” deleted.") % {"name": saved.name})
    return redirect(list_url(spec) if spec else reverse("core:dashboard"))


# -- bulk actions -----------------------------------------------------------------------------


@login_required
@require_POST
def list_bulk(request: HttpRequest, code: str) -> HttpResponse:
    """Run one declared action on the selected records, one at a time in primary-key order
    (docs/architecture.md §layers.admin); the action's form, when it has one, is asked
    once for all of them."""
    spec = _spec(request, code)
    bulk = next((b for b in spec.bulk if b.name == request.POST.get("action")), None)
    back = f"{list_url(spec)}?{request.POST.get('query', '')}"
    if bulk is None or bulk.name not in bulk.action_set:
        messages.error(request, _("Choose an action."))
        return redirect(back)
    action = bulk.action_set[bulk.name]
    ids = [int(x) for x in request.POST.getlist("ids") if x.isdigit()][:BULK_LIMIT]
    records = list(spec.queryset(request.user).filter(pk__in=ids).order_by("pk"))
    if not records:
        messages.error(request, _("Select at least one row."))
        return redirect(back)
    posted = request.POST if "confirm" in request.POST else None
    form = action.make_form(records[0], request.user, posted, prefix=False)
    if action.form is not None and not ("confirm" in request.POST and form.is_valid()):
        return render(
            request,
            "core/list_bulk.html",
            {"spec": spec, "action": action, "form": form, "records": records, "back": back},
        )
    data = form.cleaned_data if action.form is not None else {}
    done, refused = _run_each(bulk, action, records, request.user, data)
    if done:
        messages.success(
            request,
            _("%(action)s: done for %(count)s.") % {"action": action.label, "count": len(done)},
        )
    for obj, reason in refused:
        messages.warning(request, f"{obj}: {reason}")
    return redirect(back)


def _run_each(bulk: Any, action: Any, records: list, user: Any, data: dict) -> tuple[list, list]:
    done, refused = [], []
    for obj in records:
        reason = bulk.action_set.refusal(obj, user, action)
        if reason:
            refused.append((obj, reason))
            continue
        try:
            with transaction.atomic():
                action.run(obj, user, dict(data))
        except (ApplicationError, TransitionConflict, NotPermitted) as exc:
            refused.append((obj, _error_text(exc)))
        else:
            done.append(obj)
    return done, refused


def _error_text(exc: Exception) -> str:
    extra = getattr(exc, "extra", None)
    if isinstance(extra, dict) and extra:
        return "；".join(
            str(m) for msgs in extra.values() for m in (msgs if isinstance(msgs, list) else [msgs])
        )
    return str(getattr(exc, "message", "") or exc)


def list_moved(
    url_name: str,
    renames: dict[str, dict[str, str]] | None = None,
    translate: Callable[[HttpRequest, list[tuple[str, str]]], list[tuple[str, str]]] | None = None,
) -> Any:
    """A view sending an old list page's URL to its declared list, with the query string
    kept (bookmarks and shared links of the old page still work). ``renames`` maps an old
    parameter to a new one and its old values to new ones (``{"q": {"": "search"}}``
    renames the parameter, ``{"sort": {"-slip": "-behind"}}`` a value). ``translate``
    then rewrites what depends on the request: an old page's default (no ``state`` meant
    the open ones), a tab that meant "due by today", a customer's key as its name. A
    parameter with an empty value is dropped (the declared list's "any"). Like the old
    page, it asks for a login first."""
    from urllib.parse import urlencode

    renames = renames or {}

    @login_required
    @require_GET
    def moved(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        params = []
        for key, values in request.GET.lists():
            rule = renames.get(key, {})
            for value in values:
                params.append((rule.get("", key), rule.get(value, value)))
        if translate is not None:
            params = translate(request, params)
        query = urlencode([(k, v) for k, v in params if v != ""])
        return redirect(reverse(url_name) + (f"?{query}" if query else ""), permanent=False)

    return moved
