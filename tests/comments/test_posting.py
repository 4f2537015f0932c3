"""Posting comments and replies through both faces: the pages and the JSON API."""

import html
import re
from collections.abc import Callable
from typing import Any

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.models import Role, User
from app.articles.models import Article, ArticleStatus
from app.comments import service
from app.comments.models import Comment, CommentStatus
from app.db import utcnow
from app.moderation.models import Decision
from app.moderation.service import decide
from tests.comments.conftest import ClientFactory
from tests.factories import (
    allow_api_guests,
    make_article,
    make_comment,
    make_user,
    read_thread,
)
from tests.helpers import api_token, csrf_from, form_token, form_token_from, login

TEN_MB = "x" * (10 * 1024 * 1024)
AWAITING = "Awaiting moderation"


def stored(session: Session) -> int:
    return session.scalar(select(func.count(Comment.id))) or 0


def article_url(article: Article) -> str:
    return f"/articles/{article.slug}"


def post_html(client: TestClient, article: Article, **fields: str) -> httpx2.Response:
    """Fill in the comment form under the article and send it."""
    page = client.get(article_url(article)).text
    data = {
        "action": "post",
        "form_token": form_token_from(page),
        **fields,
        "csrf_token": csrf_from(page),
    }
    return client.post(f"/articles/{article.slug}/comments", data=data)


def post_api(
    client: TestClient, article: Article, token: str | None = None, **body: Any
) -> httpx2.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post(
        f"/api/v1/articles/{article.slug}/comments", json=body, headers=headers
    )


def signed_in(new_client: ClientFactory, user: User, **settings: Any) -> TestClient:
    client = new_client(**settings)
    login(client, user.username)
    return client


def latest(session: Session) -> Comment:
    comment = session.scalars(select(Comment).order_by(Comment.id.desc())).first()
    assert comment is not None
    return comment


def textarea(page: str) -> str:
    match = re.search(r'<textarea id="field-body"[^>]*>(.*?)</textarea>', page, re.S)
    assert match, "no comment textarea on the page"
    return html.unescape(match.group(1))


def approve(session: Session, comment: Comment) -> None:
    decide(
        session,
        comment,
        Decision.APPROVE,
        actor=make_user(session, role=Role.MODERATOR),
    )


# The lifecycle, page by page ------------------------------------------------


def test_member_comment_lifecycle_through_the_pages(
    session: Session, new_client: ClientFactory
) -> None:
    article = make_article(session)
    author = make_user(session, display_name="Rowan")
    replier = make_user(session, display_name="Sam")
    as_author = signed_in(new_client, author)
    as_replier = signed_in(new_client, replier)
    anonymous = new_client()

    response = post_html(
        as_author, article, body="A *cooling vest* helps me in summer."
    )

    comment = latest(session)
    assert response.status_code == 303
    assert response.headers["location"] == (
        f"/articles/{article.slug}#comment-{comment.id}"
    )
    assert (comment.status, comment.author_id) == (CommentStatus.PENDING, author.id)
    assert comment.body_html == "<p>A <em>cooling vest</em> helps me in summer.</p>"
    page = as_author.get(article_url(article)).text
    assert "Thanks! Your comment is awaiting moderation." in page
    assert "<em>cooling vest</em>" in page
    assert AWAITING in page
    for other in (as_replier, anonymous):
        page = other.get(article_url(article)).text
        assert "cooling vest" not in page
        assert f'id="comment-{comment.id}"' not in page

    approve(session, comment)

    page = anonymous.get(article_url(article)).text
    assert "<em>cooling vest</em>" in page
    assert AWAITING not in page
    reply_url = f"/articles/{article.slug}/comments/{comment.id}/reply"
    assert f'href="{reply_url}"' in page
    assert f'data-reply-to="{comment.id}"' in page

    reply_page = as_replier.get(reply_url)
    assert reply_page.status_code == 200
    assert reply_page.template.name == "comments/reply.html"  # type: ignore[attr-defined]
    assert "Reply to Rowan" in reply_page.text
    assert "<em>cooling vest</em>" in reply_page.text
    assert f'name="parent_id" value="{comment.id}"' in reply_page.text

    token = csrf_from(reply_page.text)
    response = as_replier.post(
        f"/articles/{article.slug}/comments",
        data={
            "csrf_token": token,
            "form_token": form_token_from(reply_page.text),
            "body": "Which brand?",
            "parent_id": str(comment.id),
            "action": "post",
        },
    )

    reply = latest(session)
    assert response.status_code == 303
    assert response.headers["location"].endswith(f"#comment-{reply.id}")
    assert (reply.parent_id, reply.root_id, reply.depth) == (comment.id, comment.id, 2)
    assert reply.status == CommentStatus.PENDING
    # Its author sees it in place, under the comment it answers.
    nested = as_replier.get(article_url(article)).text
    assert re.search(
        rf'id="comment-{comment.id}".*class="thread thread--replies">\s*'
        rf'<li class="thread__item depth-2">\s*<article class="comment comment--pending"'
        rf'\s*id="comment-{reply.id}"',
        nested,
        re.S,
    )
    assert "Which brand?" not in anonymous.get(article_url(article)).text

    approve(session, reply)

    page = anonymous.get(article_url(article)).text
    assert re.search(
        rf'id="comment-{comment.id}".*class="thread thread--replies".*'
        rf'id="comment-{reply.id}"',
        page,
        re.S,
    )


def test_member_comment_lifecycle_through_the_api(
    session: Session, client: TestClient
) -> None:
    article = make_article(session)
    author, other = make_user(session), make_user(session)
    moderator = make_user(session, role=Role.MODERATOR)
    tokens = {
        user.id: api_token(client, user.username) for user in (author, other, moderator)
    }

    def detail(comment_id: int, user: User | None = None) -> httpx2.Response:
        headers = {"Authorization": f"Bearer {tokens[user.id]}"} if user else {}
        return client.get(f"/api/v1/comments/{comment_id}", headers=headers)

    def thread(user: User | None = None) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {tokens[user.id]}"} if user else {}
        response = client.get(
            f"/api/v1/articles/{article.slug}/comments", headers=headers
        )
        body: dict[str, Any] = response.json()
        return body

    response = post_api(client, article, tokens[author.id], body="Hello **all**")

    assert response.status_code == 201
    created = response.json()
    assert created == {
        "id": created["id"],
        "status": "pending",
        "visibility": "public",
    }
    assert detail(created["id"], author).json()["status"] == "pending"
    assert detail(created["id"], moderator).status_code == 200
    assert detail(created["id"]).status_code == 404
    assert detail(created["id"], other).status_code == 404
    assert detail(created["id"], other).json() == {
        "detail": "There is no such comment."
    }
    assert [n["id"] for n in thread(author)["items"]] == [created["id"]]
    assert thread()["items"] == []

    comment = session.get(Comment, created["id"])
    assert comment is not None
    approve(session, comment)

    public = detail(created["id"])
    assert public.status_code == 200
    assert public.json()["status"] == "approved"
    assert public.json()["body_html"] == "<p>Hello <strong>all</strong></p>"
    assert public.json()["replies"] == []

    response = post_api(
        client, article, tokens[other.id], body="Agreed", parent_id=created["id"]
    )
    assert response.status_code == 201
    reply_id = response.json()["id"]
    mine = thread(other)["items"][0]
    assert [n["id"] for n in mine["replies"]] == [reply_id]
    assert mine["replies"][0]["status"] == "pending"
    assert thread()["items"][0]["replies"] == []


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.ADMIN])
def test_moderators_own_comments_are_published_at_once(
    session: Session, new_client: ClientFactory, role: Role
) -> None:
    article = make_article(session)
    staff = make_user(session, role=role)
    browser = signed_in(new_client, staff)

    response = post_html(browser, article, body="Welcome, everyone.")

    assert response.status_code == 303
    assert latest(session).status == CommentStatus.APPROVED
    assert "Your comment is published." in browser.get(article_url(article)).text
    assert "Welcome, everyone." in new_client().get(article_url(article)).text
    api = post_api(browser, article, api_token(browser, staff.username), body="Hi")
    assert api.json()["status"] == "approved"


def test_redirect_finds_the_page_that_shows_the_new_comment(
    session: Session, new_client: ClientFactory
) -> None:
    article = make_article(session)
    for _ in range(3):
        make_comment(session, article)
    browser = signed_in(
        new_client, make_user(session, role=Role.MODERATOR), comments_per_page=2
    )

    response = post_html(browser, article, body="Late to the party.")

    comment = latest(session)
    assert response.headers["location"].endswith(f"?page=2#comment-{comment.id}")
    assert (
        f'id="comment-{comment.id}"'
        in browser.get(f"{article_url(article)}?page=2").text
    )


# Rules: refused in the service, the same way on both faces ---------------------


def closed(session: Session, article: Article) -> dict[str, str]:
    article.comments_closed_at = utcnow()
    session.flush()
    return {}


def parent_with_status(
    status: CommentStatus,
) -> Callable[[Session, Article], dict[str, str]]:
    def setup(session: Session, article: Article) -> dict[str, str]:
        parent = make_comment(session, article, status=status)
        return {"parent_id": str(parent.id)}

    return setup


def under_locked_grandparent(session: Session, article: Article) -> dict[str, str]:
    grandparent = make_comment(session, article)
    parent = make_comment(session, article, parent=grandparent)
    grandparent.locked = True
    session.flush()
    return {"parent_id": str(parent.id)}


def unknown_parent(session: Session, article: Article) -> dict[str, str]:
    return {"parent_id": "987654"}


def parent_in_another_article(session: Session, article: Article) -> dict[str, str]:
    elsewhere = make_comment(session, make_article(session))
    return {"parent_id": str(elsewhere.id)}


RULES = [
    pytest.param(closed, 409, "Comments are closed.", id="closed-article"),
    *(
        pytest.param(
            parent_with_status(status),
            409,
            "You can only reply to a published comment.",
            id=f"parent-{status}",
        )
        for status in (
            CommentStatus.PENDING,
            CommentStatus.REJECTED,
            CommentStatus.SPAM,
            CommentStatus.REMOVED,
        )
    ),
    pytest.param(
        under_locked_grandparent,
        409,
        "Replies to this comment are closed.",
        id="locked-ancestor",
    ),
    pytest.param(
        unknown_parent,
        404,
        "The comment you are replying to is not in this discussion.",
        id="unknown-parent",
    ),
    pytest.param(
        parent_in_another_article,
        404,
        "The comment you are replying to is not in this discussion.",
        id="parent-elsewhere",
    ),
]


@pytest.mark.parametrize(("setup", "status", "message"), RULES)
def test_rule_refusals_in_the_pages_keep_the_text(
    session: Session,
    new_client: ClientFactory,
    setup: Callable[[Session, Article], dict[str, str]],
    status: int,
    message: str,
) -> None:
    article = make_article(session)
    browser = signed_in(new_client, make_user(session))
    token = csrf_from(browser.get(article_url(article)).text)
    fields = setup(session, article)
    before = stored(session)

    response = browser.post(
        f"/articles/{article.slug}/comments",
        data={
            "csrf_token": token,
            "form_token": form_token(browser, article.id),
            "body": "My <own> words & thoughts",
            "action": "post",
            **fields,
        },
    )

    assert response.status_code == status
    assert html.escape(message, quote=False) in response.text
    assert textarea(response.text) == "My <own> words & thoughts"
    assert stored(session) == before


@pytest.mark.parametrize(("setup", "status", "message"), RULES)
def test_rule_refusals_in_the_api(
    session: Session,
    client: TestClient,
    setup: Callable[[Session, Article], dict[str, str]],
    status: int,
    message: str,
) -> None:
    article = make_article(session)
    token = api_token(client, make_user(session).username)
    fields: dict[str, Any] = setup(session, article)
    if "parent_id" in fields:
        fields["parent_id"] = int(fields["parent_id"])
    before = stored(session)

    response = post_api(client, article, token, body="My words", **fields)

    assert response.status_code == status
    assert response.json() == {"detail": message}
    assert stored(session) == before


def test_banned_member_gets_403_on_both_faces(
    session: Session, new_client: ClientFactory
) -> None:
    article = make_article(session)
    member = make_user(session)
    browser = signed_in(new_client, member)
    token = api_token(browser, member.username)
    csrf = csrf_from(browser.get(article_url(article)).text)
    member.banned_at = utcnow()
    session.flush()
    before = stored(session)

    page = browser.post(
        f"/articles/{article.slug}/comments",
        data={
            "csrf_token": csrf,
            "form_token": form_token(browser, article.id),
            "body": "Let me in",
            "action": "post",
        },
    )
    api = post_api(browser, article, token, body="Let me in")

    assert page.status_code == 403
    assert "Your account can&#39;t post at the moment." in page.text
    assert textarea(page.text) == "Let me in"
    assert api.status_code == 403
    assert api.json()["detail"].startswith("Your account can't post at the moment.")
    assert stored(session) == before


def test_closed_article_offers_no_form_and_no_reply_links(
    session: Session, client: TestClient
) -> None:
    article = make_article(session)
    make_comment(session, article)
    login(client, make_user(session).username)
    closed(session, article)

    page = client.get(article_url(article)).text

    assert "Comments are closed." in page
    assert "data-reply-to" not in page
    assert 'id="comment-form"' not in page


# The reply page (the path without JavaScript) ----------------------------------


def test_reply_page_404_for_a_comment_outside_the_article(
    session: Session, client: TestClient
) -> None:
    article = make_article(session)
    elsewhere = make_comment(session, make_article(session))
    hidden = make_comment(session, article, status=CommentStatus.PENDING)

    for comment_id in (elsewhere.id, 987654, hidden.id, 2**40):
        response = client.get(f"/articles/{article.slug}/comments/{comment_id}/reply")
        assert response.status_code == 404, comment_id
    assert client.get(f"/articles/{article.slug}/comments/abc/reply").status_code == 400


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (closed, "Comments are closed."),
        (under_locked_grandparent, "Replies to this comment are closed."),
    ],
)
def test_reply_page_explains_why_no_reply_is_possible(
    session: Session,
    client: TestClient,
    setup: Callable[[Session, Article], dict[str, str]],
    message: str,
) -> None:
    article = make_article(session)
    fields = setup(session, article)
    parent_id = fields.get("parent_id") or str(make_comment(session, article).id)
    login(client, make_user(session).username)

    response = client.get(f"/articles/{article.slug}/comments/{parent_id}/reply")

    assert response.status_code == 409
    assert message in response.text
    assert "<textarea" not in response.text


def test_author_sees_own_pending_comment_on_the_reply_page_but_cannot_reply(
    session: Session, client: TestClient
) -> None:
    article = make_article(session)
    member = make_user(session)
    mine = make_comment(session, article, author=member, status=CommentStatus.PENDING)
    login(client, member.username)

    response = client.get(f"/articles/{article.slug}/comments/{mine.id}/reply")

    assert response.status_code == 409
    assert "You can only reply to a published comment." in response.text
    assert AWAITING in response.text


# Guests -------------------------------------------------------------------------


def test_guests_not_allowed_are_asked_to_sign_in(
    session: Session, client: TestClient
) -> None:
    article = make_article(session)
    make_comment(session, article)
    before = stored(session)

    page = client.get(article_url(article)).text
    # No comment form is offered; the visitor's CSRF seed comes from another page.
    csrf = csrf_from(client.get("/login").text)
    response = client.post(
        f"/articles/{article.slug}/comments",
        data={
            "csrf_token": csrf,
            "form_token": form_token(client, article.id),
            "body": "Can I say something?",
            "action": "post",
        },
    )
    api = post_api(client, article, body="Can I say something?")

    assert "Sign in to join the discussion" in page
    assert f"/login?next=/articles/{article.slug}%23comments" in page
    assert "/register" in page
    assert "<textarea" not in page
    assert response.status_code == 401
    assert "Please sign in to join the discussion." in response.text
    assert textarea(response.text) == "Can I say something?"
    assert api.status_code == 401
    assert api.json() == {"detail": "Please sign in to join the discussion."}
    assert stored(session) == before


def test_guest_posts_and_sees_only_their_own_pending_comment(
    session: Session, new_client: ClientFactory
) -> None:
    article = make_article(session)
    guest = new_client(allow_guest_comments=True)
    stranger = new_client(allow_guest_comments=True)
    email = "ann.private@example.org"

    form = guest.get(article_url(article)).text
    assert 'name="guest_name"' in form
    assert 'name="guest_email"' in form
    response = post_html(
        guest, article, body="Guest thoughts", guest_name="Ann", guest_email=email
    )

    comment = latest(session)
    assert response.status_code == 303
    assert (comment.author_id, comment.guest_name, comment.guest_email) == (
        None,
        "Ann",
        email,
    )
    assert comment.status == CommentStatus.PENDING
    own = guest.get(article_url(article)).text
    assert "Guest thoughts" in own
    assert AWAITING in own
    assert "Guest thoughts" not in stranger.get(article_url(article)).text

    approve(session, comment)

    moderator = signed_in(
        new_client, make_user(session, role=Role.MODERATOR), allow_guest_comments=True
    )
    pages = [
        guest.get(article_url(article)).text,
        stranger.get(article_url(article)).text,
        moderator.get(article_url(article)).text,
        stranger.get(f"/articles/{article.slug}/comments/{comment.id}/reply").text,
        stranger.get(f"/api/v1/articles/{article.slug}/comments").text,
        stranger.get(f"/api/v1/comments/{comment.id}").text,
    ]
    assert all("Guest thoughts" in page for page in pages)
    assert all(email not in page and "ann.private" not in page for page in pages)


def test_guest_browser_remembers_only_its_last_comments(
    session: Session, new_client: ClientFactory
) -> None:
    article = make_article(session)
    guest = new_client(allow_guest_comments=True)
    for n in range(service.MAX_GUEST_COMMENT_IDS + 1):
        response = post_html(
            guest,
            article,
            body=f"Guest note {n}:",
            guest_name="Ann",
            guest_email="ann@example.org",
        )
        assert response.status_code == 303

    page = guest.get(article_url(article)).text

    assert "Guest note 0:" not in page
    assert "Guest note 1:" in page
    assert f"Guest note {service.MAX_GUEST_COMMENT_IDS}:" in page


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"guest_email": "ann@example.org"}, "guest_name", "Please give a name"),
        ({"guest_name": "Ann"}, "guest_email", "Please give your email"),
        (
            {"guest_name": "Ann", "guest_email": "not-an-email"},
            "guest_email",
            "valid email address",
        ),
        (
            {"guest_name": "A\x00nn", "guest_email": "ann@example.org"},
            "guest_name",
            "control character",
        ),
    ],
)
def test_guest_details_are_required_and_checked(
    session: Session,
    new_client: ClientFactory,
    fields: dict[str, str],
    field: str,
    message: str,
) -> None:
    article = make_article(session)
    allow_api_guests(session)  # the API face is checked too
    guest = new_client(allow_guest_comments=True)
    before = stored(session)

    response = post_html(guest, article, body="Kept text", **fields)
    api = post_api(guest, article, body="Kept text", **fields)

    assert response.status_code == 422
    assert f'id="error-{field}"' in response.text
    assert message in response.text
    assert textarea(response.text) == "Kept text"
    assert api.status_code == 422
    assert message in api.json()["detail"]
    assert stored(session) == before


def test_guest_posts_through_the_api_where_allowed(
    session: Session, new_client: ClientFactory
) -> None:
    article = make_article(session)
    allow_api_guests(session)
    api = new_client(allow_guest_comments=True)

    response = post_api(
        api, article, body="Hi", guest_name="Ann", guest_email="ann@example.org"
    )

    assert response.status_code == 201
    assert response.json()["status"] == "pending"
    assert latest(session).guest_email == "ann@example.org"


def test_guest_ids_reveal_no_member_pending_comment(session: Session) -> None:
    article = make_article(session)
    members = make_comment(
        session, article, author=make_user(session), status=CommentStatus.PENDING
    )

    page = read_thread(session, article, guest_ids=(members.id,))

    assert page.page.items == []


# Preview ----------------------------------------------------------------------


def test_preview_shows_sanitized_html_keeps_the_text_and_stores_nothing(
    session: Session, client: TestClient
) -> None:
    article = make_article(session)
    login(client, make_user(session).username)
    before = stored(session)
    body = "**Bold** <script>alert(1)</script> [x](javascript:alert(1))"

    response = post_html(client, article, body=body, action="preview")

    assert response.status_code == 200
    assert response.template.name == "articles/detail.html"  # type: ignore[attr-defined]
    preview = response.text.split('id="comment-preview"', 1)[1].split("</section>")[0]
    assert "<strong>Bold</strong>" in preview
    assert "<script" not in preview
    assert "href" not in preview
    assert textarea(response.text) == body
    assert stored(session) == before


def test_preview_of_a_reply_stays_on_the_reply_page(
    session: Session, client: TestClient
) -> None:
    article = make_article(session)
    parent = make_comment(session, article)
    login(client, make_user(session).username)

    response = post_html(
        client, article, body="_maybe_", parent_id=str(parent.id), action="preview"
    )

    assert response.status_code == 200
    assert response.template.name == "comments/reply.html"  # type: ignore[attr-defined]
    assert "<em>maybe</em>" in response.text
    assert f'name="parent_id" value="{parent.id}"' in response.text
    assert stored(session) == 1


# Bad input --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "Please write something before sending."),
        ("   \n\t ", "Please write something before sending."),
        ("before\x00after", "control character"),
        ("x" * 10_001, "at most 10000 characters"),
    ],
    ids=["empty", "spaces", "nul", "too-long"],
)
def test_bad_bodies_are_422_on_both_faces_and_store_nothing(
    session: Session, client: TestClient, body: str, message: str
) -> None:
    article = make_article(session)
    member = make_user(session)
    login(client, member.username)
    token = api_token(client, member.username)
    before = stored(session)

    response = post_html(client, article, body=body)
    api = post_api(client, article, token, body=body)

    assert response.status_code == 422
    assert message in response.text
    assert 'aria-invalid="true"' in response.text
    assert 'aria-describedby="hint-body error-body"' in response.text
    if body.strip() and "\x00" not in body:
        assert textarea(response.text) == body
    assert api.status_code == 422
    assert message in api.json()["detail"]
    assert stored(session) == before


def test_windows_line_breaks_count_once(session: Session, client: TestClient) -> None:
    article = make_article(session)
    login(client, make_user(session).username)

    response = post_html(client, article, body="ab\r\n" * 3000)

    assert response.status_code == 303
    assert latest(session).body == "ab\n" * 3000


@pytest.mark.parametrize("parent_id", ["abc", "-1", "0", "1.5", "99999999999999999999"])
def test_malformed_parent_id_is_422_on_both_faces(
    session: Session, client: TestClient, parent_id: str
) -> None:
    article = make_article(session)
    member = make_user(session)
    login(client, member.username)
    token = api_token(client, member.username)
    before = stored(session)

    response = post_html(client, article, body="Kept", parent_id=parent_id)
    api = post_api(client, article, token, body="Kept", parent_id=parent_id)

    assert response.status_code == 422
    assert "The comment you are replying to could not be found." in response.text
    assert textarea(response.text) == "Kept"
    assert api.status_code == 422
    assert "parent_id" in api.json()["detail"]
    assert stored(session) == before


def test_ten_megabyte_bodies_are_refused_on_both_faces(
    session: Session, client: TestClient
) -> None:
    article = make_article(session)
    member = make_user(session)
    login(client, member.username)
    token = api_token(client, member.username)
    csrf = csrf_from(client.get(article_url(article)).text)
    before = stored(session)

    response = client.post(
        f"/articles/{article.slug}/comments",
        data={"csrf_token": csrf, "body": TEN_MB, "action": "post"},
    )
    api = post_api(client, article, token, body=TEN_MB)

    assert response.status_code == 413
    assert "too large" in response.text
    assert api.status_code == 413
    assert api.json() == {"detail": "That is too large: at most 2 MB can be sent."}
    assert stored(session) == before


def test_posting_under_an_unknown_or_draft_article_is_404(
    session: Session, client: TestClient
) -> None:
    draft = make_article(session, status=ArticleStatus.DRAFT)
    member = make_user(session)
    login(client, member.username)
    token = api_token(client, member.username)
    csrf = csrf_from(client.get("/").text)

    for slug in ("no-such-article", draft.slug):
        page = client.post(
            f"/articles/{slug}/comments", data={"csrf_token": csrf, "body": "Hi"}
        )
        api = client.post(
            f"/api/v1/articles/{slug}/comments",
            json={"body": "Hi"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert (page.status_code, api.status_code) == (404, 404)
    assert stored(session) == 0


def test_posting_without_a_csrf_token_is_refused(
    session: Session, client: TestClient
) -> None:
    article = make_article(session)
    login(client, make_user(session).username)

    response = client.post(f"/articles/{article.slug}/comments", data={"body": "Hi"})

    assert response.status_code == 403
    assert stored(session) == 0


# Reading one comment through the API -----------------------------------------


def test_comment_detail_hides_what_the_caller_may_not_see(
    session: Session, client: TestClient
) -> None:
    article = make_article(session)
    draft = make_article(session, status=ArticleStatus.DRAFT)
    member = make_user(session)
    token = api_token(client, member.username)
    removed = make_comment(session, article, status=CommentStatus.REMOVED)
    on_draft = make_comment(session, draft)
    hidden = make_comment(session, article)
    hidden.hidden_at = utcnow()
    session.flush()

    def get(comment_id: int | str, bearer: str | None = None) -> httpx2.Response:
        headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
        return client.get(f"/api/v1/comments/{comment_id}", headers=headers)

    assert get(removed.id).status_code == 404
    assert get(on_draft.id, token).status_code == 404
    assert get(987654).status_code == 404
    assert get("abc").status_code == 422
    assert get(2**40).status_code == 422
    shown = get(hidden.id).json()
    assert shown["body_html"] == ""
    assert shown["author"] is None
