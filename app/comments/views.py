"""HTML pages for posting comments and replies."""

from dataclasses import replace
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from jinja2 import pass_context
from markupsafe import Markup
from pydantic import ValidationError

from app import paths, renderings
from app.accounts.deps import CsrfForm, CurrentUser, OptionalUser, client_ip
from app.accounts.models import User
from app.articles import feeds
from app.articles import service as articles_service
from app.articles.models import Article, Visibility
from app.comments import (
    closure,
    drafts,
    editing,
    form_defence,
    profile,
    reporting,
    service,
    thread,
    visits,
)
from app.comments.deps import CommentDep, CommentId, PostAllowanceDep
from app.comments.models import Comment, CommentStatus
from app.comments.schemas import MAX_ID, CommentCreate, CommentEdit, FlagCreate
from app.config import SettingsDep
from app.db import SessionDep
from app.errors import Conflict, DomainError, NotFound, PermissionDenied, RateLimited
from app.moderation import crisis, guidelines
from app.moderation.policy import Policy, load_policy
from app.pagination import PageNumber
from app.text import normalise
from app.web import (
    FormFields,
    field_errors,
    flash,
    has_personal_state,
    render,
    render_fragment,
    request_csrf_token,
    state_seed,
)

router = APIRouter()

GUEST_COMMENTS_KEY = "guest_comments"
COMMENT_FIELDS = ("body", "parent_id", "content_note", "visibility")
GUEST_FIELDS = ("guest_name", "guest_email")


def guest_comment_ids(request: Request) -> list[int]:
    """The comments this browser posted as a guest (kept in the signed session)."""
    remembered = request.session.get(GUEST_COMMENTS_KEY, [])
    if not isinstance(remembered, list):
        return []
    return [i for i in remembered if isinstance(i, int) and not isinstance(i, bool)]


def _remember_guest_comment(request: Request, comment_id: int) -> list[int]:
    remembered = [*guest_comment_ids(request), comment_id]
    remembered = remembered[-service.MAX_GUEST_COMMENT_IDS :]
    request.session[GUEST_COMMENTS_KEY] = remembered
    return remembered


def _kept(form: FormFields, user: User | None) -> FormFields:
    """What goes back into the form: the member's text, a guest's name and email too."""
    names = COMMENT_FIELDS if user is not None else COMMENT_FIELDS + GUEST_FIELDS
    return {name: form.get(name, "") for name in names}


def _comment_input(form: FormFields, user: User | None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "body": form.get("body", ""),  # normalised by the schema (app.text)
        "parent_id": form.get("parent_id", "").strip() or None,
        "content_note": form.get("content_note", "").strip() or None,
    }
    if user is not None:  # a ticked box sends "members"; others may not choose
        data["visibility"] = form.get("visibility") or Visibility.PUBLIC
    if user is None:
        data["guest_name"] = form.get("guest_name", "").strip() or None
        data["guest_email"] = form.get("guest_email", "").strip() or None
        data["notify_replies"] = bool(form.get("notify_replies"))
    return data


def form_context(
    session: SessionDep,
    user: User | None,
    *,
    policy: Policy | None = None,
    version: int | None = None,
) -> dict[str, Any]:
    """What the comment form needs besides what was typed: how the author's
    comment will be reviewed, the content notes they may choose from, and what
    stands beside the form (the "not medical advice" line and the guidelines,
    app.moderation.guidelines). A discussion page passes the ``policy`` and
    settings ``version`` it read."""
    policy = policy or load_policy(session)
    return {
        "review": service.review_for(session, user),
        "content_notes": policy.content_notes,
        "guidance": guidelines.beside_form(
            session, policy, viewer=user, version=version
        ),
    }


def _input_errors(exc: ValidationError) -> dict[str, str]:
    errors = field_errors(exc)
    if "parent_id" in errors:
        # A hidden field: the reader can't fix it, so say what it means.
        del errors["parent_id"]
        errors.setdefault("form", "The comment you are replying to could not be found.")
    return errors


def _as_id(text: str) -> int | None:
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 10:
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def _keep_draft(
    session: SessionDep, article: Article, form: FormFields, user: User | None
) -> None:
    """A member's text the site did not post (refused, or only previewed) waits
    for them as their draft, even if they leave the page that shows it again."""
    if user is not None:
        drafts.keep_unsent(
            session,
            article,
            body=normalise(form.get("body", "")),
            parent_id=_as_id(form.get("parent_id", "")),
            actor=user,
        )


def _draft_form(draft: drafts.Draft) -> FormFields:
    """A form filled in with a member's saved draft; ``draft_saved`` tells
    haven.js how old it is, to weigh it against the browser's own copy."""
    return {
        "body": draft.body,
        "parent_id": str(draft.parent_id or ""),
        "draft_saved": str(draft.saved_ms),
    }


def _draft_context(session: SessionDep, article: Article, user: User) -> dict[str, Any]:
    """The article page's part in a member's draft (one indexed query): a new
    comment fills the form; a reply is offered by a notice above it."""
    draft = drafts.find_draft(session, article, actor=user)
    if draft is None:
        return {}
    if draft.parent_id is None:
        return {"comment_form": _draft_form(draft)}
    return {"reply_draft": draft}


def discussion_html(
    request: Request,
    session: SessionDep,
    discussion: thread.Discussion,
    viewer: thread.Viewer,
    *,
    page: int,
    sort: thread.ThreadSort = thread.ThreadSort.OLDEST,
) -> tuple[str, bool]:
    """One page of the discussion's trees as HTML, and whether it shows a
    members-only placeholder: rendered once for every reader who sees their
    audience's shared page (cached by the discussion's version), per person for
    those with something of their own on it."""
    per_page = request.app.state.settings.comments_per_page
    public = thread.sees_public_page(session, discussion, viewer)

    def render_page(csrf: object) -> tuple[str, int, bool]:
        built = thread.thread_page(
            session,
            discussion,
            page=page,
            viewer=viewer.shared() if public else viewer,
            per_page=per_page,
            sort=sort,
        )
        html = render_fragment(
            request,
            "comments/_tree.html",
            {
                "page": built.page,
                "is_open": discussion.is_open,
                "url": discussion.url,
                "csrf": csrf,
                "sorts": built.sorts,
                "query": sort.query(),
            },
        )
        hides = thread.hides_members_only(built.page.items)
        return html, built.page.pages, hides

    if not public:
        html, _, hides = render_page(request_csrf_token(request))
        return html, hides

    def render_public() -> tuple[bytes, bool]:
        html, pages, hides = render_page("")
        # The first byte keeps whether it hides members-only text.
        return (b"1" if hides else b"0") + html.encode(), page <= pages

    key = discussion.cache_key(
        sort.cache_kind("tree"), page, per_page, audience=viewer.shared()
    )
    raw = renderings.cached_bytes(request, key, render_public)
    return raw[1:].decode(), raw[:1] == b"1"


def article_page(
    request: Request,
    session: SessionDep,
    discussion: thread.Discussion,
    viewer: thread.Viewer,
    *,
    page: int = 1,
    context: dict[str, Any] | None = None,
    status_code: int = 200,
    last_visit: datetime | None = None,
    sort: thread.ThreadSort = thread.ThreadSort.OLDEST,
) -> Response:
    """The article with a page of its discussion and the comment form: the one
    builder of the page, for reading it and for showing a refused comment again.

    A member's saved draft comes back in it, unless the form shows what they
    just sent; with the member's ``last_visit``, what was published since is
    marked new.
    """
    article = articles_service.get_article(session, discussion.slug, viewer=viewer.user)
    context = context or {}
    if viewer.user is not None and "comment_form" not in context:
        context = {**_draft_context(session, article, viewer.user), **context}
    news = None
    if last_visit is not None and viewer.user is not None:
        news = visits.news_since(
            session, viewer.user, discussion.article_id, last_visit
        )
        if news is not None:
            viewer = replace(viewer, since=last_visit)
    discussion_feed = feeds.discussion_link(article)
    thread_html, noindex = discussion_html(
        request, session, discussion, viewer, page=page, sort=sort
    )
    return render(
        request,
        "articles/detail.html",
        {
            "article": article,
            "discussion": discussion,
            # Rendered from autoescaped templates.
            "thread_html": Markup(thread_html),  # noqa: S704
            "noindex": noindex,
            **form_context(
                session,
                viewer.user,
                policy=discussion.policy,
                version=discussion.settings_version,
            ),
            "news": news,
            "write_comment_url": closure.write_link(
                discussion.closed,
                closure.roots_on_page(
                    discussion.root_count,
                    page,
                    request.app.state.settings.comments_per_page,
                ),
            ),
            "reply_draft": None,
            "discussion_feed": discussion_feed,
            "feeds": [
                *([discussion_feed] if discussion_feed else []),
                feeds.articles_link(request.app.state.settings),
            ],
            **context,
        },
        status_code=status_code,
    )


def _form_page(
    request: Request,
    session: SessionDep,
    article: Article,
    user: User | None,
    form: FormFields,
    *,
    errors: dict[str, str] | None = None,
    preview_html: str | None = None,
    status_code: int = 200,
) -> Response:
    """The form again, with what was typed: on the reply page when replying to a
    comment this reader can see, otherwise under the article."""
    viewer = thread.Viewer.of(user, guest_comment_ids(request))
    context: dict[str, Any] = {
        "article": article,
        "comment_form": form,
        "errors": errors or {},
        "preview_html": preview_html,
    }
    parent_id = _as_id(form.get("parent_id", ""))
    if parent_id is not None:
        try:
            parent = thread.single(session, parent_id, viewer=viewer, article=article)
        except NotFound:
            pass
        else:
            return render(
                request,
                "comments/reply.html",
                {
                    **context,
                    **form_context(session, user),
                    "reply_parent": parent,
                    "refusal": None,
                },
                status_code=status_code,
            )
    # The main form posts a new top-level comment; a reply whose parent is gone
    # can still be posted as one.
    context["comment_form"] = {**form, "parent_id": ""}
    discussion = thread.find_discussion(session, article.slug, viewer=user)
    return article_page(
        request, session, discussion, viewer, context=context, status_code=status_code
    )


@router.post("/articles/{slug}/comments", name="comments.create")
def comment_create(
    request: Request,
    slug: str,
    form: CsrfForm,
    session: SessionDep,
    user: OptionalUser,
    allowance: PostAllowanceDep,
    settings: SettingsDep,
) -> Response:
    article = articles_service.get_article(session, slug, viewer=user, bare=True)
    kept = _kept(form, user)
    seed = state_seed(request)
    # The re-shown form keeps the clock of its first render (see app.comments.form_defence).
    kept[form_defence.TIMING_FIELD] = form_defence.reusable_token(
        form, secret_key=settings.secret_key, article_id=article.id, seed=seed
    )
    try:
        data = CommentCreate.model_validate(_comment_input(form, user))
    except ValidationError as exc:
        _keep_draft(session, article, form, user)
        errors = _input_errors(exc)
        if user is None:  # the service's guest check, said with the rest at once
            missing = service.missing_guest_details(
                form.get("guest_name", "").strip(), form.get("guest_email", "").strip()
            )
            errors = {**missing, **errors}
        return _form_page(
            request, session, article, user, kept, errors=errors, status_code=422
        )
    if form.get("action") == "preview":
        _keep_draft(session, article, form, user)
        return _form_page(
            request,
            session,
            article,
            user,
            kept,
            preview_html=service.preview(data.body),
        )
    try:
        form_defence.check_form(
            session,
            form,
            secret_key=settings.secret_key,
            article_id=article.id,
            seed=seed,
            min_seconds=settings.form_min_seconds,
        )
        comment = service.post_comment(
            session,
            article,
            data,
            actor=user,
            allow_guests=settings.allow_guest_comments,
            allowance=allowance,
            address=client_ip(request),
        )
    except DomainError as exc:
        # The refusal is answered with the form again, so this request's
        # transaction commits and the draft with it.
        _keep_draft(session, article, form, user)
        if not (isinstance(exc, form_defence.FormRefused) and exc.keep_token):
            # The token is spent (or no good): the re-shown form gets a fresh one.
            kept[form_defence.TIMING_FIELD] = ""
        response = _form_page(
            request,
            session,
            article,
            user,
            kept,
            errors=field_errors(exc),
            status_code=exc.status_code,
        )
        if isinstance(exc, RateLimited):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response
    guest_ids = _remember_guest_comment(request, comment.id) if user is None else []
    support = crisis.support_for(data.body, load_policy(session))
    if support is not None:
        # Help first, at once: the comment waits, and its author is told so
        # (the "posted" message also lets haven.js drop the saved draft).
        flash(request, "Your comment is kept: it is awaiting moderation.", "posted")
        return render(
            request,
            "comments/support.html",
            {
                "article": article,
                "support": support,
                "comment_url": paths.fill(paths.COMMENT, comment_id=comment.id),
                "article_url": paths.fill(paths.ARTICLE, slug=article.slug),
            },
            status_code=201,
        )
    flash(
        request,
        "Your comment is published."
        if comment.status == CommentStatus.APPROVED
        else "Thanks! Your comment is awaiting moderation.",
        # haven.js drops the browser's saved draft when it sees this category.
        category="posted",
    )
    return _to_comment(
        request, session, comment, thread.Viewer.of(user, guest_ids), slug=slug
    )


@router.get(paths.COMMENT_REPLY, name="comments.reply")
def comment_reply(
    request: Request,
    slug: str,
    comment_id: int,
    session: SessionDep,
    user: OptionalUser,
) -> Response:
    """The reply form on its own page: the path that needs no JavaScript."""
    article = articles_service.get_article(session, slug, viewer=user)
    if not 0 < comment_id <= MAX_ID:
        raise NotFound("There is no such comment.")
    parent = thread.single(
        session,
        comment_id,
        viewer=thread.Viewer.of(user, guest_comment_ids(request)),
        article=article,
    )
    refusal = service.reply_refusal(session, article, comment_id)
    form: FormFields = {"parent_id": str(comment_id)}
    if user is not None and refusal is None:
        draft = drafts.find_draft(session, article, actor=user)
        if draft is not None and draft.parent_id == comment_id:
            form = _draft_form(draft)
    return render(
        request,
        "comments/reply.html",
        {
            "article": article,
            "reply_parent": parent,
            "refusal": refusal,
            "comment_form": form,
            "preview_html": None,
            **form_context(session, user),
        },
        status_code=409 if refusal else 200,
    )


def _edit_page(
    request: Request,
    comment: Comment,
    form: FormFields,
    *,
    policy: Policy,
    refusal: str | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "comments/edit.html",
        {
            "comment": comment,
            "article": comment.article,
            "comment_form": form,
            "refusal": refusal,
            "errors": errors or {},
            "guidance": guidelines.beside_edit_form(policy),
        },
        status_code=status_code,
    )


@router.get(paths.COMMENT_EDIT, name="comments.edit")
def comment_edit_form(
    request: Request, comment_id: CommentId, session: SessionDep, user: CurrentUser
) -> Response:
    """The edit form (or, for a rejected comment, revise and resubmit)."""
    policy = load_policy(session)
    comment, refusal = editing.comment_to_edit(
        session, comment_id, actor=user, policy=policy
    )
    text = comment.pending_body or comment.body
    return _edit_page(
        request,
        comment,
        {"body": text},
        policy=policy,
        refusal=refusal,
        status_code=403 if refusal else 200,
    )


@router.post(paths.COMMENT_EDIT, name="comments.update")
def comment_edit(
    request: Request,
    form: CsrfForm,
    comment: CommentDep,
    session: SessionDep,
    user: CurrentUser,
) -> Response:
    kept = {"body": form.get("body", "")}
    policy = load_policy(session)
    refusal = editing.edit_refusal(comment, actor=user, policy=policy)
    if refusal is not None:
        return _edit_page(
            request, comment, kept, policy=policy, refusal=refusal, status_code=403
        )
    try:
        data = CommentEdit.model_validate({"body": kept["body"]})
    except ValidationError as exc:
        return _edit_page(
            request,
            comment,
            kept,
            policy=policy,
            errors=field_errors(exc),
            status_code=422,
        )
    try:
        editing.edit_comment(
            session,
            comment,
            data.body,
            actor=user,
        )
    except DomainError as exc:
        return _edit_page(
            request,
            comment,
            kept,
            policy=policy,
            errors=field_errors(exc),
            status_code=exc.status_code,
        )
    flash(request, _edited_message(comment))
    return _to_comment(
        request, session, comment, thread.Viewer.of(user), slug=comment.article.slug
    )


def _edited_message(comment: Comment) -> str:
    if comment.status == CommentStatus.PENDING:
        return "Thanks! Your comment is awaiting moderation."
    if comment.pending_body is not None:
        return "Thanks! Your edit will appear once a moderator has read it."
    return "Your comment is updated."


@router.post(paths.COMMENT_DELETE, name="comments.delete")
def comment_delete(
    request: Request,
    form: CsrfForm,
    comment: CommentDep,
    session: SessionDep,
    user: CurrentUser,
) -> Response:
    del form  # only its CSRF token matters
    editing.delete_comment(session, comment, actor=user)
    flash(request, "Your comment is deleted.")
    url = request.app.url_path_for("articles.detail", slug=comment.article.slug)
    return RedirectResponse(f"{url}#comments", status_code=303)


def _flag_page(
    request: Request,
    node: thread.Node,
    article: Article,
    form: FormFields,
    *,
    refusal: str | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "comments/flag.html",
        {
            "node": node,
            "article": article,
            "flag_form": form,
            "refusal": refusal,
            "errors": errors or {},
        },
        status_code=status_code,
    )


def _flag_refused(
    request: Request,
    session: SessionDep,
    comment_id: int,
    user: User,
    form: FormFields,
    exc: DomainError,
) -> Response:
    """The report page again, saying why this report can't be taken."""
    node, article = _reported(session, comment_id, user)
    return _flag_page(
        request, node, article, form, refusal=exc.message, status_code=exc.status_code
    )


def _reported(
    session: SessionDep, comment_id: int, user: User
) -> tuple[thread.Node, Article]:
    node = thread.single(session, comment_id, viewer=thread.Viewer.of(user))
    return node, service.get_comment(session, comment_id).article


@router.get(paths.COMMENT_FLAG, name="comments.flag_form")
def comment_flag_form(
    request: Request, comment_id: CommentId, session: SessionDep, user: CurrentUser
) -> Response:
    """The report form on its own page: reasons as radio buttons, and a note."""
    try:
        comment = reporting.flag_target(session, comment_id, actor=user)
    except (PermissionDenied, Conflict) as exc:
        return _flag_refused(request, session, comment_id, user, {}, exc)
    node = thread.single(session, comment_id, viewer=thread.Viewer.of(user))
    return _flag_page(request, node, comment.article, {})


@router.post(paths.COMMENT_FLAG, name="comments.flag")
def comment_flag(
    request: Request,
    comment_id: CommentId,
    form: CsrfForm,
    session: SessionDep,
    user: CurrentUser,
) -> Response:
    kept = {"reason": form.get("reason", ""), "note": form.get("note", "")}
    try:
        data = FlagCreate.model_validate(
            {
                "reason": kept["reason"] or None,
                "note": kept["note"],
            }
        )
    except ValidationError as exc:
        errors = field_errors(exc)
        if "reason" in errors:
            errors["reason"] = "Please choose why you are reporting this comment."
        node, article = _reported(session, comment_id, user)
        return _flag_page(request, node, article, kept, errors=errors, status_code=422)
    try:
        flag = reporting.flag_comment(session, comment_id, data, actor=user)
    except (PermissionDenied, Conflict) as exc:
        return _flag_refused(request, session, comment_id, user, kept, exc)
    flash(request, "Thank you for telling us. A moderator will look at this comment.")
    url = request.app.url_path_for("articles.detail", slug=flag.comment.article.slug)
    return RedirectResponse(f"{url}#comment-{flag.comment_id}", status_code=303)


@router.get("/me/comments", name="comments.mine")
def own_comments(
    request: Request, session: SessionDep, user: CurrentUser, page: PageNumber = 1
) -> Response:
    """Your comments, newest first, each saying where it stands: waiting,
    published, or not (with the moderator's reason and a way to revise it)."""
    comments = profile.list_own_comments(session, user, page=page)
    return render(request, "comments/mine.html", {"comments": comments})


@router.get(paths.COMMENT_REVISIONS, name="comments.revisions")
def comment_revisions(
    request: Request, comment_id: CommentId, session: SessionDep, user: CurrentUser
) -> Response:
    """A comment's earlier versions, newest first: for its author and moderators."""
    history = editing.revision_history(session, comment_id, actor=user)
    return render(
        request,
        "comments/revisions.html",
        {"history": history, "article": history.comment.article},
    )


@router.get(paths.COMMENT, name="comments.permalink")
def comment_permalink(
    request: Request, comment_id: CommentId, session: SessionDep, user: OptionalUser
) -> Response:
    """A comment's lasting address: the page that shows it, at its anchor.

    Long discussions are paged and long trees continue on their replies page, so
    where it is shown is worked out now.
    """
    viewer = thread.Viewer.of(user, guest_comment_ids(request))
    comment = service.get_visible_comment(
        session, comment_id, viewer=user, guest_comment_ids=viewer.guest_ids
    )
    return _to_comment(request, session, comment, viewer, slug=comment.article.slug)


def _to_comment(
    request: Request,
    session: SessionDep,
    comment: Comment,
    viewer: thread.Viewer,
    *,
    slug: str,
) -> RedirectResponse:
    """Redirect to the page that shows the comment to ``viewer``, at its anchor."""
    where = thread.locate(
        session,
        comment,
        slug=slug,
        viewer=viewer,
        per_page=request.app.state.settings.comments_per_page,
    )
    return RedirectResponse(where, status_code=303)


@router.get(paths.COMMENT_REPLIES, name="comments.replies")
def comment_replies(
    request: Request,
    comment_id: CommentId,
    session: SessionDep,
    user: OptionalUser,
    page: PageNumber = 1,
) -> Response:
    """The replies of a long conversation, beyond those its discussion page shows.

    For a reply, the conversation it belongs to, at its place.
    """
    viewer = thread.Viewer.of(user, guest_comment_ids(request))
    comment = service.get_visible_comment(
        session, comment_id, viewer=user, guest_comment_ids=viewer.guest_ids
    )
    if comment.parent_id is not None:
        return _to_comment(request, session, comment, viewer, slug=comment.article.slug)
    discussion = thread.find_discussion(session, comment.article.slug, viewer=user)
    public = viewer.is_public and not has_personal_state(request)

    def build() -> tuple[Response, bool]:
        replies = thread.replies_page(
            session, discussion, comment_id, page=page, viewer=viewer
        )
        csrf = "" if public else request_csrf_token(request)
        response = _replies_page(request, session, replies, csrf)
        return response, page <= replies.page.pages

    key = discussion.cache_key("replies", comment_id, page) if public else None
    return renderings.serve(request, key, build)


def _replies_page(
    request: Request, session: SessionDep, replies: thread.RepliesPage, csrf: str
) -> Response:
    article = articles_service.get_article(
        session, replies.discussion.slug, viewer=None
    )
    return render(
        request,
        "comments/replies.html",
        {
            "article": article,
            "replies": replies,
            "csrf": csrf,
            "noindex": thread.hides_members_only([replies.root]),
        },
    )


@pass_context
def comment_form_token(context: dict[str, Any], article_id: int) -> str:
    """The template global ``comment_form_token`` (registered by app.main): a fresh timing token for this visitor's comment form (app.comments.form_defence)."""
    request: Request = context["request"]
    return form_defence.form_token(
        request.app.state.settings.secret_key, article_id, seed=state_seed(request)
    )
