"""Two sign-ups for one name at the same moment: one account, and a 409 for the other.

Each passes the "is it free?" check before the other has committed, so only the
unique index can decide; create_user turns its refusal into the same Conflict
the check gives, never a server error.
"""

import threading
import time

import pytest
from sqlalchemy import delete, select
from sqlalchemy.engine import Engine

from app.accounts import service
from app.accounts.models import User
from app.db import WRITE_INTENT, make_sessionmaker
from app.errors import Conflict


@pytest.mark.parametrize(
    ("second_username", "second_email", "field"),
    [
        ("Racer", "other@example.org", "username"),
        ("other_racer", "RACER@example.org", "email"),
    ],
)
def test_a_sign_up_racing_another_gets_a_conflict(
    engine: Engine, second_username: str, second_email: str, field: str
) -> None:
    maker = make_sessionmaker(engine)
    outcome: list[BaseException | str] = []
    first = maker()
    try:
        first.connection(execution_options={WRITE_INTENT: True})
        service.create_user(
            first, username="racer", email="racer@example.org", password="x" * 12
        )  # written, not yet committed

        def second() -> None:
            try:
                with maker() as session:
                    session.connection(execution_options={WRITE_INTENT: True})
                    service.create_user(
                        session,
                        username=second_username,
                        email=second_email,
                        password="y" * 12,
                    )
                    session.commit()
                outcome.append("stored")
            except BaseException as exc:  # judged below, in the test's thread
                outcome.append(exc)

        thread = threading.Thread(target=second)
        thread.start()
        time.sleep(0.5)  # the second has checked and waits on the first's row
        first.commit()
        thread.join(timeout=30)
    finally:
        first.close()
    try:
        assert len(outcome) == 1
        refused = outcome[0]
        assert isinstance(refused, Conflict), refused
        assert refused.status_code == 409
        assert refused.field == field
        with maker() as session:
            keys = set(session.scalars(select(User.username_key)))
            assert keys & {"racer", "other_racer"} == {"racer"}
    finally:
        with maker() as session:
            session.execute(
                delete(User).where(User.username_key.in_(["racer", "other_racer"]))
            )
            session.commit()
