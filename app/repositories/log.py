"""Queries on the signed log: its entries, its signed tree heads and the lock on appending."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, text
from sqlmodel import Session, col, select

from app.db import begin_writing
from app.models import AllocationReport, LogEntry, Publication, TreeHeadRecord

LOG_LOCK = 0x636F_7374_6C6F_67
"""The advisory lock key that serialises appends on PostgreSQL (``costlog`` in ASCII)."""


def lock_log(session: Session) -> None:
    """Hold the log's lock until the transaction ends, so appends queue and stay linear.

    PostgreSQL: a transaction-level advisory lock, which needs no privilege on any table (a
    row lock or ``LOCK TABLE`` would need UPDATE). SQLite: the database's write lock, taken by
    a transaction that begins IMMEDIATE.
    """
    begin_writing(session)
    if session.get_bind().dialect.name == "postgresql":
        session.exec(text("SELECT pg_advisory_xact_lock(:key)").bindparams(key=LOG_LOCK))  # type: ignore[call-overload]


def size(session: Session) -> int:
    """The number of entries: the next leaf index."""
    highest = session.exec(select(func.max(LogEntry.leaf_index))).one()
    return 0 if highest is None else int(highest) + 1


def entry_count(session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(LogEntry)).one())


def last_report(session: Session) -> AllocationReport | None:
    """The newest report: the head of the report chain."""
    query = select(AllocationReport).order_by(col(AllocationReport.id).desc()).limit(1)
    return session.exec(query).first()


def leaf_hashes(session: Session, *, start: int = 0) -> list[tuple[int, str]]:
    """``(leaf_index, leaf_hash)`` of the stored entries from ``start`` on, in order."""
    query = select(LogEntry.leaf_index, LogEntry.leaf_hash).where(LogEntry.leaf_index >= start)
    return [(int(i), str(h)) for i, h in session.exec(query.order_by(col(LogEntry.leaf_index)))]


def leaf_hash_at(session: Session, leaf_index: int) -> str | None:
    query = select(LogEntry.leaf_hash).where(LogEntry.leaf_index == leaf_index)
    return session.exec(query).first()


def report(session: Session, report_id: int) -> AllocationReport | None:
    return session.get(AllocationReport, report_id)


def entries(session: Session, *, start: int, limit: int) -> list[LogEntry]:
    query = (
        select(LogEntry)
        .where(LogEntry.leaf_index >= start)
        .order_by(col(LogEntry.leaf_index))
        .limit(limit)
    )
    return list(session.exec(query))


def entry_of_report(session: Session, report_id: int) -> LogEntry | None:
    return session.exec(select(LogEntry).where(LogEntry.report_id == report_id)).first()


def entry_of_publication(session: Session, publication_id: int) -> LogEntry | None:
    query = select(LogEntry).where(LogEntry.publication_id == publication_id)
    return session.exec(query).first()


def logged_publications(
    session: Session, *, years: list[int] | None = None, report_id: int | None = None
) -> list[tuple[Publication, LogEntry, str]]:
    """Publications that have a log entry, with it and their report's hash, in log order."""
    query: Any = (
        select(Publication, LogEntry, AllocationReport.report_hash)
        .join(LogEntry, col(LogEntry.publication_id) == col(Publication.id))
        .join(AllocationReport, col(AllocationReport.id) == col(Publication.report_id))
    )
    if years is not None:
        query = query.where(col(Publication.year).in_(years))
    if report_id is not None:
        query = query.where(Publication.report_id == report_id)
    rows = session.exec(query.order_by(col(LogEntry.leaf_index)))
    return [(p, e, str(h)) for p, e, h in rows]


def publication_entries_before(session: Session, end: int) -> list[LogEntry]:
    """Every publication entry before leaf ``end``, in log order."""
    query = (
        select(LogEntry)
        .where(LogEntry.kind == "publication", LogEntry.leaf_index < end)
        .order_by(col(LogEntry.leaf_index))
    )
    return list(session.exec(query))


def report_entries_before(session: Session, end: int) -> int:
    query = select(func.count()).where(LogEntry.kind == "report", LogEntry.leaf_index < end)
    return int(session.exec(query.select_from(LogEntry)).one())


def reports_by_id(session: Session, ids: list[int]) -> dict[int, AllocationReport]:
    if not ids:
        return {}
    query = select(AllocationReport).where(col(AllocationReport.id).in_(ids))
    return {row.id: row for row in session.exec(query)}


def publications_by_id(session: Session, ids: list[int]) -> dict[int, Publication]:
    if not ids:
        return {}
    query = select(Publication).where(col(Publication.id).in_(ids))
    return {row.id or 0: row for row in session.exec(query)}


def unlogged_reports(session: Session, *, limit: int | None) -> list[AllocationReport]:
    """Reports without a report entry in the log."""
    query = (
        select(AllocationReport)
        .outerjoin(LogEntry, col(LogEntry.report_id) == col(AllocationReport.id))
        .where(col(LogEntry.leaf_index).is_(None))
        .order_by(col(AllocationReport.id))
    )
    return list(session.exec(query if limit is None else query.limit(limit)))


def unlogged_publications(session: Session, *, limit: int | None) -> list[Publication]:
    """Publications without a publication entry in the log."""
    query = (
        select(Publication)
        .outerjoin(LogEntry, col(LogEntry.publication_id) == col(Publication.id))
        .where(col(LogEntry.leaf_index).is_(None))
        .order_by(col(Publication.id))
    )
    return list(session.exec(query if limit is None else query.limit(limit)))


def counts(session: Session) -> tuple[int, int]:
    """How many reports and publications the database holds."""
    reports = session.exec(select(func.count()).select_from(AllocationReport)).one()
    publications = session.exec(select(func.count()).select_from(Publication)).one()
    return int(reports), int(publications)


def latest_head(session: Session) -> TreeHeadRecord | None:
    query = select(TreeHeadRecord).order_by(col(TreeHeadRecord.tree_size).desc()).limit(1)
    return session.exec(query).first()


def head_of_size(session: Session, tree_size: int) -> TreeHeadRecord | None:
    return session.get(TreeHeadRecord, tree_size)


def heads_between(session: Session, *, above: int, up_to: int) -> list[TreeHeadRecord]:
    """Signed heads with ``above`` < tree_size ≤ ``up_to``, smallest first."""
    query = (
        select(TreeHeadRecord)
        .where(TreeHeadRecord.tree_size > above, TreeHeadRecord.tree_size <= up_to)
        .order_by(col(TreeHeadRecord.tree_size))
    )
    return list(session.exec(query))


def head_count(session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(TreeHeadRecord)).one())
