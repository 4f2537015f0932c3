"""A database error outside development names no parameter values (#16).

SQLAlchemy puts a failed statement's parameters into the exception's text,
and from there into the log: a password hash, an e-mail address.
"""

import logging

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.config import Settings
from app.main import create_app

SECRET = "argon2-hash-of-someone@example.org"
# The migrated schema, made by the engine fixture.
pytestmark = pytest.mark.usefixtures("engine")
# A column that does not exist: both databases refuse it without quoting the
# values themselves (PostgreSQL's DETAIL does quote a duplicate key's).
INSERT = text("INSERT INTO counter (name, no_such_column) VALUES (:name, 1)")


def failed_insert_text(settings: Settings, caplog: pytest.LogCaptureFixture) -> str:
    """The text a failed insert leaves behind: the exception and what was logged."""
    engine = create_app(settings).state.engine
    with engine.connect() as connection, connection.begin() as transaction:
        with pytest.raises(DBAPIError) as failure:
            connection.execute(INSERT, {"name": SECRET})
        logging.getLogger("haven").error("insert failed", exc_info=failure.value)
        transaction.rollback()
    engine.dispose()
    return f"{failure.value}\n{caplog.text}"


def test_a_database_error_hides_its_parameters_in_the_test_env(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    assert settings.env == "test"

    seen = failed_insert_text(settings, caplog)

    assert "counter" in seen  # the statement is still there to debug
    assert SECRET[:20] not in seen


def test_development_still_shows_parameters(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    seen = failed_insert_text(
        settings.model_copy(update={"env": "development"}), caplog
    )

    assert SECRET[:20] in seen
