"""`haven backup DIR`: a consistent copy while the site keeps writing."""

import shutil
import sqlite3
import subprocess
import threading
from pathlib import Path

import pytest
from sqlalchemy import make_url

from app.archive import backup
from app.config import get_settings
from app.db import session_scope
from tests.archive.conftest import Use, haven
from tests.factories import make_article


def test_sqlite_backup_while_a_writer_writes(
    site: Use, tmp_path: Path, backend: str
) -> None:
    if backend != "sqlite":
        pytest.skip("SQLite's online backup")
    url = site("live")
    with session_scope(get_settings()) as session:
        make_article(session, title="Before the copy")
    database = make_url(url).database
    assert database is not None
    stop = threading.Event()
    written: list[int] = []

    def writer() -> None:
        connection = sqlite3.connect(database, timeout=30)
        while not stop.is_set():
            with connection:
                connection.execute(
                    "INSERT INTO tag (slug, name) VALUES (?, ?)",
                    (f"t{len(written)}", f"Tag {len(written)}"),
                )
            written.append(1)
        connection.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 20:
            stop.wait(0.01)
        result = haven("backup", str(tmp_path / "backups"))
    finally:
        stop.set()
        thread.join()

    assert result.exit_code == 0, result.output
    (copy,) = (tmp_path / "backups").glob("haven-*.db")
    assert f"Backed up to {copy}" in result.stdout
    with sqlite3.connect(copy) as opened:
        assert opened.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        titles = opened.execute("SELECT title FROM article").fetchall()
        tags = opened.execute("SELECT count(*) FROM tag").fetchone()[0]
    assert titles == [("Before the copy",)]
    assert 20 <= tags <= len(written)


def test_postgres_backup_runs_pg_dump(site: Use, tmp_path: Path, backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("pg_dump")
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.skip("pg_dump is not installed")
    site("live")
    with session_scope(get_settings()) as session:
        make_article(session, title="Dumped")

    result = haven("backup", str(tmp_path / "backups"))

    assert result.exit_code == 0, result.output
    (dump,) = (tmp_path / "backups").glob("haven-*.dump")
    assert dump.read_bytes().startswith(b"PGDMP")
    restored = subprocess.run(
        [str(shutil.which("pg_restore")), "--data-only", "--file=-", str(dump)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "Dumped" in restored.stdout


def test_postgres_backup_without_pg_dump_prints_the_command(
    site: Use, tmp_path: Path, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if backend != "postgresql":
        pytest.skip("pg_dump")
    site("live")
    monkeypatch.setenv("PATH", str(tmp_path / "empty-path"))

    result = haven("backup", str(tmp_path / "backups"))

    assert result.exit_code == 0, result.output
    assert "pg_dump is not on PATH. Run this to back up the database:" in result.stdout
    assert "pg_dump -Fc --file=" in result.stdout
    assert "--dbname=postgresql://" in result.stdout
    assert not list((tmp_path / "backups").glob("haven-*"))


def test_an_unknown_database_is_refused(tmp_path: Path) -> None:
    with pytest.raises(backup.BackupFailed, match="can't back up a mysql database"):
        backup.backup("mysql://somewhere/haven", tmp_path)
