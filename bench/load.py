"""Load run for the README: a real server on loopback, N clients for D seconds.

    .venv/bin/python bench/load.py --clients 50 --seconds 60            # SQLite (WAL)
    .venv/bin/python bench/load.py --database postgresql+psycopg://…     # PostgreSQL

A closed loop first (each client sends again when answered: throughput), then the same mix
offered at half that throughput (latency at a load the server keeps up with). Prints the
figures as a Markdown table row and checks the whole signed log afterwards, every report
re-performed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.loadgen import run_load  # noqa: E402
from tests.servers import (  # noqa: E402
    prepared,
    publish_first_report,
    running_server,
    verify_whole_log,
)

STEADY_SHARE = 0.5
"""The steady load, as a share of the closed loop's throughput on the same server."""


def mixed_load(
    url: str, *, workers: int, clients: int, seconds: float, folder: Path
) -> tuple[dict[str, float], dict[str, object], list[str]]:
    """The mixed load on a fresh database at ``url``: its figures, the chain's state after
    it, and the first errors.

    First a closed loop (throughput), then the same mix offered at half that throughput
    (``steady_*``: latency at a load the server keeps up with); the whole log is verified
    after both.
    """
    keys = prepared(url)
    with running_server(url, log=folder / "server.log", workers=workers) as server:
        publish_first_report(server.base, keys["negotiator"])
        result = run_load(server.base, keys, clients=clients, seconds=seconds)
        figures = result.summary()
        rate = max(1.0, round(figures["throughput_rps"] * STEADY_SHARE))
        steady = run_load(server.base, keys, clients=clients, seconds=seconds, rate=rate, seed=1)
        chain = verify_whole_log(server.base, keys["admin"])
    paced = steady.summary()
    figures |= {
        "steady_rps": rate,
        "steady_p50_ms": paced["p50_ms"],
        "steady_p99_ms": paced["p99_ms"],
        "steady_run_p99_ms": paced["allocation_p99_ms"],
        "errors": figures["errors"] + paced["errors"],
        "reports_created": figures["reports_created"] + paced["reports_created"],
    }
    return figures, chain, (result.errors + steady.errors)[:10]


TABLE_HEADER = (
    "| backend | workers | requests | errors | closed loop req/s | p50 ms | p99 ms "
    "| run p50 ms | run p99 ms | steady req/s | p50 ms | p99 ms | run p99 ms | reports "
    "| chain |\n"
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
)


def table_row(
    backend: str, workers: int, figures: dict[str, float], chain: dict[str, object]
) -> str:
    """One configuration: the closed loop, then the steady load, then the log's state."""
    state = "valid" if chain.get("valid") else "BROKEN"
    return (
        f"| {backend} | {workers} | {figures['requests']} | {figures['errors']} | "
        f"{figures['throughput_rps']} | {figures['p50_ms']} | {figures['p99_ms']} | "
        f"{figures['allocation_p50_ms']} | {figures['allocation_p99_ms']} | "
        f"{figures['steady_rps']} | {figures['steady_p50_ms']} | {figures['steady_p99_ms']} | "
        f"{figures['steady_run_p99_ms']} | {figures['reports_created']} | {state} |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--database", help="a database URL (default: a new SQLite file)")
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database or f"sqlite:///{folder}/load.sqlite3"
        figures, chain, errors = mixed_load(
            url,
            workers=args.workers,
            clients=args.clients,
            seconds=args.seconds,
            folder=Path(folder),
        )
    backend = url.split(":", 1)[0].split("+")[0]
    print(TABLE_HEADER)
    print(table_row(backend, args.workers, figures, chain))
    for error in errors:
        print("error:", error, file=sys.stderr)
    return 0 if not errors and chain["valid"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
