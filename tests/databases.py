"""Real throwaway databases for tests: a temporary SQLite file, or a fresh PostgreSQL database
on the server ``.ci/run`` starts. Never a mock.

On PostgreSQL the service connects as a role with least privilege, as in production:
``COSTSHARE_TEST_POSTGRES_URL`` is how the service connects (the service role), and
``COSTSHARE_TEST_POSTGRES_OWNER_URL`` how migrations, grants and the tests that play a
database owner (an attacker who drops triggers) connect. Without an owner URL the one URL is
both, and the tests that need two roles fail, saying so.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.cli import alembic_config
from app.db import dispose_engines
from app.privileges import grant_service_role


def server_url() -> str | None:
    """The PostgreSQL server as the service connects to it, if the suite runs on one."""
    return os.environ.get("COSTSHARE_TEST_POSTGRES_URL") or None


def owner_server_url() -> str | None:
    """The same server as the owner of the schema (migrations run as it)."""
    return os.environ.get("COSTSHARE_TEST_POSTGRES_OWNER_URL") or server_url()


def backend() -> str:
    return "postgresql" if server_url() else "sqlite"


def service_role() -> str | None:
    """The role the service connects as, when it is not the owner."""
    service, owner = server_url(), owner_server_url()
    if service is None or owner is None:
        return None
    role = make_url(service).username
    return role if role != make_url(owner).username else None


def owner_url(url: str) -> str:
    """``url`` (a database of the test server) as the owner connects to it."""
    owner = owner_server_url()
    if owner is None or make_url(url).get_backend_name() == "sqlite":
        return url
    database = make_url(url).database
    return make_url(owner).set(database=database).render_as_string(hide_password=False)


@contextmanager
def fresh_database(tmp_dir: Path) -> Iterator[str]:
    """An empty database for one test or one test session, as the service connects to it;
    dropped afterwards."""
    server, owner = server_url(), owner_server_url()
    if server is None or owner is None:
        path = tmp_dir / f"costshare-{uuid.uuid4().hex[:8]}.sqlite3"
        yield f"sqlite:///{path}"
        return
    name = f"costshare_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(owner, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        dispose_engines()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def migrate(url: str, revision: str = "head") -> None:
    """Migrate as the owner, then grant the service role what it needs (and no more)."""
    from alembic import command

    command.upgrade(alembic_config(owner_url(url)), revision)
    grant(url)


def grant(url: str) -> None:
    role = service_role()
    if role is None:
        return
    engine = create_engine(owner_url(url))
    try:
        with engine.begin() as connection:
            grant_service_role(connection, role)
    finally:
        engine.dispose()


def downgrade(url: str, revision: str = "base") -> None:
    from alembic import command

    command.downgrade(alembic_config(owner_url(url)), revision)
