"""What a search answers over the API."""

from pydantic import BaseModel, ConfigDict

from app.search.models import HitKind


class SearchHitRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: HitKind
    # The article found, or the article the comment belongs to.
    slug: str
    title: str
    # Null for an article.
    comment_id: int | None
    # Escaped text; the words that matched are wrapped in <mark>.
    snippet: str
    url: str


class SearchPageRead(BaseModel):
    items: list[SearchHitRead]
    page: int
    pages: int
    total: int
