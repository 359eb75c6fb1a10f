"""The README's worked examples, run for real: a fresh database, a real server on loopback,
every call the README shows, and its output in the README's format.

    .venv/bin/python bench/walkthrough.py            # prints the figures the README quotes

A newcomer can compare each block of the README with this output, to the cent.
"""

from __future__ import annotations

import sys
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.servers import prepared, running_server  # noqa: E402

ACK = {"acknowledge_unadopted_weights": True}


def euros(amount: str | None) -> str:
    """``"1584410.41"`` → ``"1,584,410.41"``; empty for None."""
    if amount is None:
        return ""
    value = Decimal(amount)
    return f"{value:,.2f}"


class Client:
    def __init__(self, base: str, keys: dict[str, str]) -> None:
        self.http = httpx.Client(base_url=base, timeout=120)
        self.keys = keys

    def call(self, method: str, path: str, holder: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.keys[holder]}", **kwargs.pop("headers", {})}
        response = self.http.request(method, path, headers=headers, **kwargs)
        if response.status_code >= 400:
            raise SystemExit(f"{method} {path}: {response.status_code} {response.text}")
        return response


def single_year(client: Client) -> None:
    report = client.call("POST", "/v1/allocations", "negotiator", json={"scenario_id": 1}).json()
    print(f'## POST /v1/allocations {{"scenario_id": 1}} → report {report["id"]}')
    print(f"status {report['status']}, rule {report['rule']}, total {report['total']}")
    pools = " · ".join(f"{name} {amount}" for name, amount in report["pools"].items())
    print(f"pools   {pools}")
    for line in report["lines"]:
        parts = ", ".join(f"{pool} {amount}" for pool, amount in sorted(line["pools"].items()))
        print(f"{line['ministry']:<5} {line['total']:>10}  ({parts})")
    print(f"input_hash  {report['input_hash']}")
    print(f"report_hash {report['report_hash']}")
    for warning in report["warnings"]:
        print(f"warning: {warning}")
    path = f"/v1/allocations/{report['id']}"
    etag = client.call("GET", path, "negotiator").headers["etag"]
    refused = client.http.post(
        f"{path}/publish",
        headers={"Authorization": f"Bearer {client.keys['negotiator']}", "If-Match": etag},
    )
    print(f"publish without acknowledgement: {refused.status_code} {refused.json()['detail']}")
    print()


def plan(client: Client) -> dict[str, Any]:
    created = client.call("POST", "/v1/plans", "negotiator", json={"scenario_id": 2}).json()
    print(
        f'## POST /v1/plans {{"scenario_id": 2}} → plan {created["id"]}, '
        f"reports {created['years'][0]['report_id']}–{created['years'][-1]['report_id']}"
    )
    print(f"plan_hash {created['plan_hash']}")
    print(f"{'year':<6}{'need':>14}{'today':>14}{'gap':>14}{'gap %':>8}")
    for year in created["years"]:
        print(
            f"{year['year']:<6}{euros(year['need']):>14}{euros(year['current']):>14}"
            f"{euros(year['gap']):>14}{year['gap_pct']:>8}"
        )
    print()
    print("who pays what versus today (constrained rule)")
    codes = [line["ministry"] for line in created["years"][0]["lines"]]
    print(f"{'ministry':<9}" + "".join(f"{y['year']:>14}" for y in created["years"]))
    for code in codes:
        cells = []
        for year in created["years"]:
            line = next(ln for ln in year["lines"] if ln["ministry"] == code)
            cells.append(f"{euros(line['total']):>14}")
        print(f"{code:<9}" + "".join(cells))
    for code in ("JenV", "BZK"):
        changes = []
        for year in created["years"]:
            line = next(ln for ln in year["lines"] if ln["ministry"] == code)
            changes.append(
                f"{year['year']}: {euros(line['today'])} → {euros(line['total'])}"
                f" ({line['change_pct']}%)"
            )
        print(f"{code} today → under the rule: " + "; ".join(changes))
    print()
    path = f"/v1/plans/{created['id']}"
    etag = client.call("GET", path, "negotiator").headers["etag"]
    published = client.call(
        "POST", f"{path}/publish", "negotiator", json=ACK, headers={"If-Match": etag}
    ).json()
    print(f"## POST {path}/publish (If-Match: {etag}) → state {published['state']}")
    print()
    return published


def budget_table(client: Client) -> None:
    text = client.call(
        "GET", "/v1/budget-table", "reader", params={"from": 2027, "to": 2031, "format": "csv"}
    ).text
    print("## GET /v1/budget-table?from=2027&to=2031&format=csv")
    print(text.strip().replace("\r\n", "\n"))
    print()


def share(client: Client) -> None:
    body = client.call("GET", "/v1/ministries/JenV/share", "finance", params={"year": 2028}).json()
    print("## GET /v1/ministries/JenV/share?year=2028 (finance key of JenV)")
    print(
        f"total {body['total']}, today {body['today']}, rule {body['rule']}, "
        f"report {body['report']['id']}, plan {body['publication']['plan_id']}, "
        f"acknowledged_unadopted_weights {body['publication']['acknowledged_unadopted_weights']}"
    )
    print()


def sweep(client: Client) -> None:
    body = client.call(
        "POST",
        "/v1/sweeps",
        "negotiator",
        json={
            "scenario_id": 2,
            "vary": [
                {
                    "parameter": "channel_growth",
                    "channel": "hulplijn",
                    "values": ["0.20", "0.30", "0.40"],
                }
            ],
        },
    ).json()
    print("## POST /v1/sweeps: hulplijn growth 20% / 30% / 40%")
    years = [row["year"] for row in body["points"][0]["years"]]
    print(f"{'growth':<8}" + "".join(f"{'gap ' + str(y):>15}" for y in years))
    for point in body["points"]:
        rate = point["values"]["channel_growth hulplijn"]
        print(f"{rate:<8}" + "".join(f"{euros(row['gap']):>15}" for row in point["years"]))
    ranges = body["ranges"]["JenV"]
    print(
        "JenV's range: "
        + "; ".join(f"{year} {euros(r['min'])}–{euros(r['max'])}" for year, r in ranges.items())
    )
    print()


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/walkthrough.sqlite3"
        keys = prepared(url)
        with running_server(url, log=Path(folder) / "server.log") as server:
            client = Client(server.base, keys)
            single_year(client)
            plan(client)
            budget_table(client)
            share(client)
            sweep(client)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
