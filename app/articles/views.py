"""HTML pages for reading articles, and for admins writing them."""

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import URL

from app import paths, renderings
from app.accounts.deps import AdminUser, CsrfForm, OptionalUser
from app.accounts.models import User
from app.articles import feeds, service
from app.articles.models import Article, ArticleStatus, Visibility
from app.articles.schemas import ArticleCreate, ArticleUpdate
from app.comments import thread, visits
from app.comments import views as comment_views
from app.comments.views import guest_comment_ids
from app.config import SettingsDep
from app.db import SessionDep
from app.errors import Conflict
from app.pagination import PageNumber
from app.web import FormFields, field_errors, flash, has_personal_state, render

router = APIRouter()


def _listing(
    request: Request,
    session: SessionDep,
    user: User | None,
    key: tuple[str, ...],
    page: Callable[[], Response],
) -> Response:
    """An article list: the same for every anonymous reader, so rendered once per
    version of what lists show and answered from the cache (or with 304)."""
    if user is not None or has_personal_state(request):
        return page()
    version = service.listing_version(session)

    def build() -> tuple[Response, bool]:
        response = page()
        articles = response.context["articles"]  # type: ignore[attr-defined]
        return response, articles.page <= articles.pages

    return renderings.serve(request, service.listing_key(version, *key), build)


@router.get("/", name="articles.index")
def article_index(
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    settings: SettingsDep,
    page: PageNumber = 1,
    q: str | None = None,
) -> Response:
    if q is not None and q.strip():
        # Searches were once made here: old links reach the search page.
        search = URL(request.app.url_path_for("search.results"))
        target = search.include_query_params(q=q.strip())
        return RedirectResponse(str(target), status_code=303)

    def index_page() -> Response:
        articles = service.list_published(
            session, page=page, per_page=settings.articles_per_page
        )
        return render(
            request,
            "articles/index.html",
            {
                "articles": articles,
                "tags": service.list_tags(session),
                "feeds": [feeds.articles_link(settings)],
            },
        )

    key = ("home", str(page), str(settings.articles_per_page))
    return _listing(request, session, user, key, index_page)


@router.get(paths.TAG, name="articles.tag")
def article_tag(
    request: Request,
    slug: str,
    session: SessionDep,
    user: OptionalUser,
    settings: SettingsDep,
    page: PageNumber = 1,
) -> Response:
    per_page = settings.articles_per_page

    def tag_page() -> Response:
        tag = service.get_tag(session, slug)
        articles = service.list_published(
            session, page=page, per_page=per_page, tag=tag
        )
        links = [feeds.tag_link(settings, tag), feeds.articles_link(settings)]
        return render(
            request,
            "articles/tag.html",
            {"tag": tag, "articles": articles, "feeds": links},
        )

    return _listing(
        request, session, user, ("tag", slug, str(page), str(per_page)), tag_page
    )


@router.get(paths.ARTICLE, name="articles.detail")
def article_detail(
    request: Request,
    slug: str,
    session: SessionDep,
    user: OptionalUser,
    settings: SettingsDep,
    page: PageNumber = 1,
    sort: thread.ThreadSort = thread.ThreadSort.OLDEST,
) -> Response:
    """An article and a page of its discussion (``sort``: thread.ThreadSort).

    Anonymous readers all get the same page: it is rendered once per version of
    the discussion and answered from the cache (or with 304) after one lookup.
    """
    viewer = thread.Viewer.of(user, guest_comment_ids(request))
    discussion = thread.find_discussion(session, slug, viewer=user)
    # With guest posting on, the page carries this visitor's form tokens.
    if (
        viewer.is_public
        and not settings.allow_guest_comments
        and not has_personal_state(request)
    ):
        key = discussion.cache_key(
            sort.cache_kind("page"), page, settings.comments_per_page
        )

        def build() -> tuple[Response, bool]:
            response = comment_views.article_page(
                request, session, discussion, viewer, page=page, sort=sort
            )
            pages = -(-discussion.comment_count // settings.comments_per_page)
            return response, page <= max(1, pages)

        return renderings.serve(request, key, build)
    # A member's visit: what was published since the last one is marked new.
    last_visit = (
        visits.record_visit(session, user, discussion.article_id) if user else None
    )
    return comment_views.article_page(
        request,
        session,
        discussion,
        viewer,
        page=page,
        last_visit=last_visit,
        sort=sort,
    )


EDITOR_FIELDS = (
    "title",
    "slug",
    "summary",
    "tags",
    "body",
    "status",
    "comments_visibility",
)


def _article_form(article: Article) -> FormFields:
    return {
        "title": article.title,
        "slug": article.slug,
        "summary": article.summary,
        "tags": ", ".join(tag.name for tag in article.tags),
        "body": article.body,
        "status": article.status,
        "comments_visibility": article.comments_visibility,
    }


def _editor_input(form: FormFields) -> dict[str, Any]:
    """The form's fields as the schemas expect them: tags come as one text field."""
    data: dict[str, Any] = {name: form.get(name, "") for name in EDITOR_FIELDS}
    data["tags"] = [name.strip() for name in data["tags"].split(",") if name.strip()]
    data["status"] = data["status"] or ArticleStatus.DRAFT
    data["comments_visibility"] = data["comments_visibility"] or None
    return data


def _editor(
    request: Request,
    form: FormFields,
    *,
    article: Article | None,
    errors: dict[str, str] | None = None,
    preview_html: str | None = None,
    status_code: int = 200,
) -> Response:
    kept = {name: form.get(name, "") for name in EDITOR_FIELDS}
    return render(
        request,
        "articles/edit.html",
        {
            "article": article,
            "form": kept,
            "errors": errors or {},
            "preview_html": preview_html,
            "statuses": list(ArticleStatus),
            "visibilities": list(Visibility),
        },
        status_code=status_code,
    )


def _wants_preview(form: FormFields) -> bool:
    return form.get("action") == "preview"


def _to_article(request: Request, article: Article) -> Response:
    return RedirectResponse(
        request.app.url_path_for("articles.detail", slug=article.slug), status_code=303
    )


@router.get("/admin/articles", name="articles.admin_list")
def article_admin_list(
    request: Request, session: SessionDep, user: AdminUser
) -> Response:
    articles = service.list_all_for_admin(session, actor=user)
    return render(request, "articles/admin_list.html", {"articles": articles})


@router.get("/admin/articles/new", name="articles.new")
def article_new(request: Request, user: AdminUser, session: SessionDep) -> Response:
    del user  # admins only
    form = {
        "status": ArticleStatus.DRAFT.value,
        "comments_visibility": service.default_comments_visibility(session).value,
    }
    return _editor(request, form, article=None)


@router.post("/admin/articles/new", name="articles.create")
def article_create(
    request: Request, user: AdminUser, form: CsrfForm, session: SessionDep
) -> Response:
    if _wants_preview(form):
        preview_html = service.preview(form.get("body", ""))
        return _editor(request, form, article=None, preview_html=preview_html)
    try:
        data = ArticleCreate.model_validate(_editor_input(form))
        article = service.create_article(session, data, actor=user)
    except (ValidationError, Conflict) as exc:
        return _editor(
            request, form, article=None, errors=field_errors(exc), status_code=422
        )
    flash(request, f"“{article.title}” is saved as {_state(article)}.")
    return _to_article(request, article)


@router.get("/articles/{slug}/edit", name="articles.edit")
def article_edit(
    request: Request, slug: str, user: AdminUser, session: SessionDep
) -> Response:
    article = service.get_article_for_edit(session, slug, actor=user)
    return _editor(request, _article_form(article), article=article)


@router.post("/articles/{slug}/edit", name="articles.update")
def article_update(
    request: Request, slug: str, user: AdminUser, form: CsrfForm, session: SessionDep
) -> Response:
    article = service.get_article_for_edit(session, slug, actor=user)
    if _wants_preview(form):
        preview_html = service.preview(form.get("body", ""))
        return _editor(request, form, article=article, preview_html=preview_html)
    try:
        data = ArticleUpdate.model_validate(_editor_input(form))
        service.update_article(session, article, data, actor=user)
    except (ValidationError, Conflict) as exc:
        return _editor(
            request, form, article=article, errors=field_errors(exc), status_code=422
        )
    flash(request, f"Your changes are saved; the article is {_state(article)}.")
    return _to_article(request, article)


@router.post("/articles/{slug}/publish", name="articles.publish")
def article_publish(
    request: Request, slug: str, user: AdminUser, form: CsrfForm, session: SessionDep
) -> Response:
    del form  # the CSRF check is the point
    article = service.get_article_for_edit(session, slug, actor=user)
    service.publish(session, article, actor=user)
    flash(request, f"“{article.title}” is published.")
    return _to_article(request, article)


@router.post("/articles/{slug}/unpublish", name="articles.unpublish")
def article_unpublish(
    request: Request, slug: str, user: AdminUser, form: CsrfForm, session: SessionDep
) -> Response:
    del form  # the CSRF check is the point
    article = service.get_article_for_edit(session, slug, actor=user)
    service.unpublish(session, article, actor=user)
    flash(request, f"“{article.title}” is a draft again; only admins can see it.")
    return _to_article(request, article)


def _state(article: Article) -> str:
    return "published" if article.is_published else "a draft"
