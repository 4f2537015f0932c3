"""JSON API for the discussion (/api/v1/articles/{slug}/comments, /api/v1/comments)."""

from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel

from app import paths, renderings
from app.accounts.deps import CurrentUser, OptionalUser, client_ip
from app.accounts.models import User
from app.articles import service as articles_service
from app.comments import editing, profile, reporting, service, thread
from app.comments.deps import CommentDep, CommentId, PostAllowanceDep
from app.comments.models import Comment
from app.comments.schemas import (
    CommentCreate,
    CommentCreated,
    CommentDetailRead,
    CommentEdit,
    CommentEdited,
    CommentRevisionsRead,
    FlagCreate,
    FlagCreated,
    OwnCommentPageRead,
    RepliesRead,
    SupportRead,
    ThreadRead,
)
from app.config import SettingsDep
from app.db import SessionDep
from app.errors import NotFound, error_responses
from app.moderation import crisis
from app.moderation.policy import load_policy
from app.pagination import PageNumber

router = APIRouter(
    tags=["comments"], responses=error_responses(403, 404, 409, 413, 429)
)


def _answer(
    request: Request, viewer: thread.Viewer, key: str, model: Callable[[], BaseModel]
) -> Response:
    """JSON with a strong ETag: what every anonymous caller gets is cached by
    ``key``; a signed-in caller's own view is built for them."""

    def build() -> tuple[Response, bool]:
        body = model().model_dump_json().encode()
        return Response(body, media_type=renderings.JSON), True

    return renderings.serve(
        request, key if viewer.is_shared else None, build, vary="Authorization"
    )


def _reader(
    session: SessionDep, discussion: thread.Discussion, user: User | None
) -> thread.Viewer:
    """Who the JSON is for: anyone who sees the public page gets their audience's
    shared one (members' text shows in the members' one only)."""
    viewer = thread.Viewer.of(user)
    return (
        viewer.shared()
        if thread.sees_public_page(session, discussion, viewer)
        else viewer
    )


@router.get(
    "/articles/{slug}/comments", name="api.comments.thread", response_model=ThreadRead
)
def comment_thread(
    request: Request,
    slug: str,
    session: SessionDep,
    user: OptionalUser,
    settings: SettingsDep,
    page: PageNumber = 1,
    sort: thread.ThreadSort = thread.ThreadSort.OLDEST,
) -> Response:
    """A page of the discussion (the caller's own waiting comments included),
    the pinned comment first on page 1; ``sort=featured`` puts conversations
    with a featured comment first."""
    discussion = thread.find_discussion(session, slug, viewer=user)
    viewer = _reader(session, discussion, user)
    per_page = settings.comments_per_page
    return _answer(
        request,
        viewer,
        discussion.cache_key(sort.cache_kind("json"), page, per_page, audience=viewer),
        lambda: ThreadRead.from_page(
            thread.thread_page(
                session,
                discussion,
                page=page,
                viewer=viewer,
                per_page=per_page,
                sort=sort,
            )
        ),
    )


@router.get(
    paths.COMMENT_REPLIES, name="api.comments.replies", response_model=RepliesRead
)
def comment_replies(
    request: Request,
    comment_id: CommentId,
    session: SessionDep,
    user: OptionalUser,
    page: PageNumber = 1,
) -> Response:
    """The replies under a top-level comment, beyond those a discussion page lists."""
    comment = service.get_visible_comment(session, comment_id, viewer=user)
    if comment.parent_id is not None:
        raise NotFound(
            "Replies are listed under top-level comments; "
            f"this one belongs to comment {comment.root_id}."
        )
    discussion = thread.find_discussion(session, comment.article.slug, viewer=user)
    viewer = _reader(session, discussion, user)
    return _answer(
        request,
        viewer,
        discussion.cache_key("json-replies", comment_id, page, audience=viewer),
        lambda: RepliesRead.from_page(
            thread.replies_page(
                session, discussion, comment_id, page=page, viewer=viewer
            )
        ),
    )


@router.post(
    "/articles/{slug}/comments",
    name="api.comments.create",
    status_code=201,
    # `support` is there only when it says something (DESIGN.md: `support?`).
    response_model_exclude_none=True,
)
def comment_create(
    request: Request,
    slug: str,
    data: CommentCreate,
    session: SessionDep,
    user: OptionalUser,
    allowance: PostAllowanceDep,
    settings: SettingsDep,
) -> CommentCreated:
    article = articles_service.get_article(session, slug, viewer=user, bare=True)
    if settings.allow_guest_comments:
        service.ensure_api_guests_allowed(session, actor=user)
    comment = service.post_comment(
        session,
        article,
        data,
        actor=user,
        allow_guests=settings.allow_guest_comments,
        allowance=allowance,
        address=client_ip(request),
    )
    support = crisis.support_for(data.body, load_policy(session))
    return CommentCreated(
        id=comment.id,
        status=comment.status,
        visibility=comment.visibility,
        support=SupportRead.model_validate(support) if support else None,
    )


@router.get("/comments/{comment_id}", name="api.comments.detail")
def comment_detail(
    comment_id: CommentId, session: SessionDep, user: OptionalUser
) -> CommentDetailRead:
    """One comment; its author (and moderators) also read a moderator's reason."""
    return CommentDetailRead.of(
        thread.single(session, comment_id, viewer=thread.Viewer.of(user))
    )


@router.get(paths.COMMENT_REVISIONS, name="api.comments.revisions")
def comment_revisions(
    comment_id: CommentId, session: SessionDep, user: CurrentUser
) -> CommentRevisionsRead:
    """A comment's earlier versions, newest first: for its author and moderators."""
    return CommentRevisionsRead.of(
        editing.revision_history(session, comment_id, actor=user)
    )


@router.get("/me/comments", name="api.comments.mine")
def own_comments(
    session: SessionDep, user: CurrentUser, settings: SettingsDep, page: PageNumber = 1
) -> OwnCommentPageRead:
    """The caller's own comments, newest first, each with where it stands."""
    return OwnCommentPageRead.from_page(
        profile.list_own_comments(session, user, page=page),
        settings.absolute_url,
    )


@router.patch(
    "/comments/{comment_id}",  # noqa: FAST003 (read by its dependency)
    name="api.comments.update",
    response_model=CommentEdited,
)
def comment_update(
    comment: CommentDep, data: CommentEdit, session: SessionDep, user: CurrentUser
) -> Comment:
    """Edit a comment (or revise and resubmit a rejected one)."""
    return editing.edit_comment(
        session,
        comment,
        data.body,
        actor=user,
    )


@router.delete(
    "/comments/{comment_id}",  # noqa: FAST003 (read by its dependency)
    name="api.comments.delete",
    response_model=CommentEdited,
)
def comment_delete(
    comment: CommentDep, session: SessionDep, user: CurrentUser
) -> Comment:
    """Delete your own comment (a placeholder stays while it has replies)."""
    return editing.delete_comment(session, comment, actor=user)


@router.post("/comments/{comment_id}/flag", name="api.comments.flag", status_code=201)
def comment_flag(
    comment_id: CommentId, data: FlagCreate, session: SessionDep, user: CurrentUser
) -> FlagCreated:
    """Report a published comment to the moderators (once per reader)."""
    flag = reporting.flag_comment(session, comment_id, data, actor=user)
    return FlagCreated(
        id=flag.id,
        comment_id=flag.comment_id,
        reason=flag.reason,
        note=flag.note,
        created_at=flag.created_at,
        comment_hidden=flag.comment.hidden_at is not None,
    )
