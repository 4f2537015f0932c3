"""Finding published articles and comments by their words.

What a reader types never reaches the database as syntax: it is cut into
words and "quoted phrases", and each becomes a quoted FTS5 string on SQLite or
goes through ``websearch_to_tsquery`` on PostgreSQL, so quotes, operators,
emoji or nothing at all give an answer, never an error. Hits are ranked with
articles whose title holds every word first, then by relevance, and their
snippets are escaped before the highlight is added.
"""

import re
from dataclasses import dataclass
from typing import Any, TypeVarTuple
from urllib.parse import urlencode

from markupsafe import Markup, escape
from sqlalchemy import (
    ColumnElement,
    FromClause,
    Select,
    and_,
    case,
    column,
    func,
    literal_column,
    or_,
    select,
    table,
)
from sqlalchemy.orm import Session

from app import paths
from app.articles.models import Article, ArticleStatus
from app.comments.models import Comment, readable_by_anyone
from app.pagination import Page, offset_for
from app.search.models import (
    DOCUMENT_COLUMN,
    FTS_TABLE,
    TEXT_SEARCH_CONFIG,
    HitKind,
    SearchDocument,
)

# A query is cut to this many characters, and to this many words or phrases.
MAX_QUERY_LENGTH = 200
MAX_TERMS = 12
# Results per page.
PER_PAGE = 20
# About how many words a snippet shows.
SNIPPET_WORDS = 16
# Markers around a highlighted word: control characters, which no stored text
# holds (app.text refuses them), so escaping can't touch them and text can't
# forge them.
_START, _STOP = "\x02", "\x03"
_PHRASE_OR_WORD = re.compile(r'"([^"]*)"?|([^\s"]+)')
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class SearchQuery:
    """What was asked, as phrases of words (a lone word is a phrase of one)."""

    text: str
    phrases: tuple[tuple[str, ...], ...]

    @classmethod
    def parse(cls, raw: str | None) -> "SearchQuery":
        text = " ".join((raw or "").split())[:MAX_QUERY_LENGTH]
        phrases: list[tuple[str, ...]] = []
        for match in _PHRASE_OR_WORD.finditer(text):
            words = tuple(_WORD.findall(match.group(1) or match.group(2) or ""))
            if words:
                phrases.append(words[:MAX_TERMS])
            if len(phrases) == MAX_TERMS:
                break
        return cls(text=text, phrases=tuple(phrases))

    @property
    def is_empty(self) -> bool:
        return not self.phrases

    def fts5(self) -> str:
        """An FTS5 expression: every phrase, each a quoted string."""
        return " ".join(_fts5_string(" ".join(words)) for words in self.phrases)

    def websearch(self) -> str:
        """The same for websearch_to_tsquery: words, and phrases in quotes."""
        return " ".join(
            f'"{" ".join(words)}"' if len(words) > 1 else words[0]
            for words in self.phrases
        )


def page_query(query: SearchQuery) -> str:
    """The query string a results page adds to its page links."""
    return "&" + urlencode({"q": query.text}) if query.text else ""


def _fts5_string(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


@dataclass(frozen=True)
class SearchHit:
    kind: HitKind
    slug: str
    title: str
    comment_id: int | None
    # Escaped text with <mark> around the words that matched.
    snippet: Markup
    url: str


def search(
    session: Session, query: SearchQuery, *, page: int, per_page: int
) -> Page[SearchHit]:
    """Published articles, and approved comments not hidden by reports under
    published articles, that hold every word of ``query``: articles whose title
    holds them all first, then the most relevant. Two queries."""
    if query.is_empty:
        return Page(items=[], page=page, per_page=per_page, total=0)
    finder = _sqlite(query) if _is_sqlite(session) else _postgres(query)
    total = session.scalar(_visible(select(func.count()), finder)) or 0
    columns = select(
        SearchDocument.comment_id,
        Article.slug,
        Article.title,
        finder.snippet.label("snippet"),
    )
    rows = session.execute(
        _visible(columns, finder)
        .order_by(finder.title_first.desc(), finder.rank, SearchDocument.id)
        .offset(offset_for(page, per_page))
        .limit(per_page)
    ).all()
    return Page(
        items=[_hit(row) for row in rows], page=page, per_page=per_page, total=total
    )


def matching_articles(session: Session, query: SearchQuery) -> Select[int]:
    """The ids of the articles whose own text holds every word of ``query``
    (an article list filtered by the same rule as the search)."""
    finder = _sqlite(query) if _is_sqlite(session) else _postgres(query)
    return (
        select(SearchDocument.article_id)
        .select_from(finder.source)
        .where(finder.matches, SearchDocument.comment_id.is_(None))
    )


@dataclass(frozen=True)
class _Finder:
    """One database's way to match, rank and quote."""

    source: FromClause
    matches: ColumnElement[bool]
    # 1 for an article whose title holds every word.
    title_first: ColumnElement[int]
    rank: ColumnElement[Any]
    snippet: ColumnElement[str]


def _sqlite(query: SearchQuery) -> _Finder:
    """FTS5 over search_document; bm25 weighs a title word ten body words."""
    fts = table(FTS_TABLE, column("rowid"), column(FTS_TABLE))
    in_titles = table(FTS_TABLE, column("rowid"), column(FTS_TABLE)).alias("in_titles")
    title_match = select(in_titles.c.rowid).where(
        in_titles.c[FTS_TABLE].op("MATCH")("{title} : (" + query.fts5() + ")")
    )
    hidden: ColumnElement[Any] = literal_column(FTS_TABLE)
    return _Finder(
        source=SearchDocument.__table__.join(fts, fts.c.rowid == SearchDocument.id),
        matches=fts.c[FTS_TABLE].op("MATCH")(query.fts5()),
        title_first=case(
            (
                SearchDocument.comment_id.is_(None)
                & SearchDocument.id.in_(title_match),
                1,
            ),
            else_=0,
        ),
        rank=func.bm25(hidden, 10.0, 1.0),
        snippet=func.snippet(hidden, 1, _START, _STOP, "\u2026", SNIPPET_WORDS),
    )


def _postgres(query: SearchQuery) -> _Finder:
    """The generated tsvector (title weighted A, body D) and its GIN index."""
    config: ColumnElement[Any] = literal_column(f"'{TEXT_SEARCH_CONFIG}'::regconfig")
    tsquery = func.websearch_to_tsquery(config, query.websearch())
    document: ColumnElement[Any] = literal_column(f"search_document.{DOCUMENT_COLUMN}")
    options = (
        f"StartSel={_START}, StopSel={_STOP}, MaxWords={SNIPPET_WORDS * 2}, "
        f'MinWords={SNIPPET_WORDS}, MaxFragments=2, FragmentDelimiter=" \u2026 "'
    )
    return _Finder(
        source=SearchDocument.__table__,
        matches=document.op("@@")(tsquery),
        title_first=case(
            (
                SearchDocument.comment_id.is_(None)
                & func.to_tsvector(config, SearchDocument.title).op("@@")(tsquery),
                1,
            ),
            else_=0,
        ),
        rank=func.ts_rank(document, tsquery).desc(),
        # Worked out only for the rows of the page: PostgreSQL puts off a costly
        # output column until after the sort and limit.
        snippet=func.ts_headline(config, SearchDocument.body, tsquery, options),
    )


_Row = TypeVarTuple("_Row")


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def _visible(statement: Select[*_Row], finder: _Finder) -> Select[*_Row]:
    """What readers may see, checked on the live rows (the index is only text)."""
    return (
        statement.select_from(finder.source)
        .join(Article, Article.id == SearchDocument.article_id)
        .outerjoin(Comment, Comment.id == SearchDocument.comment_id)
        .where(
            finder.matches,
            Article.status == ArticleStatus.PUBLISHED,
            or_(
                SearchDocument.comment_id.is_(None),
                # Members-only text is never a search result (issue #19).
                and_(Comment.published(), readable_by_anyone()),
            ),
        )
    )


def _hit(row: Any) -> SearchHit:
    return SearchHit(
        kind=HitKind.ARTICLE if row.comment_id is None else HitKind.COMMENT,
        slug=row.slug,
        title=row.title,
        comment_id=row.comment_id,
        snippet=_highlighted(row.snippet or ""),
        url=paths.fill(paths.ARTICLE, slug=row.slug)
        if row.comment_id is None
        else paths.fill(paths.COMMENT, comment_id=row.comment_id),
    )


def _highlighted(marked: str) -> Markup:
    """Escape the text first, then turn the markers into <mark>."""
    return Markup(  # noqa: S704 (escaped here; only the markers become tags)
        str(escape(marked)).replace(_START, "<mark>").replace(_STOP, "</mark>")
    )
