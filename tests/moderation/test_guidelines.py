"""Community guidelines and the "not medical advice" line (issue #15).

Admins write the guidelines (page and API, audited); everyone reads them. Beside
every comment form stand the policy's disclaimer and a link to them, and a
member who has never commented reads the guidelines there, once.
"""

from collections.abc import Iterator

import httpx2
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy.orm import Session

from app import counters
from app.accounts.models import Role, User
from app.articles.models import Article
from app.errors import PermissionDenied
from app.moderation import guidelines
from app.moderation.models import ActionKind, SiteSetting
from app.moderation.policy import DEFAULT_DISCLAIMER, load_policy, update_policy
from app.moderation.schemas import MAX_GUIDELINES, GuidelinesUpdate, PolicyUpdate
from app.text import unstorable
from tests.conftest import AppFactory, QueryCounter
from tests.factories import make_comment, make_user
from tests.helpers import api_token, audit, csrf_from, form_token_from, login
from tests.test_markup import PAYLOADS, problems_in

NEW_TEXT = (
    "## Look after each other\n\nBe *kind*. See [our charity](https://example.org)."
)
BOX = "Before your first comment"


def settings_version(session: Session) -> int:
    return counters.read(session, [counters.SETTINGS_VERSION])[
        counters.SETTINGS_VERSION
    ]


def save(session: Session, markdown: str, admin: User | None) -> guidelines.Guidelines:
    return guidelines.update_guidelines(
        session, GuidelinesUpdate(markdown=markdown), actor=admin
    )


@pytest.fixture
def visitor(app_factory: AppFactory) -> Iterator[TestClient]:
    """A browser: anonymous until a test signs someone in."""
    with TestClient(app_factory(), follow_redirects=False) as client:
        yield client


def bearer(client: TestClient, user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token(client, user.username)}"}


# ---- the service -----------------------------------------------------------------


def test_havens_own_guidelines_stand_until_an_admin_saves_theirs(
    session: Session,
) -> None:
    shown = guidelines.load_guidelines(session)
    assert shown.markdown == guidelines.DEFAULT_MARKDOWN
    assert shown.updated_at is None
    for heading in (
        "Be kind",
        "Share your experience, not prescriptions",
        "Protect your privacy, and other people's",
        "No selling",
        "If you are in crisis",
        "How moderation works",
    ):
        assert f"<h2>{heading}</h2>" in shown.html
    assert "116 123" in shown.html
    assert 'rel="nofollow ugc noopener"' in shown.html
    assert problems_in(shown.html) == []
    assert session.get(SiteSetting, guidelines.KEY) is None


@pytest.mark.parametrize("role", [None, Role.MEMBER, Role.MODERATOR])
def test_only_admins_change_the_guidelines(session: Session, role: Role | None) -> None:
    actor = make_user(session, role=role) if role else None
    before = settings_version(session)
    with pytest.raises(PermissionDenied):
        save(session, NEW_TEXT, actor)
    assert session.get(SiteSetting, guidelines.KEY) is None
    assert audit(session, kind=ActionKind.EDIT_GUIDELINES) == []
    assert settings_version(session) == before


def test_saving_stores_sanitized_html_audits_and_bumps_the_settings_version(
    session: Session, admin: User
) -> None:
    before = settings_version(session)
    saved = save(session, NEW_TEXT + "\n\n<script>alert(1)</script>", admin)

    assert saved.markdown.startswith(NEW_TEXT)
    assert "<h2>Look after each other</h2>" in saved.html
    assert "<em>kind</em>" in saved.html
    assert "<script" not in saved.html
    assert saved.updated_at is not None
    row = session.get(SiteSetting, guidelines.KEY)
    assert row is not None
    assert row.value == {"markdown": saved.markdown, "html": saved.html}
    assert row.updated_by_id == admin.id
    (entry,) = audit(session, kind=ActionKind.EDIT_GUIDELINES)
    assert entry.actor_id == admin.id
    assert settings_version(session) != before
    assert guidelines.load_guidelines(session) == saved


def test_saving_the_same_text_again_changes_nothing(
    session: Session, admin: User
) -> None:
    save(session, NEW_TEXT, admin)
    version = settings_version(session)
    again = save(session, NEW_TEXT, admin)
    assert again.markdown == NEW_TEXT
    assert len(audit(session, kind=ActionKind.EDIT_GUIDELINES)) == 1
    assert settings_version(session) == version


def test_no_xss_payload_survives_the_guidelines(session: Session, admin: User) -> None:
    # PostgreSQL can't store NUL, and no control character is kept (app.text):
    # those payloads are refused before the service.
    unstorable_payloads = [p for p in PAYLOADS if unstorable(p)]
    assert unstorable_payloads
    for payload in unstorable_payloads:
        with pytest.raises(ValidationError):
            GuidelinesUpdate(markdown=payload)
    documents, current = [], ""
    for payload in (p for p in PAYLOADS if not unstorable(p)):
        if len(current) + len(payload) + 2 > MAX_GUIDELINES:
            documents.append(current)
            current = ""
        current += payload + "\n\n"
    documents.append(current)

    for document in documents:
        saved = save(session, document, admin)
        assert problems_in(saved.html) == []
        assert problems_in(saved.boxed_html) == []
        stored = session.get(SiteSetting, guidelines.KEY)
        assert stored is not None
        assert problems_in(stored.value["html"]) == []  # type: ignore[index]
    assert len(audit(session, kind=ActionKind.EDIT_GUIDELINES)) == len(documents)


def test_a_worker_keeps_the_guidelines_of_the_settings_version_it_read(
    session: Session, admin: User, count_queries: QueryCounter
) -> None:
    version = settings_version(session)
    guidelines.load_guidelines(session, version=version)
    with count_queries() as queries:
        assert guidelines.load_guidelines(session, version=version).updated_at is None
    assert len(queries) == 0
    save(session, NEW_TEXT, admin)
    fresh = guidelines.load_guidelines(session, version=settings_version(session))
    assert fresh.markdown == NEW_TEXT


# ---- the API -----------------------------------------------------------------------


def test_anyone_reads_the_guidelines_from_the_api(visitor: TestClient) -> None:
    answer = visitor.get("/api/v1/guidelines")
    assert answer.status_code == 200
    assert answer.json() == {
        "markdown": guidelines.DEFAULT_MARKDOWN,
        "html": guidelines.default_guidelines().html,
        "updated_at": None,
    }


def test_admins_put_new_guidelines(
    session: Session, visitor: TestClient, admin: User
) -> None:
    response = visitor.put(
        "/api/v1/guidelines",
        json={"markdown": NEW_TEXT},
        headers=bearer(visitor, admin),
    )
    assert response.status_code == 200
    body = response.json()
    assert body["markdown"] == NEW_TEXT
    assert "<h2>Look after each other</h2>" in body["html"]
    assert body["updated_at"] is not None
    assert visitor.get("/api/v1/guidelines").json() == body
    assert [
        entry.actor_id for entry in audit(session, kind=ActionKind.EDIT_GUIDELINES)
    ] == [admin.id]


@pytest.mark.parametrize(
    ("role", "status"),
    [(None, 401), (Role.MEMBER, 403), (Role.MODERATOR, 403)],
)
def test_only_admins_may_put_guidelines(
    session: Session, visitor: TestClient, role: Role | None, status: int
) -> None:
    headers = bearer(visitor, make_user(session, role=role)) if role else {}
    response = visitor.put(
        "/api/v1/guidelines", json={"markdown": NEW_TEXT}, headers=headers
    )
    assert response.status_code == status
    assert isinstance(response.json()["detail"], str)
    assert visitor.get("/api/v1/guidelines").json()["updated_at"] is None
    assert audit(session, kind=ActionKind.EDIT_GUIDELINES) == []


@pytest.mark.parametrize(
    "body",
    [
        {"markdown": ""},
        {"markdown": " \n\t "},
        {"markdown": "x" * (MAX_GUIDELINES + 1)},
        {"markdown": "Be kind\x00"},
        {"markdown": 42},
        {},
        {"markdown": NEW_TEXT, "title": "a misspelt or unknown field"},
    ],
    ids=["empty", "blank", "too-long", "nul", "not-text", "missing", "unknown-field"],
)
def test_put_guidelines_refuses_bad_bodies(
    session: Session, visitor: TestClient, admin: User, body: dict[str, object]
) -> None:
    response = visitor.put(
        "/api/v1/guidelines", json=body, headers=bearer(visitor, admin)
    )
    assert response.status_code == 422
    assert isinstance(response.json()["detail"], str)
    assert audit(session, kind=ActionKind.EDIT_GUIDELINES) == []


# ---- the pages ---------------------------------------------------------------------


def test_the_guidelines_page_is_public_and_linked_from_every_footer(
    visitor: TestClient,
) -> None:
    page = visitor.get("/guidelines")
    assert page.status_code == 200
    assert page.template.name == "moderation/guidelines.html"  # type: ignore[attr-defined]
    assert '<h1 id="page-title">Community guidelines</h1>' in page.text
    assert guidelines.default_guidelines().html in page.text
    assert page.context["edit_url"] is None  # type: ignore[attr-defined]
    assert "Edit the guidelines" not in page.text
    assert '<a href="/guidelines">Community guidelines</a>' in visitor.get("/").text


def test_admins_find_the_editor_from_the_page_and_the_settings(
    visitor: TestClient, admin: User
) -> None:
    login(visitor, admin.username)
    page = visitor.get("/guidelines")
    assert page.context["edit_url"] == "/admin/guidelines"  # type: ignore[attr-defined]
    assert 'href="/admin/guidelines">Edit the guidelines</a>' in page.text
    assert 'href="/admin/guidelines">Edit the community guidelines</a>' in (
        visitor.get("/admin/settings").text
    )


def editor_post(client: TestClient, **fields: str) -> httpx2.Response:
    token = csrf_from(client.get("/admin/guidelines").text)
    return client.post("/admin/guidelines", data={"csrf_token": token, **fields})


def test_the_editor_previews_without_saving(
    session: Session, visitor: TestClient, admin: User
) -> None:
    login(visitor, admin.username)
    editor = visitor.get("/admin/guidelines")
    assert editor.template.name == "moderation/guidelines_edit.html"  # type: ignore[attr-defined]
    assert "## Be kind" in editor.text
    assert 'maxlength="20000"' in editor.text

    preview = editor_post(visitor, markdown=NEW_TEXT, action="preview")
    assert preview.status_code == 200
    assert "<h2>Look after each other</h2>" in preview.text
    assert "## Look after each other" in preview.text  # still in the textarea
    assert audit(session, kind=ActionKind.EDIT_GUIDELINES) == []
    assert guidelines.load_guidelines(session).updated_at is None


def test_the_editor_saves_audits_and_redirects_to_the_page(
    session: Session, visitor: TestClient, admin: User
) -> None:
    login(visitor, admin.username)
    saved = editor_post(visitor, markdown=NEW_TEXT.replace("\n", "\r\n"), action="save")
    assert saved.status_code == 303
    assert saved.headers["location"].endswith("/guidelines")
    page = visitor.get("/guidelines")
    assert "The community guidelines are saved." in page.text
    assert "<h2>Look after each other</h2>" in page.text
    assert "Last updated" in page.text
    assert guidelines.load_guidelines(session).markdown == NEW_TEXT
    assert [
        entry.actor_id for entry in audit(session, kind=ActionKind.EDIT_GUIDELINES)
    ] == [admin.id]
    log = visitor.get("/moderation/log").text
    assert "Edit guidelines" in log


def test_the_editor_shows_a_mistake_with_what_was_typed(
    session: Session, visitor: TestClient, admin: User
) -> None:
    login(visitor, admin.username)
    refused = editor_post(visitor, markdown="  \r\n ", action="save")
    assert refused.status_code == 422
    assert refused.context["errors"] == {  # type: ignore[attr-defined]
        "markdown": "Write the guidelines before saving them."
    }
    assert '<a href="#field-markdown">' in refused.text
    assert 'aria-invalid="true"' in refused.text
    too_long = editor_post(visitor, markdown="x" * (MAX_GUIDELINES + 1), action="save")
    assert too_long.status_code == 422
    assert "x" * 100 in too_long.text
    assert audit(session, kind=ActionKind.EDIT_GUIDELINES) == []


def test_the_editor_refuses_a_form_without_its_csrf_token(
    session: Session, visitor: TestClient, admin: User
) -> None:
    login(visitor, admin.username)
    forged = visitor.post("/admin/guidelines", data={"markdown": NEW_TEXT})
    assert forged.status_code == 403
    assert audit(session, kind=ActionKind.EDIT_GUIDELINES) == []


# ---- beside every comment form --------------------------------------------------


def the_line(disclaimer: str = DEFAULT_DISCLAIMER) -> str:
    return (
        f'<p class="comment-guidance">{disclaimer} '
        '<a href="/guidelines">Community guidelines</a></p>'
    )


def test_an_edited_disclaimer_stands_beside_every_form(
    session: Session,
    app_factory: AppFactory,
    article: Article,
    admin: User,
) -> None:
    member = make_user(session)
    comment = make_comment(session, article, author=member)
    app = app_factory()
    reader, writer = (TestClient(app, follow_redirects=False) for _ in "rw")
    login(writer, member.username)
    pages = (
        f"/articles/{article.slug}",
        f"/articles/{article.slug}/comments/{comment.id}/reply",
        f"/comments/{comment.id}/edit",
    )
    # The anonymous article page is cached: the edit must reach it too.
    assert the_line() in reader.get(pages[0]).text
    for path in pages:
        assert the_line() in writer.get(path).text, path

    update_policy(
        session,
        PolicyUpdate(medical_disclaimer="Ask your MS nurse first."),
        actor=admin,
    )

    line = the_line("Ask your MS nurse first.")
    assert line in reader.get(pages[0]).text
    for path in pages:
        page = writer.get(path).text
        assert line in page, path
        assert DEFAULT_DISCLAIMER not in page, path


def test_the_box_moves_the_guidelines_headings_under_its_own(
    session: Session, admin: User
) -> None:
    saved = save(session, "# One\n\n## Two\n\n### Three\n\n###### Six\n\ntext", admin)
    assert "<h2>One</h2><h2>Two</h2>" in saved.html.replace("\n", "")
    boxed = saved.boxed_html.replace("\n", "")
    assert "<h4>One</h4><h4>Two</h4><h5>Three</h5><h6>Six</h6>" in boxed


def test_only_a_member_before_a_first_comment_is_shown_the_guidelines(
    session: Session, article: Article, count_queries: QueryCounter
) -> None:
    from app.accounts import service as accounts_service

    policy = load_policy(session)
    newcomer, old_hand, banned = (make_user(session) for _ in range(3))
    make_comment(session, article, author=old_hand)  # before there were guidelines
    accounts_service.ban(
        session,
        banned,
        until=None,
        reason="Spam",
        actor=make_user(session, role=Role.MODERATOR),
    )

    def box(viewer: User | None) -> str | None:
        return guidelines.beside_form(session, policy, viewer=viewer).first_comment_html

    assert box(newcomer) == guidelines.load_guidelines(session).boxed_html
    assert box(None) is None
    assert box(old_hand) is None
    assert box(banned) is None
    guidelines.mark_seen(newcomer)
    with count_queries() as queries:  # seen: no query at all
        assert box(newcomer) is None
    assert len(queries) == 0
    line = guidelines.beside_edit_form(policy)
    assert line == guidelines.Guidance(DEFAULT_DISCLAIMER, "/guidelines", None)


def test_me_says_a_member_who_commented_before_has_seen_the_guidelines(
    session: Session, visitor: TestClient, article: Article
) -> None:
    newcomer, old_hand = make_user(session), make_user(session)
    make_comment(session, article, author=old_hand)
    for member, seen in ((newcomer, False), (old_hand, True)):
        me = visitor.get("/api/v1/me", headers=bearer(visitor, member)).json()
        assert me["guidelines_seen"] is seen


def test_a_first_comment_through_the_api_marks_the_guidelines_seen(
    session: Session, visitor: TestClient, article: Article
) -> None:
    newcomer = make_user(session)
    headers = bearer(visitor, newcomer)
    login(visitor, newcomer.username)
    assert BOX in visitor.get(f"/articles/{article.slug}").text
    assert visitor.get("/api/v1/me", headers=headers).json()["guidelines_seen"] is False

    posted = visitor.post(
        f"/api/v1/articles/{article.slug}/comments",
        json={"body": "First time here; thank you all."},
        headers=headers,
    )
    assert posted.status_code == 201
    session.refresh(newcomer)
    assert newcomer.guidelines_seen_at is not None
    assert visitor.get("/api/v1/me", headers=headers).json()["guidelines_seen"] is True
    assert BOX not in visitor.get(f"/articles/{article.slug}").text


def post_from_page(client: TestClient, path: str, body: str) -> httpx2.Response:
    """Fill in the comment form on ``path`` (the article or a reply page) and send it."""
    page = client.get(path).text
    return client.post(
        f"/articles/{path.split('/')[2]}/comments",
        data={
            "action": "post",
            "body": body,
            "parent_id": path.split("/")[4] if "/reply" in path else "",
            "form_token": form_token_from(page),
            "csrf_token": csrf_from(page),
        },
    )


@pytest.mark.parametrize("where", ["article", "reply"])
def test_a_new_member_reads_the_guidelines_once_before_a_first_comment(
    session: Session, visitor: TestClient, article: Article, where: str
) -> None:
    newcomer = make_user(session)
    parent = make_comment(session, article)
    login(visitor, newcomer.username)
    path = (
        f"/articles/{article.slug}"
        if where == "article"
        else f"/articles/{article.slug}/comments/{parent.id}/reply"
    )
    page = visitor.get(path)
    assert BOX in page.text
    assert guidelines.load_guidelines(session).boxed_html in page.text
    assert "<h4>Be kind</h4>" in page.text
    assert page.text.index(BOX) < page.text.index('name="body"')
    assert the_line() in page.text  # the line closes the box

    posted = post_from_page(visitor, path, "Hello! Stretching before bed helps me.")
    assert posted.status_code == 303
    session.refresh(newcomer)
    assert newcomer.guidelines_seen_at is not None

    for later in (f"/articles/{article.slug}", path):
        text = visitor.get(later).text
        assert BOX not in text
        assert the_line() in text


def test_a_refused_first_comment_leaves_the_guidelines_unseen(
    session: Session, visitor: TestClient, article: Article
) -> None:
    newcomer = make_user(session)
    login(visitor, newcomer.username)
    refused = post_from_page(visitor, f"/articles/{article.slug}", "   ")
    assert refused.status_code == 422
    assert BOX in refused.text
    session.refresh(newcomer)
    assert newcomer.guidelines_seen_at is None


@pytest.mark.parametrize(
    "member_first", [True, False], ids=["member-first", "anon-first"]
)
def test_the_cached_public_page_never_holds_the_first_comment_box(
    session: Session,
    app_factory: AppFactory,
    article: Article,
    count_queries: QueryCounter,
    member_first: bool,
) -> None:
    app = app_factory()
    anonymous, member = (TestClient(app, follow_redirects=False) for _ in "am")
    login(member, make_user(session).username)
    path = f"/articles/{article.slug}"
    if member_first:
        assert BOX in member.get(path).text
    first = anonymous.get(path)
    with count_queries() as queries:
        cached = anonymous.get(path)  # from the cache
    assert len(queries) == 1
    assert cached.content == first.content
    if not member_first:
        assert BOX in member.get(path).text
        cached = anonymous.get(path)
    for text in (first.text, cached.text):
        assert BOX not in text
        assert the_line() in text
