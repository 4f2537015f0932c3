"""The search results page, reached from the search box in every page's header."""

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.db import SessionDep
from app.pagination import PageNumber
from app.search import service
from app.web import render

router = APIRouter()


@router.get("/search", name="search.results")
def search_results(
    request: Request, session: SessionDep, q: str = "", page: PageNumber = 1
) -> Response:
    query = service.SearchQuery.parse(q)
    found = service.search(session, query, page=page, per_page=service.PER_PAGE)
    return render(
        request,
        "search/results.html",
        {
            "query": query.text,
            "searched": bool(query.text),
            "results": found,
            "page_query": service.page_query(query),
        },
    )
