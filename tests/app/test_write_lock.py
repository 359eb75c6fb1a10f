"""On SQLite a transaction that writes from its start holds the database's write lock for the
whole request; the routes that solve first must not, or every other writer waits on the
solver. Checked against the app's real routes."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient
from starlette.requests import Request

from app.db import _writes_from_the_start
from app.main import create_app


def _request(method: str, path: str) -> Request:
    """A request as routing leaves it: the matched route's path template in the scope."""
    with TestClient(create_app()) as client:
        # The path is one of the app's routes (a POST there is not 404 or 405).
        answer = client.post(path.replace("{report_id}", "1").replace("{plan_id}", "1"))
        assert answer.status_code not in (404, 405), (path, answer.status_code)
    route = SimpleNamespace(path=path)
    return Request({"type": "http", "method": method, "path": path, "route": route})


@pytest.mark.parametrize(
    "path",
    [
        "/v1/allocations",
        "/v1/comparisons",
        "/v1/plans",
        "/v1/sweeps",
        "/vergelijken",
        "/vergelijken/uitvoeren",
        "/plannen",
    ],
)
def test_routes_that_solve_take_the_write_lock_only_to_append(path: str):
    assert _writes_from_the_start(_request("POST", path)) is False


@pytest.mark.parametrize(
    "path",
    ["/v1/weight-sets", "/v1/allocations/{report_id}/publish", "/v1/plans/{plan_id}/publish"],
)
def test_other_writes_take_it_from_the_start(path: str):
    assert _writes_from_the_start(_request("POST", path)) is True
