"""Property-based attack on every operation of the committed spec, with a key of each role:
no 5xx, every response conforms to its documented schema and status codes.

The seed is fixed (derandomized) so a failure reproduces; EXAMPLES cases run per operation
and role."""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import auth

SPEC = Path(__file__).resolve().parents[2] / "openapi" / "openapi.json"
EXAMPLES = 25
ROLES = ["admin", "negotiator", "finance_jenv", "reader"]
SCHEMA = schemathesis.openapi.from_path(SPEC)
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]


@pytest.mark.slow
@pytest.mark.parametrize("holder", ROLES)
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.label)
def test_every_operation_answers_within_its_contract(
    app: FastAPI, keys: dict[str, str], operation, holder: str
):
    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def attack(case) -> None:  # type: ignore[no-untyped-def]
        case.call_and_validate(
            app=app,
            headers=auth(keys[holder]),
            checks=[not_a_server_error, status_code_conformance, response_schema_conformance],
        )

    attack()


def test_the_attack_covers_every_operation_of_the_app(app: FastAPI):
    documented = {
        (method.upper(), path) for path, item in app.openapi()["paths"].items() for method in item
    }
    assert {(op.method.upper(), op.path) for op in OPERATIONS} == documented
