"""What the articles' routes take from a request."""

from typing import Annotated

from fastapi import Depends

from app.accounts.deps import OptionalUser
from app.articles import service
from app.articles.models import Article
from app.db import SessionDep


def get_visible_article(slug: str, session: SessionDep, user: OptionalUser) -> Article:
    """The article the path's slug names, if this reader may see it (else 404:
    a draft is its author's and the admins' only)."""
    return service.get_article(session, slug, viewer=user)


VisibleArticle = Annotated[Article, Depends(get_visible_article)]
