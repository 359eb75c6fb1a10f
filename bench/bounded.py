"""A negotiator's small run while verifications of the largest admitted reports are running.

    .venv/bin/python bench/bounded.py [--ministries 200] [--channels 20] [--verifications 4]

A real server on loopback; as many large reports as verifications (different ones, so none is
answered from memory) are stored, then verified at once by separate clients, and while they
run a small run (the seeded 2027 scenario) is timed, five times. Prints the verification time
alone, the small run alone and beside the verifications, as a Markdown table.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.builders import large_scenario  # noqa: E402
from tests.servers import prepared, running_server  # noqa: E402


def timed(call) -> tuple[float, httpx.Response]:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    response = call()
    return time.perf_counter() - started, response


def measure_bounded(ministries: int, channels: int, verifications: int) -> dict[str, object]:
    """Seconds of the large runs and verifications, and of the small run alone and beside."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bounded.sqlite3"
        keys = prepared(url)
        admin = {"Authorization": f"Bearer {keys['admin']}"}
        negotiator = {"Authorization": f"Bearer {keys['negotiator']}"}
        with (
            running_server(url, log=Path(folder) / "server.log") as server,
            httpx.Client(base_url=server.base, timeout=600) as http,
        ):
            for index in range(ministries):
                http.post(
                    "/v1/ministries",
                    headers=admin,
                    json={"code": f"M{index:03d}", "name": f"M {index}", "chapter": "XV"},
                ).raise_for_status()
            report_ids, created = [], []
            for seed in range(verifications):
                scenario = large_scenario(ministries, channels, seed=seed)
                seconds, answer = timed(
                    lambda s=scenario: http.post(
                        "/v1/allocations", headers=admin, json={"scenario": s}
                    )
                )
                if answer.status_code != 201:
                    return {"refused": f"{answer.status_code} {answer.json().get('detail')}"}
                report_ids.append(answer.json()["id"])
                created.append(seconds)
            alone = [
                timed(
                    lambda: http.post(
                        "/v1/allocations", headers=negotiator, json={"scenario_id": 1}
                    )
                )[0]
                for _ in range(5)
            ]
            verification_times: list[float] = []

            def verify(report_id: int) -> None:
                with httpx.Client(base_url=server.base, timeout=600) as own:
                    seconds, answer = timed(
                        lambda: own.get(f"/v1/allocations/{report_id}/verify", headers=admin)
                    )
                    answer.raise_for_status()
                    verification_times.append(seconds)

            threads = [threading.Thread(target=verify, args=(i,)) for i in report_ids]
            for thread in threads:
                thread.start()
            time.sleep(0.3)
            beside = []
            for _ in range(5):
                if not any(t.is_alive() for t in threads):
                    break
                beside.append(
                    timed(
                        lambda: http.post(
                            "/v1/allocations", headers=negotiator, json={"scenario_id": 1}
                        )
                    )[0]
                )
            for thread in threads:
                thread.join()
    return {
        "size": f"{ministries} × {channels + 1}",
        "large_run_s": statistics.median(created),
        "verification_s": (min(verification_times), max(verification_times)),
        "alone_ms": statistics.median(alone) * 1000,
        "beside_ms": (statistics.median(beside) * 1000, max(beside) * 1000) if beside else None,
    }


HEADER = (
    "| size | large run (s) | verifications at once (s) | small run alone (ms) | "
    "small run beside them (ms, max) |\n|---|---:|---:|---:|---:|"
)


def row(figures: dict[str, Any]) -> str:
    """The measurement as a Markdown table row under ``HEADER``."""
    if "refused" in figures:
        return f"| refused: {figures['refused']} |"
    low, high = figures["verification_s"]
    beside = figures["beside_ms"]
    shown = f"{beside[0]:.0f} ({beside[1]:.0f})" if beside else "verifications ended first"
    return (
        f"| {figures['size']} | {figures['large_run_s']:.2f} | {low:.2f}–{high:.2f} | "
        f"{figures['alone_ms']:.0f} | {shown} |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ministries", type=int, default=200)
    parser.add_argument("--channels", type=int, default=20)
    parser.add_argument("--verifications", type=int, default=4)
    args = parser.parse_args()
    figures = measure_bounded(args.ministries, args.channels, args.verifications)
    print(HEADER)
    print(row(figures))
    return 1 if "refused" in figures else 0


if __name__ == "__main__":
    raise SystemExit(main())
