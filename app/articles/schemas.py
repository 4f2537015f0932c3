"""Article shapes shared by the JSON API (and, for input, the HTML forms)."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from app.articles.models import ArticleStatus


class TagRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    slug: str
    name: str


class AuthorRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    username: str
    display_name: str
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


class ArticlePageRead(BaseModel):
    items: list[ArticleSummaryRead]
    page: int
    pages: int
    total: int


class ArticleCreate(BaseModel):
    """What an author sends to write an article (HTML form and API alike)."""

    title: str = Field(min_length=1, max_length=200)
    slug: str | None = Field(default=None, max_length=120)
    summary: str = Field(default="", max_length=1000)
    body: str = Field(min_length=1, max_length=200_000)
    status: ArticleStatus = ArticleStatus.DRAFT
    tags: list[str] = Field(default_factory=list, max_length=20)
