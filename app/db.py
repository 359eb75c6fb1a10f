"""Database engines and sessions.

One engine per database URL, made on first use. SQLite gets WAL, a busy timeout and foreign keys
so that it behaves like a small server database; PostgreSQL needs nothing special.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from pathlib import Path

import anyio.to_thread
from fastapi import Request
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

from app.concurrency import finishers
from app.settings import get_settings


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def engine_for(url: str) -> Engine:
    """The engine for ``url``, made once per process."""
    with _engines_lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _engines[url] = _make_engine(url)
        return engine


def dispose_engines() -> None:
    """Close every pooled connection and forget the engines (tests, and after a fork)."""
    with _engines_lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


def ensure_sqlite_folder(url: str) -> None:
    """Create the folder of a SQLite file (``var/`` by default) before the first migration."""
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)


def _make_engine(url: str) -> Engine:
    """SQLite gets the pragmas of a small server database; PostgreSQL a checked pool."""
    if not is_sqlite(url):
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
    busy_ms = get_settings().sqlite_busy_timeout_ms

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin, so that
        # SAVEPOINTs and explicit BEGINs behave as on PostgreSQL.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(connection):  # type: ignore[no-untyped-def]
        # Writers take the write lock when they begin (waiting up to the busy timeout) instead
        # of failing later when a read transaction tries to become a write transaction.
        immediate = connection.get_execution_options().get(WRITE_INTENT, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def get_engine() -> Engine:
    return engine_for(get_settings().database_url)


WRITE_INTENT = "costshare_write_intent"
"""Execution option: this transaction will write, so SQLite should lock at BEGIN."""

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def session_for(*, writes: bool) -> Session:
    """A session; ``writes`` makes SQLite take its write lock at the start of the transaction."""
    engine = get_engine()
    bind = engine.execution_options(**{WRITE_INTENT: True}) if writes else engine
    return Session(bind, expire_on_commit=False)


COMPUTE_FIRST = frozenset(
    {
        ("POST", "/v1/allocations"),
        ("POST", "/v1/comparisons"),
        ("POST", "/v1/plans"),
        ("POST", "/v1/sweeps"),
        ("POST", "/vergelijken"),
        ("POST", "/vergelijken/uitvoeren"),
        ("POST", "/plannen"),
    }
)
"""Routes that read, then compute for a while (the solver), then maybe write. On SQLite they
must not hold the write lock while they compute: they start as readers and take the lock
with :func:`begin_writing` just before they append (comparisons and sweeps never write). The
negotiators' pages that compare, run and make plans are such routes too."""


def _writes_from_the_start(request: Request) -> bool:
    if request.method in SAFE_METHODS:
        return False
    route = request.scope.get("route")
    return (request.method, getattr(route, "path", None)) not in COMPUTE_FIRST


_WROTE = "costshare_wrote"


@event.listens_for(Session, "after_flush")
def _note_write(session: Session, _context: object) -> None:
    session.info[_WROTE] = True


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_writes(session: Session) -> None:
    session.info.pop(_WROTE, None)


def begin_writing(session: Session) -> None:
    """Make sure the session's transaction may write without waiting on a stale snapshot.

    PostgreSQL needs nothing. On SQLite a reader cannot safely become a writer (another writer
    may have committed since its snapshot), so the read-only transaction is ended and a new one
    begins IMMEDIATE, waiting for the write lock. Nothing may have been written before.
    """
    if session.get_bind().dialect.name != "sqlite":
        return
    if session.new or session.dirty or session.deleted or session.info.get(_WROTE):
        raise RuntimeError("begin_writing() must come before the transaction's first write")
    session.rollback()
    session.connection(execution_options={WRITE_INTENT: True})


async def request_session(request: Request) -> AsyncIterator[Session]:
    """One session per request, committed once after the handler returned without error."""
    session = session_for(writes=_writes_from_the_start(request))
    try:
        yield session
    except BaseException:
        await anyio.to_thread.run_sync(session.rollback, limiter=finishers())
        raise
    else:
        await anyio.to_thread.run_sync(session.commit, limiter=finishers())
    finally:
        await anyio.to_thread.run_sync(session.close, limiter=finishers())
