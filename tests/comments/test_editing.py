"""Authors edit, resubmit and delete their comments; moderators edit any."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.comments.models import Comment, CommentRevision, CommentStatus
from app.db import utcnow
from app.moderation.models import ActionKind
from app.moderation.policy import update_policy
from app.moderation.schemas import PolicyUpdate
from tests.conftest import AppFactory
from tests.factories import make_admin, make_article, make_comment, make_user
from tests.helpers import api_token, audit, csrf_from, login


@pytest.fixture
def author(session: Session) -> User:
    return make_user(session, display_name="Rowan")


@pytest.fixture
def as_author(app_factory: AppFactory, author: User) -> Iterator[TestClient]:
    with TestClient(app_factory(), follow_redirects=False) as client:
        login(client, author.username)
        yield client


def edit(client: TestClient, comment: Comment, body: str) -> tuple[int, str]:
    """Open the edit page, send new text; return the status and the page that follows."""
    page = client.get(f"/comments/{comment.id}/edit")
    response = client.post(
        f"/comments/{comment.id}/edit",
        data={"csrf_token": csrf_from(page.text), "body": body},
    )
    if response.status_code == 303:
        return 303, client.get(response.headers["location"]).text
    return response.status_code, response.text


def untrusted(session: Session) -> None:
    """Members need more approved comments than anyone here has to be trusted."""
    update_policy(session, PolicyUpdate(trust_threshold=50), actor=make_admin(session))


def revisions(session: Session, comment: Comment) -> list[str]:
    return list(
        session.scalars(
            select(CommentRevision.body)
            .where(CommentRevision.comment_id == comment.id)
            .order_by(CommentRevision.id)
        )
    )


def test_editing_a_pending_comment_replaces_it_and_keeps_the_old_text(
    session: Session, author: User, as_author: TestClient
) -> None:
    article = make_article(session)
    comment = make_comment(
        session, article, author=author, status=CommentStatus.PENDING, body="Frist"
    )
    assert "Edit" in as_author.get(f"/articles/{article.slug}").text

    status, page = edit(as_author, comment, "First, *corrected*")

    session.refresh(comment)
    assert status == 303
    assert comment.body == "First, *corrected*"
    assert comment.body_html == "<p>First, <em>corrected</em></p>"
    assert comment.status == CommentStatus.PENDING
    assert comment.edited_at is not None
    assert revisions(session, comment) == ["Frist"]
    assert "(edited)" in page


def test_an_edit_of_a_published_comment_waits_and_the_old_text_stays(
    session: Session,
    author: User,
    as_author: TestClient,
    client: TestClient,
    mod_api: TestClient,
) -> None:
    article = make_article(session)
    comment = make_comment(session, article, author=author, body="Old words")
    untrusted(session)

    status, own_page = edit(as_author, comment, "New words")

    assert status == 303
    assert "Your edit will appear once a moderator has read it." in own_page
    assert "Your edit is awaiting moderation" in own_page
    reader = client.get(f"/articles/{article.slug}").text
    assert "Old words" in reader
    assert "New words" not in reader
    queue = mod_api.get("/api/v1/moderation/queue").json()
    assert [item["id"] for item in queue["items"]] == [comment.id]

    approved = mod_api.post(
        f"/api/v1/moderation/comments/{comment.id}/approve", json={"seen": "approved"}
    )

    assert approved.status_code == 200
    reader = client.get(f"/articles/{article.slug}").text
    assert "New words" in reader
    assert "Old words" not in reader
    assert "(edited)" in reader
    assert revisions(session, comment) == ["Old words"]
    assert audit(session, comment=comment, fields=("action",)) == [
        ActionKind.APPROVE_EDIT
    ]
    assert mod_api.get("/api/v1/moderation/queue").json()["total"] == 0


def test_a_rejected_edit_leaves_the_published_text(
    session: Session, author: User, as_author: TestClient, mod_client: TestClient
) -> None:
    article = make_article(session)
    comment = make_comment(session, article, author=author, body="Kind words")
    untrusted(session)
    edit(as_author, comment, "Unkind words")
    queue = mod_client.get("/moderation").text
    assert "Edit awaiting approval" in queue
    assert "Unkind words" in queue

    response = mod_client.post(
        f"/moderation/comments/{comment.id}/reject",
        data={"csrf_token": csrf_from(queue), "seen": "approved", "reason": "Tone"},
    )

    assert response.status_code == 303
    session.refresh(comment)
    assert comment.status == CommentStatus.APPROVED
    assert comment.body == "Kind words"
    assert comment.pending_body is None
    assert audit(session, comment=comment, fields=("action",)) == [
        ActionKind.REJECT_EDIT
    ]


def test_the_edit_window_on_both_sides_of_its_limit(
    session: Session, author: User, as_author: TestClient
) -> None:
    article = make_article(session)
    now = utcnow()
    inside = make_comment(
        session,
        article,
        author=author,
        status=CommentStatus.PENDING,
        created_at=now - timedelta(hours=23, minutes=58),
    )
    outside = make_comment(
        session,
        article,
        author=author,
        status=CommentStatus.PENDING,
        created_at=now - timedelta(hours=24, minutes=1),
    )
    token = api_token(as_author, author.username)
    headers = {"Authorization": f"Bearer {token}"}

    assert edit(as_author, inside, "Still in time")[0] == 303
    late_page = as_author.get(f"/comments/{outside.id}/edit")
    late_post = edit(as_author, outside, "Too late")
    late_api = as_author.patch(
        f"/api/v1/comments/{outside.id}", json={"body": "Too late"}, headers=headers
    )

    assert late_page.status_code == 403
    assert "can be changed for 24 hours after posting" in late_page.text
    assert late_post[0] == 403
    assert late_api.status_code == 403
    session.refresh(outside)
    assert outside.body != "Too late"
    page = as_author.get(f"/articles/{article.slug}").text
    assert f'href="/comments/{inside.id}/edit"' in page
    assert f'href="/comments/{outside.id}/edit"' not in page


def test_an_edit_does_not_restart_the_window(
    session: Session, author: User, as_author: TestClient
) -> None:
    """The window is counted from posting, not from the last edit: an edit just
    inside it leaves no more time than the posting did."""
    article = make_article(session)
    comment = make_comment(
        session,
        article,
        author=author,
        status=CommentStatus.PENDING,
        created_at=utcnow() - timedelta(hours=23, minutes=59),
    )
    assert edit(as_author, comment, "Edited in time")[0] == 303
    session.refresh(comment)
    assert comment.edited_at is not None
    # Two minutes later by the clock of posting: past the window, whatever the
    # edit's time says.
    comment.created_at -= timedelta(minutes=2)
    session.flush()
    headers = {"Authorization": f"Bearer {api_token(as_author, author.username)}"}

    again = edit(as_author, comment, "Edited again")
    again_api = as_author.patch(
        f"/api/v1/comments/{comment.id}", json={"body": "Edited again"}, headers=headers
    )

    assert again[0] == 403
    assert again_api.status_code == 403
    session.refresh(comment)
    assert comment.body == "Edited in time"


def test_only_the_author_or_a_moderator_edits(
    session: Session, author: User, client: TestClient, mod_api: TestClient
) -> None:
    article = make_article(session)
    comment = make_comment(session, article, author=author, body="Mine")
    other = make_user(session)
    login(client, other.username)
    headers = {"Authorization": f"Bearer {api_token(client, other.username)}"}

    page = client.get(f"/comments/{comment.id}/edit")
    api = client.patch(
        f"/api/v1/comments/{comment.id}", json={"body": "Yours"}, headers=headers
    )
    by_moderator = mod_api.patch(
        f"/api/v1/comments/{comment.id}", json={"body": "Tidied by a moderator"}
    )

    assert page.status_code == 404
    assert api.status_code == 403
    assert by_moderator.status_code == 200
    assert by_moderator.json()["body_html"] == "<p>Tidied by a moderator</p>"
    assert revisions(session, comment) == ["Mine"]
    assert audit(session, comment=comment, fields=("action",)) == [ActionKind.EDIT]


def test_a_banned_author_cannot_edit(
    session: Session, author: User, as_author: TestClient
) -> None:
    comment = make_comment(session, make_article(session), author=author)
    author.banned_at = utcnow()
    session.flush()

    status, page = edit(as_author, comment, "Sneaky change")

    assert status == 403
    assert "you can&#39;t post, edit or flag comments" in page


def test_bad_edits_keep_the_text_and_change_nothing(
    session: Session, author: User, as_author: TestClient
) -> None:
    comment = make_comment(
        session,
        make_article(session),
        author=author,
        body="Same",
        status=CommentStatus.PENDING,
    )

    empty = edit(as_author, comment, "   ")
    same = edit(as_author, comment, "Same")
    huge = edit(as_author, comment, "x" * 10_001)

    assert empty[0] == 422
    assert "Please write something before sending." in empty[1]
    assert same[0] == 409
    assert "That is the text the comment already has." in same[1]
    assert huge[0] == 422
    assert "x" * 10_001 in huge[1]
    assert revisions(session, comment) == []


def test_revise_and_resubmit_a_rejected_comment(
    session: Session,
    author: User,
    as_author: TestClient,
    client: TestClient,
    mod_api: TestClient,
) -> None:
    article = make_article(session)
    comment = make_comment(
        session,
        article,
        author=author,
        status=CommentStatus.PENDING,
        body="Stop your pills",
    )
    mod_api.post(
        f"/api/v1/moderation/comments/{comment.id}/reject",
        json={"reason": "Please don't give medical advice"},
    )

    own = as_author.get(f"/articles/{article.slug}").text
    assert "Stop your pills" in own
    assert "Please don&#39;t give medical advice" in own
    assert "Revise and resubmit" in own
    assert "Stop your pills" not in client.get(f"/articles/{article.slug}").text

    status, _page = edit(as_author, comment, "Ask your MS nurse before changing pills")

    session.refresh(comment)
    assert status == 303
    assert comment.status == CommentStatus.PENDING
    assert revisions(session, comment) == ["Stop your pills"]
    assert audit(session, comment=comment, fields=("action",)) == [
        ActionKind.REJECT,
        ActionKind.RESUBMIT,
    ]
    queue = mod_api.get("/api/v1/moderation/queue").json()
    assert [item["id"] for item in queue["items"]] == [comment.id]


def test_authors_delete_their_own_comments(
    session: Session, author: User, as_author: TestClient, client: TestClient
) -> None:
    article = make_article(session)
    answered = make_comment(session, article, author=author, body="Answered")
    reply = make_comment(session, article, parent=answered, body="A reply")
    alone = make_comment(session, article, author=author, body="Alone")
    token = csrf_from(as_author.get(f"/articles/{article.slug}").text)

    for comment in (answered, alone):
        response = as_author.post(
            f"/comments/{comment.id}/delete", data={"csrf_token": token}
        )
        assert response.status_code == 303
    others = client.delete(f"/api/v1/comments/{reply.id}")

    page = client.get(f"/articles/{article.slug}").text
    assert "This comment was deleted by its author." in page
    assert "Answered" not in page
    assert "A reply" in page
    assert "Alone" not in page
    assert audit(session, comment=alone, fields=("action",)) == [ActionKind.DELETE]
    assert others.status_code == 401
    assert session.get(Comment, alone.id) is not None


def test_a_trusted_authors_edit_publishes_at_once_unless_a_rule_holds_it(
    session: Session, author: User, as_author: TestClient, client: TestClient
) -> None:
    article = make_article(session)
    comment = make_comment(session, article, author=author, body="Plain words")
    update_policy(
        session, PolicyUpdate(hold_words=["miracle cure"]), actor=make_admin(session)
    )

    edit(as_author, comment, "Better words")
    assert "Better words" in client.get(f"/articles/{article.slug}").text

    edit(as_author, comment, "Try this MIRACLE\ncure")

    session.refresh(comment)
    assert comment.body == "Better words"
    assert comment.pending_body == "Try this MIRACLE\ncure"
    assert comment.held_reason is not None
    assert "miracle cure" in comment.held_reason
    assert "hold list" in comment.held_reason
    assert "MIRACLE" not in client.get(f"/articles/{article.slug}").text


def test_moderators_edit_from_the_thread_through_the_page(
    session: Session, author: User, mod_client: TestClient
) -> None:
    article = make_article(session)
    comment = make_comment(session, article, author=author, body="Call 555-0100")
    thread = mod_client.get(f"/articles/{article.slug}").text
    assert f'href="/comments/{comment.id}/edit"' in thread

    status, page = edit(mod_client, comment, "Phone number removed by a moderator")

    assert status == 303
    assert "Phone number removed by a moderator" in page
    assert audit(session, comment=comment, fields=("action",)) == [ActionKind.EDIT]
    assert revisions(session, comment) == ["Call 555-0100"]
