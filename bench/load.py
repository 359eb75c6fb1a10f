"""Load run for the README: a real server on loopback, N clients for D seconds.

    .venv/bin/python bench/load.py --clients 50 --seconds 60            # SQLite (WAL)
    .venv/bin/python bench/load.py --database postgresql+psycopg://…     # PostgreSQL

Prints the figures as a Markdown table row and checks the whole signed log afterwards, every
report re-performed.
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


def mixed_load(
    url: str, *, workers: int, clients: int, seconds: float, folder: Path
) -> tuple[dict[str, float], dict[str, object], list[str]]:
    """The mixed load on a fresh database at ``url``: its figures, the chain's state after
    it, and the first errors."""
    keys = prepared(url)
    with running_server(url, log=folder / "server.log", workers=workers) as server:
        publish_first_report(server.base, keys["negotiator"])
        result = run_load(server.base, keys, clients=clients, seconds=seconds)
        chain = verify_whole_log(server.base, keys["admin"])
    return result.summary(), chain, result.errors[:10]


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
    print(
        "| backend | clients | seconds | requests | errors | req/s | p50 ms | p99 ms | "
        "run p50 ms | run p99 ms | reports | chain |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    print(
        f"| {backend} | {args.clients} | {args.seconds:.0f} | {figures['requests']} | "
        f"{figures['errors']} | {figures['throughput_rps']} | {figures['p50_ms']} | "
        f"{figures['p99_ms']} | {figures['allocation_p50_ms']} | {figures['allocation_p99_ms']} | "
        f"{figures['reports_created']} | {'valid' if chain['valid'] else 'BROKEN'} "
        f"({chain['reports']}) |"
    )
    for error in errors:
        print("error:", error, file=sys.stderr)
    return 0 if not errors and chain["valid"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
