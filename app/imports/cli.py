"""`haven import wordpress FILE` and `haven import disqus FILE` (registered
with the `haven import` group in app/cli.py)."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)

from app.config import get_settings
from app.db import session_scope
from app.errors import DomainError
from app.imports import source
from app.imports.disqus import import_disqus
from app.imports.wordpress import import_wordpress

Importer = Callable[..., source.ImportReport]
ExportFile = Annotated[
    Path, typer.Argument(help="The export file (XML).", show_default=False)
]


def fail(message: str) -> NoReturn:
    """Say what went wrong on stderr and exit with code 1."""
    typer.secho(f"Error: {message}", err=True, fg=typer.colors.RED)
    raise typer.Exit(code=1)


@contextmanager
def progress_bar(
    description: str, total: int, *, in_bytes: bool = False
) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr; the caller reports how much is done."""
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        *((DownloadColumn(),) if in_bytes else ()),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True)) as bar:
        task = bar.add_task(description, total=total)
        yield lambda done: bar.update(task, completed=done)


def _run(importer: Importer, path: Path) -> None:
    """Import ``path`` in one transaction with a progress bar on stderr, then
    print the report; a clear message and exit code 1 when it can't."""
    if not path.is_file():
        fail(f"{path}: no such file.")
    try:
        with progress_bar(
            f"Reading {path.name}", path.stat().st_size, in_bytes=True
        ) as step:

            def progress(done: int, total: int) -> None:  # noqa: ARG001
                step(done)

            with session_scope(get_settings()) as session:
                report = importer(session, path, progress=progress)
    except DomainError as exc:
        fail(exc.message)
    for line in report.lines():
        typer.echo(line)


def wordpress_command(file: ExportFile) -> None:
    """Import a WordPress export (WXR): posts, authors, tags and comments.

    Run it again to bring in what changed: nothing is duplicated.
    """
    _run(import_wordpress, file)


def disqus_command(file: ExportFile) -> None:
    """Import a Disqus export: posts join the article their thread names.

    A thread matches the article whose slug ends its link, or is its
    identifier; threads that match none are listed.

    Run it again to bring in what changed: nothing is duplicated.
    """
    _run(import_disqus, file)
