"""Alembic owns the schema: migrations build exactly what the models describe, and go down
and up again cleanly."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

import app.models  # noqa: F401
from app.db import engine_for
from tests.databases import downgrade, fresh_database, migrate


def _differences(url: str) -> list[object]:
    with engine_for(url).connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, SQLModel.metadata))


class TestMigrations:
    def test_upgrade_head_on_an_empty_database_matches_the_models(self, tmp_path: Path):
        with fresh_database(tmp_path) as url:
            migrate(url)
            assert _differences(url) == []

    def test_downgrade_to_base_then_upgrade_to_head_works(self, tmp_path: Path):
        with fresh_database(tmp_path) as url:
            migrate(url)
            downgrade(url, "base")
            tables = set(inspect(engine_for(url)).get_table_names()) - {"alembic_version"}
            assert tables == set()
            migrate(url)
            assert _differences(url) == []
            assert "weight_set_event" in inspect(engine_for(url)).get_table_names()
