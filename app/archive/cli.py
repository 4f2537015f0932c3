"""`haven export FILE`, `haven import haven FILE` and `haven backup DIR`
(registered in app/cli.py)."""

import shlex
from pathlib import Path
from typing import Annotated

import typer

from app.archive import backup as backups
from app.archive.export import export_file
from app.archive.restore import read_archive, restore
from app.config import get_settings
from app.db import session_scope
from app.errors import DomainError
from app.imports.cli import fail, progress_bar


def export_command(
    file: Annotated[Path, typer.Argument(help="The JSON file to write.")],
) -> None:
    """Export every article, comment (with status, threading and revisions),
    tag and public profile to a JSON file `haven import haven` restores."""
    with session_scope(get_settings()) as session:
        counts = export_file(session, file)
    typer.echo(f"Exported to {file}:")
    for kind, n in counts.items():
        typer.echo(f"  {kind}: {n}")


def haven_command(
    file: Annotated[Path, typer.Argument(help="A `haven export` file (JSON).")],
) -> None:
    """Restore a Haven export into an empty site (same ids and threads).

    Members come back without passwords or e-mail addresses: each must be
    given a new password (`haven users set-password`) before signing in.
    """
    if not file.is_file():
        fail(f"{file}: no such file.")
    try:
        with progress_bar(f"Restoring {file.name}", 2) as step:
            archive = read_archive(file)
            step(1)
            with session_scope(get_settings()) as session:
                counts = restore(session, archive)
            step(2)
    except DomainError as exc:
        fail(exc.message)
    typer.echo(f"Restored from {file}:")
    for kind, n in counts.items():
        typer.echo(f"  {kind}: {n}")
    typer.echo(
        "Members were restored without passwords or e-mail addresses: each must "
        "reset their password (`haven users set-password USERNAME`) to sign in."
    )


def backup_command(
    directory: Annotated[Path, typer.Argument(help="Folder for the copy.")],
) -> None:
    """Copy the database consistently while the site runs (SQLite's online
    backup; on PostgreSQL pg_dump, or the command to run when it is absent)."""
    try:
        made = backups.backup(get_settings().database_url, directory)
    except DomainError as exc:
        fail(exc.message)
    if made.path is None:
        typer.echo("pg_dump is not on PATH. Run this to back up the database:")
        typer.echo(f"  {shlex.join(made.command)}")
        return
    typer.echo(f"Backed up to {made.path}")
