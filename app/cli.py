"""The `haven` command: serve, migrate, load demo content."""

from typing import Annotated

import typer
import uvicorn

from app import demo, schema
from app.config import get_settings
from app.db import session_scope

cli = typer.Typer(
    help="Haven: articles with moderated, threaded discussion.", no_args_is_help=True
)
db_cli = typer.Typer(help="Database schema.", no_args_is_help=True)
cli.add_typer(db_cli, name="db")


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    reload: Annotated[
        bool, typer.Option(help="Restart on code changes (development).")
    ] = False,
) -> None:
    """Serve the site (and the JSON API) over HTTP."""
    typer.echo(
        f"Haven on http://{host}:{port} ({workers} worker{'s' if workers > 1 else ''})"
    )
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        proxy_headers=True,
    )


@db_cli.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Apply the migrations (creates the SQLite file and its folder if needed)."""
    settings = get_settings()
    schema.upgrade(settings, revision=revision)
    typer.echo(f"Database is at {revision}.")


@cli.command("demo")
def demo_command(
    if_empty: Annotated[
        bool,
        typer.Option(
            "--if-empty", help="Do nothing when the site already has articles."
        ),
    ] = False,
) -> None:
    """Load the demo articles, people and discussion into an empty site."""
    settings = get_settings()
    with session_scope(settings) as session:
        if demo.has_content(session):
            typer.echo("The site already has articles; demo content not loaded.")
            if not if_empty:
                raise typer.Exit(code=1)
            return
        with typer.progressbar(length=1, label="Loading demo content") as progress:
            passwords = demo.load_demo(session)
            progress.update(1)
    typer.echo("Demo content loaded. Staff sign-ins (shown once, keep them safe):")
    for username, password in passwords.items():
        typer.echo(f"  {username}: {password}")


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
