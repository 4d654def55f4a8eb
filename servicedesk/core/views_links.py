"""Pages of the one-time customer links (docs/architecture.md §links): the staff side
(send a link, show its QR code, SMS words, e-mail it, withdraw it) and the public side
the customer opens without an account (read, sign or decline; answer a survey)."""

from __future__ import annotations

import base64

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from . import printforms
from .exceptions import ApplicationError, NotPermitted
from .forms import form_errors_from
from .forms_links import LinkCreateForm, LinkDeclineForm, LinkSignForm, SurveyForm
from .models import CustomerLink, LinkPurpose
from .services import links as svc
from .views import _record_for


def _prefill(obj) -> dict:
    """The record's customer contact, when it names one."""
    initial = {
        "contact_name": getattr(obj, "contact_name", "") or "",
        "contact_phone": getattr(obj, "contact_phone", "") or "",
    }
    customer = getattr(obj, "customer", None)
    contacts = getattr(customer, "contacts", None)
    if contacts is not None:
        primary = contacts.order_by("-is_primary", "pk").first()
        if primary is not None:
            initial["contact_name"] = initial["contact_name"] or primary.name
            initial["contact_phone"] = initial["contact_phone"] or primary.mobile or primary.phone
            initial["contact_email"] = primary.email
    return initial


@login_required
def link_new(request: HttpRequest, ct_id: int, pk: int, code: str) -> HttpResponse:
    """Send the customer a one-time link to sign form ``code`` of a record."""
    obj = _record_for(request, ct_id, pk)
    try:
        spec = printforms.form_get(type(obj), code)
    except LookupError:
        raise Http404 from None
    form = LinkCreateForm(request.POST or None, initial=_prefill(obj))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                link, _token = svc.link_create_for_signing(
                    target=obj, form=code, by=request.user, **form.cleaned_data
                )
            except NotPermitted as exc:
                form.add_error(None, exc.message)
                status = 403
            except ApplicationError as exc:
                form_errors_from(exc, form)
            else:
                return redirect("core:link-detail", pk=link.pk)
    return render(
        request,
        "core/links/link_new.html",
        {"object": obj, "spec": spec, "form": form},
        status=status,
    )


def _own_link(request: HttpRequest, pk: int) -> CustomerLink:
    link = get_object_or_404(CustomerLink, pk=pk)
    target = link.target
    manager = type(target)._default_manager if target is not None else None
    if manager is None or not hasattr(manager, "restrict"):
        raise Http404
    if not manager.restrict(request.user).filter(pk=target.pk).exists():
        raise Http404
    return link


@login_required
def link_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """What the engineer shows or sends: the QR code, the SMS words, the e-mail button,
    and what became of the link (opens with time and IP)."""
    link = _own_link(request, pk)
    token = svc.link_token(link)
    url = svc.link_url(link, token)
    return render(
        request,
        "core/links/link_detail.html",
        {
            "link": link,
            "url": url,
            "qr_svg": svc.link_qr_svg(url) if link.usable else "",
            "sms": svc.link_sms_text(link, token),
            "document": svc.link_document_title(link),
            "opens": list(link.opens.all()[:50]),
            "target": link.target,
        },
    )


@login_required
@require_POST
def link_send_email(request: HttpRequest, pk: int) -> HttpResponse:
    link = _own_link(request, pk)
    try:
        svc.link_email(link=link, by=request.user)
    except ApplicationError as exc:
        messages.error(
            request,
            exc.message
            if not exc.extra
            else " ".join(str(e) for errors in exc.extra.values() for e in errors),
        )
    else:
        messages.success(
            request, _("The link was e-mailed to %(to)s.") % {"to": link.contact_email}
        )
    return redirect("core:link-detail", pk=link.pk)


@login_required
@require_POST
def link_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    link = _own_link(request, pk)
    svc.link_revoke(link=link, by=request.user)
    messages.success(request, _("The link was withdrawn; it no longer opens."))
    return redirect("core:link-detail", pk=link.pk)


# ---------------------------------------------------------------- public


def _dead(request: HttpRequest, status: int = 404) -> HttpResponse:
    """The same page for an unknown, used, expired, withdrawn or outdated link."""
    response = render(
        request, "core/links/link_dead.html", {"limited": status == 429}, status=status
    )
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


def _resolve(request: HttpRequest, token: str, action: str) -> CustomerLink | None:
    return svc.link_resolve(token=token, meta=request.META, action=action)


@never_cache
def link_public(request: HttpRequest, token: str) -> HttpResponse:
    try:
        link = _resolve(
            request,
            token,
            "open" if request.method == "GET" else request.POST.get("do", "post")[:20],
        )
    except svc.RateLimited:
        return _dead(request, 429)
    if link is None:
        return _dead(request)
    if link.purpose == LinkPurpose.SURVEY:
        return _survey(request, link, token)
    sign_form = LinkSignForm(
        request.POST if request.POST.get("do") == "sign" else None,
        initial={"signer_name": link.contact_name},
    )
    decline_form = LinkDeclineForm(request.POST if request.POST.get("do") == "decline" else None)
    status = 200
    if request.method == "POST":
        status = 400
        done = _sign_or_decline(request, link, sign_form, decline_form)
        if done:
            return done
    pages = [base64.b64encode(p).decode() for p in svc.link_preview_pngs(link)]
    response = render(
        request,
        "core/links/link_sign.html",
        {
            "link": link,
            "token": token,
            "document": svc.link_document_title(link),
            "pages": pages,
            "sign_form": sign_form,
            "decline_form": decline_form,
        },
        status=status,
    )
    response["X-Robots-Tag"] = "noindex"
    return response


def _sign_or_decline(request, link, sign_form, decline_form) -> HttpResponse | None:
    try:
        if request.POST.get("do") == "sign" and sign_form.is_valid():
            svc.link_sign(
                link=link,
                signer_name=sign_form.cleaned_data["signer_name"],
                image=sign_form.cleaned_data.get("image") or "",
                meta=request.META,
            )
            return render(request, "core/links/link_done.html", {"signed": True})
        if request.POST.get("do") == "decline" and decline_form.is_valid():
            svc.link_decline(
                link=link, reason=decline_form.cleaned_data["reason"], meta=request.META
            )
            return render(request, "core/links/link_done.html", {"declined": True})
    except ApplicationError as exc:
        if not exc.extra:
            return _dead(request, 410)
        form_errors_from(exc, decline_form if request.POST.get("do") == "decline" else sign_form)
    return None


@never_cache
def link_pdf(request: HttpRequest, token: str) -> HttpResponse:
    try:
        link = _resolve(request, token, "pdf")
    except svc.RateLimited:
        return _dead(request, 429)
    if link is None or link.purpose != LinkPurpose.SIGN:
        return _dead(request)
    response = HttpResponse(svc.link_pdf(link), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{link.form}.pdf"'
    return response


def _survey(request: HttpRequest, link: CustomerLink, token: str) -> HttpResponse:
    from .services.surveys import survey_answer

    form = SurveyForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                survey_answer(link=link, meta=request.META, **form.cleaned_data)
            except ApplicationError as exc:
                if not exc.extra:
                    return _dead(request, 410)
                form_errors_from(exc, form)
            else:
                return render(request, "core/links/link_done.html", {"answered": True})
    return render(
        request,
        "core/links/survey.html",
        {"link": link, "form": form, "subject": str(link.target or "")},
        status=status,
    )
