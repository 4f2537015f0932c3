"""What the moderation routes, pages and API alike, take from a request."""

from typing import Annotated

from fastapi import Path, Query

from app.comments.schemas import MAX_ID

# A keyset cursor: the id of the last (after) or first (before) comment of a page.
QueueCursor = Annotated[int | None, Query(ge=1, le=MAX_ID)]

# A canned reason's id in a path.
CannedReasonId = Annotated[int, Path(ge=1, le=2**31 - 1)]
