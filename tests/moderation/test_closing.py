"""Closing a discussion, locking a sub-thread, and the audit log."""

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.articles.models import Article
from tests.factories import make_article, make_comment
from tests.helpers import api_token, csrf_from, form_token_from

CLOSED = "Comments are closed."
LOCKED = "Replies to this comment are closed."


def press(client: TestClient, page: str, action: str, **fields: str) -> str:
    """Submit a moderator form found on ``page``; return the page it leads to."""
    response = client.post(
        action, data={"csrf_token": csrf_from(client.get(page).text), **fields}
    )
    assert response.status_code == 303, response.text
    return client.get(response.headers["location"]).text


def article_url(article: Article) -> str:
    return f"/articles/{article.slug}"


def test_closing_hides_the_form_keeps_comments_and_refuses_posts(
    session: Session, mod_client: TestClient, member_client: TestClient
) -> None:
    article = make_article(session)
    make_comment(session, article, body="Published before closing")
    page = mod_client.get(article_url(article)).text
    assert "Moderate this discussion" in page
    opened = member_client.get(article_url(article)).text  # the form, before closing
    assert 'id="comment-form"' in opened

    after = press(
        mod_client,
        article_url(article),
        f"/articles/{article.slug}/close",
        reason="Thank you all; this topic has run its course.",
    )

    assert "Discussion closed." in after
    reader = member_client.get(article_url(article)).text
    assert CLOSED in reader
    assert "Thank you all; this topic has run its course." in reader
    assert "Published before closing" in reader
    assert 'id="comment-form"' not in reader
    token = csrf_from(reader)
    refused = member_client.post(
        f"/articles/{article.slug}/comments",
        data={
            "csrf_token": token,
            "form_token": form_token_from(opened),
            "body": "Late",
            "action": "post",
        },
    )
    assert refused.status_code == 409
    assert CLOSED in refused.text

    reopened = press(
        mod_client, article_url(article), f"/articles/{article.slug}/reopen"
    )

    assert "Discussion reopened." in reopened
    assert CLOSED not in member_client.get(article_url(article)).text


def test_close_and_reopen_through_the_api(
    session: Session, client: TestClient, moderator: User
) -> None:
    article = make_article(session)
    headers = {"Authorization": f"Bearer {api_token(client, moderator.username)}"}

    closed = client.post(
        f"/api/v1/articles/{article.slug}/close",
        headers=headers,
        json={"reason": "Done"},
    )
    again = client.post(f"/api/v1/articles/{article.slug}/close", headers=headers)
    thread = client.get(f"/api/v1/articles/{article.slug}/comments").json()
    reopened = client.post(f"/api/v1/articles/{article.slug}/reopen", headers=headers)
    unknown = client.post("/api/v1/articles/no-such-article/close", headers=headers)

    assert closed.status_code == 200
    assert closed.json()["close_reason"] == "Done"
    assert closed.json()["comments_closed_at"] is not None
    assert again.status_code == 409
    assert again.json() == {"detail": "This discussion is already closed."}
    assert thread["comments_open"] is False
    assert reopened.status_code == 200
    assert reopened.json()["comments_closed_at"] is None
    assert unknown.status_code == 404


def test_locking_a_sub_thread_stops_replies_below_it_only(
    session: Session, mod_client: TestClient, member_client: TestClient
) -> None:
    article = make_article(session)
    locked = make_comment(session, article, body="Heated topic")
    child = make_comment(session, article, parent=locked)
    other = make_comment(session, article, body="Calm topic")

    after = press(
        mod_client,
        article_url(article),
        f"/comments/{locked.id}/lock",
        next=f"/articles/{article.slug}#comment-{locked.id}",
    )

    assert "Replies to this comment are now closed." in after
    reader = member_client.get(article_url(article)).text
    assert LOCKED in reader
    assert f'data-reply-to="{locked.id}"' not in reader
    assert f'data-reply-to="{child.id}"' not in reader
    assert f'data-reply-to="{other.id}"' in reader
    refused = member_client.post(
        f"/articles/{article.slug}/comments",
        data={
            "csrf_token": csrf_from(reader),
            "form_token": form_token_from(reader),
            "body": "Still arguing",
            "parent_id": str(child.id),
            "action": "post",
        },
    )
    assert refused.status_code == 409

    press(mod_client, article_url(article), f"/comments/{locked.id}/unlock")

    reader = member_client.get(article_url(article)).text
    assert LOCKED not in reader
    assert f'data-reply-to="{child.id}"' in reader


def test_lock_api_and_its_refusals(
    session: Session, client: TestClient, moderator: User
) -> None:
    comment = make_comment(session, make_article(session))
    headers = {"Authorization": f"Bearer {api_token(client, moderator.username)}"}

    locked = client.post(f"/api/v1/comments/{comment.id}/lock", headers=headers)
    twice = client.post(f"/api/v1/comments/{comment.id}/lock", headers=headers)
    unlocked = client.post(f"/api/v1/comments/{comment.id}/unlock", headers=headers)
    missing = client.post("/api/v1/comments/999999/lock", headers=headers)
    bad_id = client.post("/api/v1/comments/abc/lock", headers=headers)

    assert (locked.status_code, locked.json()["locked"]) == (200, True)
    assert twice.status_code == 409
    assert twice.json() == {"detail": "Replies to this comment are already closed."}
    assert (unlocked.status_code, unlocked.json()["locked"]) == (200, False)
    assert missing.status_code == 404
    assert bad_id.status_code == 422


def test_the_log_lists_every_action_newest_first(
    session: Session, mod_client: TestClient, client: TestClient, moderator: User
) -> None:
    article = make_article(session, title="Heat and MS")
    comment = make_comment(session, article)
    press(
        mod_client,
        article_url(article),
        f"/articles/{article.slug}/close",
        reason="Quiet",
    )
    press(mod_client, article_url(article), f"/comments/{comment.id}/lock")

    page = mod_client.get("/moderation/log").text
    headers = {"Authorization": f"Bearer {api_token(client, moderator.username)}"}
    api = client.get("/api/v1/moderation/log", headers=headers).json()

    assert page.index("Lock") < page.index("Close")
    assert f'href="/articles/{article.slug}#comment-{comment.id}"' in page
    assert "Discussion of “Heat and MS”" in page
    assert "Quiet" in page
    assert [(i["action"], i["actor"], i["reason"]) for i in api["items"]] == [
        ("lock", "Mo", None),
        ("close", "Mo", "Quiet"),
    ]
    assert api["items"][0]["comment_id"] == comment.id
    assert api["items"][1]["article_slug"] == article.slug


def test_the_log_is_empty_helpfully(mod_client: TestClient) -> None:
    assert "No decisions yet" in mod_client.get("/moderation/log").text


def test_moderator_tools_are_only_for_moderators(
    session: Session, member_client: TestClient, mod_client: TestClient
) -> None:
    article = make_article(session)
    comment = make_comment(session, article)

    member_page = member_client.get(article_url(article)).text
    mod_page = mod_client.get(article_url(article)).text

    assert "Moderate this discussion" not in member_page
    assert f"/comments/{comment.id}/lock" not in member_page
    assert "Moderation" not in member_page.split("</nav>")[0]
    assert f"/comments/{comment.id}/lock" in mod_page
    assert ">Moderation" in mod_page


def test_unknown_comment_for_a_lock_is_404(mod_client: TestClient) -> None:
    response = mod_client.post(
        "/comments/999999/lock",
        data={"csrf_token": csrf_from(mod_client.get("/moderation").text)},
    )
    assert response.status_code == 404
