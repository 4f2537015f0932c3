"""`haven demo`, `haven db upgrade` and the page the demo produces."""

import os
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

from app import demo
from app.accounts.models import Role
from app.comments.models import Comment
from app.demo_content import AWAITING_MODERATION, DISCUSSION, SPASTICITY_SLUG
from tests.realserver import haven


def test_demo_builds_the_spasticity_page(client: TestClient, session: Session) -> None:
    sign_ins = demo.load_demo(session)

    response = client.get(f"/articles/{SPASTICITY_SLUG}")

    assert response.status_code == 200
    text = response.text
    assert "What is spasticity" in text
    assert "About the author" in text
    assert text.count('class="comment"') == len(DISCUSSION)
    depths = set(session.scalars(select(Comment.depth)))
    assert depths == {1, 2, 3}
    assert [(s.role, s.username) for s in sign_ins] == [
        (Role.ADMIN, "nurse_ruth"),
        (Role.MODERATOR, "moderator"),
    ]
    assert demo.has_content(session)


def test_cli_upgrade_and_demo_work_from_any_directory(
    tmp_path: Path, project_root: Path
) -> None:
    database = tmp_path / "nested" / "site.db"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "HAVEN_DATA_DIR": str(tmp_path / "data"),
        "PYTHONPATH": str(project_root),
    }
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    upgraded = haven("db", "upgrade", cwd=elsewhere, env=env)
    assert upgraded.returncode == 0, upgraded.stderr
    loaded = haven("demo", cwd=elsewhere, env=env)
    assert loaded.returncode == 0, loaded.stderr
    assert "  admin: nurse_ruth / " in loaded.stdout
    again = haven("demo", cwd=elsewhere, env=env)
    assert again.returncode == 1
    assert "already has articles" in again.stdout
    quiet = haven("demo", "--if-empty", cwd=elsewhere, env=env)
    assert quiet.returncode == 0

    engine = create_engine(f"sqlite:///{database}")
    with engine.connect() as connection:
        assert connection.scalar(
            select(func.count()).select_from(text("comment"))
        ) == len(DISCUSSION) + len(AWAITING_MODERATION)
    engine.dispose()
    assert (tmp_path / "data" / "secret_key").exists()
