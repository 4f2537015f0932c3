"""The moderation queue, decisions and bulk actions, through the pages and the API."""

import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.articles.models import Article
from app.comments.models import Comment, CommentStatus
from app.moderation.models import ActionKind, ModerationAction
from tests.factories import make_article, make_comment, make_user
from tests.helpers import csrf_from

QUEUE = "/moderation"


def actions(session: Session, comment: Comment) -> list[tuple[str, str | None]]:
    rows = session.scalars(
        select(ModerationAction)
        .where(ModerationAction.comment_id == comment.id)
        .order_by(ModerationAction.id)
    )
    return [(row.action, row.reason) for row in rows]


def decide_html(
    client: TestClient, comment: Comment, decision: str, **fields: str
) -> str:
    """Press a decision button in the queue; return the page it leads back to."""
    token = csrf_from(client.get(QUEUE).text)
    response = client.post(
        f"/moderation/comments/{comment.id}/{decision}",
        data={"csrf_token": token, "seen": "pending", **fields},
    )
    assert response.status_code == 303, response.text
    return client.get(response.headers["location"]).text


def pending(session: Session, article: Article, **kwargs: object) -> Comment:
    return make_comment(session, article, status=CommentStatus.PENDING, **kwargs)  # type: ignore[arg-type]


def test_queue_lists_pending_oldest_first_with_what_a_moderator_needs(
    session: Session, mod_client: TestClient
) -> None:
    article = make_article(session, title="What is Spasticity?")
    regular = make_user(session, display_name="Regular Reader")
    make_comment(session, article, author=regular)
    make_comment(session, article, author=regular)
    make_comment(session, article, author=regular, status=CommentStatus.REJECTED)
    parent = make_comment(session, article, body="Baclofen made me sleepy at first.")
    newer = pending(
        session,
        article,
        author=regular,
        parent=parent,
        body="See [one](https://a.example) and [two](https://b.example).",
    )
    older = pending(session, article, body="Stretching every morning helps me.")
    older.created_at = newer.created_at.replace(year=newer.created_at.year - 1)
    session.flush()

    page = mod_client.get(QUEUE)

    assert page.status_code == 200
    html = page.text
    assert html.index(f'id="queue-{older.id}"') < html.index(f'id="queue-{newer.id}"')
    item = html[html.index(f'id="queue-{newer.id}"') :]
    assert "What is Spasticity?" in item
    assert "Regular Reader" in item
    assert "2 approved, 1 rejected or spam before" in item
    assert "2 links" in item
    assert "Replying to:</span> Baclofen made me sleepy at first." in item
    # The navigation's badge: a rejected comment needs no look.
    assert re.search(
        r'class="count">2<span class="visually-hidden"> need a look<', html
    )


def test_queue_filters_by_status_and_is_empty_helpfully(
    session: Session, mod_client: TestClient
) -> None:
    article = make_article(session)
    spam = make_comment(session, article, status=CommentStatus.SPAM, body="Buy pills")
    rejected = make_comment(
        session, article, status=CommentStatus.REJECTED, body="Rude words"
    )

    pending_view = mod_client.get(QUEUE).text
    spam_view = mod_client.get(f"{QUEUE}?status=spam").text
    rejected_view = mod_client.get(f"{QUEUE}?status=rejected").text

    assert "All caught up" in pending_view
    assert f'id="queue-{spam.id}"' in spam_view
    assert f'id="queue-{rejected.id}"' not in spam_view
    assert f'id="queue-{rejected.id}"' in rejected_view
    assert mod_client.get(f"{QUEUE}?status=approved").status_code == 400


def test_approving_from_the_queue_publishes_and_is_audited(
    session: Session, mod_client: TestClient, client: TestClient
) -> None:
    article = make_article(session)
    comment = pending(session, article, body="Cooling vests work for me.")
    assert "Cooling vests" not in client.get(f"/articles/{article.slug}").text

    queue_page = decide_html(mod_client, comment, "approve", next="/moderation")

    session.refresh(comment)
    assert comment.status == CommentStatus.APPROVED
    assert "approved." in queue_page
    assert "All caught up" in queue_page
    assert "Cooling vests" in client.get(f"/articles/{article.slug}").text
    assert actions(session, comment) == [(ActionKind.APPROVE, None)]


def test_rejecting_keeps_the_comment_and_the_reason(
    session: Session, mod_client: TestClient
) -> None:
    article = make_article(session)
    comment = pending(session, article)

    decide_html(mod_client, comment, "reject", reason="  Medical advice  ")

    session.refresh(comment)
    assert comment.status == CommentStatus.REJECTED
    assert comment.decision_reason == "Medical advice"
    assert actions(session, comment) == [(ActionKind.REJECT, "Medical advice")]
    rejected_view = mod_client.get(f"{QUEUE}?status=rejected").text
    assert "Reason given: Medical advice" in rejected_view


def test_a_second_decision_is_refused_with_a_clear_message(
    session: Session, mod_client: TestClient, mod_api: TestClient
) -> None:
    article = make_article(session)
    comment = pending(session, article)
    decide_html(mod_client, comment, "approve")

    page = decide_html(mod_client, comment, "reject")
    api = mod_api.post(f"/api/v1/moderation/comments/{comment.id}/approve")

    assert "This comment was already decided: it is approved now." in page
    assert api.status_code == 409
    assert api.json() == {
        "detail": "This comment was already decided: it is approved now."
    }
    assert actions(session, comment) == [(ActionKind.APPROVE, None)]


def test_a_too_long_reason_is_refused_and_nothing_changes(
    session: Session, mod_client: TestClient, mod_api: TestClient
) -> None:
    article = make_article(session)
    comment = pending(session, article)

    page = decide_html(mod_client, comment, "reject", reason="x" * 501)
    api = mod_api.post(
        f"/api/v1/moderation/comments/{comment.id}/reject", json={"reason": "x" * 501}
    )
    nul = mod_api.post(
        f"/api/v1/moderation/comments/{comment.id}/reject", json={"reason": "a\x00b"}
    )

    assert "at most 500 characters" in page
    assert api.status_code == 422
    assert nul.status_code == 422
    session.refresh(comment)
    assert comment.status == CommentStatus.PENDING
    assert actions(session, comment) == []


def test_removed_comment_with_replies_keeps_its_place(
    session: Session, mod_client: TestClient, client: TestClient
) -> None:
    article = make_article(session)
    parent = make_comment(session, article, body="Something unkind")
    reply = make_comment(session, article, parent=parent, body="A kind answer")
    alone = make_comment(session, article, body="Also unkind")
    page = mod_client.get(f"/articles/{article.slug}").text
    assert f'action="/moderation/comments/{parent.id}/remove"' in page

    token = csrf_from(page)
    for comment in (parent, alone):
        response = mod_client.post(
            f"/moderation/comments/{comment.id}/remove",
            data={
                "csrf_token": token,
                "next": f"/articles/{article.slug}#comment-{comment.id}",
            },
        )
        assert response.status_code == 303
        assert response.headers["location"].endswith(f"#comment-{comment.id}")

    reader = client.get(f"/articles/{article.slug}").text
    assert "This comment was removed by a moderator." in reader
    assert "Something unkind" not in reader
    assert "A kind answer" in reader
    assert f'id="comment-{reply.id}"' in reader
    assert "Also unkind" not in reader
    assert f'id="comment-{alone.id}"' not in reader
    assert session.get(Comment, parent.id) is not None  # nothing is hard-deleted


def test_remove_refuses_a_pending_comment(
    session: Session, mod_api: TestClient
) -> None:
    comment = pending(session, make_article(session))

    response = mod_api.post(f"/api/v1/moderation/comments/{comment.id}/remove")

    assert response.status_code == 409
    assert response.json() == {
        "detail": "This comment is waiting in the queue; decide it there."
    }


def test_bulk_approve_from_the_queue(session: Session, mod_client: TestClient) -> None:
    article = make_article(session)
    chosen = [pending(session, article) for _ in range(3)]
    left = pending(session, article)
    page = mod_client.get(QUEUE).text
    assert 'form="bulk"' in page

    response = mod_client.post(
        "/moderation/bulk",
        data={
            "csrf_token": csrf_from(page),
            "ids": [str(c.id) for c in chosen],
            "action": "approve",
            "next": "/moderation",
        },
    )

    assert response.status_code == 303
    after = mod_client.get(response.headers["location"]).text
    assert "3 comments approved." in after
    for comment in chosen:
        session.refresh(comment)
        assert comment.status == CommentStatus.APPROVED
        assert actions(session, comment) == [(ActionKind.APPROVE, None)]
    session.refresh(left)
    assert left.status == CommentStatus.PENDING


def test_bulk_reports_what_it_skipped_and_needs_a_selection(
    session: Session, mod_client: TestClient, mod_api: TestClient
) -> None:
    article = make_article(session)
    waiting = pending(session, article)
    done = make_comment(session, article)
    token = csrf_from(mod_client.get(QUEUE).text)

    empty = mod_client.post(
        "/moderation/bulk", data={"csrf_token": token, "action": "spam"}
    )
    api = mod_api.post(
        "/api/v1/moderation/bulk",
        json={
            "ids": [waiting.id, done.id, 999_999],
            "action": "reject",
            "reason": "No",
        },
    )

    assert (
        "Select at least one comment first."
        in mod_client.get(empty.headers["location"]).text
    )
    assert api.status_code == 200
    assert api.json() == {
        "decided": [waiting.id],
        "skipped": [
            {
                "id": done.id,
                "reason": "This comment was already decided: it is approved now.",
            },
            {"id": 999_999, "reason": "There is no such comment."},
        ],
    }
    for body in ({"ids": [], "action": "approve"}, {"ids": [1], "action": "nuke"}):
        assert mod_api.post("/api/v1/moderation/bulk", json=body).status_code == 422


def test_queue_api_shape_and_filters(session: Session, mod_api: TestClient) -> None:
    article = make_article(session, title="Fatigue")
    author = make_user(session, display_name="Ann")
    parent = make_comment(session, article, body="Naps help.")
    comment = pending(session, article, author=author, parent=parent, body="Same!")
    make_comment(session, article, status=CommentStatus.SPAM)

    body = mod_api.get("/api/v1/moderation/queue").json()
    spam = mod_api.get("/api/v1/moderation/queue?status=spam").json()

    assert body["counts"] == {
        "pending": 1,
        "flagged": 0,
        "medical": 0,
        "spam": 1,
        "rejected": 0,
    }
    assert body["total"] == 1
    item = body["items"][0]
    assert item["id"] == comment.id
    assert item["article"] == {"slug": article.slug, "title": "Fatigue"}
    assert item["author"] == {
        "display_name": "Ann",
        "username": author.username,
        "badge": None,
        "approved": 0,
        "rejected": 0,
    }
    assert item["parent_excerpt"] == "Naps help."
    assert item["body_html"] == "<p>Same!</p>"
    assert [i["status"] for i in spam["items"]] == ["spam"]


def test_decision_api_returns_the_new_state_and_404_for_unknown(
    session: Session, mod_api: TestClient
) -> None:
    comment = pending(session, make_article(session))

    response = mod_api.post(
        f"/api/v1/moderation/comments/{comment.id}/spam", json={"reason": "Ads"}
    )

    assert response.status_code == 200
    assert response.json()["status"] == "spam"
    assert response.json()["decision_reason"] == "Ads"
    assert mod_api.post("/api/v1/moderation/comments/999999/spam").status_code == 404
    assert (
        mod_api.post(f"/api/v1/moderation/comments/{comment.id}/x").status_code == 422
    )


def test_queue_pages_lose_and_repeat_nothing(
    session: Session, mod_api: TestClient
) -> None:
    article = make_article(session)
    made = {pending(session, article).id for _ in range(120)}

    seen: list[int] = []
    pages = 0
    url = "/api/v1/moderation/queue"
    while url:
        body = mod_api.get(url).json()
        seen += [item["id"] for item in body["items"]]
        pages += 1
        after = body["newer_after"]
        url = f"/api/v1/moderation/queue?after={after}" if after else ""

    assert pages == 3
    assert len(seen) == len(set(seen)) == 120
    assert set(seen) == made
    # And back: the page before the last one is the second.
    back = mod_api.get(f"/api/v1/moderation/queue?before={seen[100]}").json()
    assert [item["id"] for item in back["items"]] == seen[50:100]
    assert back["older_before"] == seen[50]
    assert back["newer_after"] == seen[99]


def test_queue_costs_the_same_queries_for_5_and_50_items(
    session: Session, mod_client: TestClient, count_queries: object
) -> None:
    article = make_article(session)
    authors = [make_user(session) for _ in range(10)]
    parent = make_comment(session, article)

    def measure() -> int:
        with count_queries() as log:  # type: ignore[operator]
            assert mod_client.get(QUEUE).status_code == 200
        return len(log)

    for i in range(5):
        pending(session, article, author=authors[i], parent=parent)
    few = measure()
    for i in range(45):
        pending(session, article, author=authors[i % 10], parent=parent)
    many = measure()

    assert few == many
    assert many <= 8


def test_moderators_can_overturn_what_they_see_in_the_spam_view(
    session: Session, mod_client: TestClient, mod_api: TestClient
) -> None:
    article = make_article(session)
    caught = make_comment(session, article, status=CommentStatus.SPAM)
    other = make_comment(session, article, status=CommentStatus.SPAM)
    spam_view = mod_client.get(f"{QUEUE}?status=spam").text
    assert 'name="seen" value="spam"' in spam_view

    page = decide_html(mod_client, caught, "approve", seen="spam")
    blind = mod_api.post(f"/api/v1/moderation/comments/{other.id}/approve")
    told = mod_api.post(
        f"/api/v1/moderation/comments/{other.id}/approve", json={"seen": "spam"}
    )

    assert "approved." in page
    session.refresh(caught)
    assert caught.status == CommentStatus.APPROVED
    assert blind.status_code == 409
    assert told.status_code == 200
    assert told.json()["status"] == "approved"


def test_every_form_returns_the_moderator_to_the_page_it_was_on(
    session: Session, mod_client: TestClient
) -> None:
    # The server follows only same-site paths in `next`; a full URL was ignored
    # and every decision landed on the first page of the pending view.
    article = make_article(session)
    make_comment(session, article, status=CommentStatus.SPAM)
    approved = make_comment(session, article)

    queue_page = mod_client.get(QUEUE, params={"status": "spam"}).text
    article_page = mod_client.get(f"/articles/{article.slug}").text

    back = re.findall(r'name="next" value="([^"]*)"', queue_page)
    assert set(back) == {"/moderation?status=spam"}
    back = re.findall(r'name="next" value="([^"]*)"', article_page)
    assert f"/articles/{article.slug}#comment-{approved.id}" in back
    assert all(url.startswith("/") for url in back)
