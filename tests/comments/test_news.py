"""New since your last visit (issue #15): a member coming back to a discussion
sees how many comments others published since, each marked "New" and linked
to the next, and a link to the first."""

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.articles.models import Article
from app.comments.models import ArticleVisit, Comment, CommentStatus
from app.db import utcnow
from tests.factories import make_comment, make_user
from tests.helpers import login

NEW = '<span class="badge badge--new">New</span>'


@pytest.fixture
def member(session: Session) -> User:
    return make_user(session, display_name="Mia")


def _visited(session: Session, member: User, article: Article, ago: timedelta) -> None:
    """Move the member's last visit back in time."""
    session.execute(
        update(ArticleVisit)
        .where(ArticleVisit.user_id == member.id, ArticleVisit.article_id == article.id)
        .values(seen_at=utcnow() - ago)
    )
    session.flush()


def _written(session: Session, comment: Comment, ago: timedelta) -> Comment:
    comment.created_at = utcnow() - ago
    session.flush()
    return comment


def test_a_first_visit_marks_nothing(
    session: Session, client: TestClient, article: Article, member: User
) -> None:
    make_comment(session, article)
    login(client, member.username)
    page = client.get(f"/articles/{article.slug}").text
    assert "since your last visit" not in page
    assert NEW not in page


def test_comments_published_since_the_last_visit_are_marked_and_linked(
    session: Session, client: TestClient, article: Article, member: User
) -> None:
    old = _written(session, make_comment(session, article), timedelta(days=3))
    login(client, member.username)
    page = f"/articles/{article.slug}"
    client.get(page)
    _visited(session, member, article, timedelta(days=2))
    first = _written(session, make_comment(session, article), timedelta(hours=5))
    reply = _written(
        session, make_comment(session, article, parent=old), timedelta(hours=4)
    )
    mine = _written(
        session, make_comment(session, article, author=member), timedelta(hours=3)
    )
    _written(
        session,
        make_comment(session, article, status=CommentStatus.PENDING),
        timedelta(hours=2),
    )
    last = _written(session, make_comment(session, article), timedelta(hours=1))

    html = client.get(page).text

    assert "3 new comments since your last visit" in html
    assert f'<a href="/comments/{first.id}">Go to the first new comment</a>' in html
    assert html.count(NEW) == 3
    # Down the page: the reply under the old comment, then the two new ones.
    assert f'<a href="#comment-{first.id}">Next new comment</a>' in html
    assert f'<a href="#comment-{last.id}">Next new comment</a>' in html
    block = html[html.index(f'id="comment-{reply.id}"') :]
    assert block.index(NEW) < block.index(f'href="#comment-{first.id}"')
    mine_block = html[html.index(f'id="comment-{mine.id}"') :]
    assert mine_block[: mine_block.index("</article>")].count(NEW) == 0
    assert "Next new comment" not in html[html.index(f'id="comment-{last.id}"') :]


def test_the_marks_stay_through_a_visit_and_are_gone_on_the_next(
    session: Session, client: TestClient, article: Article, member: User
) -> None:
    login(client, member.username)
    page = f"/articles/{article.slug}"
    client.get(page)
    _visited(session, member, article, timedelta(hours=2))
    _written(session, make_comment(session, article), timedelta(hours=1))

    assert "1 new comment since your last visit" in client.get(page).text
    # Reading on, and reloading, is the same visit ...
    _visited(session, member, article, timedelta(minutes=10))
    assert "1 new comment since your last visit" in client.get(page).text
    # ... and on the next visit that comment is no longer new, while one
    # written after the visit before ended is.
    _visited(session, member, article, timedelta(minutes=31))
    later = _written(session, make_comment(session, article), timedelta(minutes=20))
    html = client.get(page).text
    assert "1 new comment since your last visit" in html
    assert f'href="/comments/{later.id}"' in html


def test_anonymous_readers_and_the_shared_page_see_no_marks(
    session: Session, client: TestClient, article: Article, member: User
) -> None:
    member_client = client
    login(member_client, member.username)
    page = f"/articles/{article.slug}"
    member_client.get(page)
    _visited(session, member, article, timedelta(hours=2))
    make_comment(session, article)
    assert NEW in member_client.get(page).text
    with TestClient(client.app, follow_redirects=False) as anonymous:
        assert NEW not in anonymous.get(page).text
