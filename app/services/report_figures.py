"""How a report states the engine's result: where its weights come from, and a warning when
nobody adopted them. Pure (no database), so that the service, the verification and the offline
verifier (``costshare verify``) rebuild a report's figures the same way.

>>> report_figures({"warnings": []}, {"weight_set": None})["weights_source"]
{'kind': 'inline', 'adopted': False}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def weights_source(snapshot: Mapping[str, Any]) -> dict[str, Any]:
    """Where a report's weights come from: a stored weight set (adopted or not) or the
    request itself. Recorded in every report so nobody mistakes a draft for a decision."""
    stored = snapshot.get("weight_set")
    if not stored:
        return {"kind": "inline", "adopted": False}
    return {
        "kind": "weight_set",
        "id": stored["id"],
        "name": stored["name"],
        "version": stored["version"],
        "status": stored["status"],
        "adopted": stored["status"] == "adopted",
    }


def weights_warning(source: Mapping[str, Any]) -> str | None:
    """The warning a report carries when its weights are not an adopted weight set."""
    if source["adopted"]:
        return None
    if source["kind"] == "inline":
        return (
            "The weights were given with the request itself; no adopted weight set stands "
            "behind them."
        )
    return (
        f"The weights come from weight set '{source['name']}' version {source['version']} "
        f"(id {source['id']}), which is {source['status']}, not adopted."
    )


def report_figures(engine_body: Mapping[str, Any], snapshot: Mapping[str, Any]) -> dict[str, Any]:
    """The engine's result as a report states it: with where the weights come from, and a
    warning when they are not adopted. Verification rebuilds it the same way."""
    source = weights_source(snapshot)
    warning = weights_warning(source)
    warnings = [*engine_body.get("warnings", []), *([warning] if warning else [])]
    return {**engine_body, "warnings": warnings, "weights_source": source}
