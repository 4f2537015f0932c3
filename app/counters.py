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
    session.execute(
        update(Counter)
        .where(Counter.name.in_(changes))
        .values(value=Counter.value + case(changes, value=Counter.name, else_=0))
        .execution_options(synchronize_session=False)
    )


def bump(session: Session, name: str) -> None:
    add(session, {name: 1})


def read(session: Session, names: Iterable[str]) -> dict[str, int]:
    """The current values (0 for a counter that has no row)."""
    wanted = list(names)
    found: dict[str, int] = dict(session.execute(_READ, {"names": wanted}).all())
    return {name: int(found.get(name, 0)) for name in wanted}


_READ = select(Counter.name, Counter.value).where(
    Counter.name.in_(bindparam("names", expanding=True))
)


def value_of(name: str) -> ScalarSelect[int]:
    """A scalar subquery of one counter, to read it inside a bigger query."""
    return select(Counter.value).where(Counter.name == name).scalar_subquery()


def store(session: Session, values: Mapping[str, int]) -> None:
    """Set counters to exact values, creating missing rows (for recounts)."""
    for name, value in values.items():
        row = session.get(Counter, name)
        if row is None:
            session.add(Counter(name=name, value=value))
        else:
            row.value = value
    session.flush()
