"""What the WordPress and Disqus imports share: reading an export as a stream,
remembering where each row came from, writing comments in batches, placing
replies under their parents, and the closing report.

An import runs in one savepoint: a malformed file, found however far in,
leaves the database as it was. The XML is read with defusedxml's streaming
parser (no entity declarations, no external references, so neither a
"billion laughs" nor a file read through an entity), one record at a time,
each dropped once written, so memory stays flat whatever the file's size.
"""

import re
import secrets
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, NamedTuple
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from markdownify import markdownify
from slugify import slugify
from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from app.accounts import service as accounts_service
from app.accounts.models import User
from app.articles.models import Article
from app.comments import duplicates, standing
from app.comments.models import Comment, CommentStatus, TreePlace, place_under
from app.db import utcnow
from app.errors import DomainError
from app.imports.models import ImportSource
from app.markup import Profile, clean_html, render_markdown
from app.search import index as search_index

# Told (bytes read, bytes in all) as the file is read.
Progress = Callable[[int, int], None]
# Comments written per statement.
BATCH = 500
CLOSED_ON_SOURCE = "Comments were closed on the site this discussion was imported from."

_KNOWN_NAMESPACES = (
    ("wordpress.org/export/", "/excerpt/", "excerpt"),
    ("wordpress.org/export/", "", "wp"),
    ("purl.org/rss/1.0/modules/content", "", "content"),
    ("purl.org/dc/elements", "", "dc"),
    ("disqus.com/disqus-internals", "", "dsq"),
    ("disqus.com", "", ""),
)


class ImportFailed(DomainError):
    """The file can't be imported (not found, malformed, not this kind of export)."""


@dataclass
class ImportReport:
    """What an import did, per kind of thing: imported, updated, unchanged,
    matched (an existing account) or skipped, and why each skip."""

    source: str = ""
    outcomes: dict[str, Counter[str]] = field(default_factory=dict)
    skipped: Counter[tuple[str, str]] = field(default_factory=Counter)
    # Disqus threads no article matched: (link, title, posts in it).
    unmatched: list[tuple[str, str, int]] = field(default_factory=list)
    # Things done differently from the source, and how often.
    notes: Counter[str] = field(default_factory=Counter)

    def count(self, kind: str, outcome: str, n: int = 1) -> None:
        if n:
            self.outcomes.setdefault(kind, Counter())[outcome] += n

    def skip(self, kind: str, reason: str) -> None:
        self.count(kind, "skipped")
        self.skipped[(kind, reason)] += 1

    def get(self, kind: str, outcome: str) -> int:
        return self.outcomes.get(kind, Counter())[outcome]

    def lines(self) -> list[str]:
        """The report as the command prints it."""
        lines = [f"Imported from {self.source}:"]
        for kind, outcomes in self.outcomes.items():
            parts = [
                f"{outcomes[o]} {o}"
                for o in ("imported", "updated", "unchanged", "matched", "skipped")
                if outcomes[o]
            ]
            lines.append(f"  {kind}s: {', '.join(parts) or 'none'}")
        if self.skipped:
            lines.append("Skipped:")
            lines.extend(
                f"  {n} {kind}{'s' if n > 1 else ''}: {reason}"
                for (kind, reason), n in sorted(self.skipped.items())
            )
        lines.extend(f"Note: {n} {note}." for note, n in sorted(self.notes.items()))
        if self.unmatched:
            lines.append("Threads that match no article (link, title, posts):")
            lines.extend(
                f"  {link} | {title} | {posts}" for link, title, posts in self.unmatched
            )
        return lines


# Reading --------------------------------------------------------------------


class _CountingReader:
    """A binary file that tells ``progress`` how far it has been read."""

    def __init__(self, file: IO[bytes], total: int, progress: Progress | None):
        self._file = file
        self._total = total
        self._done = 0
        self._progress = progress

    def read(self, size: int = -1) -> bytes:
        data = self._file.read(size)
        self._done += len(data)
        if self._progress is not None:
            self._progress(self._done, self._total)
        return data


def _canonical(uri: str, declared: dict[str, str]) -> str:
    for host, part, prefix in _KNOWN_NAMESPACES:
        if host in uri and part in uri:
            return prefix
    return declared.get(uri, uri)


def _rename(element: Element, prefixes: dict[str, str]) -> None:
    """``{uri}name`` -> ``prefix:name`` with the usual prefixes, whatever the
    file declared (tags and attributes)."""

    def name(qualified: str) -> str:
        if not qualified.startswith("{"):
            return qualified
        uri, local = qualified[1:].split("}", 1)
        prefix = prefixes.get(uri, "")
        return f"{prefix}:{local}" if prefix else local

    element.tag = name(element.tag)
    if element.attrib:
        element.attrib = {name(k): v for k, v in element.attrib.items()}


def records(
    path: Path, tags: Iterable[str], progress: Progress | None = None
) -> Iterator[Element]:
    """Each complete element named in ``tags`` (outside another such element),
    in file order, dropped once the caller has taken it.

    Raises ImportFailed naming the file and line of the first malformation.
    """
    wanted = frozenset(tags)
    try:
        file = path.open("rb")
    except OSError as exc:
        raise ImportFailed(f"{path}: {exc.strerror or exc}") from None
    with file:
        reader = _CountingReader(file, path.stat().st_size, progress)
        prefixes: dict[str, str] = {}
        declared: dict[str, str] = {}
        stack: list[Element] = []
        inside = 0
        try:
            for event, item in iterparse(reader, events=("start", "end", "start-ns")):
                if event == "start-ns":
                    prefix, uri = item
                    declared.setdefault(uri, prefix)
                    prefixes[uri] = _canonical(uri, declared)
                    continue
                element: Element = item
                if event == "start":
                    _rename(element, prefixes)
                    stack.append(element)
                    inside += element.tag in wanted
                    continue
                stack.pop()
                if element.tag not in wanted:
                    continue
                inside -= 1
                if inside:
                    continue
                yield element
                element.clear()
                if stack:
                    stack[-1].remove(element)
        except ParseError as exc:
            line, column = exc.position
            reason = re.sub(r": line \d+, column \d+$", "", str(exc))
            raise ImportFailed(
                f"{path.name} line {line}, column {column}: {reason}. "
                "Nothing was imported."
            ) from None
        except DefusedXmlException as exc:
            raise ImportFailed(
                f"{path.name}: refused for safety ({exc}). Nothing was imported."
            ) from None


def text(element: Element, name: str, default: str = "") -> str:
    """The text of ``element``'s child ``name``, stripped ('' when absent)."""
    for child in children(element, name):
        return (child.text or default).strip()
    return default


def children(element: Element, name: str) -> Iterator[Element]:
    """``element``'s children named ``name`` ("wp:comment": a prefix the
    reader gave, not one ElementPath knows)."""
    return (child for child in element if child.tag == name)


def flag(element: Element, name: str) -> bool:
    return text(element, name).lower() in ("true", "1")


def parse_date(value: str) -> datetime | None:
    """A UTC datetime from the exports' forms ("2024-01-05 10:00:00", ISO 8601
    with Z); None for none or WordPress's zero date."""
    value = value.strip()
    if not value or value.startswith("0000"):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


# HTML -----------------------------------------------------------------------

_BLOCK_START = re.compile(
    r"^\s*</?(p|div|ul|ol|li|blockquote|h[1-6]|pre|table|thead|tbody|tr|td|th"
    r"|figure|hr)\b",
    re.IGNORECASE,
)


def _paragraphs(html: str) -> str:
    """WordPress stores text with blank lines between paragraphs and adds the
    <p> and <br> when it shows it (wpautop); do the same before sanitizing.
    Lines that open a block element (a list, a heading...) are left as they are."""
    out: list[str] = []
    for block in re.split(r"\n\s*\n", html.replace("\r\n", "\n").strip()):
        lines: list[str] = []
        for line in block.split("\n"):
            if _BLOCK_START.match(line):
                if lines:
                    out.append(f"<p>{'<br>'.join(lines)}</p>")
                    lines = []
                out.append(line)
            elif line.strip():
                lines.append(line)
        if lines:
            out.append(f"<p>{'<br>'.join(lines)}</p>")
    return "\n".join(out)


def safe_html(html: str, profile: Profile) -> str:
    """Imported HTML as Haven shows it: paragraphs made, then Haven's one
    sanitizer (app.markup.clean_html). An article's own headings start at h2."""
    html = _paragraphs(html.replace("\x00", "\ufffd"))
    if profile is Profile.ARTICLE:
        html = re.sub(r"<(/?)h1\b", r"<\1h2", html, flags=re.IGNORECASE)
    return clean_html(html, profile)


def as_markdown(html: str, profile: Profile) -> str:
    """Imported HTML as the Markdown Haven keeps and edits: sanitized first,
    then written as Markdown, so that an edit opens readable text and the
    stored HTML is what render_markdown() makes of it, as for any comment."""
    return str(markdownify(safe_html(html, profile), heading_style="ATX")).strip()


# Where things came from -----------------------------------------------------


class SourceIds:
    """The rows an export's ids became (import_source), for one source."""

    def __init__(self, session: Session, source: str) -> None:
        self.session = session
        self.source = source[:300]

    def find(self, kind: str, source_ids: Iterable[str]) -> dict[str, int]:
        wanted = list({s[:200] for s in source_ids})
        found: dict[str, int] = {}
        for start in range(0, len(wanted), BATCH):
            found.update(
                self.session.execute(
                    select(ImportSource.source_id, ImportSource.target_id).where(
                        ImportSource.source == self.source,
                        ImportSource.kind == kind,
                        ImportSource.source_id.in_(wanted[start : start + BATCH]),
                    )
                ).all()
            )
        return found

    def get(self, kind: str, source_id: str) -> int | None:
        return self.find(kind, [source_id]).get(source_id[:200])

    def remember(self, kind: str, pairs: dict[str, int]) -> None:
        """Record (or re-point) where each source id went."""
        if not pairs:
            return
        rows = {s[:200]: t for s, t in pairs.items()}
        self.session.execute(
            delete(ImportSource)
            .where(
                ImportSource.source == self.source,
                ImportSource.kind == kind,
                ImportSource.source_id.in_(list(rows)),
            )
            .execution_options(synchronize_session=False)
        )
        now = utcnow()
        self.session.execute(
            insert(ImportSource),
            [
                {
                    "source": self.source,
                    "kind": kind,
                    "source_id": source_id,
                    "target_id": target,
                    "imported_at": now,
                }
                for source_id, target in rows.items()
            ],
        )


# People ---------------------------------------------------------------------


class People:
    """Accounts for an export's authors, and members among its commenters.

    An author becomes a member with a random password nobody knows (they can
    ask for a reset); an existing account with the same address or username
    is used instead. Authoring an article needs no role: making someone an
    administrator stays the operator's decision.
    """

    def __init__(self, ids: SourceIds, report: ImportReport) -> None:
        self.session = ids.session
        self.ids = ids
        self.report = report
        self._by_email: dict[str, int | None] = {}

    def member_by_email(self, email: str) -> int | None:
        """The member with this address, if any (remembered for the import)."""
        key = accounts_service.email_key(email)
        if not key:
            return None
        if key not in self._by_email:
            self._by_email[key] = self.session.scalar(
                select(User.id).where(User.email_key == key)
            )
        return self._by_email[key]

    def author(
        self, source_id: str, *, login: str, email: str, display_name: str
    ) -> int:
        """The account for an export's author, made on the first import."""
        known = self.ids.get("user", source_id)
        if known is not None and self.session.get(User, known) is not None:
            self.report.count("author", "unchanged")
            return known
        username = _username(login or display_name)
        match = self.member_by_email(email) if email else None
        if match is None:
            match = self.session.scalar(
                select(User.id).where(
                    User.username_key == accounts_service.username_key(username)
                )
            )
        if match is not None:
            self.report.count("author", "matched")
            target = match
        else:
            user = accounts_service.create_user(
                self.session,
                username=username,
                email=email or f"{username}@imported.invalid",
                password=secrets.token_urlsafe(32),
                display_name=(display_name or username)[:60],
            )
            self.report.count("author", "imported")
            target = user.id
            self.session.expunge(user)
        self.ids.remember("user", {source_id: target})
        return target


def _username(name: str) -> str:
    username = slugify(name, max_length=30, separator="_") or "author"
    return username if len(username) >= 3 else f"{username}_author"[:30]


# Articles ---------------------------------------------------------------------


def unique_slug(session: Session, wanted: str, title: str) -> str:
    """``wanted`` (or one from the title), with -2, -3... when another article has it."""
    base = slugify(wanted or title, max_length=110) or "article"
    slug, n = base, 1
    while True:
        holder = session.scalar(select(Article.id).where(Article.slug == slug))
        if holder is None:
            return slug
        n += 1
        slug = f"{base}-{n}"


def set_closed(session: Session, article_id: int, *, closed: bool) -> bool:
    """Close a discussion closed at the source (the source doesn't say since
    when: from now); reopen one only if an import closed it. Whether anything
    changed."""
    if closed:
        statement = (
            update(Article)
            .where(Article.id == article_id, Article.comments_closed_at.is_(None))
            .values(comments_closed_at=utcnow(), close_reason=CLOSED_ON_SOURCE)
        )
    else:
        statement = (
            update(Article)
            .where(
                Article.id == article_id,
                Article.comments_closed_at.is_not(None),
                Article.close_reason == CLOSED_ON_SOURCE,
            )
            .values(comments_closed_at=None, close_reason=None)
        )
    result = session.execute(
        statement.values(updated_at=Article.updated_at).execution_options(
            synchronize_session="fetch"
        )
    )
    return bool(getattr(result, "rowcount", 0))


# Comments ---------------------------------------------------------------------


@dataclass(frozen=True)
class ImportedComment:
    source_id: str
    article_id: int
    parent_source_id: str | None
    author_id: int | None
    guest_name: str | None
    guest_email: str | None
    body: str
    status: CommentStatus
    created_at: datetime

    def values(self) -> dict[str, Any]:
        body = as_markdown(self.body, Profile.COMMENT)
        return {
            "article_id": self.article_id,
            "author_id": self.author_id,
            "guest_name": self.guest_name,
            "guest_email": self.guest_email,
            "body": body,
            "body_html": render_markdown(body, Profile.COMMENT),
            "body_fingerprint": duplicates.fingerprint(body),
            "status": self.status,
            "created_at": self.created_at,
        }


_COMPARED = (
    "article_id",
    "author_id",
    "guest_name",
    "guest_email",
    "body",
    "status",
    "created_at",
)


class _Placed(NamedTuple):
    """An imported comment already placed, as placing its replies needs it."""

    id: int
    root_id: int | None
    depth: int


class Comments:
    """Writes imported comments in batches, then places each under its parent.

    The parent may come later in the file, so every comment is written first
    and placed when ``place()`` runs (after the batch for WordPress, whose
    replies stay inside their post; at the end for Disqus).
    """

    def __init__(self, ids: SourceIds, report: ImportReport) -> None:
        self.session = ids.session
        self.ids = ids
        self.report = report
        self._batch: list[ImportedComment] = []
        # comment id -> (its article, its parent's source id) until placed
        self._unplaced: dict[int, tuple[int, str | None]] = {}

    def add(self, comment: ImportedComment) -> None:
        self._batch.append(comment)
        if len(self._batch) >= BATCH:
            self.write()

    def write(self) -> None:
        batch, self._batch = self._batch, []
        if not batch:
            return
        known = self.ids.find("comment", (c.source_id for c in batch))
        rows = {
            row.id: row
            for row in self.session.execute(
                select(Comment.id, *(getattr(Comment, c) for c in _COMPARED)).where(
                    Comment.id.in_(known.values())
                )
            )
        }
        new: list[ImportedComment] = []
        for comment in batch:
            target = known.get(comment.source_id[:200])
            row = rows.get(target) if target is not None else None
            if row is None:
                new.append(comment)
                continue
            assert target is not None
            values = comment.values()
            changed = {c: values[c] for c in _COMPARED if getattr(row, c) != values[c]}
            if changed:
                changed["body_html"] = values["body_html"]
                changed["body_fingerprint"] = values["body_fingerprint"]
                self.session.execute(
                    update(Comment)
                    .where(Comment.id == target)
                    .values(changed)
                    .execution_options(synchronize_session=False)
                )
            self.report.count("comment", "updated" if changed else "unchanged")
            self._unplaced[target] = (comment.article_id, comment.parent_source_id)
        if new:
            made = self.session.scalars(
                insert(Comment).returning(Comment.id, sort_by_parameter_order=True),
                [c.values() for c in new],
            ).all()
            self.ids.remember(
                "comment", {c.source_id: i for c, i in zip(new, made, strict=True)}
            )
            for comment, target in zip(new, made, strict=True):
                self._unplaced[target] = (comment.article_id, comment.parent_source_id)
            self.report.count("comment", "imported", len(new))

    def _parent(
        self,
        comment_id: int,
        unplaced: dict[int, tuple[int, str | None]],
        parents: dict[str, int],
        current: dict[int, tuple[int, int | None, int | None, int]],
    ) -> int | None:
        """The comment's parent here, if it is in the same discussion."""
        article_id, parent_source = unplaced[comment_id]
        if parent_source is None:
            return None
        parent = parents.get(parent_source[:200])
        if parent is None or parent == comment_id or parent not in current:
            self.report.notes[
                "replies whose parent is not in the file, kept top level"
            ] += 1
            return None
        if current[parent][0] != article_id:
            self.report.notes[
                "replies to another discussion's comment, kept top level"
            ] += 1
            return None
        return parent

    def place(self) -> None:
        """Give every comment written since the last call its parent, root and
        depth. Replies keep their true parent at any depth, as posting does
        (the thread shows those below its deepest indent flat). A parent that
        is missing, in another discussion or in a loop leaves it top level."""
        self.write()
        unplaced, self._unplaced = self._unplaced, {}
        if not unplaced:
            return
        parents = self.ids.find(
            "comment", {p for _, p in unplaced.values() if p is not None}
        )
        wanted = set(unplaced) | set(parents.values())
        current: dict[int, tuple[int, int | None, int | None, int]] = {}
        ids = list(wanted)
        for start in range(0, len(ids), BATCH):
            for row in self.session.execute(
                select(
                    Comment.id,
                    Comment.article_id,
                    Comment.parent_id,
                    Comment.root_id,
                    Comment.depth,
                ).where(Comment.id.in_(ids[start : start + BATCH]))
            ):
                current[row.id] = (
                    row.article_id,
                    row.parent_id,
                    row.root_id,
                    row.depth,
                )
        resolved = {c: self._parent(c, unplaced, parents, current) for c in unplaced}
        placed: dict[int, TreePlace] = {}
        for comment_id in unplaced:
            chain: list[int] = []
            node = comment_id
            while node not in placed:
                if node not in unplaced:  # placed by an earlier batch or run
                    _, parent_id, root_id, depth = current[node]
                    placed[node] = TreePlace(parent_id, root_id or node, depth)
                    break
                parent = resolved[node]
                if parent is None or node in chain:  # top level, or a loop: cut here
                    placed[node] = place_under(None, own_id=node)
                    break
                chain.append(node)
                node = parent
            for node in reversed(chain):
                if node not in placed:
                    parent = resolved[node]
                    assert parent is not None
                    above = placed[parent]
                    placed[node] = place_under(
                        _Placed(parent, above.root_id, above.depth)
                    )
        changes = [
            {"cid": c, "p": p, "r": r, "d": d}
            for c, (p, r, d) in placed.items()
            if c in unplaced and current.get(c, (0, None, None, 0))[1:] != (p, r, d)
        ]
        if changes:
            self.session.connection().execute(
                update(Comment)
                .where(Comment.id == bindparam("cid"))
                .values(
                    parent_id=bindparam("p"),
                    root_id=bindparam("r"),
                    depth=bindparam("d"),
                ),
                changes,
            )


class ImportRun:
    """One import of one file. ``name`` is what names the site in the export
    (found as it is read); the source ids, people and comments are ready once
    it is known."""

    kind = ""  # "wordpress", "disqus": the start of the source's name
    label = ""  # how people call such an export
    named_by = ""  # what in the export names the site

    def __init__(self, session: Session, path: Path, progress: Progress | None):
        self.session = session
        self.path = path
        self.progress = progress
        self.report = ImportReport()
        self.name = ""
        self._started: tuple[SourceIds, People, Comments] | None = None

    def started(self) -> tuple[SourceIds, People, Comments]:
        if self._started is None:
            if not self.name:
                raise ImportFailed(
                    f"{self.path.name}: not a {self.label} export (no {self.named_by} "
                    "before the first record). Nothing was imported."
                )
            self.report.source = f"{self.kind}:{self.name}"
            ids = SourceIds(self.session, self.report.source)
            self._started = (
                ids,
                People(ids, self.report),
                Comments(ids, self.report),
            )
        return self._started

    def finish(self) -> ImportReport:
        """Place the replies still waiting for a parent, then bring the derived
        state in line (``finish()``)."""
        _, _, comments = self.started()
        comments.place()
        finish(self.session)
        return self.report


def finish(session: Session) -> None:
    """Bring every derived count and the search index in line with what was
    written: the queue counters, each article's counts and discussion version
    (so no cached page survives), and the index, rebuilt from the rows."""
    session.flush()
    standing.recount(session)
    search_index.reindex(session)
