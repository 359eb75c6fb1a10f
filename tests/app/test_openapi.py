"""The committed spec is what the app generates, and every route is documented."""

from __future__ import annotations

import json
from pathlib import Path

from app.openapi import spec_text

SPEC = Path(__file__).resolve().parents[2] / "openapi" / "openapi.json"


class TestCommittedSpec:
    def test_the_committed_spec_is_what_the_app_generates(self):
        assert SPEC.read_text("utf-8") == spec_text(), "run `make openapi` and commit the result"

    def test_every_operation_has_a_summary_tags_a_response_model_and_a_stable_id(self):
        spec = json.loads(spec_text())
        for path, item in spec["paths"].items():
            for method, operation in item.items():
                where = f"{method.upper()} {path}"
                assert operation.get("summary"), where
                assert operation.get("tags"), where
                ok = next(c for c in operation["responses"] if c.startswith("2"))
                assert operation["responses"][ok].get("content"), where
                assert "-" not in operation["operationId"], where

    def test_errors_are_documented_as_problem_json(self):
        spec = json.loads(spec_text())
        operation = spec["paths"]["/v1/weight-sets"]["post"]
        assert "application/problem+json" in operation["responses"]["422"]["content"]
