"""`haven users create / set-role / set-password / list` and `haven worker`, run in-process on a fresh SQLite file."""

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner, Result

from app.accounts import service as accounts_service
from app.accounts.models import AuthSession, Role, SessionKind, User
from app.cli import cli
from app.config import get_settings
from app.db import session_scope, utcnow
from app.moderation.models import ActionKind, ModerationAction
from app.notifications.models import MailKind
from app.notifications.service import queue_mail
from app.security import verify_password

GOOD_PASSWORD = "plum tractor lighthouse"


@pytest.fixture
def haven(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    """A runner whose `haven` sees a freshly migrated database of its own."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("HAVEN_DATA_DIR", str(tmp_path / "data"))
    # get_settings() is cached: forget the previous environment on both sides.
    get_settings.cache_clear()
    runner = CliRunner()
    upgraded = runner.invoke(cli, ["db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output
    yield runner
    get_settings.cache_clear()


def _run(runner: CliRunner, *args: str, stdin: str | None = None) -> Result:
    return runner.invoke(cli, list(args), input=stdin)


def _user(username: str) -> User:
    with session_scope(get_settings()) as session:
        user = accounts_service.get_user(session, username)
        session.expunge(user)
    return user


def test_create_reads_the_password_from_stdin(haven: CliRunner) -> None:
    result = _run(
        haven,
        "users",
        "create",
        "Ruth",
        "--email",
        "ruth@example.org",
        "--role",
        "admin",
        "--display-name",
        "Nurse Ruth",
        "--password-stdin",
        stdin=GOOD_PASSWORD + "\n",
    )

    assert result.exit_code == 0, result.output
    assert "Created Ruth (admin)" in result.stdout
    assert GOOD_PASSWORD not in result.output
    user = _user("ruth")
    assert user.role == Role.ADMIN
    assert user.display_name == "Nurse Ruth"
    assert verify_password(GOOD_PASSWORD, user.password_hash)[0]


def test_create_prompts_twice_for_a_hidden_password(haven: CliRunner) -> None:
    result = _run(
        haven,
        "users",
        "create",
        "sam",
        "--email",
        "sam@example.org",
        stdin=f"{GOOD_PASSWORD}\n{GOOD_PASSWORD}\n",
    )

    assert result.exit_code == 0, result.output
    assert "Repeat for confirmation" in result.output
    assert GOOD_PASSWORD not in result.output
    user = _user("sam")
    assert user.role == Role.MEMBER
    assert user.display_name == "sam"


def test_create_asks_again_when_the_passwords_differ(haven: CliRunner) -> None:
    result = _run(
        haven,
        "users",
        "create",
        "sam",
        "--email",
        "sam@example.org",
        stdin=f"{GOOD_PASSWORD}\nsomething else\n{GOOD_PASSWORD}\n{GOOD_PASSWORD}\n",
    )

    assert result.exit_code == 0, result.output
    assert "do not match" in result.output


@pytest.mark.parametrize(
    ("username", "email", "password", "message"),
    [
        ("ann", "ann@example.org", "iloveyou123", "too common"),
        ("ann", "ann@example.org", "ann@example.org", "can't be your username"),
        ("ann", "ann@example.org", "short", "at least 10 characters"),
        ("a b", "ann@example.org", GOOD_PASSWORD, "username"),
        ("ann", "not-an-email", GOOD_PASSWORD, "email"),
    ],
)
def test_create_applies_the_sign_up_rules(
    haven: CliRunner, username: str, email: str, password: str, message: str
) -> None:
    result = _run(
        haven,
        "users",
        "create",
        username,
        "--email",
        email,
        "--password-stdin",
        stdin=password + "\n",
    )

    assert result.exit_code == 1
    assert "Error:" in result.stderr
    assert message in result.stderr
    assert "No accounts yet" in _run(haven, "users", "list").stdout


def test_create_refuses_a_taken_username_or_email(haven: CliRunner) -> None:
    first = ["--email", "kim@example.org", "--password-stdin"]
    assert (
        _run(haven, "users", "create", "kim", *first, stdin=GOOD_PASSWORD).exit_code
        == 0
    )

    same_name = _run(
        haven,
        "users",
        "create",
        "KIM",
        "--email",
        "other@example.org",
        "--password-stdin",
        stdin=GOOD_PASSWORD,
    )
    same_email = _run(
        haven,
        "users",
        "create",
        "kimberly",
        "--email",
        "Kim@Example.org",
        "--password-stdin",
        stdin=GOOD_PASSWORD,
    )

    assert same_name.exit_code == 1
    assert "username is taken" in same_name.stderr
    assert same_email.exit_code == 1
    assert "email address already exists" in same_email.stderr


def test_create_refuses_an_unknown_role(haven: CliRunner) -> None:
    result = _run(
        haven,
        "users",
        "create",
        "lee",
        "--email",
        "lee@example.org",
        "--role",
        "owner",
        "--password-stdin",
        stdin=GOOD_PASSWORD,
    )

    assert result.exit_code == 2
    assert "owner" in result.stderr


def test_set_role_changes_the_role_and_logs_it(haven: CliRunner) -> None:
    _run(
        haven,
        "users",
        "create",
        "pat",
        "--email",
        "pat@example.org",
        "--password-stdin",
        stdin=GOOD_PASSWORD,
    )

    result = _run(haven, "users", "set-role", "PAT", "moderator")

    assert result.exit_code == 0, result.output
    assert "pat is now moderator" in result.stdout
    assert _user("pat").role == Role.MODERATOR
    with session_scope(get_settings()) as session:
        action = session.scalars(select(ModerationAction)).one()
        assert action.action == ActionKind.SET_ROLE
        assert action.actor_id is None


def test_set_role_on_an_unknown_user_fails_clearly(haven: CliRunner) -> None:
    result = _run(haven, "users", "set-role", "nobody", "admin")

    assert result.exit_code == 1
    assert "nobody by that name" in result.stderr


def test_list_shows_a_table_of_everyone(haven: CliRunner) -> None:
    for name, role in (("alba", "admin"), ("bob", "member")):
        made = _run(
            haven,
            "users",
            "create",
            name,
            "--email",
            f"{name}@example.org",
            "--role",
            role,
            "--password-stdin",
            stdin=GOOD_PASSWORD,
        )
        assert made.exit_code == 0, made.output
    with session_scope(get_settings()) as session:
        banned = session.scalars(select(User).where(User.username == "bob")).one()
        banned.banned_at = utcnow()

    result = _run(haven, "users", "list")

    assert result.exit_code == 0, result.output
    header, alba, bob = result.stdout.splitlines()
    assert header.split() == ["USERNAME", "DISPLAY", "NAME", "ROLE", "JOINED", "BANNED"]
    today = f"{utcnow():%Y-%m-%d}"
    assert alba.split() == ["alba", "alba", "admin", today, "no"]
    assert bob.split() == ["bob", "bob", "member", today, "yes,", "for", "good"]
    assert header.index("ROLE") == alba.index("admin")


def test_set_password_replaces_it_and_ends_sessions(haven: CliRunner) -> None:
    _run(
        haven,
        "users",
        "create",
        "dee",
        "--email",
        "dee@example.org",
        "--password-stdin",
        stdin=GOOD_PASSWORD,
    )
    with session_scope(get_settings()) as session:
        user = accounts_service.get_user(session, "dee")
        accounts_service.start_session(
            session, user, kind=SessionKind.BROWSER, lifetime=timedelta(days=1)
        )

    result = _run(
        haven,
        "users",
        "set-password",
        "DEE",
        "--password-stdin",
        stdin="a fresh new passphrase\n",
    )

    assert result.exit_code == 0, result.output
    assert "Password set for dee" in result.stdout
    assert verify_password("a fresh new passphrase", _user("dee").password_hash)[0]
    with session_scope(get_settings()) as session:
        assert session.scalars(select(AuthSession)).all() == []


def test_set_password_applies_the_rules(haven: CliRunner) -> None:
    _run(
        haven,
        "users",
        "create",
        "eve",
        "--email",
        "eve@example.org",
        "--password-stdin",
        stdin=GOOD_PASSWORD,
    )
    short = _run(
        haven, "users", "set-password", "eve", "--password-stdin", stdin="short\n"
    )
    common = _run(
        haven, "users", "set-password", "eve", "--password-stdin", stdin="password123\n"
    )
    nobody = _run(
        haven,
        "users",
        "set-password",
        "nobody",
        "--password-stdin",
        stdin=GOOD_PASSWORD,
    )

    assert short.exit_code == common.exit_code == nobody.exit_code == 1
    assert "10 to 128 characters" in short.stderr
    assert "too common" in common.stderr
    assert "nobody by that name" in nobody.stderr
    assert verify_password(GOOD_PASSWORD, _user("eve").password_hash)[0]


def test_worker_once_prints_mail_without_smtp(haven: CliRunner) -> None:
    _run(
        haven,
        "users",
        "create",
        "fay",
        "--email",
        "fay@example.org",
        "--password-stdin",
        stdin=GOOD_PASSWORD,
    )
    with session_scope(get_settings()) as session:
        user = accounts_service.get_user(session, "fay")
        queue_mail(session, MailKind.PASSWORD_RESET, user_id=user.id)

    result = _run(haven, "worker", "--once")

    assert result.exit_code == 0, result.output
    assert "To: fay@example.org" in result.stdout
    assert "1 sent, 0 skipped" in result.stdout
