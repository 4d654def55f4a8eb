"""The knowledge base's review, one-step articles from a solved visit and from a defect's
workaround, the usage counters and the portal pages (docs/domain.md §hotline.knowledge)."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from defects.services import defect_publish_workaround, defect_save_workaround
from servicedesk.core.choices import Role
from servicedesk.core.exceptions import ApplicationError, NotPermitted, TransitionConflict
from servicedesk.core.models import DomainEvent
from tests.defects.factories import record_defect
from tests.fieldservice.factories import advance, make_engineer, new_dispatch
from tickets.choices import ArticleState
from tickets.models import KnowledgeArticle
from tickets.search import articles_search
from tickets.services.knowledge import (
    article_archive,
    article_publish,
    article_revise,
    article_save,
    article_send_back,
    article_submit,
    article_usage_record,
    article_vote,
)

TEXT = {
    "title": "凭证保存提示科目停用",
    "symptoms": "保存凭证时提示科目已停用",
    "solution": "在科目设置中重新启用该科目",
}


@pytest.fixture(autouse=True)
def _fresh_usage_window():
    cache.clear()  # the half-hour window of the usage counters lives in the cache
    yield
    cache.clear()


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def writer(make_user):
    return make_user(Role.HOTLINE_ENGINEER, username="kbwriter", last_name="李", first_name="华")


@pytest.fixture
def reviewer(make_user):
    return make_user(Role.SERVICE_MANAGER, username="kbreviewer", last_name="郑", first_name="伟")


@pytest.fixture
def reader(make_user):
    return make_user(Role.DEVELOPER, username="kbreader")


def test_the_review_from_draft_to_archive_with_rights_and_audit(writer, reviewer):
    article = article_save(by=writer, data=TEXT)
    assert article.state == ArticleState.DRAFT
    assert articles_search(text="保存凭证提示科目停用") == []  # drafts are never suggested
    article = article_submit(article, by=writer)
    assert article.state == ArticleState.IN_REVIEW
    with pytest.raises(NotPermitted):  # the writer may not publish his own article
        article_publish(article, by=writer)
    with pytest.raises(ApplicationError) as refused:
        article_send_back(article, by=reviewer, note=" ")
    assert "note" in refused.value.extra
    article = article_send_back(article, by=reviewer, note="补充操作步骤")
    assert (article.state, article.review_note, article.reviewer) == (
        ArticleState.DRAFT,
        "补充操作步骤",
        reviewer,
    )
    article = article_save(by=writer, article=article, data={"steps": "1. 科目设置\n2. 启用"})
    article = article_publish(article_submit(article, by=writer), by=reviewer, note="可以")
    assert article.state == ArticleState.PUBLISHED and article.published_at is not None
    assert articles_search(text="保存凭证提示科目停用") == [article]
    # A published article is read at intake: only a reviewer changes it.
    with pytest.raises(NotPermitted):
        article_save(by=writer, article=article, data={"solution": "另一种做法"})
    article_save(by=reviewer, article=article, data={"module": "总账"})
    with pytest.raises(NotPermitted):
        article_archive(article, by=writer, note="过时")
    article = article_archive(article, by=reviewer, note="新版本已修复")
    assert articles_search(text="保存凭证提示科目停用") == []
    with pytest.raises(ApplicationError):
        article_save(by=reviewer, article=article, data={"title": "x"})
    with pytest.raises(TransitionConflict):
        article_submit(article, by=writer)  # archived: revise first
    article = article_revise(article, by=writer)
    assert article.state == ArticleState.DRAFT
    # Every step is in the history and the domain events, with who did it.
    kinds = list(
        DomainEvent.objects.filter(target_id=article.pk, kind__startswith="knowledgearticle.")
        .order_by("pk")
        .values_list("kind", "actor__username")
    )
    assert kinds == [
        ("knowledgearticle.submit", "kbwriter"),
        ("knowledgearticle.send_back", "kbreviewer"),
        ("knowledgearticle.submit", "kbwriter"),
        ("knowledgearticle.publish", "kbreviewer"),
        ("knowledgearticle.archive", "kbreviewer"),
        ("knowledgearticle.revise", "kbwriter"),
    ]
    states = list(article.history.order_by("history_id").values_list("state", flat=True))
    assert states[-1] == ArticleState.DRAFT and ArticleState.ARCHIVED in states


def test_an_incomplete_draft_cannot_be_submitted(writer):
    article = article_save(by=writer, data=TEXT)
    KnowledgeArticle.objects.filter(pk=article.pk).update(solution="")
    with pytest.raises(TransitionConflict) as refused:
        article_submit(KnowledgeArticle.objects.get(pk=article.pk), by=writer)
    assert "解决" in str(refused.value) or "solution" in str(refused.value)


def test_a_solved_visit_becomes_a_draft_article_in_one_step(make_user, reviewer, as_user):
    engineer = make_engineer(make_user)
    dispatch = advance(new_dispatch(reviewer), "completed", manager=reviewer, engineer=engineer)
    client = as_user(engineer.user)
    page = client.get(f"/dispatches/{dispatch.pk}/").content.decode()
    assert 'data-testid="action-article"' in page
    response = client.post(f"/dispatches/{dispatch.pk}/article/", {"title": ""})
    article = KnowledgeArticle.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/knowledge/{article.pk}/"
    assert article.state == ArticleState.DRAFT
    assert (article.symptoms, article.cause, article.solution) == (
        dispatch.problem,
        "凭证模板损坏",
        "重建凭证模板",
    )
    assert "月末结账前先备份" in article.steps
    assert article.source == dispatch and article.author == engineer.user
    detail = client.get(f"/knowledge/{article.pk}/").content.decode()
    assert f'href="/dispatches/{dispatch.pk}/"' in detail  # links back to the visit
    assert (
        client.get(f"/dispatches/{dispatch.pk}/")
        .content.decode()
        .count(f'href="/knowledge/{article.pk}/"')
    )
    # Once per visit.
    again = client.post(f"/dispatches/{dispatch.pk}/article/", {"title": ""})
    assert again.status_code == 409
    assert KnowledgeArticle.objects.count() == 1


def test_a_defects_workaround_becomes_a_draft_then_updates_it(writer):
    defect = record_defect(writer)
    defect = defect_save_workaround(defect, by=writer, workaround="清除异常任务后重新结账")
    article = defect_publish_workaround(defect, by=writer)
    assert article.state == ArticleState.DRAFT and article.source == defect
    assert article.solution == "清除异常任务后重新结账"
    assert defect.__class__.objects.get(pk=defect.pk).knowledge_article == article
    assert articles_search(text="凭证保存时系统报错") == []
    defect = defect_save_workaround(defect, by=writer, workaround="先清除异常任务，再重新结账")
    again = defect_publish_workaround(defect, by=writer)
    assert again.pk == article.pk and again.solution == "先清除异常任务，再重新结账"
    assert KnowledgeArticle.objects.count() == 1


def test_usage_is_counted_once_per_reader_and_votes_move(writer, reviewer, reader):
    article = article_save(by=writer, data=TEXT)
    with pytest.raises(ApplicationError):
        article_vote(article, by=reader, helpful=True)  # a draft is not rated
    article = article_publish(article_submit(article, by=writer), by=reviewer)
    assert article_usage_record([article], kind="suggested", by=writer) == 1
    assert article_usage_record([article], kind="suggested", by=writer) == 0  # same half hour
    assert article_usage_record([article], kind="suggested", by=reviewer) == 1
    article_usage_record([article], kind="opened", by=reader)
    article_vote(article, by=reader, helpful=True)
    article_vote(article, by=reader, helpful=True)
    article_vote(article, by=writer, helpful=True)
    article = article_vote(article, by=reader, helpful=False)  # changed his mind
    counts = KnowledgeArticle.objects.values_list(
        "suggested_count", "opened_count", "helpful_count", "not_helpful_count"
    ).get(pk=article.pk)
    assert counts == (2, 1, 1, 1)


def test_portal_pages_suggestion_counts_and_list(writer, reviewer, reader, as_user):
    client = as_user(writer)
    assert client.get("/knowledge/new/").status_code == 200
    bad = client.post("/knowledge/new/", {"title": "", "symptoms": "x", "solution": ""})
    assert bad.status_code == 400
    created = client.post("/knowledge/new/", TEXT)
    article = KnowledgeArticle.objects.get()
    assert created["Location"] == f"/knowledge/{article.pk}/"
    # Readers without the right to write see published articles only.
    assert as_user(reader).get(f"/knowledge/{article.pk}/").status_code == 404
    client = as_user(writer)
    assert client.post(f"/knowledge/{article.pk}/submit/").status_code == 302
    assert client.post(f"/knowledge/{article.pk}/publish/").status_code == 403
    client = as_user(reviewer)
    assert client.post(f"/knowledge/{article.pk}/publish/", {"publish-note": ""}).status_code == 302
    # The hotline's suggestion shows it and counts it.
    suggest = as_user(writer).get("/tickets/new/suggest/", {"description": "保存凭证提示科目停用"})
    assert f'data-article="{article.pk}"' in suggest.content.decode()
    page = as_user(reader).get(f"/knowledge/{article.pk}/").content.decode()
    assert 'data-testid="usage-suggested">1<' in page and 'data-testid="usage-opened">1<' in page
    as_user(reader).post(f"/knowledge/{article.pk}/rate/", {"helpful": "1"})
    assert KnowledgeArticle.objects.get().helpful_count == 1
    assert (
        as_user(reader).post(f"/knowledge/{article.pk}/rate/", {"helpful": "x"}).status_code == 400
    )
    listing = as_user(reader).get("/knowledge/", {"q": "凭证科目停用", "sort": "-helpful"})
    assert listing.status_code == 200 and article.title in listing.content.decode()
    assert (
        as_user(reader)
        .get("/knowledge/", {"q": "打印机脱机"})
        .content.decode()
        .count(article.title)
        == 0
    )


@pytest.mark.parametrize("state", ArticleState.values)
def test_the_article_page_admin_and_api_offer_the_same_review(state, make_user, writer):
    """docs/architecture.md §action-layer: one declaration, three channels, every role."""
    from tests.action_parity import assert_channels_agree
    from tickets.actions import ARTICLE_ACTIONS

    # the roles that write, review, only read, or write drafts from their visits
    roles = [
        Role.HOTLINE_ENGINEER,
        Role.SERVICE_MANAGER,
        Role.TECH_MANAGER,
        Role.FIELD_ENGINEER,
        Role.DEVELOPER,
        Role.AUDITOR,
    ]
    people = [make_user(role, username=f"p_{role}", is_staff=True) for role in roles]
    article = article_save(by=writer, data=TEXT)
    KnowledgeArticle.objects.filter(pk=article.pk).update(state=state)
    article = KnowledgeArticle.objects.get(pk=article.pk)
    seen = assert_channels_agree(
        ARTICLE_ACTIONS,
        article,
        people,
        portal_url=f"/knowledge/{article.pk}/",
        api_url=f"/api/v1/knowledge-articles/{article.pk}/",
    )
    offered = {
        ArticleState.DRAFT: ({"submit"}, set()),
        ArticleState.IN_REVIEW: (set(), {"publish", "send_back"}),
        ArticleState.PUBLISHED: (set(), {"archive"}),
        ArticleState.ARCHIVED: ({"revise"}, {"revise"}),
    }[state]
    assert seen[f"p_{Role.HOTLINE_ENGINEER}"] == offered[0]
    assert seen[f"p_{Role.SERVICE_MANAGER}"] >= offered[1]
    assert not seen[f"p_{Role.DEVELOPER}"]  # readers only read
