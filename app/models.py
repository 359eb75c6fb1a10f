"""Tables. Alembic owns the schema (see ``migrations/``); these classes describe it for queries.

Money is stored as integer cents (BIGINT) and weights as integer millionths, so neither SQLite
nor PostgreSQL ever rounds a figure. Timestamps are UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, Integer, String, Text, UniqueConstraint
from sqlalchemy.sql.expression import false as sa_false
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

ALL_POOLS = "*"
"""Pool marker of a weight that applies to every pool without a weight of its own."""


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every backend (SQLite drops the zone when storing)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given; use app.models.utcnow()")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _ts() -> Any:
    return Field(default_factory=utcnow, sa_type=UtcDateTime, nullable=False)


class Ministry(SQLModel, table=True):
    __tablename__ = "ministry"

    code: str = Field(primary_key=True, sa_type=String(16))
    name: str = Field(sa_type=String(200), nullable=False)
    chapter: str = Field(sa_type=String(8), nullable=False)
    mandate: str = Field(default="", sa_type=Text, nullable=False)
    active: bool = Field(default=True, sa_type=Boolean, nullable=False)
    revision: int = Field(default=1, sa_type=Integer, nullable=False)
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class WeightSet(SQLModel, table=True):
    __tablename__ = "weight_set"
    __table_args__ = (UniqueConstraint("name", "version", name="uq_weight_set_name_version"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=Integer)
    name: str = Field(sa_type=String(120), nullable=False, index=True)
    version: int = Field(default=1, sa_type=Integer, nullable=False)
    status: str = Field(default="draft", sa_type=String(16), nullable=False)
    description: str = Field(default="", sa_type=Text, nullable=False)
    based_on_id: int | None = Field(default=None, foreign_key="weight_set.id", sa_type=Integer)
    revision: int = Field(default=1, sa_type=Integer, nullable=False)
    created_by: str = Field(sa_type=String(64), nullable=False)
    created_at: datetime = _ts()
    updated_by: str = Field(sa_type=String(64), nullable=False)
    updated_at: datetime = _ts()


class WeightEntry(SQLModel, table=True):
    __tablename__ = "weight_entry"
    __table_args__ = (
        UniqueConstraint("weight_set_id", "ministry_code", "pool", name="uq_weight_entry_cell"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=Integer)
    weight_set_id: int = Field(foreign_key="weight_set.id", sa_type=Integer, nullable=False)
    ministry_code: str = Field(foreign_key="ministry.code", sa_type=String(16), nullable=False)
    pool: str = Field(default=ALL_POOLS, sa_type=String(32), nullable=False)
    weight_micros: int = Field(sa_type=BigInteger, nullable=False)
    rationale: str = Field(default="", sa_type=Text, nullable=False)


class WeightSetEvent(SQLModel, table=True):
    """Append-only history of every change to a weight set (database triggers refuse edits)."""

    __tablename__ = "weight_set_event"

    id: int | None = Field(default=None, primary_key=True, sa_type=Integer)
    weight_set_id: int = Field(foreign_key="weight_set.id", sa_type=Integer, nullable=False)
    action: str = Field(sa_type=String(16), nullable=False)
    actor: str = Field(sa_type=String(64), nullable=False)
    at: datetime = _ts()
    before: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    after: dict[str, Any] | None = Field(default=None, sa_type=JSON)


class ApiKey(SQLModel, table=True):
    """An API key. Only the SHA-256 of its secret is kept; the key itself is shown once."""

    __tablename__ = "api_key"

    id: int | None = Field(default=None, primary_key=True, sa_type=Integer)
    prefix: str = Field(sa_type=String(16), nullable=False, unique=True)
    secret_sha256: str = Field(sa_type=String(64), nullable=False)
    role: str = Field(sa_type=String(16), nullable=False)
    ministry_code: str | None = Field(default=None, foreign_key="ministry.code", sa_type=String(16))
    label: str = Field(default="", sa_type=String(120), nullable=False)
    created_at: datetime = _ts()
    revoked_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class Scenario(SQLModel, table=True):
    """A stored scenario document, versioned by name like weight sets."""

    __tablename__ = "scenario"
    __table_args__ = (UniqueConstraint("name", "version", name="uq_scenario_name_version"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=Integer)
    name: str = Field(sa_type=String(120), nullable=False, index=True)
    version: int = Field(default=1, sa_type=Integer, nullable=False)
    description: str = Field(default="", sa_type=Text, nullable=False)
    weight_set_id: int | None = Field(default=None, foreign_key="weight_set.id", sa_type=Integer)
    document: dict[str, Any] = Field(sa_type=JSON, nullable=False)
    revision: int = Field(default=1, sa_type=Integer, nullable=False)
    created_by: str = Field(sa_type=String(64), nullable=False)
    created_at: datetime = _ts()


class AllocationReport(SQLModel, table=True):
    """One immutable allocation report; ``body`` is its canonical JSON, hashed into the chain.

    ``id`` is the report's place in the chain (1, 2, 3, …), assigned under the log's lock, so a
    gap or a reordering is visible. Database triggers refuse UPDATE and DELETE; the signed log
    (:class:`LogEntry`) holds its id and hash.
    """

    __tablename__ = "allocation_report"

    id: int = Field(primary_key=True, sa_type=Integer, sa_column_kwargs={"autoincrement": False})
    year: int = Field(sa_type=Integer, nullable=False, index=True)
    rule: str = Field(sa_type=String(16), nullable=False)
    status: str = Field(sa_type=String(16), nullable=False)
    scenario_id: int | None = Field(default=None, foreign_key="scenario.id", sa_type=Integer)
    body: str = Field(sa_type=Text, nullable=False)
    input_hash: str = Field(sa_type=String(80), nullable=False)
    report_hash: str = Field(sa_type=String(80), nullable=False, unique=True)
    prev_hash: str | None = Field(default=None, sa_type=String(80))
    created_by: str = Field(sa_type=String(64), nullable=False)
    created_at: datetime = _ts()
    idempotency_scope: str | None = Field(default=None, sa_type=String(300), unique=True)
    request_fingerprint: str | None = Field(default=None, sa_type=String(80))
    plan_id: int | None = Field(default=None, foreign_key="plan.id", sa_type=Integer, index=True)


class Plan(SQLModel, table=True):
    """A multi-year plan: one chained report per projected year, made in one act.

    ``plan_hash`` is the SHA-256 of the plan's canonical JSON (its input hash, rule and each
    year's report hash), so the plan is as tamper-evident as its reports. Append-only.
    """

    __tablename__ = "plan"

    id: int = Field(primary_key=True, sa_type=Integer, sa_column_kwargs={"autoincrement": False})
    first_year: int = Field(sa_type=Integer, nullable=False)
    last_year: int = Field(sa_type=Integer, nullable=False)
    rule: str = Field(sa_type=String(16), nullable=False)
    scenario_id: int | None = Field(default=None, foreign_key="scenario.id", sa_type=Integer)
    input_hash: str = Field(sa_type=String(80), nullable=False)
    plan_hash: str = Field(sa_type=String(80), nullable=False, unique=True)
    body: str = Field(sa_type=Text, nullable=False)
    created_by: str = Field(sa_type=String(64), nullable=False)
    created_at: datetime = _ts()


class Publication(SQLModel, table=True):
    """Append-only record of reports made official for their year; the newest one counts."""

    __tablename__ = "publication"

    id: int | None = Field(default=None, primary_key=True, sa_type=Integer)
    year: int = Field(sa_type=Integer, nullable=False, index=True)
    report_id: int = Field(foreign_key="allocation_report.id", sa_type=Integer, nullable=False)
    supersedes_report_id: int | None = Field(
        default=None, foreign_key="allocation_report.id", sa_type=Integer
    )
    actor: str = Field(sa_type=String(64), nullable=False)
    at: datetime = _ts()
    acknowledged_unadopted_weights: bool = Field(
        default=False,
        sa_type=Boolean,
        nullable=False,
        sa_column_kwargs={"server_default": sa_false()},
    )
    plan_id: int | None = Field(default=None, foreign_key="plan.id", sa_type=Integer)


class WebSession(SQLModel, table=True):
    """A person signed in through the pages with an API key. The cookie holds a random token;
    only its SHA-256 is kept. Every request re-reads the key row, so revoking the key ends the
    session at once."""

    __tablename__ = "web_session"

    id: int | None = Field(default=None, primary_key=True, sa_type=Integer)
    token_sha256: str = Field(sa_type=String(64), nullable=False, unique=True)
    api_key_id: int = Field(foreign_key="api_key.id", sa_type=Integer, nullable=False, index=True)
    key_prefix: str = Field(sa_type=String(16), nullable=False)
    csrf_token: str = Field(sa_type=String(64), nullable=False)
    created_at: datetime = _ts()
    expires_at: datetime = Field(sa_type=UtcDateTime, nullable=False, index=True)


class LogEntry(SQLModel, table=True):
    """One leaf of the signed log: a report or a publication, as the entry that was signed.

    ``entry`` is the entry's canonical JSON (the leaf's data, ``app.ledger.entries``);
    ``leaf_hash`` its RFC 6962 leaf hash in hex, stored so that roots and proofs are computed
    without re-reading entries; ``signature`` the Ed25519 signature (base64) by ``key_id``.
    ``leaf_index`` is the position in the log (0, 1, 2, …), assigned under the log's lock.
    Exactly one of ``report_id`` (a report entry) and ``publication_id`` is set.
    Append-only.
    """

    __tablename__ = "log_entry"

    leaf_index: int = Field(
        primary_key=True, sa_type=Integer, sa_column_kwargs={"autoincrement": False}
    )
    kind: str = Field(sa_type=String(16), nullable=False)
    report_id: int | None = Field(
        default=None, foreign_key="allocation_report.id", sa_type=Integer, unique=True
    )
    publication_id: int | None = Field(
        default=None, foreign_key="publication.id", sa_type=Integer, unique=True
    )
    entry: str = Field(sa_type=Text, nullable=False)
    leaf_hash: str = Field(sa_type=String(64), nullable=False)
    key_id: str = Field(sa_type=String(40), nullable=False)
    signature: str = Field(sa_type=String(100), nullable=False)
    created_at: datetime = _ts()


class TreeHeadRecord(SQLModel, table=True):
    """A signed tree head of the log: its size, root, the signed time text and the signature.

    One per appending transaction, so ``tree_size`` is unique and grows; every head is also
    appended to the checkpoint file outside the database once its transaction committed.
    Append-only.
    """

    __tablename__ = "tree_head"

    tree_size: int = Field(
        primary_key=True, sa_type=Integer, sa_column_kwargs={"autoincrement": False}
    )
    root_hash: str = Field(sa_type=String(64), nullable=False)
    signed_at: str = Field(sa_type=String(32), nullable=False)
    key_id: str = Field(sa_type=String(40), nullable=False)
    signature: str = Field(sa_type=String(100), nullable=False)
