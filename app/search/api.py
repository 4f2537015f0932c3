"""JSON API for search (/api/v1/search)."""

from fastapi import APIRouter

from app.db import SessionDep
from app.pagination import PageNumber
from app.search import service
from app.search.schemas import SearchHitRead, SearchPageRead

router = APIRouter(prefix="/search", tags=["search"])


@router.get("", name="api.search")
def search(session: SessionDep, q: str = "", page: PageNumber = 1) -> SearchPageRead:
    """Published articles and comments holding every word of ``q``, best first."""
    found = service.search(
        session, service.SearchQuery.parse(q), page=page, per_page=service.PER_PAGE
    )
    return SearchPageRead(
        items=[SearchHitRead.model_validate(hit) for hit in found.items],
        page=found.page,
        pages=found.pages,
        total=found.total,
    )
