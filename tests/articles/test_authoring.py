"""Writing articles: the service rules, the admin editor pages and the JSON API."""

from datetime import timedelta

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import Role, User
from app.articles import service
from app.articles.models import Article, ArticleStatus
from app.articles.schemas import ArticleCreate, ArticleUpdate
from app.errors import Conflict, NotFound, PermissionDenied
from tests.conftest import AppFactory
from tests.factories import make_admin, make_article, make_user
from tests.helpers import api_token, csrf_from, login

NEW = "/admin/articles/new"


def _create(session: Session, actor: User, **fields: object) -> Article:
    data = {"title": "Heat and MS", "body": "Warm days.", **fields}
    return service.create_article(
        session, ArticleCreate.model_validate(data), actor=actor
    )


def _find(session: Session, slug: str) -> Article | None:
    return session.scalars(select(Article).where(Article.slug == slug)).one_or_none()


# -- service rules ------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.MEMBER, Role.MODERATOR])
def test_only_admins_write_articles(session: Session, role: Role) -> None:
    person = make_user(session, role=role)
    article = make_article(session, status=ArticleStatus.DRAFT)

    with pytest.raises(PermissionDenied):
        _create(session, person)
    with pytest.raises(PermissionDenied):
        service.update_article(
            session, article, ArticleUpdate(title="Mine now"), actor=person
        )
    with pytest.raises(PermissionDenied):
        service.publish(session, article, actor=person)
    with pytest.raises(PermissionDenied):
        service.get_article_for_edit(session, article.slug, actor=person)
    with pytest.raises(PermissionDenied):
        service.list_all_for_admin(session, actor=None)
    assert article.status == ArticleStatus.DRAFT


def test_slug_is_made_from_the_title_unless_given(session: Session) -> None:
    admin = make_admin(session)

    made = _create(session, admin, title="Spasticity: What Helps?")
    given = _create(session, admin, title="Another", slug="My Own Address")

    assert made.slug == "spasticity-what-helps"
    assert given.slug == "my-own-address"


def test_slug_clash_on_create_is_a_conflict_on_the_slug_field(
    session: Session,
) -> None:
    admin = make_admin(session)
    _create(session, admin)

    with pytest.raises(Conflict) as caught:
        _create(session, admin, body="Other text")

    assert caught.value.status_code == 409
    assert caught.value.field == "slug"
    assert "heat-and-ms" in caught.value.message


def test_slug_clash_on_update_is_a_conflict_and_changes_nothing(
    session: Session,
) -> None:
    admin = make_admin(session)
    _create(session, admin, title="Taken")
    article = _create(session, admin, title="Mine")

    with pytest.raises(Conflict) as caught:
        service.update_article(
            session,
            article,
            ArticleUpdate(title="New title", slug="taken"),
            actor=admin,
        )

    assert caught.value.field == "slug"
    assert article.slug == "mine"
    assert article.title == "Mine"
    kept = service.update_article(
        session, article, ArticleUpdate(slug="mine", summary="Same slug"), actor=admin
    )
    assert kept.slug == "mine"


def test_slug_race_lost_at_the_unique_index_is_still_a_conflict(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = make_admin(session)
    _create(session, admin)
    # Stand in for a second writer that passed the check at the same moment.
    monkeypatch.setattr(service, "_ensure_slug_free", lambda *_a, **_k: None)

    with pytest.raises(Conflict) as caught:
        _create(session, admin)

    assert caught.value.field == "slug"
    assert len(service.list_all_for_admin(session, actor=admin)) == 1


def test_empty_slug_on_update_is_made_from_the_new_title(session: Session) -> None:
    admin = make_admin(session)
    article = _create(session, admin, title="Old name")

    service.update_article(
        session, article, ArticleUpdate(title="Better name", slug=""), actor=admin
    )

    assert article.slug == "better-name"
    assert _find(session, "old-name") is None


def test_publishing_sets_published_at_once_and_unpublishing_keeps_it(
    session: Session,
) -> None:
    admin = make_admin(session)
    article = _create(session, admin)
    assert article.published_at is None

    service.publish(session, article, actor=admin)
    first = article.published_at
    assert article.status == ArticleStatus.PUBLISHED
    assert first is not None

    service.unpublish(session, article, actor=admin)
    assert article.status == ArticleStatus.DRAFT
    assert article.published_at == first

    service.update_article(
        session, article, ArticleUpdate(status=ArticleStatus.PUBLISHED), actor=admin
    )
    assert article.published_at == first


def test_unpublished_article_is_hidden_from_readers_not_admins(
    session: Session,
) -> None:
    admin = make_admin(session)
    member = make_user(session)
    article = make_article(session, author=admin)

    service.unpublish(session, article, actor=admin)

    for reader in (None, member):
        with pytest.raises(NotFound):
            service.get_article(session, article.slug, viewer=reader)
    assert service.get_article(session, article.slug, viewer=admin) is article
    assert service.get_article_for_edit(session, article.slug, actor=admin) is article
    listed = service.list_published(session, page=1, per_page=10)
    assert listed.total == 0


def test_tags_are_made_once_and_replaced_on_update(session: Session) -> None:
    admin = make_admin(session)
    first = _create(session, admin, tags=["Symptoms", " Heat "])
    second = _create(session, admin, title="Second", tags=["symptoms"])

    assert sorted(tag.slug for tag in first.tags) == ["heat", "symptoms"]
    assert second.tags[0] is next(t for t in first.tags if t.slug == "symptoms")

    service.update_article(session, first, ArticleUpdate(tags=["Fatigue"]), actor=admin)
    assert [tag.name for tag in first.tags] == ["Fatigue"]
    service.update_article(session, first, ArticleUpdate(title="Same"), actor=admin)
    assert [tag.name for tag in first.tags] == ["Fatigue"]


def test_body_is_rendered_again_and_sanitized_on_update(session: Session) -> None:
    admin = make_admin(session)
    article = _create(session, admin, body="First")

    service.update_article(
        session,
        article,
        ArticleUpdate(
            body="# Heading\n\n<script>alert(1)</script> [x](javascript:alert(1))"
        ),
        actor=admin,
    )

    assert article.body.startswith("# Heading")
    assert "<h2>Heading</h2>" in article.body_html
    assert "<script" not in article.body_html
    assert "&lt;script&gt;" in article.body_html
    assert 'href="javascript' not in article.body_html
    assert service.preview("**bold**") == "<p><strong>bold</strong></p>"


def test_admin_list_has_drafts_and_puts_the_latest_change_first(
    session: Session,
) -> None:
    admin = make_admin(session)
    older = make_article(session, title="Older", author=admin)
    draft = make_article(
        session, title="Draft", author=admin, status=ArticleStatus.DRAFT
    )

    service.update_article(session, older, ArticleUpdate(summary="new"), actor=admin)

    listed = service.list_all_for_admin(session, actor=admin)
    assert listed[:2] == [older, draft]


def test_inputs_are_validated_by_the_schemas() -> None:
    with pytest.raises(ValueError, match="title"):
        ArticleCreate.model_validate({"title": "   ", "body": "x"})
    with pytest.raises(ValueError, match="body"):
        ArticleCreate.model_validate({"title": "T", "body": "  \n "})
    with pytest.raises(ValueError, match="tags"):
        ArticleUpdate.model_validate({"tags": ["x" * 61]})
    assert ArticleUpdate.model_validate({}).model_dump(exclude_none=True) == {}


# -- HTML editor ----------------------------------------------------------------


def _admin_client(client: TestClient, session: Session) -> User:
    admin = make_admin(session)
    login(client, admin.username)
    return admin


def _editor_post(
    client: TestClient, page: str, target: str, **fields: str
) -> httpx2.Response:
    """Fill the editor at ``page`` and post it to ``target`` (saving by default)."""
    token = csrf_from(client.get(page).text)
    form = {
        "title": "",
        "slug": "",
        "summary": "",
        "tags": "",
        "body": "",
        "status": "draft",
        "action": "save",
        **fields,
        "csrf_token": token,
    }
    return client.post(target, data=form)


def test_admin_writes_an_article_through_the_form(
    client: TestClient, session: Session
) -> None:
    admin = _admin_client(client, session)
    page = client.get(NEW)
    assert page.status_code == 200
    assert page.template.name == "articles/edit.html"  # type: ignore[attr-defined]
    assert "Leave empty to make one from the title" in page.text

    response = _editor_post(
        client,
        NEW,
        NEW,
        title="Cooling vests",
        summary="Staying cool.",
        tags="Heat, Everyday life, ",
        body="Vests *help* some people.",
        status="published",
    )

    assert response.status_code == 303
    assert response.headers["location"].endswith("/articles/cooling-vests")
    article = service.get_article_for_edit(session, "cooling-vests", actor=admin)
    assert article.is_published
    assert article.published_at is not None
    assert sorted(tag.name for tag in article.tags) == ["Everyday life", "Heat"]
    shown = client.get("/articles/cooling-vests")
    assert "is saved as published" in shown.text
    assert "<em>help</em>" in shown.text


def test_preview_renders_the_form_again_without_saving(
    client: TestClient, session: Session
) -> None:
    _admin_client(client, session)

    response = _editor_post(
        client,
        NEW,
        NEW,
        title="Draft title",
        body="## Section\n\n<b>raw</b> and *soft*",
        action="preview",
    )

    assert response.status_code == 200
    text = response.text
    assert 'class="preview"' in text
    assert "<h2>Section</h2>" in text
    assert "<em>soft</em>" in text
    assert "<b>raw</b>" not in text.split('class="preview"')[1].split("</section>")[0]
    assert 'value="Draft title"' in text
    assert "## Section" in text
    assert _find(session, "draft-title") is None


def test_invalid_form_shows_errors_and_keeps_what_was_typed(
    client: TestClient, session: Session
) -> None:
    _admin_client(client, session)

    response = _editor_post(
        client, NEW, NEW, title="  ", summary="Kept summary", body="Kept *body*"
    )

    assert response.status_code == 422
    text = response.text
    assert 'id="error-title"' in text
    assert 'aria-invalid="true"' in text
    assert "Kept summary" in text
    assert "Kept *body*" in text
    assert session.scalars(select(Article)).first() is None


def test_slug_clash_in_the_form_is_marked_on_the_slug_field(
    client: TestClient, session: Session
) -> None:
    admin = _admin_client(client, session)
    make_article(session, title="Taken", author=admin)

    response = _editor_post(
        client, NEW, NEW, title="Fresh", slug="taken", body="My words"
    )

    assert response.status_code == 422
    text = response.text
    assert 'id="error-slug"' in text
    assert "already used by another article" in text
    assert "My words" in text


def test_admin_edits_an_article_and_sees_the_edit_link(
    client: TestClient, session: Session
) -> None:
    admin = _admin_client(client, session)
    article = make_article(session, title="First go", author=admin, tags=["Heat"])
    edit = f"/articles/{article.slug}/edit"

    detail = client.get(f"/articles/{article.slug}")
    assert f'href="{edit}"' in detail.text
    page = client.get(edit)
    assert page.status_code == 200
    assert 'value="First go"' in page.text
    assert 'value="Heat"' in page.text

    response = _editor_post(
        client,
        edit,
        edit,
        title="Second go",
        slug="first-go",
        tags="Heat, Fatigue",
        body="Better **words**",
        status="published",
    )

    assert response.status_code == 303
    assert response.headers["location"].endswith("/articles/first-go")
    assert article.title == "Second go"
    assert article.body_html == "<p>Better <strong>words</strong></p>"
    assert sorted(tag.name for tag in article.tags) == ["Fatigue", "Heat"]


def test_edit_errors_keep_the_typed_text_and_the_stored_address(
    client: TestClient, session: Session
) -> None:
    admin = _admin_client(client, session)
    make_article(session, title="Other", author=admin)
    article = make_article(session, title="Mine", author=admin)
    edit = f"/articles/{article.slug}/edit"

    response = _editor_post(
        client, edit, edit, title="Renamed", slug="other", body="Changed"
    )

    assert response.status_code == 422
    text = response.text
    assert 'value="Renamed"' in text
    assert 'action="/articles/mine/edit"' in text
    assert article.title == "Mine"

    preview = _editor_post(client, edit, edit, body="*new*", action="preview")
    assert preview.status_code == 200
    assert "<em>new</em>" in preview.text
    assert article.body == "Some **body** text."


def test_publish_and_unpublish_buttons(
    client: TestClient, session: Session, app_factory: AppFactory
) -> None:
    admin = _admin_client(client, session)
    article = make_article(
        session, title="Quiet", author=admin, status=ArticleStatus.DRAFT
    )
    url = f"/articles/{article.slug}"

    draft_page = client.get(url)
    assert draft_page.status_code == 200
    assert "Publish" in draft_page.text
    token = csrf_from(draft_page.text)

    published = client.post(f"{url}/publish", data={"csrf_token": token})
    assert published.status_code == 303
    assert article.is_published
    with TestClient(app_factory(), follow_redirects=False) as reader:
        assert reader.get(url).status_code == 200

        unpublished = client.post(f"{url}/unpublish", data={"csrf_token": token})
        assert unpublished.status_code == 303
        assert article.status == ArticleStatus.DRAFT
        assert reader.get(url).status_code == 404


def test_admin_list_shows_every_article_with_its_status(
    client: TestClient, session: Session
) -> None:
    admin = _admin_client(client, session)
    empty = client.get("/admin/articles")
    assert empty.status_code == 200
    assert empty.template.name == "articles/admin_list.html"  # type: ignore[attr-defined]
    assert 'class="empty-state"' in empty.text

    make_article(session, title="Out there", author=admin)
    make_article(
        session, title="Still hidden", author=admin, status=ArticleStatus.DRAFT
    )

    text = client.get("/admin/articles").text
    assert "Out there" in text
    assert "Still hidden" in text
    assert "badge--draft" in text
    assert "badge--published" in text
    assert 'href="/admin/articles/new"' in text
    assert 'href="/articles/still-hidden/edit"' in text


ADMIN_PAGES = [
    ("GET", "/admin/articles"),
    ("GET", NEW),
    ("POST", NEW),
    ("GET", "/articles/{slug}/edit"),
    ("POST", "/articles/{slug}/edit"),
    ("POST", "/articles/{slug}/publish"),
    ("POST", "/articles/{slug}/unpublish"),
]


@pytest.mark.parametrize(("method", "path"), ADMIN_PAGES)
@pytest.mark.parametrize("role", [Role.MEMBER, Role.MODERATOR])
def test_admin_pages_are_forbidden_to_other_roles(
    client: TestClient, session: Session, method: str, path: str, role: Role
) -> None:
    article = make_article(session)
    person = make_user(session, role=role)
    login(client, person.username)
    token = csrf_from(client.get("/settings").text)

    response = client.request(
        method,
        path.format(slug=article.slug),
        data={"csrf_token": token, "title": "x", "body": "y"}
        if method == "POST"
        else None,
    )

    assert response.status_code == 403
    assert article.title != "x"
    assert article.is_published


@pytest.mark.parametrize(("method", "path"), ADMIN_PAGES)
def test_admin_pages_send_visitors_to_sign_in(
    client: TestClient, session: Session, method: str, path: str
) -> None:
    article = make_article(session)

    response = client.request(method, path.format(slug=article.slug))

    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


def test_detail_page_has_no_edit_link_for_members(
    client: TestClient, session: Session
) -> None:
    article = make_article(session)
    member = make_user(session)
    login(client, member.username)

    text = client.get(f"/articles/{article.slug}").text

    assert "/edit" not in text
    assert "/publish" not in text


# -- JSON API -----------------------------------------------------------------


def _bearer(client: TestClient, user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token(client, user.username)}"}


def test_api_creates_an_article(client: TestClient, session: Session) -> None:
    admin = make_admin(session)

    response = client.post(
        "/api/v1/articles",
        json={
            "title": "Bladder and MS",
            "summary": "What helps.",
            "body": "Talk to *your* nurse.",
            "status": "published",
            "tags": ["Symptoms"],
        },
        headers=_bearer(client, admin),
    )

    assert response.status_code == 201
    body = response.json()
    assert body["slug"] == "bladder-and-ms"
    assert body["status"] == "published"
    assert body["published_at"] is not None
    assert body["body_html"] == "<p>Talk to <em>your</em> nurse.</p>"
    assert body["tags"] == [{"slug": "symptoms", "name": "Symptoms"}]
    assert body["author"]["username"] == admin.username
    assert body["comments_open"] is True
    assert client.get("/api/v1/articles/bladder-and-ms").status_code == 200


def test_api_patches_an_article(client: TestClient, session: Session) -> None:
    admin = make_admin(session)
    article = make_article(session, author=admin, status=ArticleStatus.DRAFT)
    headers = _bearer(client, admin)

    response = client.patch(
        f"/api/v1/articles/{article.slug}",
        json={"title": "Renamed", "slug": "renamed", "status": "published"},
        headers=headers,
    )

    assert response.status_code == 200
    body = response.json()
    assert body["slug"] == "renamed"
    assert body["title"] == "Renamed"
    assert body["published_at"] is not None
    assert body["body_html"] == "<p>Some <strong>body</strong> text.</p>"
    gone = client.patch(
        f"/api/v1/articles/{article.slug}-nope", json={}, headers=headers
    )
    assert gone.status_code == 404


def test_api_slug_clash_is_409_with_detail(
    client: TestClient, session: Session
) -> None:
    admin = make_admin(session)
    make_article(session, title="Taken", author=admin)
    article = make_article(session, title="Free", author=admin)
    headers = _bearer(client, admin)

    created = client.post(
        "/api/v1/articles", json={"title": "Taken", "body": "x"}, headers=headers
    )
    patched = client.patch(
        f"/api/v1/articles/{article.slug}", json={"slug": "taken"}, headers=headers
    )

    for response in (created, patched):
        assert response.status_code == 409
        assert "already used" in response.json()["detail"]


@pytest.mark.parametrize(
    ("method", "payload"),
    [
        ("POST", {"title": "No body"}),
        ("POST", {"title": "", "body": "x"}),
        ("POST", {"title": "T", "body": "x", "status": "secret"}),
        ("POST", {"title": "T", "body": "x", "tags": "not a list"}),
        ("PATCH", {"body": ""}),
        ("PATCH", {"title": "x" * 201}),
    ],
)
def test_api_bad_input_is_422(
    client: TestClient, session: Session, method: str, payload: dict[str, object]
) -> None:
    admin = make_admin(session)
    article = make_article(session, author=admin)
    path = "/api/v1/articles" + (f"/{article.slug}" if method == "PATCH" else "")

    response = client.request(
        method, path, json=payload, headers=_bearer(client, admin)
    )

    assert response.status_code == 422
    assert isinstance(response.json()["detail"], str)


@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_api_writing_needs_an_admin_token(
    client: TestClient, session: Session, method: str
) -> None:
    article = make_article(session)
    member = make_user(session)
    path = "/api/v1/articles" + (f"/{article.slug}" if method == "PATCH" else "")
    payload = {"title": "Hijack", "body": "x"}

    anonymous = client.request(method, path, json=payload)
    as_member = client.request(
        method, path, json=payload, headers=_bearer(client, member)
    )
    login(client, make_admin(session).username)
    with_cookie_only = client.request(method, path, json=payload)

    assert anonymous.status_code == 401
    assert as_member.status_code == 403
    assert with_cookie_only.status_code == 401
    assert "detail" in as_member.json()
    assert article.title != "Hijack"


def test_published_at_is_not_reset_by_later_patches(
    client: TestClient, session: Session
) -> None:
    admin = make_admin(session)
    article = make_article(session, author=admin)
    original = article.published_at
    assert original is not None
    article.published_at = original - timedelta(days=3)
    headers = _bearer(client, admin)

    client.patch(
        f"/api/v1/articles/{article.slug}", json={"status": "draft"}, headers=headers
    )
    client.patch(
        f"/api/v1/articles/{article.slug}",
        json={"status": "published"},
        headers=headers,
    )

    assert article.published_at == original - timedelta(days=3)
