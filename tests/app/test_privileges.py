"""Least privilege on PostgreSQL: the role the service connects as may read and append to the
log tables and nothing more there; ``costshare db grant-service-role`` makes such a role.

Roles exist on PostgreSQL only: on SQLite (whoever opens the file owns it) this module does not
apply, and ``.ci/run`` runs it on PostgreSQL with the service connected as its own role."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError

from app.privileges import LOG_TABLES
from tests.databases import backend, fresh_database, migrate, owner_url, service_role
from tests.servers import ROOT

pytestmark = pytest.mark.skipif(
    backend() != "postgresql", reason="roles and grants exist on PostgreSQL only"
)

CHANGES = {
    "UPDATE": "UPDATE {table} SET {column} = {column}",
    "DELETE": "DELETE FROM {table}",
    "TRUNCATE": "TRUNCATE {table}",
    "DROP TRIGGER": "DROP TRIGGER {table}_no_change ON {table}",
    "DISABLE TRIGGER": "ALTER TABLE {table} DISABLE TRIGGER ALL",
    "ALTER": "ALTER TABLE {table} ADD COLUMN sneaky integer",
}
COLUMN = {
    "allocation_report": "year",
    "publication": "year",
    "plan": "rule",
    "weight_set_event": "actor",
    "log_entry": "kind",
    "tree_head": "root_hash",
}
REFUSED = r"permission denied|must be owner"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A migrated database, connected to as the service's role (each statement tried is
    refused, so the tests can share it)."""
    assert service_role() is not None, (
        "set COSTSHARE_TEST_POSTGRES_OWNER_URL (the owner) and COSTSHARE_TEST_POSTGRES_URL "
        "(the service's role), as .ci/run does"
    )
    with fresh_database(tmp_path_factory.mktemp("privileges")) as url:
        migrate(url)
        engine = create_engine(url)
        try:
            yield engine
        finally:
            engine.dispose()


def _refused(engine: Engine, statement: str) -> str:
    with engine.connect() as connection:
        with pytest.raises(DBAPIError, match=REFUSED) as refused:
            connection.execute(text(statement))
        connection.rollback()
    return str(refused.value)


class TestTheServiceRole:
    @pytest.mark.parametrize("table", LOG_TABLES)
    @pytest.mark.parametrize("change", CHANGES)
    def test_may_not_change_a_log_table(self, service: Engine, table: str, change: str):
        _refused(service, CHANGES[change].format(table=table, column=COLUMN[table]))

    def test_may_read_and_append_to_the_log_and_edit_ordinary_tables(self, service: Engine):
        with service.connect() as connection:
            for table in LOG_TABLES:
                connection.execute(text(f"SELECT count(*) FROM {table}"))
            connection.execute(
                text(
                    "INSERT INTO ministry (code, name, chapter, mandate, active, revision, "
                    "created_at, updated_at) VALUES ('SZW', 'Sociale Zaken', 'XV', '', true, 1, "
                    "now(), now())"
                )
            )
            connection.execute(text("UPDATE ministry SET mandate = 'Work' WHERE code = 'SZW'"))
            connection.execute(
                text(
                    "INSERT INTO weight_set (name, version, status, description, revision, "
                    "created_by, created_at, updated_by, updated_at) VALUES ('w', 1, 'draft', '', "
                    "1, 't', now(), 't', now())"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO weight_set_event (weight_set_id, action, actor, at) "
                    "SELECT id, 'created', 't', now() FROM weight_set WHERE name = 'w'"
                )
            )
            connection.execute(text("SELECT pg_advisory_xact_lock(1)"))
            connection.rollback()

    def test_may_create_no_table(self, service: Engine):
        _refused(service, "CREATE TABLE sneaky (id integer)")


class TestTheGrantCommand:
    def test_makes_a_role_that_may_append_but_not_change_the_log(self, tmp_path: Path):
        role = f"costshare_probe_{uuid.uuid4().hex[:8]}"
        with fresh_database(tmp_path) as url:
            migrate(url)
            done = _costshare(owner_url(url), "db", "grant-service-role", role)
            assert done.returncode == 0, done.stderr
            assert f'GRANT SELECT, INSERT ON TABLE "log_entry" TO "{role}"' in done.stdout
            owner = create_engine(owner_url(url))
            try:
                with owner.connect() as connection:
                    granted = {
                        (table, privilege): connection.execute(
                            text("SELECT has_table_privilege(:r, :t, :p)"),
                            {"r": role, "t": table, "p": privilege},
                        ).scalar_one()
                        for table in ("log_entry", "ministry")
                        for privilege in ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE")
                    }
            finally:
                with owner.begin() as connection:
                    connection.execute(text(f'DROP OWNED BY "{role}"'))
                    connection.execute(text(f'DROP ROLE "{role}"'))
                owner.dispose()
        assert [p for (t, p), ok in granted.items() if t == "log_entry" and ok] == [
            "SELECT",
            "INSERT",
        ]
        assert all(ok for (t, p), ok in granted.items() if t == "ministry" and p != "TRUNCATE")

    def test_refuses_the_owner_of_the_tables(self, tmp_path: Path):
        with fresh_database(tmp_path) as url:
            migrate(url)
            owner = make_url(owner_url(url)).username or "postgres"
            done = _costshare(owner_url(url), "db", "grant-service-role", owner)
        assert done.returncode == 2
        assert "superuser" in done.stderr or "owns table" in done.stderr


def _costshare(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
