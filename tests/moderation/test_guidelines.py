"""Community guidelines (issue #15): admins write them (page and API,
audited); everyone reads them."""

from collections.abc import Iterator

import httpx2
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import counters
from app.accounts.models import Role, User
from app.errors import PermissionDenied
from app.moderation import guidelines
from app.moderation.models import ActionKind, ModerationAction, SiteSetting
from app.moderation.schemas import MAX_GUIDELINES, GuidelinesUpdate
from tests.conftest import AppFactory, QueryCounter
from tests.factories import make_user
from tests.helpers import api_token, csrf_from, login
from tests.test_markup import PAYLOADS, problems_in

NEW_TEXT = (
    "## Look after each other\n\nBe *kind*. See [our charity](https://example.org)."
)
BOX = "Before your first comment"


def audit(session: Session) -> list[ModerationAction]:
    return list(
        session.scalars(
            select(ModerationAction)
            .where(ModerationAction.action == ActionKind.EDIT_GUIDELINES)
            .order_by(ModerationAction.id)
        )
    )


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
    assert audit(session) == []
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
    (entry,) = audit(session)
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
    assert len(audit(session)) == 1
    assert settings_version(session) == version


def test_no_xss_payload_survives_the_guidelines(session: Session, admin: User) -> None:
    # PostgreSQL can't store NUL: those payloads are refused before the service.
    with_nul = [p for p in PAYLOADS if "\x00" in p]
    assert with_nul
    for payload in with_nul:
        with pytest.raises(ValidationError):
            GuidelinesUpdate(markdown=payload)
    documents, current = [], ""
    for payload in (p for p in PAYLOADS if "\x00" not in p):
        if len(current) + len(payload) + 2 > MAX_GUIDELINES:
            documents.append(current)
            current = ""
        current += payload + "\n\n"
    documents.append(current)

    for document in documents:
        saved = save(session, document, admin)
        assert problems_in(saved.html) == []
        stored = session.get(SiteSetting, guidelines.KEY)
        assert stored is not None
        assert problems_in(stored.value["html"]) == []  # type: ignore[index]
    assert len(audit(session)) == len(documents)


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
    assert [entry.actor_id for entry in audit(session)] == [admin.id]


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
    assert audit(session) == []


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
    assert audit(session) == []


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
    assert audit(session) == []
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
    assert [entry.actor_id for entry in audit(session)] == [admin.id]
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
    assert audit(session) == []


def test_the_editor_refuses_a_form_without_its_csrf_token(
    session: Session, visitor: TestClient, admin: User
) -> None:
    login(visitor, admin.username)
    forged = visitor.post("/admin/guidelines", data={"markdown": NEW_TEXT})
    assert forged.status_code == 403
    assert audit(session) == []
