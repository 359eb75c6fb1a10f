"""Use cases on mandate weight sets: drafts are edited, adopted versions are frozen.

Changing an adopted set means creating a new draft version of the same name (a *revision*).
Every change writes an event with who, when, and the set before and after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from app.auth import Principal
from app.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.fields import weight_from_micros, weight_text, weight_to_micros
from app.models import ALL_POOLS, WeightEntry, WeightSet, WeightSetEvent, utcnow
from app.repositories import ministries as ministry_repo
from app.repositories import weight_sets as repo
from app.schemas import WeightSetCreate, WeightSetPatch, WeightSetStatus
from app.services.revisions import check_revision

DRAFT, ADOPTED, RETIRED = (s.value for s in WeightSetStatus)
PUBLIC_STATUSES = {ADOPTED, RETIRED}


@dataclass(frozen=True, slots=True)
class WeightValues:
    """The content of a set: default weights, rationale, and per-pool overrides."""

    weights: dict[str, Decimal]
    rationale: dict[str, str]
    pool_weights: dict[str, dict[str, Decimal]]

    @classmethod
    def from_entries(cls, entries: list[WeightEntry]) -> WeightValues:
        weights: dict[str, Decimal] = {}
        rationale: dict[str, str] = {}
        pools: dict[str, dict[str, Decimal]] = {}
        for entry in entries:
            weight = weight_from_micros(entry.weight_micros)
            if entry.pool == ALL_POOLS:
                weights[entry.ministry_code] = weight
                if entry.rationale:
                    rationale[entry.ministry_code] = entry.rationale
            else:
                pools.setdefault(entry.pool, {})[entry.ministry_code] = weight
        return cls(weights, rationale, pools)

    def to_entries(self, weight_set_id: int) -> list[WeightEntry]:
        rows = [
            WeightEntry(
                weight_set_id=weight_set_id,
                ministry_code=code,
                pool=ALL_POOLS,
                weight_micros=weight_to_micros(weight),
                rationale=self.rationale.get(code, ""),
            )
            for code, weight in sorted(self.weights.items())
        ]
        rows += [
            WeightEntry(
                weight_set_id=weight_set_id,
                ministry_code=code,
                pool=pool,
                weight_micros=weight_to_micros(weight),
            )
            for pool, weights in sorted(self.pool_weights.items())
            for code, weight in sorted(weights.items())
        ]
        return rows

    def as_json(self) -> dict[str, Any]:
        return {
            "weights": {k: weight_text(v) for k, v in sorted(self.weights.items())},
            "rationale": dict(sorted(self.rationale.items())),
            "pool_weights": {
                pool: {k: weight_text(v) for k, v in sorted(ws.items())}
                for pool, ws in sorted(self.pool_weights.items())
            },
        }


@dataclass(frozen=True, slots=True)
class WeightSetView:
    """A weight set with its values, as services hand it to routers."""

    row: WeightSet
    values: WeightValues


def snapshot(view: WeightSetView) -> dict[str, Any]:
    """The state recorded in history: everything a reviewer needs to see what changed."""
    row = view.row
    return {
        "version": row.version,
        "status": row.status,
        "description": row.description,
        "revision": row.revision,
        **view.values.as_json(),
    }


# ---------------------------------------------------------------- reading


def _view(session: Session, row: WeightSet) -> WeightSetView:
    assert row.id is not None
    return WeightSetView(row, WeightValues.from_entries(repo.entries(session, row.id)))


def _visible(row: WeightSet, principal: Principal) -> bool:
    return principal.is_editor or row.status in PUBLIC_STATUSES


def get(session: Session, principal: Principal, weight_set_id: int) -> WeightSetView:
    row = repo.get(session, weight_set_id)
    if row is None:
        raise NotFound(f"unknown weight set {weight_set_id}")
    if not _visible(row, principal):
        raise Forbidden("drafts are visible to negotiators and admins only")
    return _view(session, row)


def page(
    session: Session,
    principal: Principal,
    *,
    status: WeightSetStatus | None,
    name: str | None,
    limit: int,
    offset: int,
) -> tuple[list[WeightSetView], int]:
    allowed = None if principal.is_editor else set(PUBLIC_STATUSES)
    if status is not None:
        allowed = {status.value} & allowed if allowed is not None else {status.value}
    rows, total = repo.page(session, statuses=allowed, name=name, limit=limit, offset=offset)
    entries = repo.entries_for(session, [r.id for r in rows if r.id is not None])
    views = [WeightSetView(r, WeightValues.from_entries(entries[r.id or 0])) for r in rows]
    return views, total


def history(
    session: Session, principal: Principal, weight_set_id: int
) -> tuple[str, list[tuple[WeightSetEvent, int]]]:
    """Every event of every version of this set's name, oldest first, with its version."""
    target = get(session, principal, weight_set_id).row
    versions = {
        row.id: row.version
        for row in repo.family(session, target.name)
        if row.id is not None and _visible(row, principal)
    }
    events = repo.events(session, list(versions))
    return target.name, [(event, versions[event.weight_set_id]) for event in events]


# ---------------------------------------------------------------- checking input


def _check_ministries(session: Session, values: WeightValues) -> None:
    named = [(f"weights.{c}", c) for c in values.weights]
    named += [(f"rationale.{c}", c) for c in values.rationale]
    named += [
        (f"pool_weights.{pool}.{c}", c) for pool, ws in values.pool_weights.items() for c in ws
    ]
    known = ministry_repo.by_codes(session, [code for _, code in named])
    for field, code in named:
        ministry = known.get(code)
        if ministry is None:
            raise InvalidInput(field, f"unknown ministry '{code}'")
        if not ministry.active:
            raise InvalidInput(field, f"ministry '{code}' is inactive")
    for code in values.rationale:
        if code not in values.weights:
            raise InvalidInput(f"rationale.{code}", f"'{code}' has a rationale but no weight")
    for pool, weights in values.pool_weights.items():
        for code in weights:
            if code not in values.weights:
                raise InvalidInput(
                    f"pool_weights.{pool}.{code}",
                    f"'{code}' has no weight in 'weights'; add it there first (it may be 0)",
                )


def _merge(current: WeightValues, patch: WeightSetPatch) -> WeightValues:
    weights = dict(current.weights)
    for code, weight in (patch.weights or {}).items():
        if weight is None:
            weights.pop(code, None)
        else:
            weights[code] = weight
    rationale = dict(current.rationale)
    for code, text in (patch.rationale or {}).items():
        if text is None:
            rationale.pop(code, None)
        else:
            rationale[code] = text
    pools = {pool: dict(ws) for pool, ws in current.pool_weights.items()}
    for pool, pool_weights in (patch.pool_weights or {}).items():
        if pool_weights is None:
            pools.pop(pool, None)
        else:
            pools[pool] = dict(pool_weights)
    for code in set(rationale) - set(weights):
        if patch.rationale is None or code not in patch.rationale:
            del rationale[code]
    for pool_weights in pools.values():
        for code in set(pool_weights) - set(weights):
            del pool_weights[code]
    if not weights:
        raise InvalidInput("weights", "a weight set needs at least one ministry")
    return WeightValues(weights, rationale, pools)


# ---------------------------------------------------------------- changing


def _record(
    session: Session,
    *,
    row: WeightSet,
    action: str,
    actor: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    assert row.id is not None
    session.add(
        WeightSetEvent(weight_set_id=row.id, action=action, actor=actor, before=before, after=after)
    )


def _store_new(
    session: Session,
    *,
    principal: Principal,
    name: str,
    version: int,
    description: str,
    values: WeightValues,
    based_on: WeightSet | None,
) -> WeightSetView:
    _check_ministries(session, values)
    row = WeightSet(
        name=name,
        version=version,
        status=DRAFT,
        description=description,
        based_on_id=based_on.id if based_on else None,
        created_by=principal.actor,
        updated_by=principal.actor,
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    session.add_all(values.to_entries(row.id))
    view = WeightSetView(row, values)
    before = None
    if based_on is not None:
        before = {"based_on": {"id": based_on.id, "version": based_on.version}}
    _record(
        session,
        row=row,
        action="revised" if based_on else "created",
        actor=principal.actor,
        before=before,
        after=snapshot(view),
    )
    session.flush()
    return view


def create(session: Session, principal: Principal, body: WeightSetCreate) -> WeightSetView:
    existing = repo.family(session, body.name)
    if existing:
        newest = existing[-1]
        raise Conflict(
            f"a weight set named '{body.name}' exists (id {newest.id}, version {newest.version}); "
            f"create a new version with POST /v1/weight-sets/{newest.id}/revisions"
        )
    values = WeightValues(dict(body.weights), dict(body.rationale), dict(body.pool_weights))
    _carriable(values)
    return _store_new(
        session,
        principal=principal,
        name=body.name,
        version=1,
        description=body.description,
        values=values,
        based_on=None,
    )


def _editable(session: Session, principal: Principal, weight_set_id: int) -> WeightSetView:
    view = get(session, principal, weight_set_id)
    if view.row.status != DRAFT:
        raise Conflict(
            f"weight set {weight_set_id} (version {view.row.version}) is {view.row.status} and "
            f"immutable; create a new draft with POST /v1/weight-sets/{weight_set_id}/revisions"
        )
    return view


def _touch(row: WeightSet, principal: Principal) -> None:
    row.revision += 1
    row.updated_by = principal.actor
    row.updated_at = utcnow()


def patch(
    session: Session,
    principal: Principal,
    weight_set_id: int,
    body: WeightSetPatch,
    *,
    if_match: str | None,
) -> WeightSetView:
    view = _editable(session, principal, weight_set_id)
    row = view.row
    check_revision(if_match, row.revision, what=f"weight set {weight_set_id}")
    values = _merge(view.values, body)
    _check_ministries(session, values)
    _carriable(values)
    before = snapshot(view)
    if body.description is not None:
        row.description = body.description
    _touch(row, principal)
    repo.replace_entries(session, weight_set_id, values.to_entries(weight_set_id))
    updated = WeightSetView(row, values)
    _record(
        session,
        row=row,
        action="updated",
        actor=principal.actor,
        before=before,
        after=snapshot(updated),
    )
    session.flush()
    return updated


def revise(
    session: Session, principal: Principal, weight_set_id: int, body: WeightSetPatch
) -> WeightSetView:
    """A new draft version of an existing set, with ``body`` applied to a copy of its values."""
    source = get(session, principal, weight_set_id)
    versions = repo.family(session, source.row.name)
    drafts = [v for v in versions if v.status == DRAFT]
    if drafts:
        raise Conflict(
            f"version {drafts[0].version} of '{source.row.name}' is already a draft "
            f"(id {drafts[0].id}); edit it with PATCH instead"
        )
    values = _merge(source.values, body)
    _carriable(values)
    return _store_new(
        session,
        principal=principal,
        name=source.row.name,
        version=versions[-1].version + 1,
        description=source.row.description if body.description is None else body.description,
        values=values,
        based_on=source.row,
    )


def _carriable(values: WeightValues) -> None:
    """Refuse a set in which nobody would carry a cost: checked on every create, edit,
    revision and adoption, so an all-zero set never exists."""
    if not any(values.weights.values()):
        raise InvalidInput(
            "weights", "all weights are zero; at least one ministry must carry a share"
        )
    for pool, weights in values.pool_weights.items():
        if not any(weights.values()):
            raise InvalidInput(
                f"pool_weights.{pool}",
                f"all weights of pool '{pool}' are zero; nobody could carry that pool",
            )


def adopt(
    session: Session, principal: Principal, weight_set_id: int, *, if_match: str | None
) -> WeightSetView:
    """Freeze a draft; the version adopted before it under the same name is retired."""
    view = _editable(session, principal, weight_set_id)
    check_revision(if_match, view.row.revision, what=f"weight set {weight_set_id}")
    _carriable(view.values)
    for other in repo.family(session, view.row.name):
        if other.status == ADOPTED:
            before = snapshot(_view(session, other))
            other.status = RETIRED
            _touch(other, principal)
            session.add(other)
            _record(
                session,
                row=other,
                action="retired",
                actor=principal.actor,
                before=before,
                after=snapshot(_view(session, other)),
            )
    before = snapshot(view)
    view.row.status = ADOPTED
    _touch(view.row, principal)
    session.add(view.row)
    _record(
        session,
        row=view.row,
        action="adopted",
        actor=principal.actor,
        before=before,
        after=snapshot(view),
    )
    session.flush()
    return view
