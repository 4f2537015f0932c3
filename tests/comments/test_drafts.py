"""Drafts kept on the server (issue #15, "Nothing typed is lost"): the rules,
the autosave, "Your drafts", and the API's /me/drafts."""

from datetime import UTC, datetime

import httpx2
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.accounts.models import Role, User
from app.articles import service as articles_service
from app.articles.models import Article, ArticleStatus
from app.articles.schemas import ArticleUpdate
from app.comments import drafts
from app.comments import service as comments_service
from app.comments.models import Comment, CommentDraft
from app.comments.schemas import MAX_BODY, CommentCreate, DraftWrite
from app.moderation import service as moderation_service
from app.moderation.decisions import Decision
from tests.comments.conftest import ClientFactory
from tests.conftest import AppFactory, QueryCounter
from tests.factories import make_article, make_comment, make_user
from tests.helpers import csrf_from, sign_in_as


@pytest.fixture
def member(session: Session) -> User:
    return make_user(session, username="dana", display_name="Dana")


@pytest.fixture
def article(session: Session) -> Article:
    return make_article(session, title="Cooling vests")


@pytest.fixture
def as_member(new_client: ClientFactory, member: User) -> TestClient:
    """The member's browser, signed in with the session cookie."""
    client = new_client()
    sign_in_as(client, member.username, api=False)
    return client


@pytest.fixture
def member_api(new_client: ClientFactory, member: User) -> TestClient:
    """The member's API client, with a bearer token and no cookie."""
    client = new_client()
    sign_in_as(client, member.username, api=True)
    return client


def keep(
    session: Session,
    article: Article,
    user: User,
    body: str,
    parent_id: int | None = None,
) -> drafts.Draft | None:
    return drafts.save_draft(
        session, article, DraftWrite(body=body, parent_id=parent_id), actor=user
    )


def saved(session: Session, article: Article, user: User) -> drafts.Draft | None:
    """The draft as the database holds it now (a rolled-back request leaves none)."""
    return drafts.find_draft(session, article, actor=user)


def saved_body(session: Session, article: Article, user: User) -> str | None:
    draft = saved(session, article, user)
    return draft.body if draft is not None else None


def autosave(
    client: TestClient, article: Article, body: str, parent_id: str = ""
) -> httpx2.Response:
    token = csrf_from(client.get("/me/drafts").text)
    return client.post(
        f"/me/drafts/{article.slug}",
        data={"csrf_token": token, "body": body, "parent_id": parent_id},
    )


# The rules -------------------------------------------------------------------------


def test_a_member_has_one_draft_per_article_the_last_one_saved(
    session: Session, member: User, article: Article
) -> None:
    other = make_user(session)
    elsewhere = make_article(session)
    keep(session, article, member, "First words")
    keep(session, article, member, "First words, and more")
    keep(session, article, other, "Someone else's")
    keep(session, elsewhere, member, "Under another article")

    rows = session.scalar(
        select(func.count(CommentDraft.id)).where(CommentDraft.user_id == member.id)
    )
    draft = saved(session, article, member)
    assert rows == 2
    assert draft is not None
    assert draft.body == "First words, and more"
    assert draft.article_slug == article.slug
    assert draft.article_title == "Cooling vests"
    assert draft.parent_id is None
    assert draft.reply_to is None


def test_a_blank_body_discards_the_draft(
    session: Session, member: User, article: Article
) -> None:
    keep(session, article, member, "Something")

    assert keep(session, article, member, "  \n\t ") is None
    assert saved(session, article, member) is None


def test_a_reply_keeps_its_comment_only_if_it_is_in_the_article(
    session: Session, member: User, article: Article
) -> None:
    writer = make_user(session, display_name="Wren")
    here = make_comment(session, article, author=writer)
    there = make_comment(session, make_article(session), author=writer)

    reply = keep(session, article, member, "I agree", parent_id=here.id)
    assert reply is not None
    assert (reply.parent_id, reply.reply_to) == (here.id, "Wren")
    assert saved(session, article, member) == reply
    for stray in (there.id, 2**31 - 1):
        draft = keep(session, article, member, "I agree", parent_id=stray)
        assert draft is not None
        assert (draft.parent_id, draft.reply_to) == (None, None)
        assert saved(session, article, member) == draft


def test_a_reply_names_only_a_published_comments_author(
    session: Session, member: User, article: Article, moderator: User
) -> None:
    guest = make_comment(session, article)
    removed = moderation_service.decide(
        session,
        make_comment(session, article, author=make_user(session, display_name="X")),
        Decision.REMOVE,
        actor=moderator,
        reason="Rude",
        seen=None,
    )

    for parent, named in ((guest, "A guest"), (removed, drafts.UNSHOWN_PARENT)):
        keep(session, article, member, "Well", parent_id=parent.id)
        draft = saved(session, article, member)
        assert draft is not None
        assert draft.reply_to == named


def test_the_body_is_held_like_a_comments(session: Session, member: User) -> None:
    assert DraftWrite(body="x" * MAX_BODY).body == "x" * MAX_BODY
    for body in ("x" * (MAX_BODY + 1), "a\x00b"):
        with pytest.raises(ValidationError):
            DraftWrite(body=body)
    with pytest.raises(ValidationError):
        DraftWrite(body="fine", parent_id=0)


def test_unsent_text_is_kept_without_what_a_draft_cannot_hold(
    session: Session, member: User, article: Article
) -> None:
    drafts.keep_unsent(
        session, article, body="a\x00b" + "c" * MAX_BODY, parent_id=None, actor=member
    )
    assert saved_body(session, article, member) == "ab" + "c" * (MAX_BODY - 2)

    # Blank text never replaces what was kept.
    drafts.keep_unsent(session, article, body="   ", parent_id=None, actor=member)
    assert saved_body(session, article, member) == "ab" + "c" * (MAX_BODY - 2)


def test_posting_a_comment_drops_its_authors_draft_under_that_article(
    session: Session, member: User, article: Article
) -> None:
    other = make_user(session)
    elsewhere = make_article(session)
    for user, where in ((member, article), (member, elsewhere), (other, article)):
        keep(session, where, user, "Half done")

    comments_service.post_comment(
        session,
        article,
        CommentCreate(body="All done"),
        actor=member,
        allow_guests=False,
    )

    assert saved(session, article, member) is None
    assert saved(session, elsewhere, member) is not None
    assert saved(session, article, other) is not None


def test_the_list_is_most_recent_first_paged_and_only_readable_articles(
    session: Session, member: User
) -> None:
    admin = make_user(session, role=Role.ADMIN)
    articles = [make_article(session, title=f"Article {n}") for n in range(3)]
    for n, where in enumerate(articles):
        keep(session, where, member, f"Draft {n}")
        keep(session, where, admin, f"Draft {n}")

    first = drafts.list_drafts(session, actor=member, page=1, per_page=2)
    second = drafts.list_drafts(session, actor=member, page=2, per_page=2)
    assert [d.body for d in first.items + second.items] == [
        "Draft 2",
        "Draft 1",
        "Draft 0",
    ]
    assert (first.total, first.pages) == (3, 2)

    articles_service.update_article(
        session,
        articles[1],
        ArticleUpdate(status=ArticleStatus.DRAFT),
        actor=admin,
    )
    listed = drafts.list_drafts(session, actor=member, page=1)
    assert [d.body for d in listed.items] == ["Draft 2", "Draft 0"]
    assert listed.total == 2
    # Admins read unpublished articles, so their drafts there are listed.
    assert drafts.list_drafts(session, actor=admin, page=1).total == 3


def test_continue_writing_leads_to_the_form_or_the_reply_page(
    session: Session, member: User, article: Article
) -> None:
    parent = make_comment(session, article)
    top = keep(session, article, member, "New thought")
    assert top is not None
    assert top.url == f"/articles/{article.slug}#comment-form"
    reply = keep(session, article, member, "Answer", parent_id=parent.id)
    assert reply is not None
    assert reply.url == f"/articles/{article.slug}/comments/{parent.id}/reply"
    assert reply.discard_url == f"/me/drafts/{article.slug}/discard"


# The autosave ----------------------------------------------------------------------


def test_the_autosave_keeps_the_draft_and_answers_204(
    session: Session, as_member: TestClient, member: User, article: Article
) -> None:
    parent = make_comment(session, article)

    response = autosave(as_member, article, "Line one\r\nline two", str(parent.id))

    assert response.status_code == 204
    assert response.content == b""
    draft = saved(session, article, member)
    assert draft is not None
    assert (draft.body, draft.parent_id) == ("Line one\nline two", parent.id)

    assert autosave(as_member, article, "").status_code == 204
    assert saved(session, article, member) is None


def test_the_autosave_refuses_a_form_without_its_csrf_token(
    session: Session, as_member: TestClient, member: User, article: Article
) -> None:
    for token in ("", "forged"):
        response = as_member.post(
            f"/me/drafts/{article.slug}", data={"csrf_token": token, "body": "Hi"}
        )
        assert response.status_code == 403
    assert saved(session, article, member) is None


def test_the_autosave_refuses_what_no_comment_could_hold(
    session: Session, as_member: TestClient, member: User, article: Article
) -> None:
    keep(session, article, member, "Kept")

    for body, parent_id in (("x" * (MAX_BODY + 1), ""), ("a\x00b", ""), ("y", "x")):
        response = autosave(as_member, article, body, parent_id)
        assert response.status_code == 422

    assert saved_body(session, article, member) == "Kept"


def test_the_autosave_is_for_members_and_readable_articles(
    session: Session, client: TestClient, as_member: TestClient, article: Article
) -> None:
    hidden = make_article(session, status=ArticleStatus.DRAFT)
    token = csrf_from(client.get("/login").text)

    guest = client.post(
        f"/me/drafts/{article.slug}", data={"csrf_token": token, "body": "Hi"}
    )

    assert guest.status_code == 303
    assert guest.headers["location"].startswith("/login")
    assert autosave(as_member, hidden, "Hi").status_code == 404
    assert session.scalar(select(func.count(CommentDraft.id))) == 0


# Your drafts -----------------------------------------------------------------------


def test_your_drafts_lists_each_with_its_excerpt_and_actions(
    session: Session, as_member: TestClient, member: User, article: Article
) -> None:
    parent = make_comment(
        session, article, author=make_user(session, display_name="Ines")
    )
    other = make_article(session, title="Sleeping <well>")
    keep(session, other, member, "A *new* comment <script>alert(1)</script>")
    keep(session, article, member, "My reply", parent_id=parent.id)

    page = as_member.get("/me/drafts")

    assert page.status_code == 200
    assert page.template.name == "comments/drafts.html"  # type: ignore[attr-defined]
    text = page.text
    assert "<script>alert" not in text
    assert "A *new* comment &lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "Sleeping &lt;well&gt;" in text
    assert text.index("Cooling vests") < text.index("Sleeping &lt;well&gt;")
    assert "A reply to Ines" in text
    assert f'href="/articles/{article.slug}/comments/{parent.id}/reply"' in text
    assert f'href="/articles/{other.slug}#comment-form"' in text
    assert f'action="/me/drafts/{other.slug}/discard"' in text
    assert 'href="/me/drafts">Your drafts</a>' in text


@pytest.mark.parametrize("path", ["/me/drafts", "/api/v1/me/drafts"])
def test_the_list_costs_the_same_queries_for_3_or_30_drafts(
    session: Session,
    app_factory: AppFactory,
    count_queries: QueryCounter,
    path: str,
) -> None:
    counts = []
    for count in (3, 30):
        writer = make_user(session)
        for _ in range(count):
            where = make_article(session)
            parent = make_comment(session, where)
            keep(session, where, writer, "Draft", parent_id=parent.id)
        with TestClient(app_factory(), follow_redirects=False) as client:
            sign_in_as(client, writer.username, api=path.startswith("/api/"))
            client.get(path)  # warm: templates, policy caches
            with count_queries() as queries:
                response = client.get(path)
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_your_drafts_says_what_it_is_for_when_empty(as_member: TestClient) -> None:
    page = as_member.get("/me/drafts")

    assert page.status_code == 200
    assert "You have no drafts" in page.text
    assert "until you post it" in page.text


def test_discarding_a_draft_redirects_with_a_message(
    session: Session, as_member: TestClient, member: User, article: Article
) -> None:
    keep(session, article, member, "Never mind")
    token = csrf_from(as_member.get("/me/drafts").text)

    response = as_member.post(
        f"/me/drafts/{article.slug}/discard", data={"csrf_token": token}
    )

    assert response.status_code == 303
    assert response.headers["location"].endswith("/me/drafts")
    assert saved(session, article, member) is None
    after = as_member.get("/me/drafts").text
    assert "Your draft under “Cooling vests” is discarded." in after
    assert "You have no drafts" in after


def test_discarding_needs_the_csrf_token(
    session: Session, as_member: TestClient, member: User, article: Article
) -> None:
    keep(session, article, member, "Keep me")

    response = as_member.post(f"/me/drafts/{article.slug}/discard", data={})

    assert response.status_code == 403
    assert saved(session, article, member) is not None


# The API ---------------------------------------------------------------------------


def test_the_api_puts_reads_and_deletes_a_draft(
    session: Session, member_api: TestClient, member: User, article: Article
) -> None:
    url = f"/api/v1/me/drafts/{article.slug}"
    parent = make_comment(session, article)

    assert member_api.get(url).status_code == 404
    put = member_api.put(url, json={"body": "Hello", "parent_id": parent.id})
    assert put.status_code == 200
    body = put.json()
    assert set(body) == {"article_slug", "body", "parent_id", "updated_at"}
    assert (body["article_slug"], body["body"], body["parent_id"]) == (
        article.slug,
        "Hello",
        parent.id,
    )
    assert datetime.fromisoformat(body["updated_at"]).tzinfo is not None
    assert member_api.get(url).json() == body

    replaced = member_api.put(url, json={"body": "Hello again"}).json()
    assert (replaced["body"], replaced["parent_id"]) == ("Hello again", None)

    assert member_api.delete(url).status_code == 204
    assert member_api.get(url).status_code == 404
    assert member_api.delete(url).status_code == 204


def test_the_api_discards_a_draft_put_blank(
    session: Session, member_api: TestClient, member: User, article: Article
) -> None:
    keep(session, article, member, "Something")

    response = member_api.put(f"/api/v1/me/drafts/{article.slug}", json={"body": " "})

    assert response.status_code == 204
    assert saved(session, article, member) is None


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"body": "x" * (MAX_BODY + 1)},
        {"body": "a\x00b"},
        {"body": "ok", "parent_id": 0},
        {"body": "ok", "parent_id": "first"},
        {"body": 5},
    ],
)
def test_the_api_refuses_bad_input_with_422(
    member_api: TestClient, article: Article, payload: dict[str, object]
) -> None:
    response = member_api.put(f"/api/v1/me/drafts/{article.slug}", json=payload)

    assert response.status_code == 422
    assert set(response.json()) == {"detail"}


def test_the_api_needs_a_bearer_token_not_the_cookie(
    as_member: TestClient, client: TestClient, article: Article
) -> None:
    for caller in (client, as_member):
        for method in ("GET", "PUT", "DELETE"):
            response = caller.request(
                method,
                f"/api/v1/me/drafts/{article.slug}",
                json={"body": "Hi"} if method == "PUT" else None,
            )
            assert response.status_code == 401
            assert response.headers["www-authenticate"].startswith("Bearer")
        assert caller.get("/api/v1/me/drafts").status_code == 401


def test_the_api_knows_no_draft_under_an_unreadable_article(
    session: Session, member_api: TestClient
) -> None:
    hidden = make_article(session, status=ArticleStatus.DRAFT)

    for slug in (hidden.slug, "no-such-article"):
        url = f"/api/v1/me/drafts/{slug}"
        assert member_api.put(url, json={"body": "Hi"}).status_code == 404
        assert member_api.get(url).status_code == 404


def test_the_api_lists_the_callers_drafts(
    session: Session, member_api: TestClient, member: User, article: Article
) -> None:
    parent = make_comment(
        session, article, author=make_user(session, display_name="Kofi")
    )
    other = make_article(session, title="Heat")
    keep(session, other, member, "Older")
    keep(session, article, member, "**Newer** reply", parent_id=parent.id)
    keep(session, article, make_user(session), "Not mine")

    response = member_api.get("/api/v1/me/drafts")

    assert response.status_code == 200
    body = response.json()
    assert (body["page"], body["pages"], body["total"]) == (1, 1, 2)
    newer, older = body["items"]
    assert newer["article"] == {"slug": article.slug, "title": "Cooling vests"}
    assert newer["body"] == "**Newer** reply"
    assert newer["excerpt"] == "**Newer** reply"
    assert (newer["parent_id"], newer["reply_to"]) == (parent.id, "Kofi")
    assert newer["url"] == (
        f"http://testserver/articles/{article.slug}/comments/{parent.id}/reply"
    )
    assert older["url"] == f"http://testserver/articles/{other.slug}#comment-form"
    assert (older["parent_id"], older["reply_to"]) == (None, None)
    assert datetime.fromisoformat(older["updated_at"]) <= datetime.fromisoformat(
        newer["updated_at"]
    )
    assert datetime.fromisoformat(newer["updated_at"]).tzinfo is not None
    assert datetime.now(UTC) >= datetime.fromisoformat(newer["updated_at"])


def test_a_draft_survives_its_reply_targets_deletion(
    session: Session, member: User, article: Article
) -> None:
    parent = make_comment(session, article)
    keep(session, article, member, "Answer", parent_id=parent.id)

    session.execute(delete(Comment).where(Comment.id == parent.id))

    draft = saved(session, article, member)
    assert draft is not None
    assert (draft.body, draft.parent_id, draft.reply_to) == ("Answer", None, None)
