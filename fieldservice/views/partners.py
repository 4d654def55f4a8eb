"""Portal pages of partner companies (docs/domain.md §partners): the list, one partner's
page (engineers with their certification, exams, evaluations, hand-overs, penalties,
trainings, terms, and the forms recording them), and the monthly statements with their
PDF and Excel export (fieldservice/settlement.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from servicedesk.core.exceptions import ApplicationError
from servicedesk.core.forms import form_errors_from

from .. import upgrade_forms as f
from ..models import Engineer, Partner
from ..models.partners import CertificationExam, PartnerTerms
from ..services import partners as ps
from ..settlement import statement_pdf, statements_month, statements_xlsx, terms_on

#: what the partner page records: form, service, permission, the service's partner argument
RECORDS: dict[str, tuple[Any, Any, str, bool]] = {
    "exam": (f.ExamForm, ps.exam_record, "fieldservice.add_certificationexam", False),
    "evaluation": (
        f.EvaluationForm,
        ps.evaluation_record,
        "fieldservice.add_engineerevaluation",
        False,
    ),
    "handover": (f.HandoverForm, ps.handover_record, "fieldservice.add_engineerhandover", False),
    "penalty": (f.PenaltyForm, ps.penalty_record, "fieldservice.add_partnerpenalty", True),
    "training": (f.TrainingForm, ps.training_record, "fieldservice.add_partnertraining", True),
    "terms": (f.TermsForm, ps.partner_terms_save, "fieldservice.add_partnerterms", True),
}
RECORD_TITLES = {
    "exam": gettext_lazy("Record a certification exam"),
    "evaluation": gettext_lazy("Evaluate an engineer"),
    "handover": gettext_lazy("Replacement or departure (hand-over)"),
    "penalty": gettext_lazy("Record a penalty"),
    "training": gettext_lazy("Record a training"),
    "terms": gettext_lazy("New terms"),
}


def _month(request: HttpRequest) -> tuple[int, int]:
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year") or today.year)
        month = int(request.GET.get("month") or today.month)
        if not 1 <= month <= 12 or not 2000 <= year <= 2100:
            raise ValueError
    except ValueError:
        year, month = today.year, today.month
    return year, month


@login_required
@permission_required("fieldservice.view_partner", raise_exception=True)
@require_GET
def partner_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    partners = list(
        Partner.objects.restrict(request.user)
        .prefetch_related(
            "terms", Prefetch("engineers", queryset=Engineer.objects.select_related("user"))
        )
        .order_by("name")
    )
    rows = []
    for p in partners:
        engineers = [e for e in p.engineers.all() if e.active]
        rows.append(
            {
                "partner": p,
                "terms": terms_on(p, today),
                "engineers": len(engineers),
                "certified": sum(1 for e in engineers if e.is_certified(today)),
            }
        )
    return render(request, "fieldservice/partners/list.html", {"rows": rows})


def _partner(request: HttpRequest, pk: int) -> Partner:
    return get_object_or_404(Partner.objects.restrict(request.user), pk=pk)


def _partner_page(
    request: HttpRequest, partner: Partner, *, failed: str = "", failed_form: Any = None
) -> HttpResponse:
    today = timezone.localdate()
    engineers = list(
        Engineer.objects.filter(partner=partner)
        .select_related("user")
        .prefetch_related(
            Prefetch("exams", queryset=CertificationExam.objects.order_by("-taken_on", "-id"))
        )
        .order_by("-active", "user__last_name", "user__first_name")
    )
    forms = {}
    for kind, (form_class, _service, perm, _takes) in RECORDS.items():
        if request.user.has_perm(perm):
            forms[kind] = (
                failed_form if kind == failed else form_class(partner=partner, prefix=kind)
            )
    return render(
        request,
        "fieldservice/partners/detail.html",
        {
            "partner": partner,
            "terms": terms_on(partner, today),
            "all_terms": PartnerTerms.objects.filter(partner=partner).order_by("-valid_from"),
            "engineers": [(e, e.is_certified(today)) for e in engineers],
            "evaluations": partner_evaluations(partner),
            "handovers": _handovers(partner),
            "penalties": partner.penalties.select_related("engineer__user").order_by(
                "-occurred_on"
            )[:50],
            "trainings": partner.trainings.select_related("rate").order_by("-starts_on")[:50],
            "forms": [(kind, RECORD_TITLES[kind], form) for kind, form in forms.items()],
            "failed": failed,
            "today": today,
        },
        status=400 if failed else 200,
    )


def partner_evaluations(partner: Partner) -> Any:
    from ..models.partners import EngineerEvaluation

    return (
        EngineerEvaluation.objects.filter(engineer__partner=partner)
        .select_related("engineer__user", "evaluated_by")
        .order_by("-period_end", "-id")[:50]
    )


def _handovers(partner: Partner) -> Any:
    from ..models.partners import EngineerHandover

    return (
        EngineerHandover.objects.filter(engineer__partner=partner)
        .select_related("engineer__user", "successor__user")
        .order_by("-effective_on", "-id")[:50]
    )


@login_required
@permission_required("fieldservice.view_partner", raise_exception=True)
@require_GET
def partner_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _partner_page(request, _partner(request, pk))


@login_required
@require_POST
def partner_record(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    if kind not in RECORDS:
        raise Http404
    form_class, service, perm, takes_partner = RECORDS[kind]
    if not request.user.has_perm(perm):
        raise PermissionDenied
    partner = _partner(request, pk)
    form = form_class(request.POST, partner=partner, prefix=kind)
    if form.is_valid():
        data = dict(form.cleaned_data)
        if takes_partner:
            data["partner"] = partner
        try:
            service(by=request.user, **data)
        except ApplicationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, _("Recorded: %(what)s.") % {"what": RECORD_TITLES[kind]})
            return redirect("fieldservice:partner", pk=partner.pk)
    return _partner_page(request, partner, failed=kind, failed_form=form)


# -- statements ----------------------------------------------------------------------------------


@login_required
@permission_required("fieldservice.manage_dispatch", raise_exception=True)
@require_GET
def statements(request: HttpRequest) -> HttpResponse:
    year, month = _month(request)
    partner = request.GET.get("partner")
    partner_id = int(partner) if partner and partner.isdigit() else None
    rows = statements_month(request.user, year=year, month=month, partner=partner_id)
    prev = dt.date(year, month, 1) - dt.timedelta(days=1)
    nxt = dt.date(year, month, 28) + dt.timedelta(days=4)
    return render(
        request,
        "fieldservice/partners/statements.html",
        {
            "statements": rows,
            "year": year,
            "month": month,
            "partner_id": partner_id,
            "prev": prev,
            "next": nxt,
            "partners": Partner.objects.restrict(request.user).order_by("name"),
        },
    )


@login_required
@permission_required("fieldservice.manage_dispatch", raise_exception=True)
@require_GET
def statements_excel(request: HttpRequest) -> HttpResponse:
    year, month = _month(request)
    partner = request.GET.get("partner")
    partner_id = int(partner) if partner and partner.isdigit() else None
    rows = statements_month(request.user, year=year, month=month, partner=partner_id)
    response = HttpResponse(
        statements_xlsx(rows, year=year, month=month),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="statements-{year}-{month:02d}.xlsx"'
    return response


@login_required
@permission_required("fieldservice.manage_dispatch", raise_exception=True)
@require_GET
def statement_pdf_view(request: HttpRequest, pk: int) -> HttpResponse:
    year, month = _month(request)
    rows = statements_month(request.user, year=year, month=month, partner=pk)
    if not rows:
        raise Http404
    response = HttpResponse(statement_pdf(rows[0]), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{rows[0].number}.pdf"'
    return response
