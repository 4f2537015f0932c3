"""JSON API for the discussion (/api/v1/articles/{slug}/comments, /api/v1/comments)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request

from app.accounts.deps import CurrentUser, OptionalUser, client_ip
from app.articles import service as articles_service
from app.comments import editing, flags, service, spam
from app.comments.models import Comment
from app.comments.schemas import (
    MAX_ID,
    CommentCreate,
    CommentCreated,
    CommentEdit,
    CommentEdited,
    CommentNodeRead,
    FlagCreate,
    FlagCreated,
    ThreadRead,
)
from app.db import SessionDep
from app.moderation.policy import load_policy
from app.pagination import PageNumber

router = APIRouter(tags=["comments"])

CommentId = Annotated[int, Path(ge=1, le=MAX_ID)]


def get_post_allowance(request: Request) -> spam.PostAllowance:
    """The posting rate limit, counted for this request's poster (pages and API)."""
    return spam.PostAllowance(
        request.app.state.limiter,
        spam.post_limit(request.app.state.settings),
        client_ip(request),
    )


PostAllowanceDep = Annotated[spam.PostAllowance, Depends(get_post_allowance)]


@router.get("/articles/{slug}/comments", name="api.comments.thread")
def comment_thread(
    request: Request,
    slug: str,
    session: SessionDep,
    user: OptionalUser,
    page: PageNumber = 1,
) -> ThreadRead:
    article = articles_service.get_article(session, slug, viewer=user)
    thread = service.get_thread(
        session,
        article,
        page=page,
        per_page=request.app.state.settings.comments_per_page,
        viewer=user,
    )
    return ThreadRead.from_thread(thread)


@router.post("/articles/{slug}/comments", name="api.comments.create", status_code=201)
def comment_create(
    request: Request,
    slug: str,
    data: CommentCreate,
    session: SessionDep,
    user: OptionalUser,
    allowance: PostAllowanceDep,
) -> CommentCreated:
    article = articles_service.get_article(session, slug, viewer=user)
    settings = request.app.state.settings
    comment = service.post_comment(
        session,
        article,
        data,
        actor=user,
        allow_guests=settings.allow_guest_comments,
        allowance=allowance,
    )
    return CommentCreated.model_validate(comment)


@router.get("/comments/{comment_id}", name="api.comments.detail")
def comment_detail(
    comment_id: CommentId, session: SessionDep, user: OptionalUser
) -> CommentNodeRead:
    node = service.get_visible_comment(session, comment_id, viewer=user)
    return CommentNodeRead.from_node(node)


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
