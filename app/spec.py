"""The OpenAPI document states every rule the service enforces that a schema can state.

FastAPI generates the spec from the models; this module refines what the generator
under-states, so that a client (or a fuzzer) built from the spec sends what the service takes:

- ``If-Match`` is ``required`` where a missing one is answered 428;
- a dict keyed by codes is ``propertyNames`` + ``additionalProperties``, not an open
  ``patternProperties`` that lets any other key through;
- scenario documents are the engine's JSON Schema (``allocation/scenario.schema.json``),
  extended with the stored weight-set reference the service resolves;
- bodies that take either a stored scenario or an inline one say so with ``oneOf``.
"""

from __future__ import annotations

import copy
import json
from importlib import resources
from typing import Any

REQUIRED_IN_SPEC = "x-costshare-required"
"""Schema marker of a parameter the spec states as required although a missing one gets a
more precise answer than 422 (If-Match: 428)."""
SCENARIO_DOCUMENT = "x-costshare-scenario-document"
"""Schema marker of a field that holds a scenario document."""
EXCLUSIVE = "x-costshare-exclusive"
"""Model marker: exactly one of these fields must be given."""
HEADER_TOKEN = r"^[\x21-\x7e][\x20-\x7e]{0,199}$"
"""Visible ASCII (spaces inside): what an ETag or an idempotency key may hold."""
MAX_ID = 2**31 - 1
PREFIX = "Scenario"


def scenario_schema() -> dict[str, Any]:
    """The engine's scenario JSON Schema, as published in ``allocation/``."""
    text = resources.files("allocation").joinpath("scenario.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def _walk(node: Any, visit: Any) -> None:
    if isinstance(node, dict):
        visit(node)
        for value in list(node.values()):
            _walk(value, visit)
    elif isinstance(node, list):
        for value in node:
            _walk(value, visit)


def _closed_dicts(node: dict[str, Any]) -> None:
    patterns = node.get("patternProperties")
    if isinstance(patterns, dict) and len(patterns) == 1 and "additionalProperties" not in node:
        [(pattern, values)] = patterns.items()
        del node["patternProperties"]
        node["propertyNames"] = {**node.get("propertyNames", {}), "pattern": pattern}
        node["additionalProperties"] = values


def _required_parameters(node: dict[str, Any]) -> None:
    for parameter in node.get("parameters", []) if isinstance(node, dict) else []:
        schema = parameter.get("schema", {})
        if schema.pop(REQUIRED_IN_SPEC, False):
            parameter["required"] = True
            schema.pop("anyOf", None)
            schema.update({"type": "string", "pattern": HEADER_TOKEN})


def _lift_scenario(spec: dict[str, Any]) -> str:
    """Put the scenario schema in components (its $defs as siblings) and return its ref."""
    schema = copy.deepcopy(scenario_schema())
    definitions = schema.pop("$defs", {})
    for key in ("$schema", "$id"):
        schema.pop(key, None)
    schema["properties"]["weight_set"] = {
        "type": "object",
        "description": "A stored weight set whose weights the service puts in (instead of "
        "`weights`).",
        "additionalProperties": False,
        "required": ["id"],
        "properties": {"id": {"type": "integer", "minimum": 1, "maximum": MAX_ID}},
    }
    schema["required"] = [name for name in schema["required"] if name != "weights"]
    schema["oneOf"] = [{"required": ["weights"]}, {"required": ["weight_set"]}]
    components = spec.setdefault("components", {}).setdefault("schemas", {})

    def relink(node: dict[str, Any]) -> None:
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            node["$ref"] = f"#/components/schemas/{PREFIX}_{ref.removeprefix('#/$defs/')}"

    for name, definition in definitions.items():
        _walk(definition, relink)
        components[f"{PREFIX}_{name}"] = definition
    _walk(schema, relink)
    components["ScenarioDocument"] = schema
    return "#/components/schemas/ScenarioDocument"


def _scenario_fields(reference: str) -> Any:
    def visit(node: dict[str, Any]) -> None:
        if node.pop(SCENARIO_DOCUMENT, False):
            nullable = any(option.get("type") == "null" for option in node.get("anyOf", []) or [])
            kept = {k: v for k, v in node.items() if k in {"title", "description", "examples"}}
            node.clear()
            node.update(kept)
            if nullable:
                node["anyOf"] = [{"$ref": reference}, {"type": "null"}]
            else:
                node["$ref"] = reference

    return visit


def _exclusive(node: dict[str, Any]) -> None:
    names = node.pop(EXCLUSIVE, None)
    if names:
        node["oneOf"] = [
            {
                "required": [name],
                "properties": {other: {"not": {}} for other in names if other != name},
            }
            for name in names
        ]


_BY_ID = "$response.body#/id"
LINKS: dict[tuple[str, str], dict[str, tuple[str, dict[str, str]]]] = {
    ("/v1/ministries", "post"): {
        "GetMinistry": ("get_ministry", {"code": "$response.body#/code"}),
        "UpdateMinistry": ("update_ministry", {"code": "$response.body#/code"}),
    },
    ("/v1/weight-sets", "post"): {
        name: (operation, {"weight_set_id": _BY_ID})
        for name, operation in (
            ("GetWeightSet", "get_weight_set"),
            ("PatchWeightSet", "patch_weight_set"),
            ("AdoptWeightSet", "adopt_weight_set"),
            ("ReviseWeightSet", "revise_weight_set"),
            ("WeightSetHistory", "weight_set_history"),
        )
    },
    ("/v1/scenarios", "post"): {
        "GetScenario": ("get_scenario", {"scenario_id": _BY_ID}),
        "ReviseScenario": ("revise_scenario", {"scenario_id": _BY_ID}),
    },
    ("/v1/allocations", "post"): {
        name: (operation, {"report_id": _BY_ID})
        for name, operation in (
            ("GetAllocation", "get_allocation"),
            ("ExportAllocation", "export_allocation"),
            ("VerifyAllocation", "verify_allocation"),
            ("PublishAllocation", "publish_allocation"),
        )
    },
}
"""OpenAPI links: what a created object's id lets a client call next."""


def _links(spec: dict[str, Any]) -> None:
    for (path, method), links in LINKS.items():
        operation = spec.get("paths", {}).get(path, {}).get(method)
        if operation is None:
            continue
        created = operation["responses"].get("201")
        if created is None:
            continue
        created["links"] = {
            name: {"operationId": operation_id, "parameters": parameters}
            for name, (operation_id, parameters) in links.items()
        }


def refine(spec: dict[str, Any]) -> dict[str, Any]:
    """Refine the generated spec in place (and return it)."""
    reference = _lift_scenario(spec)
    _links(spec)
    for item in spec.get("paths", {}).values():
        for operation in item.values():
            _required_parameters(operation)
    _walk(spec.get("components", {}), _scenario_fields(reference))
    _walk(spec, _closed_dicts)
    _walk(spec.get("components", {}), _exclusive)
    return spec
