"""Stored counters: how many comments wait in each view of the queue, and the
version numbers that name what readers see (the article list, the site settings).

A counter changes in the same transaction as what it counts, with an atomic
``value = value + n``, so reading one is a primary-key lookup instead of a
COUNT over a growing table. The rows are made by the migration that made the
table; ``recount()`` rebuilds the queue counts from the comments themselves.
"""

from collections.abc import Iterable, Mapping

from sqlalchemy import (
    BigInteger,
    ScalarSelect,
    String,
    bindparam,
    case,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.db import Base

# The article list and the tag pages show this version's state (approved counts,
# titles, authors): every change they would show bumps it.
LISTING_VERSION = "version.listing"
# The site settings (the moderation policy): a new random value with every change.
SETTINGS_VERSION = "version.settings"


class Counter(Base):
    __tablename__ = "counter"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


def add(session: Session, deltas: Mapping[str, int]) -> None:
    """Add to several counters in one statement (a no-op when nothing changes)."""
    changes = {name: delta for name, delta in deltas.items() if delta}
    if not changes:
        return
    session.info.pop(_SEEN, None)
    rows = Counter.name.in_(changes)
    if len(changes) > 1:
        # Two writers changing the same counters lock their rows in one order
        # (by name), or PostgreSQL may lock them in scan order and deadlock.
        # SQLite has one writer at a time and no row locks: the clause is dropped.
        rows = Counter.name.in_(
            select(Counter.name).where(rows).order_by(Counter.name).with_for_update()
        )
    session.execute(
        update(Counter)
        .where(rows)
        .values(value=Counter.value + case(changes, value=Counter.name, else_=0))
        .execution_options(synchronize_session=False)
    )


def bump(session: Session, name: str) -> None:
    add(session, {name: 1})


# The values this transaction read, until it changes one (see read()).
_SEEN = "haven_counters"
# Read along with any other counter: most pages need them, and a second
# primary-key read would cost more than two more rows of one.
_ALONG = (LISTING_VERSION, SETTINGS_VERSION)


def read(session: Session, names: Iterable[str]) -> dict[str, int]:
    """The current values (0 for a counter that has no row).

    Remembered for the transaction until it changes a counter, so the parts of
    one page (the moderators' navigation, the queue's totals, the policy's
    version) share one query.
    """
    wanted = list(names)
    transaction = session.get_transaction()
    seen = session.info.get(_SEEN)
    values: dict[str, int] = (
        seen[1]
        if seen is not None and transaction is not None and seen[0] is transaction
        else {}
    )
    missing = [name for name in wanted if name not in values]
    if missing:
        asked = list(dict.fromkeys([*missing, *_ALONG]))
        found = dict(session.execute(_READ, {"names": asked}).all())
        values.update({name: int(found.get(name, 0)) for name in asked})
        # The query began the transaction if none had begun.
        session.info[_SEEN] = (session.get_transaction(), values)
    return {name: values[name] for name in wanted}


_READ = select(Counter.name, Counter.value).where(
    Counter.name.in_(bindparam("names", expanding=True))
)


def value_of(name: str) -> ScalarSelect[int]:
    """A scalar subquery of one counter, to read it inside a bigger query."""
    return select(Counter.value).where(Counter.name == name).scalar_subquery()


def store(session: Session, values: Mapping[str, int]) -> None:
    """Set counters to exact values, creating missing rows (for recounts)."""
    session.info.pop(_SEEN, None)
    for name, value in values.items():
        row = session.get(Counter, name)
        if row is None:
            session.add(Counter(name=name, value=value))
        else:
            row.value = value
    session.flush()
