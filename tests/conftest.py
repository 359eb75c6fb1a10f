"""Fixtures shared by the service tests: a migrated real database, per-test rollback, keys,
and the signed log's files outside the database.

The suite runs against SQLite by default and against PostgreSQL when
``COSTSHARE_TEST_POSTGRES_URL`` names a server (``.ci/run`` does both, with the service
connected as a role of least privilege; see ``tests/databases.py``).

One signing keyring serves the whole run (``COSTSHARE_SIGNING_KEYS``); every test gets a
checkpoint file of its own (``COSTSHARE_CHECKPOINT_FILE``), since each test's database starts
from an empty log and a shared file would record heads of other tests' logs.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection
from sqlmodel import Session

from app import published
from app.auth import Role
from app.db import dispose_engines, engine_for, request_session
from app.main import create_app
from app.repositories import scenarios as scenario_repo
from app.repositories import weight_sets as weight_set_repo
from app.seed import default_data, seed
from app.services import keys as key_service
from app.services import signing
from app.settings import get_settings
from tests.databases import backend, fresh_database, migrate, service_role


def pytest_report_header() -> str:
    role = service_role()
    return f"costshare database backend: {backend()}" + (f" (service role {role})" if role else "")


@pytest.fixture(scope="session", autouse=True)
def signing_keyring(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One keyring for the run, outside the repository, also for the servers tests start."""
    folder = tmp_path_factory.mktemp("ledger") / "keys"
    previous = os.environ.get("COSTSHARE_SIGNING_KEYS")
    os.environ["COSTSHARE_SIGNING_KEYS"] = str(folder)
    get_settings.cache_clear()
    signing.ensure_keyring(folder)
    yield folder
    if previous is None:
        os.environ.pop("COSTSHARE_SIGNING_KEYS", None)
    else:
        os.environ["COSTSHARE_SIGNING_KEYS"] = previous
    get_settings.cache_clear()


@pytest.fixture(autouse=True)
def checkpoint_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """This test's checkpoint file."""
    path = tmp_path / "checkpoints.jsonl"
    monkeypatch.setenv("COSTSHARE_CHECKPOINT_FILE", str(path))
    get_settings.cache_clear()
    yield path
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One migrated database for the whole run; each test rolls its changes back."""
    with fresh_database(tmp_path_factory.mktemp("db")) as url:
        previous = os.environ.get("DATABASE_URL")
        os.environ["DATABASE_URL"] = url
        get_settings.cache_clear()
        migrate(url)
        yield url
        dispose_engines()
        if previous is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = previous
        get_settings.cache_clear()


@pytest.fixture
def db(database_url: str) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test, with default data."""
    connection = engine_for(database_url).connect()
    outer = connection.begin()
    session = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    seed(session)
    session.commit()
    try:
        yield session
    finally:
        session.close()
        outer.rollback()
        connection.close()


@dataclass(frozen=True)
class Seeded:
    """Ids of the default data in this test's database. On PostgreSQL they differ from test to
    test, because sequences never roll back: look them up, never assume 1."""

    scenario_id: int
    weight_set_id: int
    plan_scenario_id: int


@pytest.fixture
def seeded(db: Session) -> Seeded:
    data = default_data()
    scenario = scenario_repo.family(db, data["scenario"]["name"])[0]
    weight_set = weight_set_repo.family(db, data["weight_set"]["name"])[0]
    plan = scenario_repo.family(db, data["plan_scenario"]["name"])[0]
    return Seeded(
        scenario_id=scenario.id or 0,
        weight_set_id=weight_set.id or 0,
        plan_scenario_id=plan.id or 0,
    )


@pytest.fixture
def app(db: Session) -> FastAPI:
    application = create_app()

    def _test_session() -> Iterator[Session]:
        try:
            yield db
        except BaseException:
            db.rollback()
            raise
        db.commit()

    @contextmanager
    def _test_connection() -> Iterator[Connection]:
        yield db.connection()

    async def _test_source() -> published.ConnectionSource:
        return _test_connection

    application.dependency_overrides[request_session] = _test_session
    application.dependency_overrides[published.connection_source] = _test_source
    return application


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


KEY_HOLDERS = {
    "admin": (Role.ADMIN, None),
    "negotiator": (Role.NEGOTIATOR, None),
    "finance_jenv": (Role.FINANCE, "JenV"),
    "finance_bzk": (Role.FINANCE, "BZK"),
    "reader": (Role.READER, None),
}


@pytest.fixture
def keys(db: Session) -> dict[str, str]:
    """A key per holder in KEY_HOLDERS, plus ``revoked`` (a revoked admin key)."""
    issued = {
        holder: key_service.create(db, role=role.value, ministry_code=ministry).plaintext
        for holder, (role, ministry) in KEY_HOLDERS.items()
    }
    revoked = key_service.create(db, role="admin", ministry_code=None)
    key_service.revoke(db, revoked.prefix)
    issued["revoked"] = revoked.plaintext
    db.commit()
    return issued


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def assert_append_only(db: Session, table: str, *, update: str) -> None:
    """UPDATE and DELETE on ``table`` are refused by the database itself: by its triggers, or
    on PostgreSQL, where the service's role has no such privilege, before them."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    refused = "permission denied" if service_role() else "append-only"
    for statement in (f"UPDATE {table} SET {update}", f"DELETE FROM {table}"):
        nested = db.begin_nested()
        with pytest.raises(DBAPIError, match=refused):
            db.exec(text(statement))  # type: ignore[call-overload]
        nested.rollback()
