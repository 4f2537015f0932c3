"""Atom feeds: read back by a real feed parser, and nothing private in them (#17)."""

import re
from datetime import timedelta
from typing import Any

import feedparser
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from app.accounts.models import Role
from app.articles import feeds
from app.articles import service as articles_service
from app.articles.models import Article, ArticleStatus
from app.articles.schemas import ArticleUpdate
from app.comments import standing
from app.comments.models import Comment, CommentStatus
from app.comments.standing import Standing
from app.db import utcnow
from app.moderation import service as moderation_service
from app.moderation.models import Decision
from tests.conftest import QueryCounter
from tests.factories import make_admin, make_article, make_comment, make_user

BASE = "http://testserver"
ATOM = "application/atom+xml; charset=utf-8"


def parsed(response: Any) -> Any:
    """The feed as a feed reader reads it; it must be well-formed Atom."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == ATOM
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def comments_feed_url(article: Article) -> str:
    return f"/feeds/articles/{article.slug}/comments.atom"


# The site's and the tags' feeds ---------------------------------------------------


def test_site_feed_lists_published_articles_newest_first(
    client: TestClient, session: Session
) -> None:
    now = utcnow()
    author = make_user(session, role=Role.ADMIN, display_name="Nurse Rowan")
    make_article(
        session, title="Older", author=author, published_at=now - timedelta(days=2)
    )
    newer = make_article(
        session,
        title="Newer",
        author=author,
        tags=["Fatigue"],
        summary="Tired all day",
        body="Rest **well**.",
        published_at=now - timedelta(days=1),
    )
    make_article(session, title="Secret draft", status=ArticleStatus.DRAFT)

    response = client.get("/feeds/articles.atom")
    feed = parsed(response)

    assert [entry.title for entry in feed.entries] == ["Newer", "Older"]
    first = feed.entries[0]
    assert first.link == f"{BASE}/articles/{newer.slug}"
    assert first.author == "Nurse Rowan"
    assert first.summary == "Tired all day"
    assert "<strong>well</strong>" in first.content[0].value
    assert [tag.term for tag in first.tags] == ["fatigue"]
    assert first.id.startswith("tag:testserver,")
    assert feed.feed.title == "Haven: new articles"
    links = {link.rel: link.href for link in feed.feed.links}
    assert links["self"] == f"{BASE}/feeds/articles.atom"
    assert links["alternate"] == f"{BASE}/"
    assert "Secret draft" not in response.text
    assert "@example.org" not in response.text


def test_site_feed_holds_the_newest_twenty(
    client: TestClient, session: Session
) -> None:
    now = utcnow()
    admin = make_admin(session)
    for i in range(feeds.ARTICLES_IN_FEED + 3):
        make_article(
            session,
            title=f"Piece {i:02d}",
            author=admin,
            published_at=now - timedelta(hours=i),
        )

    feed = parsed(client.get("/feeds/articles.atom"))

    assert len(feed.entries) == feeds.ARTICLES_IN_FEED
    assert feed.entries[0].title == "Piece 00"
    assert feed.entries[-1].title == f"Piece {feeds.ARTICLES_IN_FEED - 1:02d}"


def test_tag_feed_lists_only_its_articles(client: TestClient, session: Session) -> None:
    admin = make_admin(session)
    make_article(session, title="About sleep", author=admin, tags=["Sleep"])
    make_article(session, title="About walking", author=admin, tags=["Walking"])
    make_article(
        session,
        title="Sleep draft",
        author=admin,
        tags=["Sleep"],
        status=ArticleStatus.DRAFT,
    )

    response = client.get("/feeds/tags/sleep.atom")
    feed = parsed(response)

    assert [entry.title for entry in feed.entries] == ["About sleep"]
    assert feed.feed.title == "Haven: articles about Sleep"
    assert "Sleep draft" not in response.text


def test_empty_feeds_are_still_valid(client: TestClient, session: Session) -> None:
    article = make_article(session, tags=["Quiet"])
    articles_service.unpublish(session, article, actor=make_admin(session))

    assert parsed(client.get("/feeds/articles.atom")).entries == []
    assert parsed(client.get("/feeds/tags/quiet.atom")).entries == []


def test_unknown_tag_and_article_feeds_are_404(
    client: TestClient, session: Session
) -> None:
    assert client.get("/feeds/tags/no-such-tag.atom").status_code == 404
    assert client.get("/feeds/articles/no-such/comments.atom").status_code == 404


def test_a_drafts_comment_feed_is_404_even_for_admins(
    app_factory: Any, session: Session
) -> None:
    admin = make_admin(session)
    draft = make_article(session, author=admin, status=ArticleStatus.DRAFT)
    make_comment(session, draft, body="Said under a draft")
    from tests.helpers import login

    with TestClient(app_factory(), follow_redirects=False) as client:
        assert client.get(comments_feed_url(draft)).status_code == 404
        login(client, admin.username)
        assert client.get(f"/articles/{draft.slug}").status_code == 200
        response = client.get(comments_feed_url(draft))
    assert response.status_code == 404
    assert "Said under a draft" not in response.text


def test_unpublishing_takes_an_article_out_of_the_feeds(
    client: TestClient, session: Session
) -> None:
    article = make_article(session, title="Soon withdrawn", tags=["Gone"])
    make_comment(session, article)
    assert len(parsed(client.get("/feeds/articles.atom")).entries) == 1

    articles_service.unpublish(session, article, actor=make_admin(session))

    assert parsed(client.get("/feeds/articles.atom")).entries == []
    assert parsed(client.get("/feeds/tags/gone.atom")).entries == []
    assert client.get(comments_feed_url(article)).status_code == 404


# An article's comments ------------------------------------------------------------


def test_comment_feed_lists_published_comments_newest_first(
    client: TestClient, session: Session
) -> None:
    article = make_article(session, title="Heat and MS")
    now = utcnow()
    member = make_user(session, display_name="Sam Walker")
    first = make_comment(
        session,
        article,
        author=member,
        body="Cool showers *help* me.",
        created_at=now - timedelta(hours=2),
    )
    reply = make_comment(
        session,
        article,
        parent=first,
        body="Same here.",
        created_at=now - timedelta(hours=1),
    )

    feed = parsed(client.get(comments_feed_url(article)))

    assert [entry.link for entry in feed.entries] == [
        f"{BASE}/comments/{reply.id}",
        f"{BASE}/comments/{first.id}",
    ]
    assert [entry.title for entry in feed.entries] == [
        "Reply by A guest",
        "Comment by Sam Walker",
    ]
    assert [entry.author for entry in feed.entries] == ["A guest", "Sam Walker"]
    assert "<em>help</em>" in feed.entries[1].content[0].value
    assert feed.feed.title == "Comments on “Heat and MS”"
    links = {link.rel: link.href for link in feed.feed.links}
    assert links["alternate"] == f"{BASE}/articles/{article.slug}#comments"
    assert links["self"] == BASE + comments_feed_url(article)
    # The lasting address leads to the comment's page, at its anchor.
    located = client.get(f"/comments/{first.id}")
    assert located.headers["location"].endswith(f"#comment-{first.id}")


def test_comment_feed_holds_the_newest_fifty(
    client: TestClient, session: Session
) -> None:
    article = make_article(session)
    start = utcnow() - timedelta(days=1)
    made = [
        make_comment(session, article, created_at=start + timedelta(minutes=i))
        for i in range(feeds.COMMENTS_IN_FEED + 5)
    ]

    feed = parsed(client.get(comments_feed_url(article)))

    assert len(feed.entries) == feeds.COMMENTS_IN_FEED
    assert feed.entries[0].link == f"{BASE}/comments/{made[-1].id}"
    assert feed.entries[-1].link == f"{BASE}/comments/{made[5].id}"


def _hide(session: Session, comment: Comment) -> None:
    before = Standing.of(comment)
    comment.hidden_at = utcnow()
    standing.record_change(session, comment, before=before, after=Standing.of(comment))


def test_feeds_leak_nothing_private(client: TestClient, session: Session) -> None:
    article = make_article(session, tags=["Leaks"])
    moderator = make_user(session, role=Role.MODERATOR)
    shown = make_comment(session, article, author=make_user(session), body="Shown")
    make_comment(session, article, status=CommentStatus.PENDING, body="Pending words")
    make_comment(session, article, status=CommentStatus.REJECTED, body="Rejected words")
    make_comment(session, article, status=CommentStatus.SPAM, body="Spam words")
    make_comment(session, article, status=CommentStatus.DELETED, body="Deleted words")
    removed = make_comment(session, article, body="Removed words")
    moderation_service.decide(session, removed, Decision.REMOVE, actor=moderator)
    hidden = make_comment(session, article, body="Hidden words")
    _hide(session, hidden)
    guest = make_comment(session, article, body="Guest words")
    guest.guest_email = "guest-secret@example.net"
    # An edit waiting for a moderator: the published text stays.
    shown.pending_body = "Edit waiting"
    shown.pending_body_html = "<p>Edit waiting</p>"
    session.flush()

    bodies = [
        client.get(url).text
        for url in (
            comments_feed_url(article),
            "/feeds/articles.atom",
            "/feeds/tags/leaks.atom",
        )
    ]

    feed = feedparser.parse(bodies[0])
    assert sorted(entry.content[0].value for entry in feed.entries) == [
        "<p>Guest words</p>",
        "<p>Shown</p>",
    ]
    for body in bodies:
        for secret in (
            "Pending words",
            "Rejected words",
            "Spam words",
            "Deleted words",
            "Removed words",
            "Hidden words",
            "Edit waiting",
            "guest-secret@example.net",
        ):
            assert secret not in body
        assert "@" not in re.sub(r"tag:[^<]*", "", body)


def test_content_and_editors_notes_travel_with_the_comment(
    client: TestClient, session: Session
) -> None:
    article = make_article(session)
    comment = make_comment(session, article, body="Hard news.")
    session.execute(
        update(Comment)
        .where(Comment.id == comment.id)
        .values(
            content_note="end of life",
            editor_note="See the <NHS> page",
            editor_note_url="https://www.nhs.uk/conditions/multiple-sclerosis/",
        )
    )

    feed = parsed(client.get(comments_feed_url(article)))

    html = feed.entries[0].content[0].value
    assert html.index("Content note: end of life") < html.index("Hard news.")
    assert "See the &lt;NHS&gt; page" in html
    assert 'href="https://www.nhs.uk/conditions/multiple-sclerosis/"' in html


def test_hostile_text_still_makes_valid_atom(
    client: TestClient, session: Session
) -> None:
    article = make_article(session, tags=["Odd & <b>bold</b>"])
    make_comment(session, article, body="Fine & <script>alert(1)</script>")
    hostile = "<script>alert('x')</script> & \x01\x08\x0b\x1f\ufffe end"
    session.execute(
        update(Article)
        .where(Article.id == article.id)
        .values(title=hostile, summary=hostile, body_html=f"<p>{hostile}</p>")
    )
    guest = session.query(Comment).filter_by(article_id=article.id).one()
    guest.guest_name = "Eve \x02 <b>&"
    session.flush()

    for url in (
        "/feeds/articles.atom",
        f"/feeds/tags/{article.tags[0].slug}.atom",
        comments_feed_url(article),
    ):
        response = client.get(url)
        feed = parsed(response)
        assert "<script>" not in response.text
        assert "\x01" not in response.text
    feed = parsed(client.get("/feeds/articles.atom"))
    assert feed.entries[0].title == "<script>alert('x')</script> &  end"
    comments = parsed(client.get(comments_feed_url(article)))
    assert comments.entries[0].author == "Eve  <b>&"


# Caching: ETag, 304 and the cost of a feed ---------------------------------------


@pytest.mark.parametrize("kind", ["site", "tag", "comments"])
def test_feeds_answer_304_to_their_etag(
    client: TestClient, session: Session, kind: str
) -> None:
    article = make_article(session, tags=["Etag"])
    make_comment(session, article)
    url = {
        "site": "/feeds/articles.atom",
        "tag": "/feeds/tags/etag.atom",
        "comments": comments_feed_url(article),
    }[kind]

    first = client.get(url)
    etag = first.headers["etag"]
    assert re.fullmatch(r'"[0-9a-f]+"', etag)  # strong
    again = client.get(url, headers={"If-None-Match": etag})

    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    assert client.get(url).content == first.content


def test_comment_feed_etag_changes_when_a_comment_is_approved(
    client: TestClient, session: Session
) -> None:
    article = make_article(session)
    make_comment(session, article, body="Already there")
    waiting = make_comment(
        session, article, status=CommentStatus.PENDING, body="Just approved"
    )
    url = comments_feed_url(article)
    etag = client.get(url).headers["etag"]

    moderation_service.decide(
        session,
        waiting,
        Decision.APPROVE,
        actor=make_user(session, role=Role.MODERATOR),
    )

    response = client.get(url, headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert response.headers["etag"] != etag
    assert "Just approved" in response.text


def test_a_removed_comment_leaves_the_feed(
    client: TestClient, session: Session
) -> None:
    article = make_article(session)
    comment = make_comment(session, article, body="Soon removed")
    url = comments_feed_url(article)
    assert "Soon removed" in client.get(url).text

    moderation_service.decide(
        session,
        comment,
        Decision.REMOVE,
        actor=make_user(session, role=Role.MODERATOR),
    )

    assert parsed(client.get(url)).entries == []


def test_site_feed_etag_changes_when_an_article_is_published(
    client: TestClient, session: Session
) -> None:
    admin = make_admin(session)
    make_article(session, author=admin, title="First")
    draft = make_article(
        session, author=admin, title="Second", status=ArticleStatus.DRAFT
    )
    etag = client.get("/feeds/articles.atom").headers["etag"]

    articles_service.update_article(
        session, draft, ArticleUpdate(status=ArticleStatus.PUBLISHED), actor=admin
    )

    response = client.get("/feeds/articles.atom", headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert [e.title for e in parsed(response).entries] == ["Second", "First"]


@pytest.mark.parametrize("size", [1, 60])
def test_feeds_cost_a_constant_number_of_queries(
    client: TestClient, session: Session, count_queries: QueryCounter, size: int
) -> None:
    admin = make_admin(session)
    tags = ["Cost"]
    article = make_article(session, author=admin, tags=tags)
    for _ in range(size):
        make_comment(session, article, author=make_user(session))
        make_article(session, author=make_user(session, role=Role.ADMIN), tags=tags)
    session.flush()
    budgets = {"/feeds/articles.atom": 4, "/feeds/tags/cost.atom": 5}
    budgets[comments_feed_url(article)] = 4

    for url, budget in budgets.items():
        with count_queries() as built:
            assert client.get(url).status_code == 200
        with count_queries() as cached:
            assert client.get(url).status_code == 200
        assert len(built) <= budget, (url, built.statements)
        assert len(cached) <= 1, (url, cached.statements)


# Where feeds are announced ---------------------------------------------------------


@pytest.mark.parametrize("path", ["/feed", "/rss", "/atom.xml"])
def test_guessed_feed_addresses_lead_to_the_site_feed(
    client: TestClient, path: str
) -> None:
    response = client.get(path)

    assert response.status_code == 301
    assert response.headers["location"] == "/feeds/articles.atom"
    assert parsed(client.get(response.headers["location"])).entries == []


def _alternates(html: str) -> list[tuple[str, str]]:
    return re.findall(
        r'<link rel="alternate" type="application/atom\+xml" title="([^"]*)" href="([^"]*)">',
        html,
    )


def test_pages_announce_their_feeds(client: TestClient, session: Session) -> None:
    article = make_article(session, title="Cooling", tags=["Heat"])

    home = client.get("/").text
    tag = client.get("/tags/heat").text
    page = client.get(f"/articles/{article.slug}").text

    site = ("Haven: new articles", "/feeds/articles.atom")
    assert _alternates(home) == [site]
    assert _alternates(tag) == [
        ("Haven: articles about Heat", "/feeds/tags/heat.atom"),
        site,
    ]
    assert _alternates(page) == [
        ("Comments on “Cooling”", comments_feed_url(article)),
        site,
    ]
    assert 'class="feed-link" href="/feeds/articles.atom"' in home
    assert 'class="feed-link" href="/feeds/tags/heat.atom"' in tag
    assert f'class="feed-link" href="{comments_feed_url(article)}"' in page
    for url in (site[1], "/feeds/tags/heat.atom", comments_feed_url(article)):
        parsed(client.get(url))


def test_a_draft_page_offers_no_comment_feed(
    app_factory: Any, session: Session
) -> None:
    from tests.helpers import login

    admin = make_admin(session)
    draft = make_article(session, author=admin, status=ArticleStatus.DRAFT)
    with TestClient(app_factory(), follow_redirects=False) as client:
        login(client, admin.username)
        page = client.get(f"/articles/{draft.slug}").text
    assert _alternates(page) == [("Haven: new articles", "/feeds/articles.atom")]
    assert "comments.atom" not in page
