"""Content notes (issue #15): an author folds a comment away behind a note from
the admins' list; readers open it (a <details>, no JavaScript needed), members
may choose to always see some notes opened, and moderators change notes,
audited."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.articles.models import Article
from app.comments.models import Comment, CommentStatus
from app.moderation.models import ActionKind, ModerationAction
from tests.conftest import AppFactory
from tests.factories import make_comment, make_user
from tests.helpers import api_token, csrf_from, form_token, login, post_form

FOLDED = '<details class="content-note">'
OPENED = '<details class="content-note" open>'


@pytest.fixture
def trusted(session: Session, article: Article) -> User:
    """A member whose comments publish at once."""
    member = make_user(session, display_name="Tess")
    make_comment(session, article, author=member)
    return member


def _post(client: TestClient, article: Article, **fields: str) -> object:
    page = f"/articles/{article.slug}"
    return post_form(
        client,
        page,
        f"{page}/comments",
        {"form_token": form_token(client, article.id), **fields},
    )


def _audited(session: Session) -> list[str | None]:
    return list(
        session.scalars(
            select(ModerationAction.reason)
            .where(ModerationAction.action == ActionKind.CONTENT_NOTE)
            .order_by(ModerationAction.id)
        )
    )


def test_the_form_offers_the_notes_and_a_comment_keeps_its_choice(
    session: Session, client: TestClient, article: Article, trusted: User
) -> None:
    login(client, trusted.username)
    form = client.get(f"/articles/{article.slug}").text
    assert '<label for="field-content_note">Content note (optional)</label>' in form
    assert '<option value="end of life">end of life</option>' in form

    response = _post(
        client,
        article,
        body="My dad's last weeks with MS.",
        content_note="End of  Life",
    )

    assert response.status_code == 303  # type: ignore[attr-defined]
    comment = session.scalars(
        select(Comment).where(Comment.body == "My dad's last weeks with MS.")
    ).one()
    assert comment.content_note == "end of life"  # as the list spells it


def test_a_note_not_on_the_list_is_refused_with_the_text_kept(
    client: TestClient, article: Article, trusted: User
) -> None:
    login(client, trusted.username)
    response = _post(client, article, body="Kept text", content_note="spoilers")

    assert response.status_code == 422  # type: ignore[attr-defined]
    page = response.text  # type: ignore[attr-defined]
    assert "Please choose a content note from the list, or none." in page
    assert 'id="error-content_note"' in page
    assert ">Kept text</textarea>" in page


def test_readers_see_the_comment_folded_behind_its_note(
    session: Session, client: TestClient, article: Article, trusted: User
) -> None:
    comment = make_comment(session, article, author=trusted, body="Hard news today.")
    comment.content_note = "disease progression"
    session.flush()

    page = client.get(f"/articles/{article.slug}").text

    assert FOLDED in page
    assert OPENED not in page
    folded = page[page.index(FOLDED) :]
    assert "Content note: disease progression" in folded
    # The text is inside the <details>, after its <summary>.
    assert folded.index("</summary>") < folded.index("Hard news today.")
    assert folded.index("Hard news today.") < folded.index("</details>")


def test_the_api_tree_carries_the_note(
    session: Session, client: TestClient, article: Article, trusted: User
) -> None:
    comment = make_comment(session, article, author=trusted)
    comment.content_note = "self-harm"
    plain = make_comment(session, article, author=trusted)
    session.flush()

    items = client.get(f"/api/v1/articles/{article.slug}/comments").json()["items"]

    notes = {item["id"]: item["content_note"] for item in items}
    assert notes[comment.id] == "self-harm"
    assert notes[plain.id] is None


def test_the_api_takes_a_note_when_posting_and_refuses_one_not_listed(
    session: Session, client: TestClient, article: Article, trusted: User
) -> None:
    headers = {"Authorization": f"Bearer {api_token(client, trusted.username)}"}
    url = f"/api/v1/articles/{article.slug}/comments"

    wrong = client.post(
        url, json={"body": "x", "content_note": "nsfw"}, headers=headers
    )
    right = client.post(
        url,
        json={"body": "Graphic", "content_note": "graphic symptoms"},
        headers=headers,
    )

    assert wrong.status_code == 422
    assert (
        wrong.json()["detail"] == "Please choose a content note from the list, or none."
    )
    assert right.status_code == 201
    assert session.get(Comment, right.json()["id"]).content_note == "graphic symptoms"  # type: ignore[union-attr]


@pytest.fixture
def reader(session: Session) -> User:
    return make_user(session, display_name="Rae")


@pytest.fixture
def reader_client(app_factory: AppFactory, reader: User) -> Iterator[TestClient]:
    with TestClient(app_factory(), follow_redirects=False) as client:
        login(client, reader.username)
        yield client


def test_a_member_who_always_shows_a_note_sees_it_opened_and_others_do_not(
    session: Session,
    client: TestClient,
    reader_client: TestClient,
    reader: User,
    article: Article,
    trusted: User,
) -> None:
    shown = make_comment(session, article, author=trusted, body="About the end.")
    shown.content_note = "end of life"
    other = make_comment(session, article, author=trusted, body="About symptoms.")
    other.content_note = "graphic symptoms"
    session.flush()
    page = f"/articles/{article.slug}"
    client.get(page)  # the public rendering is cached before the member reads

    settings = reader_client.get("/settings").text
    assert "Always show comments marked “end of life”" in settings
    token = csrf_from(settings)
    saved = reader_client.post(
        "/settings",
        data={
            "csrf_token": token,
            "display_name": reader.display_name,
            "email": reader.email,
            "bio": "",
            "shown_content_notes": "end of life",
        },
    )
    assert saved.status_code == 303
    session.refresh(reader)
    assert reader.shown_content_notes == ["end of life"]
    assert 'value="end of life" checked' in reader_client.get("/settings").text

    mine = reader_client.get(page).text
    assert mine.count(OPENED) == 1
    assert mine.count(FOLDED) == 1
    assert mine.index(OPENED) < mine.index("About the end.")
    # Anonymous readers still get the shared page, folded.
    public = client.get(page).text
    assert OPENED not in public
    assert public.count(FOLDED) == 2


def test_the_settings_refuse_a_note_not_on_the_list(
    session: Session, reader_client: TestClient, reader: User
) -> None:
    token = csrf_from(reader_client.get("/settings").text)
    response = reader_client.post(
        "/settings",
        data={
            "csrf_token": token,
            "display_name": reader.display_name,
            "email": reader.email,
            "shown_content_notes": "not a note",
        },
    )
    assert response.status_code == 422
    assert "Please choose a content note from the list, or none." in response.text
    session.refresh(reader)
    assert reader.shown_content_notes == []


def test_the_api_reads_and_changes_the_notes_a_member_always_shows(
    session: Session, client: TestClient, reader: User
) -> None:
    headers = {"Authorization": f"Bearer {api_token(client, reader.username)}"}
    assert client.get("/api/v1/me", headers=headers).json()["shown_content_notes"] == []

    changed = client.patch(
        "/api/v1/me",
        json={"shown_content_notes": ["self-harm", "END OF LIFE"]},
        headers=headers,
    )
    refused = client.patch(
        "/api/v1/me", json={"shown_content_notes": ["gore"]}, headers=headers
    )

    # In the list's order, spelled as the list spells them.
    assert changed.json()["shown_content_notes"] == ["end of life", "self-harm"]
    assert refused.status_code == 422
    session.refresh(reader)
    assert reader.shown_content_notes == ["end of life", "self-harm"]


def test_moderators_put_change_and_take_off_a_note_audited_and_readers_see_it(
    session: Session,
    client: TestClient,
    mod_api: TestClient,
    article: Article,
    trusted: User,
) -> None:
    comment = make_comment(session, article, author=trusted, body="Raw details.")
    page = f"/articles/{article.slug}"
    assert FOLDED not in client.get(page).text  # cached without a note
    url = f"/api/v1/moderation/comments/{comment.id}/content-note"

    put = mod_api.put(url, json={"content_note": "graphic symptoms"})
    assert put.status_code == 200
    assert put.json() == {
        "id": comment.id,
        "content_note": "graphic symptoms",
        "editor_note": None,
    }
    assert FOLDED in client.get(page).text  # the next reader sees it

    assert mod_api.put(url, json={"content_note": "gore"}).status_code == 422
    taken_off = mod_api.put(url, json={"content_note": None})
    assert taken_off.json()["content_note"] is None
    assert FOLDED not in client.get(page).text
    assert _audited(session) == [
        "Content note: graphic symptoms",
        "Content note removed (was: graphic symptoms)",
    ]


def test_members_may_not_change_a_note(
    session: Session, client: TestClient, article: Article, trusted: User
) -> None:
    comment = make_comment(session, article, author=trusted)
    headers = {"Authorization": f"Bearer {api_token(client, trusted.username)}"}

    response = client.put(
        f"/api/v1/moderation/comments/{comment.id}/content-note",
        json={"content_note": "self-harm"},
        headers=headers,
    )

    assert response.status_code == 403
    session.refresh(comment)
    assert comment.content_note is None


def test_the_moderator_tools_and_the_queue_change_a_note_by_form(
    session: Session, mod_client: TestClient, article: Article, trusted: User
) -> None:
    published = make_comment(session, article, author=trusted)
    waiting = make_comment(
        session, article, author=trusted, status=CommentStatus.PENDING
    )
    page = f"/articles/{article.slug}"
    thread = mod_client.get(page).text
    assert f'action="/moderation/comments/{published.id}/content-note"' in thread
    queue = mod_client.get("/moderation").text
    assert f'action="/moderation/comments/{waiting.id}/content-note"' in queue

    done = post_form(
        mod_client,
        page,
        f"/moderation/comments/{published.id}/content-note",
        {"content_note": "end of life", "next": f"{page}#comment-{published.id}"},
    )
    queued = post_form(
        mod_client,
        "/moderation",
        f"/moderation/comments/{waiting.id}/content-note",
        {"content_note": "self-harm", "next": "/moderation"},
    )

    assert done.status_code == 303
    assert done.headers["location"] == f"{page}#comment-{published.id}"
    assert queued.headers["location"] == "/moderation"
    session.refresh(published)
    session.refresh(waiting)
    assert (published.content_note, waiting.content_note) == (
        "end of life",
        "self-harm",
    )
    assert (
        "Content note: <strong>self-harm</strong>" in mod_client.get("/moderation").text
    )
