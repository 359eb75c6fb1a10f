"""Use cases on ministries: the reference list every allocation names."""

from __future__ import annotations

from sqlmodel import Session

from app.errors import Conflict, NotFound
from app.models import Ministry, utcnow
from app.repositories import ministries as repo
from app.schemas import MinistryCreate, MinistryUpdate
from app.services.revisions import check_revision


def get(session: Session, code: str) -> Ministry:
    ministry = repo.get(session, code)
    if ministry is None:
        raise NotFound(f"unknown ministry '{code}'")
    return ministry


def listing(session: Session, *, active: bool | None) -> list[Ministry]:
    return repo.listing(session, active=active)


def create(session: Session, body: MinistryCreate) -> Ministry:
    if repo.get(session, body.code) is not None:
        raise Conflict(f"ministry '{body.code}' exists already; PATCH it instead")
    same_case = [m.code for m in repo.listing(session) if m.code.lower() == body.code.lower()]
    if same_case:
        raise Conflict(f"ministry code '{body.code}' differs only in case from '{same_case[0]}'")
    ministry = Ministry(**body.model_dump())
    session.add(ministry)
    session.flush()
    return ministry


def update(session: Session, code: str, body: MinistryUpdate, *, if_match: str | None) -> Ministry:
    ministry = get(session, code)
    check_revision(if_match, ministry.revision, what=f"ministry '{code}'")
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    if not changes:
        return ministry
    for field, value in changes.items():
        setattr(ministry, field, value)
    ministry.revision += 1
    ministry.updated_at = utcnow()
    session.add(ministry)
    session.flush()
    return ministry
