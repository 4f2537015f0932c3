"""JSON API for the discussion (/api/v1/articles/{slug}/comments, /api/v1/comments)."""

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response
from pydantic import BaseModel

from app import paths, renderings
from app.accounts.deps import CurrentUser, OptionalUser, client_ip
from app.accounts.models import User
from app.articles import service as articles_service
from app.comments import editing, flags, profile, service, spam, thread
from app.comments.models import Comment
from app.comments.schemas import (
    MAX_ID,
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
from app.db import SessionDep
from app.errors import NotFound
from app.moderation import crisis
from app.moderation.policy import load_policy
from app.pagination import PageNumber

router = APIRouter(tags=["comments"])

CommentId = Annotated[int, Path(ge=1, le=MAX_ID)]


async def get_post_allowance(request: Request) -> spam.PostAllowance:
    """The posting rate limit, counted for this request's poster (pages and API)."""
    return spam.PostAllowance(
        request.app.state.limiter,
        spam.post_limit(request.app.state.settings),
        client_ip(request),
    )


PostAllowanceDep = Annotated[spam.PostAllowance, Depends(get_post_allowance)]


def _answer(
    request: Request, viewer: thread.Viewer, key: str, model: Callable[[], BaseModel]
) -> Response:
    """JSON with a strong ETag: what every anonymous caller gets is cached by
    ``key``; a signed-in caller's own view is built for them."""

    def build() -> tuple[Response, bool]:
        body = model().model_dump_json().encode()
        return Response(body, media_type=renderings.JSON), True

    return renderings.serve(
        request, key if viewer.is_public else None, build, vary="Authorization"
    )


def _reader(
    session: SessionDep, discussion: thread.Discussion, user: User | None
) -> thread.Viewer:
    """Who the JSON is for: anyone who sees the public page gets the public one."""
    viewer = thread.Viewer.of(user)
    return (
        thread.PUBLIC
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
    page: PageNumber = 1,
) -> Response:
    """A page of the discussion (the caller's own waiting comments included)."""
    discussion = thread.find_discussion(session, slug, viewer=user)
    viewer = _reader(session, discussion, user)
    per_page = request.app.state.settings.comments_per_page
    return _answer(
        request,
        viewer,
        discussion.cache_key("json", page, per_page),
        lambda: ThreadRead.from_page(
            thread.thread_page(
                session, discussion, page=page, viewer=viewer, per_page=per_page
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
        discussion.cache_key("json-replies", comment_id, page),
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
) -> CommentCreated:
    article = articles_service.get_article(session, slug, viewer=user, bare=True)
    settings = request.app.state.settings
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
        support=SupportRead.of(support) if support else None,
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
    request: Request, session: SessionDep, user: CurrentUser, page: PageNumber = 1
) -> OwnCommentPageRead:
    """The caller's own comments, newest first, each with where it stands."""
    return OwnCommentPageRead.from_page(
        profile.list_own_comments(session, user, page=page),
        request.app.state.settings.absolute_url,
    )


@router.patch(
    "/comments/{comment_id}", name="api.comments.update", response_model=CommentEdited
)
def comment_update(
    comment_id: CommentId, data: CommentEdit, session: SessionDep, user: CurrentUser
) -> Comment:
    """Edit a comment (or revise and resubmit a rejected one)."""
    comment = service.get_comment(session, comment_id)
    policy = load_policy(session)
    return editing.edit_comment(
        session,
        comment,
        data.body,
        actor=user,
        policy=policy,
    )


@router.delete(
    "/comments/{comment_id}", name="api.comments.delete", response_model=CommentEdited
)
def comment_delete(
    comment_id: CommentId, session: SessionDep, user: CurrentUser
) -> Comment:
    """Delete your own comment (a placeholder stays while it has replies)."""
    comment = service.get_comment(session, comment_id)
    return editing.delete_comment(session, comment, actor=user)


@router.post("/comments/{comment_id}/flag", name="api.comments.flag", status_code=201)
def comment_flag(
    comment_id: CommentId, data: FlagCreate, session: SessionDep, user: CurrentUser
) -> FlagCreated:
    """Report a published comment to the moderators (once per reader)."""
    flag = flags.flag_comment(session, comment_id, data, actor=user)
    return FlagCreated(
        id=flag.id,
        comment_id=flag.comment_id,
        reason=flag.reason,
        note=flag.note,
        created_at=flag.created_at,
        comment_hidden=flag.comment.hidden_at is not None,
    )
