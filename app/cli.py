"""The `haven` command: serve, migrate, load demo content, manage users."""

import logging
import signal
import sys
import threading
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from pydantic import ValidationError

from app import demo, migrate
from app.accounts import service as accounts_service
from app.accounts.models import Role, User
from app.accounts.schemas import RegisterIn
from app.archive.cli import backup_command, export_command, haven_command
from app.config import get_settings
from app.db import make_engine, make_sessionmaker, session_scope
from app.errors import DomainError, describe_validation
from app.imports.cli import disqus_command, wordpress_command
from app.notifications.transport import make_transport
from app.notifications.worker import Worker
from app.search import index as search_index

cli = typer.Typer(
    help="Haven: articles with moderated, threaded discussion.", no_args_is_help=True
)
db_cli = typer.Typer(help="Database schema.", no_args_is_help=True)
cli.add_typer(db_cli, name="db")
users_cli = typer.Typer(help="People and their roles.", no_args_is_help=True)
cli.add_typer(users_cli, name="users")
search_cli = typer.Typer(help="The full-text search index.", no_args_is_help=True)
cli.add_typer(search_cli, name="search")
import_cli = typer.Typer(
    help="Bring a community in: WordPress, Disqus or a Haven export.",
    no_args_is_help=True,
)
cli.add_typer(import_cli, name="import")
import_cli.command("wordpress")(wordpress_command)
import_cli.command("disqus")(disqus_command)
import_cli.command("haven")(haven_command)
cli.command("export")(export_command)
cli.command("backup")(backup_command)


# How long uvicorn's supervisor waits for a worker to answer before it kills it
# as hung. Its default, 5 s, is shorter than importing Haven on a busy machine
# (11 s on two shared cores): every worker was killed while starting, again and
# again, and `haven serve --workers 2` never served a request.
WORKER_STARTUP_SECONDS = 60


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
        timeout_worker_healthcheck=WORKER_STARTUP_SECONDS,
    )


@db_cli.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Apply the migrations (creates the SQLite file and its folder if needed)."""
    settings = get_settings()
    where = migrate.location(settings)
    before = migrate.current_revision(settings)
    migrate.upgrade(settings, revision=revision)
    after = migrate.current_revision(settings)
    if before is None:
        typer.echo(f"Created a new database: {where} (schema {after}).")
    elif before == after:
        typer.echo(f"Using the existing database: {where} (already at schema {after}).")
    else:
        typer.echo(
            f"Upgraded the existing database: {where} (schema {before} -> {after})."
        )


def _haven() -> str:
    """The `haven` command as it was typed (.venv/bin/haven under `make run`),
    so a printed command can be copied as it is."""
    typed = sys.argv[0]
    return typed if Path(typed).name == "haven" else "haven"


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
    set_password = f"{_haven()} users set-password"
    with session_scope(settings) as session:
        if demo.has_content(session):
            staff = demo.staff(session)
            typer.echo("The site already has articles; demo content not loaded.")
            if staff:
                names = ", ".join(f"{role} {username}" for role, username in staff)
                typer.echo(f"Staff who can sign in: {names}.")
                typer.echo(
                    "Lost a password (the demo's are shown only once)? Set a new "
                    f"one with:\n  {set_password} {staff[0][1]}"
                )
            else:
                typer.echo(
                    "No staff accounts yet; create one with:\n"
                    f"  {_haven()} users create USERNAME --email EMAIL --role admin"
                )
            if not if_empty:
                raise typer.Exit(code=1)
            return
        typer.echo("Loading the demo articles, people and discussion...")
        sign_ins = demo.load_demo(session)
    typer.echo("Demo content loaded. Staff sign-ins (shown only once, keep them safe):")
    for sign_in in sign_ins:
        typer.echo(f"  {sign_in.role}: {sign_in.username} / {sign_in.password}")
    typer.echo(f"Lost one later? Set a new password with: {set_password} USERNAME")


PasswordStdin = Annotated[
    bool,
    typer.Option("--password-stdin", help="Read the password from one line of stdin."),
]


def _fail(message: str) -> typer.Exit:
    typer.secho(f"Error: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(code=1)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        # One line, so `echo "$PASSWORD" | haven users create ...` works.
        return sys.stdin.readline().rstrip("\r\n")
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


@users_cli.command("create")
def users_create(
    username: Annotated[str, typer.Argument(help="3 to 30 letters, digits, _ or -.")],
    email: Annotated[str, typer.Option(help="Their email address (kept private).")],
    role: Annotated[Role, typer.Option(help="What they may do.")] = Role.MEMBER,
    display_name: Annotated[
        str | None, typer.Option(help="Name shown with their comments.")
    ] = None,
    password_stdin: PasswordStdin = False,
) -> None:
    """Create an account; the password gets the same checks as signing up."""
    password = _read_password(password_stdin)
    try:
        data = RegisterIn(
            username=username, email=email, password=password, display_name=display_name
        )
    except ValidationError as exc:
        raise _fail(describe_validation(exc.errors())) from None
    try:
        with session_scope(get_settings()) as session:
            user = accounts_service.register(session, data, role=role, operator=True)
            summary = f"Created {user.username} ({user.role})."
    except DomainError as exc:
        raise _fail(exc.message) from None
    typer.echo(summary)


@users_cli.command("set-password")
def users_set_password(
    username: Annotated[str, typer.Argument(help="Whose password to set.")],
    password_stdin: PasswordStdin = False,
) -> None:
    """Set someone's password (for a lost demo sign-in); their sessions end."""
    password = _read_password(password_stdin)
    try:
        with session_scope(get_settings()) as session:
            user = accounts_service.get_user(session, username)
            accounts_service.set_password(session, user, password)
            summary = f"Password set for {user.username}; their sessions have ended."
    except DomainError as exc:
        raise _fail(exc.message) from None
    typer.echo(summary)


@users_cli.command("set-role")
def users_set_role(
    username: Annotated[str, typer.Argument(help="Whose role to change.")],
    role: Annotated[Role, typer.Argument(help="The new role.")],
) -> None:
    """Give someone a role (recorded in the moderation log as the operator's act)."""
    try:
        with session_scope(get_settings()) as session:
            user = accounts_service.get_user(session, username)
            accounts_service.set_role(session, user, role, actor=None)
            summary = f"{user.username} is now {role}."
    except DomainError as exc:
        raise _fail(exc.message) from None
    typer.echo(summary)


def _banned(user: User) -> str:
    if not user.is_banned():
        return "no"
    if user.banned_until is None:
        return "yes, for good"
    return f"until {user.banned_until:%Y-%m-%d %H:%M} UTC"


@users_cli.command("list")
def users_list() -> None:
    """Every account, oldest first."""
    with session_scope(get_settings()) as session:
        rows = [
            (
                user.username,
                user.display_name,
                str(user.role),
                f"{user.created_at:%Y-%m-%d}",
                _banned(user),
            )
            for user in accounts_service.list_users(session)
        ]
    if not rows:
        typer.echo("No accounts yet. Create one with `haven users create`.")
        return
    header = ("USERNAME", "DISPLAY NAME", "ROLE", "JOINED", "BANNED")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        typer.echo(
            "  ".join(
                cell.ljust(width) for cell, width in zip(row, widths, strict=True)
            ).rstrip()
        )


@search_cli.command("reindex")
def search_reindex() -> None:
    """Rebuild the search index from the published articles and comments (after
    a bulk load or an import that bypassed Haven's services)."""

    def progress(done: int, total: int) -> None:
        typer.echo(f"  {done} of {total} comments indexed")

    typer.echo("Rebuilding the search index...")
    with session_scope(get_settings()) as session:
        articles, comments = search_index.reindex(session, progress=progress)
    typer.echo(f"Search index rebuilt: {articles} articles, {comments} comments.")


@cli.command()
def worker(
    once: Annotated[
        bool, typer.Option("--once", help="Send what is due now, then stop.")
    ] = False,
) -> None:
    """Send the outbox's mail over SMTP (HAVEN_SMTP_URL), or print it when unset."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    settings = get_settings()
    transport = make_transport(settings.smtp_url)
    where = "over SMTP" if settings.smtp_url else "to this console (no HAVEN_SMTP_URL)"
    engine = make_engine(settings.database_url)
    mailer = Worker(settings, make_sessionmaker(engine), transport)
    try:
        if once:
            report = mailer.run_once()
            typer.echo(
                f"{report.sent} sent, {report.skipped} skipped, "
                f"{report.retried} to retry, {report.failed} failed."
            )
            return
        typer.echo(
            f"Sending mail {where}, every {settings.mail_poll_seconds:g} s. Ctrl+C stops."
        )
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            mailer.run_forever(stop, settings.mail_poll_seconds)
        except KeyboardInterrupt:
            stop.set()
    finally:
        engine.dispose()


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
