"""The knowledge base's pages (docs/domain.md §hotline.knowledge): the list is a declared
list (tickets/lists.py); here the article, writing and editing it, its review (declared
once in tickets/actions.py) and the readers' verdict."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from servicedesk.core.actions import action_panels, action_run_portal
from servicedesk.core.exceptions import ApplicationError, NotPermitted

from .. import selectors
from ..actions import ARTICLE_ACTIONS
from ..choices import ArticleState
from ..forms import ArticleForm, VoteForm
from ..models import ArticleVote, KnowledgeArticle
from ..services.knowledge import article_may_edit, article_save, article_usage_record, article_vote
from . import form_errors_from, redirect_to


def _article_or_404(request: HttpRequest, pk: int) -> KnowledgeArticle:
    return get_object_or_404(selectors.articles_list(user=request.user), pk=pk)


def _page(
    request: HttpRequest,
    article: KnowledgeArticle,
    *,
    failed: str = "",
    failed_form: forms.Form | None = None,
    status: int = 200,
) -> HttpResponse:
    vote = ArticleVote.objects.filter(article=article, user=request.user).first()
    context = {
        "article": article,
        "object": article,
        "source": article.source if article.source_type_id else None,
        "panels": action_panels(
            ARTICLE_ACTIONS, article, request.user, failed=failed, failed_form=failed_form
        ),
        "action_url": "tickets:article-action",
        "may_edit": article_may_edit(article, request.user) is None,
        "vote": vote,
    }
    return render(request, "tickets/article.html", context, status=status)


@login_required
@permission_required("tickets.view_knowledgearticle", raise_exception=True)
@require_GET
def article(request: HttpRequest, pk: int) -> HttpResponse:
    """An article with its review actions; opening it counts (once per reader and half
    hour)."""
    item = _article_or_404(request, pk)
    if article_usage_record([item], kind="opened", by=request.user):
        item.opened_count += 1
    return _page(request, item)


@login_required
@permission_required("tickets.view_knowledgearticle", raise_exception=True)
@require_POST
def article_action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """Run one step of the review (POST only); a refused one shows the page with why."""
    return action_run_portal(
        request,
        action_set=ARTICLE_ACTIONS,
        obj=_article_or_404(request, pk),
        name=name,
        page=_page,
        reload=lambda: _article_or_404(request, pk),
    )


def _edit_page(
    request: HttpRequest, form: forms.Form, article: KnowledgeArticle | None, status: int = 200
) -> HttpResponse:
    return render(
        request, "tickets/article_form.html", {"form": form, "article": article}, status=status
    )


def _save(request: HttpRequest, form: forms.Form, article: KnowledgeArticle | None) -> HttpResponse:
    if form.is_valid():
        try:
            saved = article_save(by=request.user, data=form.cleaned_data, article=article)
        except NotPermitted as exc:
            raise PermissionDenied(str(exc)) from exc
        except ApplicationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, _("The article was saved."))
            return redirect_to(request, saved.get_absolute_url())
    return _edit_page(request, form, article, status=400)


@login_required
@permission_required("tickets.add_knowledgearticle", raise_exception=True)
@require_http_methods(["GET", "POST"])
def article_create(request: HttpRequest) -> HttpResponse:
    """A new article, written directly: a draft until it is reviewed."""
    form = ArticleForm(request.POST or None)
    if request.method == "POST":
        return _save(request, form, None)
    return _edit_page(request, form, None)


@login_required
@permission_required("tickets.change_knowledgearticle", raise_exception=True)
@require_http_methods(["GET", "POST"])
def article_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = _article_or_404(request, pk)
    refusal = article_may_edit(item, request.user)
    if refusal is not None:
        if item.state != ArticleState.ARCHIVED:
            raise PermissionDenied(refusal)  # a published article: reviewers only
        messages.error(request, refusal)
        return redirect_to(request, item.get_absolute_url())
    initial: dict[str, Any] = {name: getattr(item, name) for name in ArticleForm.base_fields}
    form = ArticleForm(request.POST or None, initial=initial)
    if request.method == "POST":
        return _save(request, form, item)
    return _edit_page(request, form, item)


@login_required
@permission_required("tickets.view_knowledgearticle", raise_exception=True)
@require_POST
def article_rate(request: HttpRequest, pk: int) -> HttpResponse:
    """The reader's verdict: helpful or not (one per reader, changeable)."""
    item = _article_or_404(request, pk)
    form = VoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose helpful or not helpful."))
        return _page(request, item, status=400)
    try:
        article_vote(item, by=request.user, helpful=form.cleaned_data["helpful"])
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return _page(request, item, status=400)
    messages.success(request, _("Thank you: your verdict was counted."))
    return redirect_to(request, item.get_absolute_url())
