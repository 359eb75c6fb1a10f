"""Published figures under read load, side by side with the server's floor (GET /health).

    .venv/bin/python bench/reads.py [--clients 50] [--seconds 10] [--database URL] [--workers N]

One real server on loopback (the seeded 2027-2031 plan published), a light raw-socket client
(bench/rawload.py) with N keep-alive connections, one endpoint at a time: GET /health, a finance
department's GET /v1/ministries/JenV/share?year=2028, a budget tool's GET /v1/budget-table.
Prints, per endpoint, the closed loop's throughput, p50 and p99 and its ratio to /health, then
p50 and p99 at a steady offered load (half the slowest endpoint's closed-loop rate, the same
for every endpoint, requests evenly spaced and timed from when they were due), as a Markdown
table.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.rawload import run, run_paced  # noqa: E402
from tests.servers import prepared, running_server  # noqa: E402

PACED_SHARE = 0.5
"""The steady load offered to every endpoint, as a share of the slowest one's closed-loop
rate on the same server."""


def publish_plan(base: str, key: str) -> None:
    headers = {"Authorization": f"Bearer {key}"}
    plan = httpx.post(f"{base}/v1/plans", headers=headers, json={"scenario_id": 2}, timeout=120)
    plan.raise_for_status()
    path = f"{base}/v1/plans/{plan.json()['id']}"
    etag = httpx.get(path, headers=headers).headers["etag"]
    httpx.post(
        f"{path}/publish",
        headers={**headers, "If-Match": etag},
        json={"acknowledge_unadopted_weights": True},
    ).raise_for_status()


def measure(
    base: str, keys: dict[str, str], *, clients: int, seconds: float
) -> list[dict[str, object]]:
    targets = [
        ("GET /health", "/health", None),
        ("GET share (finance)", "/v1/ministries/JenV/share?year=2028", keys["finance"]),
        ("GET budget table (reader)", "/v1/budget-table?from=2027&to=2031", keys["reader"]),
    ]
    rows: list[dict[str, object]] = []
    for label, path, key in targets:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        run(base + path, headers, clients=clients, seconds=min(2.0, seconds))  # warm-up
        result = run(base + path, headers, clients=clients, seconds=seconds)
        rows.append({"endpoint": label, **result.summary()})
    floor = float(rows[0]["rps"]) or 1.0  # type: ignore[arg-type]
    # The same steady load for every endpoint: half of what the slowest of them takes in a
    # closed loop, so that each keeps up with it (beyond that, an open loop's queue only grows).
    rate = max(1, round(min(float(row["rps"]) for row in rows) * PACED_SHARE))  # type: ignore[arg-type]
    for row, (_, path, key) in zip(rows, targets, strict=True):
        row["ratio"] = round(float(row["rps"]) / floor, 2)  # type: ignore[arg-type]
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        paced = run_paced(base + path, headers, clients=clients, seconds=seconds, rate=rate)
        row["paced_rps"] = rate
        row["paced_p50_ms"] = paced.summary()["p50_ms"]
        row["paced_p99_ms"] = paced.summary()["p99_ms"]
        row["errors"] = int(row["errors"]) + int(paced.summary()["errors"])  # type: ignore[call-overload]
    return rows


def measure_reads(
    url: str, *, workers: int, clients: int, seconds: float, folder: Path
) -> list[dict[str, object]]:
    """Publish the seeded plan on a fresh database at ``url`` and measure its reads."""
    keys = prepared(url)
    with running_server(url, log=folder / "server.log", workers=workers) as server:
        publish_plan(server.base, keys["negotiator"])
        return measure(server.base, keys, clients=clients, seconds=seconds)


TABLE_HEADER = (
    "| backend | workers | endpoint | closed loop req/s | p50 ms | p99 ms | × GET /health "
    "| steady req/s | p50 ms | p99 ms | errors |\n"
    "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"
)


def table_row(backend: str, workers: int, row: dict[str, object]) -> str:
    """One endpoint's line: the closed loop (throughput), then the steady load (latency)."""
    return (
        f"| {backend} | {workers} | {row['endpoint']} | {row['rps']} | {row['p50_ms']} | "
        f"{row['p99_ms']} | {row['ratio']} | {row['paced_rps']} | {row['paced_p50_ms']} | "
        f"{row['paced_p99_ms']} | {row['errors']} |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--database", help="a database URL (default: a new SQLite file)")
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database or f"sqlite:///{folder}/reads.sqlite3"
        keys = prepared(url)
        with running_server(url, log=Path(folder) / "server.log", workers=args.workers) as server:
            publish_plan(server.base, keys["negotiator"])
            rows = measure(server.base, keys, clients=args.clients, seconds=args.seconds)
    backend = url.split(":", 1)[0].split("+")[0]
    print(TABLE_HEADER)
    for row in rows:
        print(table_row(backend, args.workers, row))
    return 0 if all(row["errors"] == 0 for row in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
