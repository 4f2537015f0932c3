"""A comment's earlier versions (issue #18, point 4): its author and moderators
read them, on a page and at GET /api/v1/comments/{id}/revisions; nobody else."""

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import Role, User
from app.comments import editing
from app.comments.models import Comment, CommentStatus
from app.errors import NotFound, PermissionDenied
from tests.conftest import AppFactory
from tests.factories import make_article, make_comment, make_user
from tests.helpers import sign_in_as


@pytest.fixture
def author(session: Session) -> User:
    return make_user(session, username="rev_author", display_name="Ada Author")


@pytest.fixture
def edited(session: Session, author: User) -> Comment:
    """A published comment its author changed twice (a moderator published the
    second change: the author is trusted once their first comment is)."""
    article = make_article(session)
    make_comment(session, article, author=author)
    comment = make_comment(session, article, author=author, body="First words.")
    editing.edit_comment(session, comment, "Second words.", actor=author)
    editing.edit_comment(session, comment, "Third words.", actor=author)
    return comment


def test_author_and_moderators_read_earlier_versions_newest_first(
    session: Session, author: User, edited: Comment
) -> None:
    moderator = make_user(session, role=Role.MODERATOR)
    for reader in (author, moderator):
        history = editing.revision_history(session, edited.id, actor=reader)
        assert [r.body for r in history.revisions] == ["Second words.", "First words."]
        assert not history.truncated
        assert history.comment.body == "Third words."


def test_others_may_not_read_earlier_versions(
    session: Session, edited: Comment
) -> None:
    with pytest.raises(PermissionDenied):
        editing.revision_history(session, edited.id, actor=make_user(session))
    with pytest.raises(PermissionDenied):
        editing.revision_history(session, edited.id, actor=None)


def test_a_comment_one_may_not_see_has_no_history_to_read(
    session: Session, author: User
) -> None:
    held = make_comment(
        session, make_article(session), author=author, status=CommentStatus.PENDING
    )
    with pytest.raises(NotFound):
        editing.revision_history(session, held.id, actor=make_user(session))
    with pytest.raises(NotFound):
        editing.revision_history(session, 10_000_000, actor=author)
    assert editing.revision_history(session, held.id, actor=author).revisions == []


def test_history_is_bounded(session: Session, author: User, edited: Comment) -> None:
    moderator = make_user(session, role=Role.MODERATOR)
    for n in range(editing.REVISIONS_SHOWN):
        editing.edit_comment(session, edited, f"Take {n}.", actor=moderator)
    history = editing.revision_history(session, edited.id, actor=author)
    assert len(history.revisions) == editing.REVISIONS_SHOWN
    assert history.truncated
    assert history.revisions[0].body == f"Take {editing.REVISIONS_SHOWN - 2}."


ClientFor = Callable[..., TestClient]


@pytest.fixture
def client_for(app_factory: AppFactory) -> Iterator[ClientFor]:
    clients: list[TestClient] = []

    def make(username: str | None, *, api: bool) -> TestClient:
        client = TestClient(app_factory(), follow_redirects=False)
        client.__enter__()
        clients.append(client)
        if username is not None:
            sign_in_as(client, username, api=api)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def test_api_gives_the_versions_to_author_and_moderator_only(
    session: Session, author: User, edited: Comment, client_for: ClientFor
) -> None:
    make = client_for
    moderator = make_user(session, role=Role.MODERATOR, username="rev_mod")
    stranger = make_user(session, username="rev_stranger")
    url = f"/api/v1/comments/{edited.id}/revisions"

    for reader in (author, moderator):
        response = make(reader.username, api=True).get(url)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["comment_id"] == edited.id
        assert [item["body"] for item in body["items"]] == [
            "Second words.",
            "First words.",
        ]
        assert body["items"][0]["edited_by"] == "Ada Author"
        assert body["truncated"] is False

    denied = make(stranger.username, api=True).get(url)
    assert denied.status_code == 403
    assert "author and moderators" in denied.json()["detail"]
    assert make(None, api=True).get(url).status_code == 401
    missing = make(author.username, api=True).get("/api/v1/comments/10000000/revisions")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "There is no such comment."}


def test_page_shows_the_versions_to_the_author_only_among_members(
    session: Session, author: User, edited: Comment, client_for: ClientFor
) -> None:
    make = client_for
    make_user(session, username="rev_other")
    url = f"/comments/{edited.id}/revisions"

    page = make(author.username, api=False).get(url)
    assert page.status_code == 200
    assert page.template.name == "comments/revisions.html"  # type: ignore[attr-defined]
    html = page.text
    assert html.index("Third words.") < html.index("Second words.")
    assert html.index("Second words.") < html.index("First words.")

    other = make("rev_other", api=False).get(url)
    assert other.status_code == 403
    assert "First words." not in other.text
    anonymous = make(None, api=False).get(url)
    assert anonymous.status_code == 303


def test_your_comments_link_to_the_earlier_versions_of_an_edited_one(
    session: Session, author: User, edited: Comment, client_for: ClientFor
) -> None:
    unchanged = make_comment(session, make_article(session), author=author)
    page = client_for(author.username, api=False).get("/me/comments").text
    assert f'href="/comments/{edited.id}/revisions"' in page
    assert f'href="/comments/{unchanged.id}/revisions"' not in page
