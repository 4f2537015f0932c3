"""Closed is said where people look (issue #18, point 2): beside the Discussion
heading, with the moderator's reason or the age limit, in the page and in the
API; a long open page offers "Write a comment" near its top."""

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.articles.models import Article
from app.comments.closure import (
    ClosingFacts,
    Closure,
    closure_of,
    roots_on_page,
    write_link,
)
from app.db import utcnow
from app.moderation import service as moderation_service
from app.moderation.policy import Policy, update_policy
from app.moderation.schemas import PolicyUpdate
from tests.factories import make_admin, make_article, make_comment

HEADING = '<h2 id="comments-title">'
WRITE = '<a href="#comment-form">Write a comment</a>'
REASON = "Thank you all; this topic has run its course."


def _beside_heading(page: str) -> str:
    """The part of the page between the Discussion heading and the thread."""
    start = page.index(HEADING)
    return page[start : page.index('<ol class="thread">', start)]


def _with_roots(session: Session, count: int) -> Article:
    article = make_article(session, title="Living with spasticity")
    for _ in range(count):
        make_comment(session, article)
    return article


def _auto_close_after_30_days(session: Session) -> None:
    update_policy(session, PolicyUpdate(auto_close_days=30), actor=make_admin(session))


def test_a_moderators_closing_stands_beside_the_heading_with_the_reason(
    session: Session, client: TestClient, moderator: User
) -> None:
    article = _with_roots(session, 8)
    moderation_service.close_thread(session, article, actor=moderator, reason=REASON)

    page = client.get(f"/articles/{article.slug}").text

    top = _beside_heading(page)
    assert f"Comments are closed. {REASON}" in top
    assert WRITE not in page  # nowhere to write
    assert page.count(REASON) == 2  # and still at the bottom


def test_closing_without_a_reason_says_only_that(
    session: Session, client: TestClient, moderator: User
) -> None:
    article = _with_roots(session, 1)
    moderation_service.close_thread(session, article, actor=moderator)

    top = _beside_heading(client.get(f"/articles/{article.slug}").text)

    assert (
        '<p class="notice notice--closed discussion__closed" id="comments-closed">Comments are closed.</p>'
        in top
    )


def test_an_auto_closed_discussion_says_after_how_many_days(
    session: Session, client: TestClient
) -> None:
    article = make_article(session, published_at=utcnow() - timedelta(days=31))
    make_comment(session, article)
    _auto_close_after_30_days(session)

    top = _beside_heading(client.get(f"/articles/{article.slug}").text)
    thread = client.get(f"/api/v1/articles/{article.slug}/comments").json()

    sentence = (
        "Comments are closed. This discussion closed automatically "
        "30 days after publication."
    )
    assert sentence in top
    assert thread["closed"] == {
        "reason": None,
        "automatic": True,
        "after_days": 30,
        "text": sentence,
    }


def test_the_api_carries_the_moderators_reason_and_null_while_open(
    session: Session, client: TestClient, moderator: User
) -> None:
    article = _with_roots(session, 1)
    url = f"/api/v1/articles/{article.slug}/comments"
    opened = client.get(url).json()
    moderation_service.close_thread(session, article, actor=moderator, reason=REASON)

    closed = client.get(url).json()

    assert opened["closed"] is None
    assert opened["comments_open"] is True
    assert closed["comments_open"] is False
    assert closed["closed"] == {
        "reason": REASON,
        "automatic": False,
        "after_days": None,
        "text": f"Comments are closed. {REASON}",
    }


@pytest.mark.parametrize(("roots", "offered"), [(5, False), (6, True)])
def test_a_long_open_page_offers_a_way_to_the_form_near_its_top(
    session: Session, client: TestClient, roots: int, offered: bool
) -> None:
    article = _with_roots(session, roots)

    page = client.get(f"/articles/{article.slug}").text

    assert (WRITE in _beside_heading(page)) is offered
    assert 'id="comment-form"' in page
    assert 'id="comments-closed"' not in page


def test_the_words_for_each_way_of_closing() -> None:
    now = utcnow()
    policy = Policy(auto_close_days=1)
    published = now - timedelta(days=10)

    def facts(
        closed: bool = False, reason: str | None = None, reopened: int | None = None
    ) -> ClosingFacts:
        return ClosingFacts(
            comments_closed_at=now if closed else None,
            close_reason=reason,
            published_at=published,
            comments_reopened_at=now - timedelta(days=reopened)
            if reopened is not None
            else None,
        )

    assert closure_of(facts(), Policy()) is None
    assert closure_of(facts(reopened=0), policy) is None
    assert closure_of(facts(closed=True, reason="Off topic."), policy) == Closure(
        reason="Off topic."
    )
    again = closure_of(facts(reopened=2), policy)
    assert again is not None
    assert again.text == (
        "Comments are closed. This discussion closed automatically "
        "1 day after it was reopened."
    )
    assert write_link(None, 6) == "#comment-form"
    assert write_link(again, 6) is None
    assert [roots_on_page(120, page, 50) for page in (1, 2, 3, 4)] == [50, 50, 20, 0]
