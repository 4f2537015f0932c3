"""Crisis support at submit time: the author sees help at once (page and API),
the comment is held for a moderator whoever wrote it, marked urgent, and the
moderators are mailed."""

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import Role, User
from app.articles.models import Article
from app.comments.models import Comment, CommentStatus
from app.moderation.models import ActionKind, ModerationAction
from app.notifications.models import MailKind, Outbox
from tests.factories import make_comment, make_user
from tests.helpers import api_token, form_token, login, post_form

CRISIS = "Since the relapse I have been thinking about ending my life."


def _trusted_member(session: Session, article: Article) -> User:
    member = make_user(session)
    make_comment(session, article, author=member)  # one approved: trusted
    return member


def test_the_page_shows_helplines_and_keeps_the_comment(
    session: Session, client: TestClient, article: Article, moderator: User
) -> None:
    member = _trusted_member(session, article)
    login(client, member.username)
    page = f"/articles/{article.slug}"
    response = post_form(
        client,
        page,
        f"{page}/comments",
        {"body": CRISIS, "form_token": form_token(client, article.id)},
    )

    assert response.status_code == 201
    assert "You are not alone" in response.text
    assert "Samaritans" in response.text
    assert "116 123" in response.text
    assert "988" in response.text
    comment = session.scalars(select(Comment).where(Comment.body == CRISIS)).one()
    # Trusted authors publish at once; this one waits, first in line.
    assert comment.status == CommentStatus.PENDING
    assert comment.urgent_at is not None
    assert "Crisis language" in (comment.held_reason or "")
    mails = session.execute(select(Outbox.kind, Outbox.user_id)).all()
    assert (MailKind.URGENT, moderator.id) in mails


def test_the_api_answer_carries_a_support_object(
    session: Session, client: TestClient, article: Article
) -> None:
    member = make_user(session)
    token = api_token(client, member.username)
    response = client.post(
        f"/api/v1/articles/{article.slug}/comments",
        json={"body": "I don\u2019t want to be here anymore."},
        headers={"Authorization": f"Bearer {token}"},
    )

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "pending"
    support = body["support"]
    assert support["message"].startswith("Thank you for telling us")
    assert {
        "name": "Samaritans",
        "contact": "Call 116 123, free, any time",
        "country": "United Kingdom and Ireland",
    } in support["resources"]


def test_ordinary_hard_days_get_no_crisis_answer(
    session: Session, client: TestClient, article: Article
) -> None:
    member = make_user(session)
    token = api_token(client, member.username)
    response = client.post(
        f"/api/v1/articles/{article.slug}/comments",
        json={"body": "This fatigue is killing me, but stretching helps."},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert "support" not in response.json()
    comment = session.get(Comment, response.json()["id"])
    assert comment is not None
    assert comment.urgent_at is None
    assert session.scalars(select(Outbox.kind)).all() == []


def test_a_moderators_own_words_of_crisis_wait_too(
    session: Session, article: Article
) -> None:
    from app.comments import service as comments_service
    from app.comments.schemas import CommentCreate

    moderator = make_user(session, role=Role.MODERATOR)
    comment = comments_service.post_comment(
        session,
        article,
        CommentCreate(body="I want to end it all."),
        actor=moderator,
        allow_guests=False,
    )
    assert comment.status == CommentStatus.PENDING
    assert comment.urgent_at is not None


def _waiting(session: Session, article: Article, body: str) -> Comment:
    return make_comment(
        session,
        article,
        author=make_user(session),
        status=CommentStatus.PENDING,
        body=body,
    )


def test_urgent_comments_come_first_in_the_queue_until_handled(
    session: Session,
    mod_client: TestClient,
    mod_api: TestClient,
    article: Article,
) -> None:
    older = _waiting(session, article, "An ordinary question about baclofen.")
    urgent = _waiting(session, article, "I want to end it all.")
    urgent.urgent_at = urgent.created_at

    page = mod_client.get("/moderation")
    assert page.text.index(f'id="queue-{urgent.id}"') < page.text.index(
        f'id="queue-{older.id}"'
    )
    assert "Urgent: this may come from someone in crisis." in page.text
    assert page.text.count(f'id="queue-{urgent.id}"') == 1
    api = mod_api.get("/api/v1/moderation/queue").json()
    assert [(i["id"], i["urgent"]) for i in api["items"]] == [
        (urgent.id, True),
        (older.id, False),
    ]

    handled = post_form(
        mod_client,
        "/moderation",
        f"/moderation/urgent/{urgent.id}/handled",
        {"next": "/moderation"},
    )
    assert handled.status_code == 303
    session.refresh(urgent)
    assert urgent.urgent_at is None
    assert urgent.status == CommentStatus.PENDING  # still to decide
    entry = session.scalars(
        select(ModerationAction).where(ModerationAction.comment_id == urgent.id)
    ).one()
    assert entry.action == ActionKind.HANDLED
    # Back in its place, oldest first; handling twice is refused.
    api = mod_api.get("/api/v1/moderation/queue").json()
    assert [i["id"] for i in api["items"]] == [older.id, urgent.id]
    again = mod_api.post(f"/api/v1/moderation/urgent/{urgent.id}/handled")
    assert again.status_code == 409


def test_admins_edit_the_phrases_and_the_helplines(
    session: Session, client: TestClient, article: Article
) -> None:
    admin = make_user(session, role=Role.ADMIN)
    login(client, admin.username)
    page = client.get("/admin/settings")
    assert "Samaritans | Call 116 123" in page.text
    assert "ending my life" in page.text
    from tests.helpers import csrf_from

    settings_form = {
        "trust_threshold": "1",
        "max_links": "2",
        "flag_threshold": "3",
        "edit_window_hours": "24",
        "auto_close_days": "0",
        "hold_words": "",
        "spam_words": "",
        "crisis_words": "at the end of my rope",
        "crisis_resources": "Lifeline Ireland | Call 1800 247 247 | Ireland",
        "csrf_token": csrf_from(page.text),
    }
    bad = client.post(
        "/admin/settings", data={**settings_form, "crisis_resources": "Just a name"}
    )
    assert bad.status_code == 422
    assert "name | how to reach it | country" in bad.text
    saved = client.post("/admin/settings", data=settings_form)
    assert saved.status_code == 303

    token = api_token(client, make_user(session).username)
    headers = {"Authorization": f"Bearer {token}"}
    answer = client.post(
        f"/api/v1/articles/{article.slug}/comments",
        json={"body": "Honestly I'm at the end of my rope."},
        headers=headers,
    ).json()
    assert answer["support"]["resources"] == [
        {
            "name": "Lifeline Ireland",
            "contact": "Call 1800 247 247",
            "country": "Ireland",
        }
    ]
    # The old default phrases are gone with the edit.
    plain = client.post(
        f"/api/v1/articles/{article.slug}/comments",
        json={"body": "I have been thinking about ending my life."},
        headers=headers,
    ).json()
    assert "support" not in plain
