"""A fingerprint of the whole database, to prove that something changed nothing."""

import hashlib

from sqlalchemy import inspect, text
from sqlalchemy.orm import Session

Snapshot = dict[str, tuple[int, str]]


def table_names(session: Session) -> list[str]:
    """Every table of the migrated schema, alembic's own and search's included."""
    return sorted(inspect(session.connection()).get_table_names())


def database_snapshot(session: Session) -> Snapshot:
    """Each table's row count and a hash of its rows (in any order)."""
    session.flush()
    snapshot: Snapshot = {}
    quote = session.connection().dialect.identifier_preparer.quote
    for name in table_names(session):
        rows = sorted(
            repr(tuple(row))
            for row in session.execute(text(f"SELECT * FROM {quote(name)}"))  # noqa: S608
        )
        digest = hashlib.sha256("\n".join(rows).encode()).hexdigest()
        snapshot[name] = (len(rows), digest)
    return snapshot


def changed_tables(before: Snapshot, after: Snapshot) -> list[str]:
    """The tables whose rows differ between two snapshots."""
    return sorted(
        name
        for name in before.keys() | after.keys()
        if before.get(name) != after.get(name)
    )
