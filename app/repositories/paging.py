"""One page of rows and the count of all rows matching the same conditions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import func
from sqlmodel import Session, SQLModel, select

Row = TypeVar("Row", bound=SQLModel)


def page_of(
    session: Session,
    model: type[Row],
    *,
    where: Sequence[Any],
    order_by: Sequence[Any],
    limit: int,
    offset: int,
) -> tuple[list[Row], int]:
    """Rows ``offset`` to ``offset + limit`` of ``model`` under ``where``, and their total."""
    rows = session.exec(select(model).where(*where).order_by(*order_by).limit(limit).offset(offset))
    total = session.exec(select(func.count()).select_from(model).where(*where)).one()
    return list(rows), int(total)
