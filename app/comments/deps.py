"""What the comments' routes, pages and API alike, take from a request."""

from typing import Annotated

from fastapi import Depends, Path, Request

from app.accounts.deps import client_ip
from app.comments import posting_limit, service
from app.comments.models import Comment
from app.comments.schemas import MAX_ID
from app.config import SettingsDep
from app.db import SessionDep

# A comment's id in a path: a 422 for what no comment could have (0, huge).
CommentId = Annotated[int, Path(ge=1, le=MAX_ID)]


async def get_post_allowance(
    request: Request, settings: SettingsDep
) -> posting_limit.PostAllowance:
    """The posting rate limit, counted for this request's poster (pages and API)."""
    return posting_limit.PostAllowance(
        request.app.state.limiter,
        posting_limit.post_limit(settings),
        client_ip(request),
    )


PostAllowanceDep = Annotated[posting_limit.PostAllowance, Depends(get_post_allowance)]


def get_comment(comment_id: CommentId, session: SessionDep) -> Comment:
    """The comment the path names, or NotFound (404)."""
    return service.get_comment(session, comment_id)


# The comment a route acts on; who may do what with it is the service's to say.
CommentDep = Annotated[Comment, Depends(get_comment)]
