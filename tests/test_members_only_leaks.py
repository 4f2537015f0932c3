"""No anonymous read shows a members-only comment's text (issue #19).

Every GET route of the app (pages, API, feeds, search, permalinks, the
author's profile and comment lists), as a visitor, with a members-only comment
holding words that appear nowhere else; searches for the marker too, and
the cached answers. A signed-in member reads the comment where it lives.
"""

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.articles.models import Article, Visibility
from app.comments.models import Comment
from app.markup import Profile, render_markdown
from app.search import index as search_index
from tests.conftest import AppFactory
from tests.factories import make_user
from tests.helpers import api_token, login
from tests.test_get_crawl import fill, filled, get_routes  # noqa: F401 (fill: a fixture)

# Searched for; searches echo it, so the check is for WITNESS, which stands
# beside it (a search snippet around the marker would hold it).
MARKER = "zqmarkerxq"
WITNESS = "kwwitnessvv"
SECRET = f"My neurologist said {WITNESS} {MARKER} about my scan."


@pytest.fixture(params=["comment", "discussion"])
def secret(
    request: pytest.FixtureRequest,
    session: Session,
    fill: dict[str, str],  # noqa: F811
) -> Comment:
    """The crawl's comment made members only, by itself or by its discussion,
    its text holding the marker (and found by the search index)."""
    comment = session.get(Comment, int(fill["{comment_id}"]))
    assert comment is not None
    comment.body = SECRET
    comment.body_html = render_markdown(SECRET, Profile.COMMENT)
    if request.param == "comment":
        comment.visibility = Visibility.MEMBERS
    else:
        article = session.get(Article, comment.article_id)
        assert article is not None
        article.comments_visibility = Visibility.MEMBERS
    session.flush()
    search_index.reindex(session)
    return comment


def _extra_reads(targets: dict[str, str], comment: Comment) -> list[str]:
    """Reads the route list can't name: searches for the marker, and the
    comment's own addresses."""
    return [
        f"/search?q={MARKER}",
        f"/api/v1/search?q={MARKER}",
        f"/api/v1/articles?q={MARKER}",
        f"/comments/{comment.id}",
        f"/api/v1/comments/{comment.id}",
        f"/users/{targets['{username}']}",
        f"/api/v1/users/{targets['{username}']}/comments",
    ]


def test_no_anonymous_read_shows_members_only_text(
    app_factory: AppFactory,
    session: Session,
    fill: dict[str, str],  # noqa: F811
    secret: Comment,
) -> None:
    app = app_factory()
    assert isinstance(app, FastAPI)
    member = make_user(session)
    with TestClient(app, follow_redirects=False) as reader:
        login(reader, member.username)
        bearer = {"Authorization": f"Bearer {api_token(reader, member.username)}"}
        slug = fill["{slug}"]
        # The member reads first: a rendering shared with visitors would leak.
        assert SECRET in reader.get(f"/articles/{slug}").text
        thread = reader.get(f"/api/v1/articles/{slug}/comments", headers=bearer)
        assert SECRET in thread.text
        assert SECRET in reader.get(f"/comments/{secret.id}/replies").text

    reads = [filled(path, fill) for path in get_routes(app)]
    reads += _extra_reads(fill, secret)
    with TestClient(app) as visitor:
        for _ in range(2):  # rendered, then answered from the caches
            for url in reads:
                response = visitor.get(url)
                assert response.status_code < 500, url
                assert WITNESS not in response.text, url
        page = visitor.get(f"/articles/{slug}").text
        assert "This comment is for members only." in page
        assert '<meta name="robots" content="noindex">' in page
        node = visitor.get(f"/api/v1/comments/{secret.id}").json()
        assert (node["visibility"], node["body_html"], node["author"]) == (
            "members",
            "",
            None,
        )
