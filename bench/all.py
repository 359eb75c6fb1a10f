"""Every comparison the README quotes, side by side in one run (`make bench`).

    .venv/bin/python bench/all.py [--quick] [--write]

1. the engine: `allocate()` against bare highspy on the same LPs, 200 × 20, growth in
   ministries (bench/engine.py);
2. published reads against the server's floor, GET /health (bench/reads.py): SQLite, and
   PostgreSQL with one and two worker processes;
3. the mixed load of runs, shares and budget tables (bench/load.py), on the same three;
4. a small run beside four verifications of the largest admitted reports (bench/bounded.py).

PostgreSQL runs on a throwaway cluster (bench/postgres.py); without its binaries those rows
are left out, and say so. With `--write` the README's "Measured" section (between its
markers) is replaced by this run's tables, with the machine they ran on.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import bounded, load, postgres, reads  # noqa: E402

START, END = "<!-- measured:start -->", "<!-- measured:end -->"


def machine() -> str:
    """What the figures ran on, in one line."""
    model = "unknown CPU"
    try:
        found = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
        model = found.group(1).strip() if found else model
    except OSError:
        pass
    average = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"{os.cpu_count()} vCPU ({model}), Python {platform.python_version()}, "
        f"{datetime.now(UTC):%Y-%m-%d}, load average {average:.1f} at the start"
    )


def engine(quick: bool) -> str:
    command = [sys.executable, str(ROOT / "bench" / "engine.py"), *(["--quick"] if quick else [])]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    return done.stdout.strip()


@contextmanager
def databases(folder: Path) -> Iterator[list[tuple[str, str | None, int]]]:
    """(label, url, workers) for SQLite and, where installed, PostgreSQL with 1 and 2
    workers; a url of None means a fresh SQLite file."""
    targets: list[tuple[str, str | None, int]] = [("SQLite (WAL)", None, 1)]
    if postgres.binaries() is None:
        yield targets
        return
    with postgres.cluster() as server:
        yield [*targets, ("PostgreSQL 15", server, 1), ("PostgreSQL 15", server, 2)]


@contextmanager
def fresh(url: str | None, folder: Path, name: str) -> Iterator[str]:
    if url is None:
        yield f"sqlite:///{folder}/{name}.sqlite3"
        return
    with postgres.database(url) as created:
        yield created


def reads_table(targets: list[tuple[str, str | None, int]], folder: Path, seconds: float) -> str:
    lines = [reads.TABLE_HEADER]
    for index, (label, url, workers) in enumerate(targets):
        place = folder / f"reads{index}"
        place.mkdir()
        with fresh(url, place, "reads") as database:
            rows = reads.measure_reads(
                database, workers=workers, clients=50, seconds=seconds, folder=place
            )
        lines += [reads.table_row(label, workers, row) for row in rows]
    return "\n".join(lines)


def load_table(targets: list[tuple[str, str | None, int]], folder: Path, seconds: float) -> str:
    lines = [load.TABLE_HEADER]
    for index, (label, url, workers) in enumerate(targets):
        place = folder / f"load{index}"
        place.mkdir()
        with fresh(url, place, "load") as database:
            figures, chain, _errors = load.mixed_load(
                database, workers=workers, clients=50, seconds=seconds, folder=place
            )
        lines.append(load.table_row(label, workers, figures, chain))
    return "\n".join(lines)


def render(quick: bool) -> str:
    started = time.monotonic()
    header = machine()
    parts = [f"Machine: {header}.", "", "**Engine** (`bench/engine.py`):", "", engine(quick), ""]
    seconds = 5.0 if quick else 15.0
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        with databases(folder) as targets:
            if len(targets) == 1:
                parts += ["PostgreSQL is not installed here: its rows are left out.", ""]
            parts += [
                "**Published reads at 50 clients** (`bench/reads.py`, raw keep-alive sockets: "
                "a closed loop for throughput, then a steady load for latency):",
                "",
                reads_table(targets, folder, seconds),
                "",
                "**Mixed load** (`bench/load.py`: 50 clients, 20% runs, 40% shares, 40% budget "
                f"tables; a closed loop for {seconds * 2:.0f} s, then as long at a steady half "
                "of its throughput):",
                "",
                load_table(targets, folder, seconds * 2),
                "",
            ]
    figures = (
        bounded.measure_bounded(200, 20, 4) if not quick else bounded.measure_bounded(50, 6, 4)
    )
    parts += [
        "**A small run beside four verifications** (`bench/bounded.py`):",
        "",
        bounded.HEADER,
        bounded.row(figures),
        "",
        f"The whole run took {time.monotonic() - started:.0f} s.",
    ]
    return "\n".join(parts)


def write_readme(section: str) -> None:
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    if START not in text or END not in text:
        raise SystemExit(f"README.md has no {START} … {END} section to replace")
    before, rest = text.split(START, 1)
    _old, after = rest.split(END, 1)
    readme.write_text(f"{before}{START}\n{section}\n{END}{after}", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs, smaller sizes")
    parser.add_argument("--write", action="store_true", help="replace the README's section")
    args = parser.parse_args()
    section = render(args.quick)
    print(section)
    if args.write:
        write_readme(section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
