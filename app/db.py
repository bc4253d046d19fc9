"""The database: declarative base, engines for SQLite and PostgreSQL, and sessions.

The schema is made only by the Alembic migrations in ``migrations/`` (``app.migrate``); nothing
here creates tables.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import (
    Connection,
    CursorResult,
    DateTime,
    Engine,
    Executable,
    MetaData,
    create_engine,
    event,
)
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Every table; constraint names follow ``NAMING`` so migrations can name them."""

    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on both databases (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: use datetime.now(UTC)")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


Clock = Callable[[], datetime]
"""Where the service reads the time: a function returning a timezone-aware datetime."""


def system_clock() -> datetime:
    """The machine's clock, in UTC."""
    return datetime.now(UTC)


_clock: Clock = system_clock


def now() -> datetime:
    """The current time, timezone-aware UTC, by the service's clock.

    The server's clock decides every deadline (a quiz attempt's time limit, a due date), so
    every "now" of the service comes from here, and :func:`use_clock` can replace it (tests
    move time forward without waiting)."""
    moment = _clock()
    if moment.tzinfo is None:
        raise ValueError("the clock gave a naive datetime: it must carry a timezone")
    return moment.astimezone(UTC)


@contextmanager
def use_clock(clock: Clock) -> Iterator[Clock]:
    """Read the time from ``clock`` inside the block, in every thread of the process (the
    app's included), then from the clock that was in use before."""
    global _clock
    before, _clock = _clock, clock
    try:
        yield clock
    finally:
        _clock = before


def make_engine(
    url: str, immediate: bool = True, durable: bool = True, foreign_keys: bool = True
) -> Engine:
    """An engine for ``url``: SQLite in WAL mode with foreign keys and a busy timeout, so the
    embedded workers and the API can write at once; PostgreSQL with a checked pool (and,
    unless ``durable``, commits that do not wait for the WAL flush: for workers only).

    On SQLite, ``immediate`` transactions take the write lock when they begin, so two writers
    queue on the busy timeout instead of failing when a reader turns writer; an engine for
    reads only passes ``False`` (in WAL mode readers never wait). Migrations pass
    ``foreign_keys=False``: SQLite alters a table by copying it and dropping the original,
    and with foreign keys on, that drop would cascade to every row that refers to it.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
        if not durable:
            # A worker's writes (claims, heartbeats, results) can be redone: a commit lost in
            # a crash leaves the run `running`, and the reconciler grades it again. Not
            # waiting for the WAL flush on each of them spares the database's disk and CPU.
            # Uploads are written by the API, whose engine stays durable.
            @event.listens_for(engine, "connect")
            def _no_flush_wait(dbapi_connection: Any, _record: Any) -> None:
                with dbapi_connection.cursor() as cursor:
                    cursor.execute("SET synchronous_commit TO OFF")
                dbapi_connection.commit()

        return engine
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    # A pool as wide as the API's thread pool: a SQLite connection is cheap to keep and costs
    # its pragmas to open, and overflow connections would be opened and closed per request.
    engine = create_engine(
        url,
        connect_args={"timeout": 30, "check_same_thread": False},
        pool_size=20,
        max_overflow=40,
    )

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


class Database:
    """Engines and session factories; one per process (``app.state.db`` in the service)."""

    def __init__(self, url: str, durable: bool = True) -> None:
        self.url = url
        self.engine = make_engine(url, durable=durable)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._read_engine = make_engine(url, immediate=False) if is_sqlite(self.engine) else None
        self.readers = sessionmaker(self._read_engine or self.engine, expire_on_commit=False)
        self.local = self._read_engine is not None
        """SQLite: a read is a local file read (in WAL mode it never waits for a writer)."""

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A writing session in a transaction: committed on success, rolled back on error."""
        with self.sessions() as session, session.begin():
            yield session

    @contextmanager
    def reader(self) -> Iterator[Session]:
        """A session for reads only; on SQLite it never waits for a writer."""
        with self.readers() as session, session.begin():
            yield session

    @contextmanager
    def read_connection(self) -> Iterator[Connection]:
        """A connection for reads only, without the ORM (its unit of work costs more than an
        indexed lookup): for the reads every waiting client repeats."""
        with (self._read_engine or self.engine).connect() as connection, connection.begin():
            yield connection

    def dispose(self) -> None:
        self.engine.dispose()
        if self._read_engine is not None:
            self._read_engine.dispose()


def changed(session: Session, statement: Executable) -> int:
    """Run an ``UPDATE`` or ``DELETE`` in ``session``; how many rows it changed."""
    return cast(CursorResult[Any], session.execute(statement)).rowcount
