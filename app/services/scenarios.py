"""Use cases on scenarios: stored engine documents, versioned by name, and their resolution.

A stored document may name a weight set (``"weight_set": {"id": 3}``) instead of inline weights.
Resolving turns it into the engine's document with inline weights, and records what was used
(the weight set's id, version and values; the ministries' names and chapters) for the report.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

import allocation
from allocation.errors import InvalidScenario
from app.auth import Principal
from app.errors import Conflict, InvalidInput, NotFound
from app.fields import weight_text
from app.models import Scenario
from app.repositories import ministries as ministry_repo
from app.repositories import scenarios as repo
from app.schemas import MAX_ID
from app.services import weight_sets

BASE_POOL = "base"


@dataclass(frozen=True, slots=True)
class Resolved:
    """An engine-ready scenario and the snapshot of everything it was resolved from."""

    scenario: allocation.Scenario
    snapshot: dict[str, Any]


def _weight_set_document(
    session: Session, principal: Principal, reference: Any, *, field: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Inline weights for the engine from a stored weight set, and its snapshot."""
    identifier = reference.get("id") if isinstance(reference, dict) else None
    if not isinstance(identifier, int) or isinstance(identifier, bool) or set(reference) != {"id"}:
        raise InvalidInput(field, 'must be {"id": <weight set id>}')
    if not 1 <= identifier <= MAX_ID:
        raise InvalidInput(f"{field}.id", f"unknown weight set {identifier}")
    try:
        view = weight_sets.get(session, principal, reference["id"])
    except NotFound as exc:
        raise InvalidInput(f"{field}.id", exc.detail) from exc
    values = view.values
    defaults = {code: weight_text(w) for code, w in sorted(values.weights.items())}
    pools = {
        pool: {code: weight_text(w) for code, w in sorted(ws.items())}
        for pool, ws in sorted(values.pool_weights.items())
    }
    snapshot = {
        "id": view.row.id,
        "name": view.row.name,
        "version": view.row.version,
        "status": view.row.status,
        **values.as_json(),
    }
    return {
        "weights": pools.get(BASE_POOL, defaults),
        "defaults": defaults,
        "pools": pools,
    }, snapshot


def _inline_weights(document: dict[str, Any], weights: dict[str, Any]) -> dict[str, Any]:
    """The document with the weight set's weights: base pool, then each channel's own or the
    set's defaults (never the base override, which is for the base pool only)."""
    resolved = {k: v for k, v in document.items() if k != "weight_set"}
    resolved["weights"] = weights["weights"]
    if not isinstance(document.get("variable", []), list):
        return resolved  # the engine names what is wrong with it
    channels = []
    for channel in document.get("variable", []):
        if isinstance(channel, dict) and "weights" not in channel:
            name = channel.get("channel")
            own = weights["pools"].get(name) if isinstance(name, str) else None
            channel = {**channel, "weights": own if own is not None else weights["defaults"]}
        channels.append(channel)
    if "variable" in document:
        resolved["variable"] = channels
    return resolved


def _ministry_snapshot(session: Session, codes: list[str], *, field: str) -> dict[str, Any]:
    known = ministry_repo.by_codes(session, codes)
    for code in codes:
        if code not in known:
            raise InvalidInput(f"{field}.weights.{code}", f"unknown ministry '{code}'")
        if not known[code].active:
            raise InvalidInput(f"{field}.weights.{code}", f"ministry '{code}' is inactive")
    return {
        code: {"name": known[code].name, "chapter": known[code].chapter} for code in sorted(codes)
    }


def resolve(
    session: Session, principal: Principal, document: Any, *, field: str = "scenario"
) -> Resolved:
    """Check a scenario document against the engine and the stored data, naming bad fields."""
    if not isinstance(document, dict):
        raise InvalidInput(field, "must be a JSON object (a scenario document)")
    weight_set_snapshot = None
    if "weight_set" in document:
        if "weights" in document:
            raise InvalidInput(f"{field}.weight_set", "give either weights or weight_set, not both")
        weights, weight_set_snapshot = _weight_set_document(
            session, principal, document["weight_set"], field=f"{field}.weight_set"
        )
        document = _inline_weights(document, weights)
    try:
        scenario = allocation.parse_scenario(document)
    except InvalidScenario as exc:
        raise InvalidInput(f"{field}.{exc.field}", exc.message) from exc
    ministries = _ministry_snapshot(session, list(scenario.ministries), field=field)
    snapshot = {
        "scenario": scenario.to_document(),
        "weight_set": weight_set_snapshot,
        "ministries": ministries,
    }
    return Resolved(scenario, snapshot)


# ---------------------------------------------------------------- stored scenarios


def get(session: Session, scenario_id: int) -> Scenario:
    row = repo.get(session, scenario_id)
    if row is None:
        raise NotFound(f"unknown scenario {scenario_id}")
    return row


def page(
    session: Session, *, name: str | None, limit: int, offset: int
) -> tuple[list[Scenario], int]:
    return repo.page(session, name=name, limit=limit, offset=offset)


def create(
    session: Session, principal: Principal, *, name: str, description: str, document: Any
) -> Scenario:
    existing = repo.family(session, name)
    if existing:
        newest = existing[-1]
        raise Conflict(
            f"a scenario named '{name}' exists (id {newest.id}, version {newest.version}); "
            f"create a new version with POST /v1/scenarios/{newest.id}/revisions"
        )
    return _store(
        session, principal, name=name, version=1, description=description, document=document
    )


def revise(
    session: Session,
    principal: Principal,
    scenario_id: int,
    *,
    description: str | None,
    document: Any,
) -> Scenario:
    """A new version of a stored scenario; earlier versions stay as they were."""
    source = get(session, scenario_id)
    newest = repo.family(session, source.name)[-1]
    return _store(
        session,
        principal,
        name=source.name,
        version=newest.version + 1,
        description=source.description if description is None else description,
        document=document,
    )


def _store(
    session: Session,
    principal: Principal,
    *,
    name: str,
    version: int,
    description: str,
    document: Any,
) -> Scenario:
    resolve(session, principal, document, field="document")
    reference = document.get("weight_set") if isinstance(document, dict) else None
    row = Scenario(
        name=name,
        version=version,
        description=description,
        weight_set_id=reference.get("id") if isinstance(reference, dict) else None,
        document=document,
        created_by=principal.actor,
    )
    session.add(row)
    session.flush()
    return row
