"""Article shapes shared by the JSON API (and, for input, the HTML forms)."""

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from app.accounts.schemas import PublicUserRead
from app.articles.models import ArticleStatus, Visibility
from app.text import OneLine, Storable


class TagRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    slug: str
    name: str


class AuthorRead(PublicUserRead):
    """An article's author, with the bio shown under the article."""

    bio_html: str


class ArticleSummaryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    slug: str
    title: str
    summary: str
    status: str
    published_at: datetime | None
    updated_at: datetime
    tags: list[TagRead]
    author: AuthorRead | None
    comment_count: int = 0


class ArticleRead(ArticleSummaryRead):
    body_html: str
    comments_open: bool
    # "members": the discussion's comments show their text to signed-in members only.
    comments_visibility: Visibility = Visibility.PUBLIC


class ArticlePageRead(BaseModel):
    items: list[ArticleSummaryRead]
    page: int
    pages: int
    total: int


def _title_given(value: str) -> str:
    if not value:
        raise ValueError("Give the article a title.")
    return value


def _body_given(value: str) -> str:
    if not value.strip():
        raise ValueError("Write the article's text.")
    return value


Title = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=200),
    OneLine,
    AfterValidator(_title_given),
]
Slug = Annotated[str, StringConstraints(strip_whitespace=True, max_length=120), OneLine]
Summary = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=1000), Storable
]
# Markdown keeps its leading whitespace (indented code), so the body is not stripped.
Body = Annotated[str, Field(max_length=200_000), Storable, AfterValidator(_body_given)]
TagName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60), OneLine
]
Tags = Annotated[list[TagName], Field(max_length=20)]


class ArticleCreate(BaseModel):
    """What an author sends to write an article (HTML form and API alike)."""

    title: Title
    slug: Slug | None = None
    summary: Summary = ""
    body: Body
    status: ArticleStatus = ArticleStatus.DRAFT
    tags: Tags = Field(default_factory=list)
    # Left out: the site's default for new discussions (the admins' setting).
    comments_visibility: Visibility | None = None


class ArticleUpdate(BaseModel):
    """A change to an article: fields left out (or null) stay as they are.

    An empty ``slug`` makes a new one from the title.
    """

    title: Title | None = None
    slug: Slug | None = None
    summary: Summary | None = None
    body: Body | None = None
    status: ArticleStatus | None = None
    tags: Tags | None = None
    comments_visibility: Visibility | None = None
