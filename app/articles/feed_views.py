"""Atom feeds (app.articles.feeds), and the addresses feed readers guess.

A feed is the same for everyone, so it is always answered from the cache of
public renderings, with an ETag and 304 (app.renderings).
"""

from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from app import paths, renderings
from app.articles import feeds
from app.comments import thread
from app.config import SettingsDep
from app.db import SessionDep

router = APIRouter()

# Where feed readers and people look for a site's feed: all lead to it.
GUESSED = ("/feed", "/rss", "/atom.xml")


def _atom(request: Request, key: str, build: Callable[[], feeds.Feed]) -> Response:
    def render() -> tuple[Response, bool]:
        return Response(build().atom(), media_type=feeds.MEDIA_TYPE), True

    return renderings.serve(request, key, render)


@router.get(paths.FEED_ARTICLES, name="feeds.articles")
def feed_articles(
    request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    return _atom(
        request,
        feeds.articles_feed_key(session),
        lambda: feeds.articles_feed(session, settings),
    )


@router.get(paths.FEED_TAG, name="feeds.tag")
def feed_tag(
    request: Request, slug: str, session: SessionDep, settings: SettingsDep
) -> Response:
    return _atom(
        request,
        feeds.articles_feed_key(session, slug),
        lambda: feeds.articles_feed(session, settings, tag_slug=slug),
    )


@router.get(paths.FEED_COMMENTS, name="feeds.comments")
def feed_comments(
    request: Request, slug: str, session: SessionDep, settings: SettingsDep
) -> Response:
    # No viewer: a draft's feed is a 404 even for the admins who can read it.
    discussion = thread.find_discussion(session, slug)
    return _atom(
        request,
        discussion.cache_key("feed"),
        lambda: feeds.comments_feed(session, settings, discussion),
    )


def _to_site_feed() -> RedirectResponse:
    return RedirectResponse(paths.FEED_ARTICLES, status_code=301)


for _path in GUESSED:
    router.add_api_route(
        _path,
        _to_site_feed,
        methods=["GET"],
        name=f"feeds.guess{_path.replace('/', '.')}",
        include_in_schema=False,
    )
