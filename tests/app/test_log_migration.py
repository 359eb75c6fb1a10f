"""A database with reports and publications from before the signed log: migrating it drops the
chain-head row, and the first start logs its history under one signed head, once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from allocation.report import canonical_json, sha256_of
from app.ledger.checkpoints import read_checkpoints
from app.models import Publication
from app.services import audit, log
from tests.app.ledger.builders import SCENARIO, report_body
from tests.databases import downgrade, fresh_database, migrate, owner_url


@pytest.fixture
def old_database(tmp_path: Path) -> Iterator[tuple[str, Engine]]:
    """Migrated to 0004 and holding two chained reports, the first published."""
    with fresh_database(tmp_path) as url:
        migrate(url, "0004")
        owner = create_engine(owner_url(url))
        first = report_body(SCENARIO, report_id=1, prev_hash=None)
        second = report_body(SCENARIO, report_id=2, prev_hash=sha256_of(first))
        with owner.begin() as connection:
            for body in (first, second):
                connection.execute(
                    text(
                        "INSERT INTO allocation_report (id, year, rule, status, body, input_hash, "
                        "report_hash, prev_hash, created_by, created_at) VALUES (:id, 2027, "
                        ":rule, 'optimal', :body, :input, :hash, :prev, 'old', :at)"
                    ),
                    {
                        "id": body["id"],
                        "rule": body["rule"],
                        "body": canonical_json(body),
                        "input": body["input_hash"],
                        "hash": sha256_of(body),
                        "prev": body["prev_hash"],
                        "at": datetime(2027, 1, 10, tzinfo=UTC),
                    },
                )
            connection.execute(
                text("UPDATE report_chain SET length = 2, head_hash = :h"), {"h": sha256_of(second)}
            )
        with Session(owner) as session, session.begin():
            session.add(Publication(year=2027, report_id=1, actor="old"))
        try:
            yield url, owner
        finally:
            owner.dispose()


class TestMigratingHistory:
    def test_the_first_start_logs_the_old_history_once_and_it_verifies(
        self, old_database: tuple[str, Engine], checkpoint_file: Path
    ):
        url, owner = old_database
        migrate(url)
        assert "report_chain" not in inspect(owner).get_table_names()
        service = create_engine(url)
        try:
            with Session(service) as session:
                assert log.adopt_history(session) == 3
                session.commit()
            with Session(service) as session:
                assert log.adopt_history(session) == 0
                result = audit.verify_log(session, start=0, limit=100)
        finally:
            service.dispose()
        assert result.findings == []
        assert (result.tree_size, result.reports, result.publications) == (3, 2, 1)
        assert [c.head.tree_size for c in read_checkpoints(checkpoint_file).checkpoints] == [3]

    def test_a_row_slipped_in_once_the_log_exists_is_never_adopted(
        self, old_database: tuple[str, Engine]
    ):
        url, owner = old_database
        migrate(url)
        service = create_engine(url)
        try:
            with Session(service) as session:
                log.adopt_history(session)
                session.commit()
            with Session(owner) as session, session.begin():
                session.add(Publication(year=2027, report_id=2, actor="someone"))
            with Session(service) as session:
                assert log.adopt_history(session) == 0
                result = audit.verify_log(session, start=0, limit=100)
        finally:
            service.dispose()
        assert [(f.kind, f.check, f.report_id) for f in result.findings] == [
            ("publication", "logged", 2)
        ]

    def test_going_back_to_0004_restores_the_chain_head_from_the_reports(
        self, old_database: tuple[str, Engine]
    ):
        url, owner = old_database
        migrate(url)
        downgrade(url, "0004")
        with owner.connect() as connection:
            head = connection.execute(text("SELECT length, head_hash FROM report_chain")).one()
            newest = connection.execute(
                text("SELECT report_hash FROM allocation_report WHERE id = 2")
            ).scalar_one()
        assert tuple(head) == (2, newest)
        assert "log_entry" not in inspect(owner).get_table_names()
