"""Real throwaway databases for tests: a temporary SQLite file, or a fresh PostgreSQL database
on the server that ``DATABASE_URL`` names (as ``.ci/run`` starts it). Never a mock."""

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


def server_url() -> str | None:
    """The PostgreSQL server to test against, if any: ``COSTSHARE_TEST_POSTGRES_URL``, which
    ``.ci/run`` sets for the PostgreSQL run of the suite."""
    return os.environ.get("COSTSHARE_TEST_POSTGRES_URL") or None


def backend() -> str:
    return "postgresql" if server_url() else "sqlite"


@contextmanager
def fresh_database(tmp_dir: Path) -> Iterator[str]:
    """An empty database for one test or one test session; dropped afterwards."""
    server = server_url()
    if server is None:
        path = tmp_dir / f"costshare-{uuid.uuid4().hex[:8]}.sqlite3"
        yield f"sqlite:///{path}"
        return
    name = f"costshare_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
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
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    from alembic import command

    command.downgrade(alembic_config(url), revision)
