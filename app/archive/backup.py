"""`haven backup DIR`: a consistent copy of the database while the site runs."""

import shutil
import sqlite3
import subprocess
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import make_url

from app.errors import DomainError


class BackupFailed(DomainError):
    """The copy could not be made."""


@dataclass(frozen=True)
class Backup:
    """Where the copy went, or the command to run when it couldn't be made here."""

    path: Path | None
    command: list[str]


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S")


def backup(database_url: str, directory: Path) -> Backup:
    """SQLite: copy through its online backup API (readers and writers carry
    on; the copy is one consistent moment). PostgreSQL: `pg_dump -Fc` into
    ``directory`` when pg_dump is on PATH, else only the command to run."""
    url = make_url(database_url)
    directory.mkdir(parents=True, exist_ok=True)
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            raise BackupFailed("An in-memory database has nothing to back up.")
        target = directory / f"haven-{_stamp()}.db"
        try:
            with (
                closing(
                    sqlite3.connect(f"file:{url.database}?mode=ro", uri=True)
                ) as source,
                closing(sqlite3.connect(target)) as copy,
            ):
                source.backup(copy)
        except sqlite3.Error as exc:
            raise BackupFailed(f"The SQLite backup failed: {exc}.") from None
        return Backup(target, [])
    if url.get_backend_name() == "postgresql":
        target = directory / f"haven-{_stamp()}.dump"
        libpq = url.set(drivername="postgresql")
        # Shown with the password masked; run with it.
        command = ["pg_dump", "-Fc", f"--file={target}", f"--dbname={libpq}"]
        pg_dump = shutil.which("pg_dump")
        if pg_dump is None:
            return Backup(None, command)
        real = libpq.render_as_string(hide_password=False)
        done = subprocess.run(  # noqa: S603
            [pg_dump, *command[1:-1], f"--dbname={real}"],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode:
            raise BackupFailed(f"pg_dump failed: {done.stderr.strip()}")
        return Backup(target, command)
    raise BackupFailed(f"Haven can't back up a {url.get_backend_name()} database.")
