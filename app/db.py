"""Engine, sessions and the column types every domain shares."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from threading import Lock
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import DateTime, Engine, MetaData, Select, create_engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from app.config import Settings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite drops the offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(
        self,
        value: datetime | None,
        dialect: Dialect,  # noqa: ARG002 (the TypeDecorator signature)
    ) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value


# Execution option marking a transaction that is going to write (see make_engine).
WRITE_INTENT = "haven_write_intent"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def make_engine(
    url: str, *, echo: bool = False, show_parameters: bool = False
) -> Engine:
    """An engine; on SQLite with WAL, foreign keys and SQLAlchemy-driven transactions.

    A failed statement's parameters (a password hash, an e-mail address) stay
    out of its exception, and so out of the logs, unless ``show_parameters``.
    """
    hide_parameters = not show_parameters
    sqlite = url.startswith("sqlite")
    if not sqlite:
        return create_engine(
            url, echo=echo, pool_pre_ping=True, hide_parameters=hide_parameters
        )
    engine = create_engine(
        url,
        echo=echo,
        hide_parameters=hide_parameters,
        connect_args={"check_same_thread": False, "timeout": 15},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # SQLAlchemy, not pysqlite, emits BEGIN and SAVEPOINT: this makes the
        # per-test savepoint rollback exact (SQLAlchemy docs, sqlite dialect).
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA busy_timeout = 15000")
        if ":memory:" not in url and "mode=memory" not in url:
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A request that will write takes SQLite's write lock at BEGIN: a
        # read-then-write transaction could otherwise fail with a stale snapshot
        # when another worker wrote in between (busy_timeout does not cover that).
        immediate = conn.get_execution_options().get(WRITE_INTENT) is True
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


# SQLite's primary result codes for a database that can't be reached: busy
# (locked past busy_timeout), I/O error (a failing disk or network mount),
# can't open (the file or its folder is gone or out of reach).
_SQLITE_UNREACHABLE = frozenset({5, 10, 14})
# PostgreSQL's SQLSTATEs for the same: connection exceptions (class 08),
# the server shutting down or starting up, too many connections.
_PG_UNREACHABLE = frozenset({"57P01", "57P02", "57P03", "53300"})


def database_unreachable(exc: BaseException) -> bool:
    """Whether ``exc`` says the database can't be reached now (down, refused,
    cut off, locked out), as opposed to a statement that is wrong.

    Only these become a 503 that asks to try again: a SQL mistake, a broken
    constraint or a serialization failure stays an error of ours (500).
    """
    if isinstance(exc, PoolTimeout):  # every connection busy past the timeout
        return True
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:  # the dialect saw the connection drop
        return True
    code = getattr(exc.orig, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in _SQLITE_UNREACHABLE
    if not isinstance(exc, OperationalError):
        return False
    # psycopg gives no SQLSTATE when it could not connect or lost the server.
    state = getattr(exc.orig, "sqlstate", None)
    return state is None or state.startswith("08") or state in _PG_UNREACHABLE


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def get_session(request: Request) -> Iterator[Session]:
    """One request, one transaction: commit after the handler, roll back if it raised."""
    writes = request.method not in SAFE_METHODS
    with (
        _one_writer(request.app.state.engine, writes),
        request.app.state.sessionmaker() as session,
    ):
        if writes:
            session.connection(execution_options={WRITE_INTENT: True})
        try:
            yield session
        except Exception:
            session.rollback()
            _reload_request_state(request, session)
            raise
        session.commit()


_WRITERS: dict[str, Lock] = {}


@contextmanager
def _one_writer(engine: Engine, writes: bool) -> Iterator[None]:
    """On SQLite, a worker's writing requests take turns on a lock of its own.

    SQLite lets one transaction write at a time; a second one waits in its busy
    handler, which sleeps 25 to 100 ms between tries. Ten posts at once then
    spent most of their time asleep while the database was free. Waiting here
    instead wakes each writer the moment the one before it commits. (Writers
    in other worker processes still meet SQLite's own wait.)
    """
    if not writes or engine.dialect.name != "sqlite":
        yield
        return
    lock = _WRITERS.setdefault(str(engine.url), Lock())
    with lock:
        yield


def _reload_request_state(request: Request, session: Session) -> None:
    """Reload what the request keeps on request.state (who is signed in) after a
    rollback expired it, so the error page can still show them; on failure they
    are forgotten and the page shows a visitor."""
    state: dict[str, Any] = getattr(request.state, "_state", {})
    for name, value in list(state.items()):
        if isinstance(value, Base):
            try:
                session.refresh(value)
            except SQLAlchemyError:
                state[name] = None
                session.rollback()


# scope="function": the commit runs before the response is sent, so a failed
# commit is a 500 and never a silent 200 (STYLE.md, trap 1).
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


AnySelect = Select[*tuple[Any, ...]]


class Lookup:
    """One read-only SELECT, compiled once, run on a pooled DBAPI connection
    outside any transaction and returned with its columns' own conversions.

    For the single query a cached page costs, where the Session's and the
    Connection's bookkeeping (begin, commit, events) would cost more than the
    query itself. The statement is an ordinary SQLAlchemy select, so the SQL
    still has one source; nothing here ever writes.
    """

    def __init__(self, engine: Engine, statement: AnySelect) -> None:
        self._engine = engine
        dialect = engine.dialect
        compiled = statement.compile(dialect=dialect)
        self._sql = compiled.string
        self._names = compiled.positiontup if compiled.positional else None
        # The literal values the statement holds; the others come with each call.
        self._defaults = {
            name: bind.effective_value for name, bind in compiled.binds.items()
        }
        columns = list(statement.selected_columns)
        self._keys = [str(column.key) for column in columns]
        self._convert = [
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in columns
        ]
        # SQLite connections run in autocommit already (see make_engine).
        self._autocommit = dialect.name != "sqlite"

    def one_or_none(self, **params: Any) -> dict[str, Any] | None:
        """The first row as {column key: value}, or None."""
        values = {**self._defaults, **params}
        args: Any = [values[name] for name in self._names] if self._names else values
        connection = self._engine.raw_connection()
        driver: Any = connection.driver_connection
        try:
            if self._autocommit:  # one statement: no transaction to open and end
                driver.autocommit = True
            try:
                cursor = connection.cursor()
                cursor.execute(self._sql, args)
                row = cursor.fetchone()
                cursor.close()
            finally:
                if self._autocommit:
                    driver.autocommit = False
        finally:
            connection.close()
        if row is None:
            return None
        return {
            key: convert(value) if convert else value
            for key, convert, value in zip(self._keys, self._convert, row, strict=True)
        }


@contextmanager
def session_scope(settings: Settings) -> Iterator[Session]:
    """The CLI's transaction: same contract as a request."""
    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine)() as session:
            session.connection(execution_options={WRITE_INTENT: True})
            try:
                yield session
            except Exception:
                session.rollback()
                raise
            session.commit()
    finally:
        engine.dispose()
