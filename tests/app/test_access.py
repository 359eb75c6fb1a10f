"""Who may call what: every route refuses a missing or wrong key, and every role gets exactly
the answers the role matrix promises."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.auth import Principal, Role
from app.schemas import WeightSetCreate
from app.services import allocations, plans, weight_sets
from tests.conftest import Seeded, auth

OPEN_ROUTES = {("GET", "/health"), ("GET", "/v1/audit/keys")}
SAMPLE_PATH_VALUES = {
    "code": "JenV",
    "weight_set_id": "1",
    "scenario_id": "1",
    "report_id": "1",
    "publication_id": "1",
}
ROLES = ["admin", "negotiator", "finance_jenv", "finance_bzk", "reader"]


def _api_routes(routes: list[Any]) -> list[APIRoute]:
    """Every APIRoute, descending into included routers."""
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif hasattr(route, "original_router"):
            found += _api_routes(route.original_router.routes)
    return found


def _every_operation(app: FastAPI) -> list[tuple[str, str]]:
    operations = []
    for route in _api_routes(app.routes):
        if not route.include_in_schema:
            continue  # the pages (app.web): tests/web and tests/browser cover who sees them
        for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
            if (method, route.path) not in OPEN_ROUTES:
                operations.append((method, route.path))
    return operations


def _fill(path: str) -> str:
    return re.sub(r"{(\w+)}", lambda m: SAMPLE_PATH_VALUES.get(m.group(1), "1"), path)


class TestEveryRouteNeedsAKey:
    def test_the_walk_finds_every_operation_of_the_spec(self, app: FastAPI):
        documented = {
            (method.upper(), path)
            for path, item in app.openapi()["paths"].items()
            for method in item
        }
        assert set(_every_operation(app)) == documented - OPEN_ROUTES
        assert len(documented) >= 10

    @pytest.mark.parametrize(
        "presented",
        [None, "", "Bearer", "Bearer cs_00000000_nope", "Bearer not-a-key", "Basic dXNlcjpwYXNz"],
    )
    def test_every_route_refuses_a_missing_or_wrong_key(
        self, app: FastAPI, client: TestClient, presented: str | None
    ):
        headers = {"Authorization": presented} if presented is not None else {}
        for method, path in _every_operation(app):
            response = client.request(method, _fill(path), headers=headers, json={})
            assert response.status_code == 401, (method, path, response.text)
            assert response.headers["content-type"] == "application/problem+json"
            assert response.headers["www-authenticate"] == "Bearer"

    def test_every_route_refuses_a_revoked_key(
        self, app: FastAPI, client: TestClient, keys: dict[str, str]
    ):
        for method, path in _every_operation(app):
            response = client.request(method, _fill(path), headers=auth(keys["revoked"]), json={})
            assert response.status_code == 401, (method, path)

    def test_a_right_prefix_with_a_wrong_secret_is_refused(
        self, client: TestClient, keys: dict[str, str]
    ):
        scheme, prefix, secret = keys["admin"].split("_", 2)
        forged = f"{scheme}_{prefix}_{secret[:-1]}{'A' if secret[-1] != 'A' else 'B'}"
        assert client.get("/v1/ministries", headers=auth(forged)).status_code == 401

    def test_the_x_api_key_header_works_too(self, client: TestClient, keys: dict[str, str]):
        response = client.get("/v1/ministries", headers={"X-API-Key": keys["reader"]})
        assert response.status_code == 200

    def test_the_public_keys_are_readable_without_a_key(self, client: TestClient):
        response = client.get("/v1/audit/keys")
        assert response.status_code == 200
        [key] = response.json()["keys"]
        assert key["key_id"].startswith("ed25519:") and key["status"] == "active"


EDITOR = Principal(key_prefix="test", role=Role.NEGOTIATOR)


@pytest.fixture
def weight_set_ids(db: Session) -> dict[str, int]:
    """One draft and one adopted weight set."""
    base = {"JenV": "2", "BZK": "1"}
    draft = weight_sets.create(db, EDITOR, WeightSetCreate(name="draft set", weights=base))
    adopted = weight_sets.create(db, EDITOR, WeightSetCreate(name="adopted set", weights=base))
    weight_sets.adopt(db, EDITOR, adopted.row.id or 0, if_match="*")
    db.commit()
    return {"draft": draft.row.id or 0, "adopted": adopted.row.id or 0}


@pytest.fixture
def report_ids(db: Session, seeded: Seeded) -> dict[str, int]:
    """One published report (2027) and one that is not published."""
    request = allocations.RunRequest(
        scenario_id=seeded.scenario_id, scenario=None, rule=None, solver="highs", year=None
    )
    published, _ = allocations.run(db, EDITOR, request, idempotency_key=None)
    db.commit()
    draft, _ = allocations.run(db, EDITOR, request, idempotency_key=None)
    db.commit()
    allocations.publish(
        db, EDITOR, published.row.id, if_match="*", acknowledge_unadopted_weights=True
    )
    db.commit()
    plan_request = plans.PlanRequest(
        scenario_id=None,
        scenario={**SMALL_SCENARIO, "year": 2040, "projection": {"years": 2}},
        rule=None,
        solver="highs",
    )
    shown = plans.create(db, EDITOR, plan_request)
    db.commit()
    plans.publish(db, EDITOR, shown.plan.id, if_match="*", acknowledge_unadopted_weights=True)
    db.commit()
    hidden = plans.create(db, EDITOR, plan_request)
    db.commit()
    [publication] = allocations.publications(db, year=2027)
    return {
        "published": published.row.id,
        "unpublished": draft.row.id,
        "published_plan": shown.plan.id,
        "unpublished_plan": hidden.plan.id,
        "publication": publication.id or 0,
    }


@dataclass(frozen=True)
class Case:
    """One row of the role matrix: a call and the status each key holder gets."""

    method: str
    path: str
    expected: dict[str, int]
    body: dict[str, Any] | None = None


def _all(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


def _editors(allowed: int) -> dict[str, int]:
    return {
        "admin": allowed,
        "negotiator": allowed,
        "finance_jenv": 403,
        "finance_bzk": 403,
        "reader": 403,
    }


def _admin_only(allowed: int) -> dict[str, int]:
    return {**_all(403), "admin": allowed}


def _own_ministry(allowed: int) -> dict[str, int]:
    return {**_all(allowed), "finance_bzk": 403}


SZW = {"code": "SZW", "name": "Sociale Zaken en Werkgelegenheid", "chapter": "XV"}
FOUNDATION_MATRIX = [
    Case("GET", "/v1/ministries", _all(200)),
    Case("GET", "/v1/ministries/JenV", _all(200)),
    Case("POST", "/v1/ministries", _admin_only(201), SZW),
    Case("PATCH", "/v1/ministries/OCW", _admin_only(200), {"mandate": "Research data."}),
    Case("GET", "/v1/weight-sets", _all(200)),
    Case("POST", "/v1/weight-sets", _editors(201), {"name": "new", "weights": {"JenV": 1}}),
    Case("GET", "/v1/weight-sets/{draft}", _editors(200)),
    Case("GET", "/v1/weight-sets/{adopted}", _all(200)),
    Case("PATCH", "/v1/weight-sets/{draft}", _editors(200), {"weights": {"EZ": "1.5"}}),
    Case("PATCH", "/v1/weight-sets/{adopted}", _editors(409), {"weights": {"EZ": "1.5"}}),
    Case("POST", "/v1/weight-sets/{draft}/adopt", _editors(200)),
    Case("POST", "/v1/weight-sets/{adopted}/revisions", _editors(201), {}),
    Case("GET", "/v1/weight-sets/{draft}/history", _editors(200)),
    Case("GET", "/v1/weight-sets/{adopted}/history", _all(200)),
]


SMALL_SCENARIO = {"year": 2027, "base": "1000.00", "weights": {"JenV": 1, "BZK": 1}}
REPORTS_MATRIX = [
    Case("GET", "/v1/scenarios", _editors(200)),
    Case("POST", "/v1/scenarios", _editors(201), {"name": "s", "document": SMALL_SCENARIO}),
    Case("GET", "/v1/scenarios/{scenario}", _editors(200)),
    Case("POST", "/v1/scenarios/{scenario}/revisions", _editors(201), {"document": SMALL_SCENARIO}),
    Case("GET", "/v1/allocations", _all(200)),
    Case("POST", "/v1/allocations", _editors(201), {"scenario": SMALL_SCENARIO}),
    Case("GET", "/v1/allocations/{published}", _all(200)),
    Case("GET", "/v1/allocations/{unpublished}", _editors(200)),
    Case("GET", "/v1/allocations/{published}/export?format=xlsx", _all(200)),
    Case("GET", "/v1/allocations/{unpublished}/export?format=csv", _editors(200)),
    Case("GET", "/v1/allocations/{published}/verify", _all(200)),
    Case("GET", "/v1/allocations/{unpublished}/verify", _editors(200)),
    Case(
        "POST",
        "/v1/allocations/{unpublished}/publish",
        _editors(200),
        {"acknowledge_unadopted_weights": True},
    ),
    Case("GET", "/v1/publications", _all(200)),
    Case("GET", "/v1/audit/verify", _editors(200)),
    Case("GET", "/v1/audit/keys", _all(200)),
    Case("GET", "/v1/audit/head", _all(200)),
    Case("GET", "/v1/audit/consistency?first=1", _all(200)),
    Case("GET", "/v1/allocations/{published}/proof", _all(200)),
    Case("GET", "/v1/allocations/{unpublished}/proof", _editors(200)),
    Case("GET", "/v1/publications/{publication}/proof", _all(200)),
    Case("GET", "/v1/ministries/JenV/share?year=2027", _own_ministry(200)),
    Case("GET", "/v1/ministries/BZK/share?year=2027", {**_all(200), "finance_jenv": 403}),
    Case("POST", "/v1/comparisons", _editors(200), {"scenario": SMALL_SCENARIO}),
    Case("GET", "/v1/budget-table?from=2027&to=2031", _all(200)),
]
PLANS_MATRIX = [
    Case("POST", "/v1/plans", _editors(201), {"scenario": SMALL_SCENARIO}),
    Case("GET", "/v1/plans", _all(200)),
    Case("GET", "/v1/plans/{published_plan}", _all(200)),
    Case("GET", "/v1/plans/{unpublished_plan}", _editors(200)),
    Case(
        "POST",
        "/v1/plans/{unpublished_plan}/publish",
        _editors(200),
        {"acknowledge_unadopted_weights": True},
    ),
    Case(
        "POST",
        "/v1/sweeps",
        _editors(200),
        {
            "scenario": SMALL_SCENARIO,
            "vary": [{"parameter": "weight", "ministry": "JenV", "values": [1, 2]}],
        },
    ),
]
ROLE_MATRIX = FOUNDATION_MATRIX + REPORTS_MATRIX + PLANS_MATRIX


class TestRoleMatrix:
    @pytest.mark.parametrize("holder", ROLES)
    @pytest.mark.parametrize("case", ROLE_MATRIX, ids=lambda c: f"{c.method} {c.path}")
    def test_each_role_gets_the_promised_status(
        self,
        client: TestClient,
        keys: dict[str, str],
        weight_set_ids: dict[str, int],
        report_ids: dict[str, int],
        seeded: Seeded,
        case: Case,
        holder: str,
    ):
        path = case.path.format(**weight_set_ids, **report_ids, scenario=seeded.scenario_id)
        headers = {**auth(keys[holder]), "If-Match": "*"}
        response = client.request(case.method, path, headers=headers, json=case.body)
        assert response.status_code == case.expected[holder], response.text
        if response.status_code >= 400:
            assert response.headers["content-type"] == "application/problem+json"

    def test_the_matrix_covers_every_operation(self, app: FastAPI):
        covered = {(c.method, c.path.split("?")[0]) for c in ROLE_MATRIX}
        normalised = {(m, re.sub(r"{(draft|adopted)}", "{weight_set_id}", p)) for m, p in covered}
        normalised = {
            (m, re.sub(r"{(published|unpublished)}", "{report_id}", p)) for m, p in normalised
        }
        normalised = {(m, p.replace("{scenario}", "{scenario_id}")) for m, p in normalised}
        normalised = {
            (m, re.sub(r"{(published|unpublished)_plan}", "{plan_id}", p)) for m, p in normalised
        }
        normalised = {(m, p.replace("{publication}", "{publication_id}")) for m, p in normalised}
        normalised = {
            (m, re.sub(r"/ministries/(JenV|OCW|BZK)", "/ministries/{code}", p))
            for m, p in normalised
        }
        assert set(_every_operation(app)) <= normalised

    def test_finance_and_reader_lists_leave_drafts_out(
        self, client: TestClient, keys: dict[str, str], weight_set_ids: dict[str, int]
    ):
        for holder, sees_draft in [
            ("negotiator", True),
            ("reader", False),
            ("finance_jenv", False),
        ]:
            listed = client.get("/v1/weight-sets", headers=auth(keys[holder])).json()["items"]
            ids = {item["id"] for item in listed}
            assert weight_set_ids["adopted"] in ids
            assert (weight_set_ids["draft"] in ids) is sees_draft
