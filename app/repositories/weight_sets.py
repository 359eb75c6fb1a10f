"""Queries on weight sets, their entries and their history."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from app.models import WeightEntry, WeightSet, WeightSetEvent
from app.repositories.paging import page_of


def get(session: Session, weight_set_id: int) -> WeightSet | None:
    return session.get(WeightSet, weight_set_id)


def entries(session: Session, weight_set_id: int) -> list[WeightEntry]:
    query = (
        select(WeightEntry)
        .where(WeightEntry.weight_set_id == weight_set_id)
        .order_by(col(WeightEntry.pool), col(WeightEntry.ministry_code))
    )
    return list(session.exec(query))


def entries_for(session: Session, ids: list[int]) -> dict[int, list[WeightEntry]]:
    found: dict[int, list[WeightEntry]] = {i: [] for i in ids}
    if not ids:
        return found
    query = (
        select(WeightEntry)
        .where(col(WeightEntry.weight_set_id).in_(ids))
        .order_by(col(WeightEntry.pool), col(WeightEntry.ministry_code))
    )
    for entry in session.exec(query):
        found[entry.weight_set_id].append(entry)
    return found


def replace_entries(session: Session, weight_set_id: int, new: list[WeightEntry]) -> None:
    for old in entries(session, weight_set_id):
        session.delete(old)
    session.flush()
    session.add_all(new)


def page(
    session: Session,
    *,
    statuses: set[str] | None,
    name: str | None,
    limit: int,
    offset: int,
) -> tuple[list[WeightSet], int]:
    where: list[Any] = []
    if statuses is not None:
        where.append(col(WeightSet.status).in_(statuses))
    if name is not None:
        where.append(WeightSet.name == name)
    order = [col(WeightSet.name), col(WeightSet.version)]
    return page_of(session, WeightSet, where=where, order_by=order, limit=limit, offset=offset)


def family(session: Session, name: str) -> list[WeightSet]:
    query = select(WeightSet).where(WeightSet.name == name).order_by(col(WeightSet.version))
    return list(session.exec(query))


def events(session: Session, weight_set_ids: list[int]) -> list[WeightSetEvent]:
    query = (
        select(WeightSetEvent)
        .where(col(WeightSetEvent.weight_set_id).in_(weight_set_ids))
        .order_by(col(WeightSetEvent.id))
    )
    return list(session.exec(query))
