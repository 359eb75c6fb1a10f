"""The published contract: examples parse, and the JSON Schema matches the parser."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from allocation import InvalidScenario, allocate, parse_scenario
from allocation import scenario as scenario_module
from tests.allocation.conftest import offlimits_document

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "allocation" / "scenario.schema.json").read_text(encoding="utf-8"))
EXAMPLES = sorted((ROOT / "examples").glob("*.json"))


def errors(instance: Any, schema: dict[str, Any], path: str = "$") -> list[str]:
    """The few JSON Schema keywords the scenario schema uses, checked structurally."""
    if "$ref" in schema:
        name = schema["$ref"].removeprefix("#/$defs/")
        return errors(instance, SCHEMA["$defs"][name], path)
    found: list[str] = []
    for keyword, check in _CHECKS.items():
        if keyword in schema and not check(instance, schema[keyword], schema, path, found):
            found.append(f"{path}: fails {keyword}")
    return found


def _type(instance: Any, expected: str, *_: Any) -> bool:
    kinds = {"object": dict, "array": list, "string": str, "integer": int, "number": (int, float)}
    return isinstance(instance, kinds[expected]) and not isinstance(instance, bool)


def _properties(
    instance: Any, properties: dict[str, Any], _: Any, path: str, found: list[str]
) -> bool:
    if isinstance(instance, dict):
        for key, sub in properties.items():
            if key in instance:
                found += errors(instance[key], sub, f"{path}.{key}")
    return True


def _additional(
    instance: Any, rule: Any, schema: dict[str, Any], path: str, found: list[str]
) -> bool:
    if not isinstance(instance, dict):
        return True
    extra = [key for key in instance if key not in schema.get("properties", {})]
    if rule is False:
        return not extra
    for key in extra:
        found += errors(instance[key], rule, f"{path}.{key}")
    return True


def _items(instance: Any, rule: Any, _: Any, path: str, found: list[str]) -> bool:
    for index, item in enumerate(instance if isinstance(instance, list) else []):
        found += errors(item, rule, f"{path}[{index}]")
    return True


def _numeric(compare: Any) -> Any:
    def check(instance: Any, bound: Any, *_: Any) -> bool:
        return not _type(instance, "number") or compare(instance, bound)

    return check


_CHECKS = {
    "type": _type,
    "enum": lambda instance, values, *_: instance in values,
    "const": lambda instance, value, *_: instance == value,
    "required": lambda instance, keys, *_: (
        not isinstance(instance, dict) or all(k in instance for k in keys)
    ),
    "properties": _properties,
    "additionalProperties": _additional,
    "propertyNames": lambda instance, rule, *_: (
        not isinstance(instance, dict) or all(not errors(k, rule) for k in instance)
    ),
    "minProperties": lambda instance, n, *_: not isinstance(instance, dict) or len(instance) >= n,
    "maxProperties": lambda instance, n, *_: not isinstance(instance, dict) or len(instance) <= n,
    "items": _items,
    "maxItems": lambda instance, n, *_: not isinstance(instance, list) or len(instance) <= n,
    "pattern": lambda instance, p, *_: (
        not isinstance(instance, str) or re.search(p, instance) is not None
    ),
    "minimum": _numeric(lambda value, bound: value >= bound),
    "maximum": _numeric(lambda value, bound: value <= bound),
    "exclusiveMinimum": _numeric(lambda value, bound: value > bound),
    "oneOf": lambda instance, subs, *_: sum(not errors(instance, s) for s in subs) == 1,
    "allOf": lambda instance, subs, *_: all(not errors(instance, s) for s in subs),
    "not": lambda instance, sub, *_: bool(errors(instance, sub)),
}


class TestExamples:
    @pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
    def test_every_example_parses_and_fits_the_schema(self, path: Path) -> None:
        document = json.loads(path.read_text(encoding="utf-8"))
        parse_scenario(document)
        assert errors(document, SCHEMA) == []

    def test_the_expected_examples_exist(self) -> None:
        names = {path.name for path in EXAMPLES}
        assert {"base-only-2027.json", "offlimits-2027.json", "infeasible-ceilings.json"} <= names

    def test_the_infeasible_example_says_why(self) -> None:
        document = json.loads((ROOT / "examples" / "infeasible-ceilings.json").read_text())
        assert allocate(parse_scenario(document)).problems == (
            "ceilings sum to €4,200,000.00 but €5,100,000.00 must be allocated",
        )


class TestSchemaMatchesParser:
    def test_top_level_fields(self) -> None:
        assert set(SCHEMA["properties"]) == set(scenario_module._TOP_FIELDS)
        assert set(SCHEMA["required"]) == {"year", "base", "weights"}

    @pytest.mark.parametrize(
        ("definition", "fields"),
        [
            ("channel", scenario_module._CHANNEL_FIELDS),
            ("constraints", scenario_module._CONSTRAINT_FIELDS),
            ("projection", scenario_module._PROJECTION_FIELDS),
        ],
    )
    def test_nested_fields(self, definition: str, fields: tuple[str, ...]) -> None:
        assert set(SCHEMA["$defs"][definition]["properties"]) == set(fields)

    def test_normalised_documents_fit_the_schema(self) -> None:
        normalised = parse_scenario(offlimits_document()).to_document()
        assert errors(normalised, SCHEMA) == []

    @pytest.mark.parametrize(
        "change",
        [
            {"colour": "red"},
            {"year": 1999},
            {"base": 1.5},
            {"weights": {"BZK": "-1"}},
            {"weights": {"9x": 1}},
            {"rule": "fair"},
        ],
    )
    def test_documents_the_parser_refuses_break_the_schema_too(
        self, change: dict[str, Any]
    ) -> None:
        document = {**offlimits_document(), **change}
        with pytest.raises(InvalidScenario):
            parse_scenario(document)
        assert errors(document, SCHEMA)
