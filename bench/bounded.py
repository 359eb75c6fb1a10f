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

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.builders import large_scenario  # noqa: E402
from tests.servers import prepared, running_server  # noqa: E402


def timed(call) -> tuple[float, httpx.Response]:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    response = call()
    return time.perf_counter() - started, response


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ministries", type=int, default=200)
    parser.add_argument("--channels", type=int, default=20)
    parser.add_argument("--verifications", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bounded.sqlite3"
        keys = prepared(url)
        admin = {"Authorization": f"Bearer {keys['admin']}"}
        negotiator = {"Authorization": f"Bearer {keys['negotiator']}"}
        with (
            running_server(url, log=Path(folder) / "server.log") as server,
            httpx.Client(base_url=server.base, timeout=600) as http,
        ):
            for index in range(args.ministries):
                http.post(
                    "/v1/ministries",
                    headers=admin,
                    json={"code": f"M{index:03d}", "name": f"M {index}", "chapter": "XV"},
                ).raise_for_status()
            report_ids, created = [], []
            for seed in range(args.verifications):
                scenario = large_scenario(args.ministries, args.channels, seed=seed)
                seconds, answer = timed(
                    lambda s=scenario: http.post(
                        "/v1/allocations", headers=admin, json={"scenario": s}
                    )
                )
                if answer.status_code != 201:
                    print(f"the large run was refused: {answer.status_code} {answer.text}")
                    return 1
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
    print(
        f"| size | large run (s) | verification (s), {args.verifications} at once | "
        "small run alone (ms) | small run beside them (ms, max) |"
    )
    print("|---|---:|---:|---:|---:|")
    print(
        f"| {args.ministries} × {args.channels + 1} | {statistics.median(created):.2f} | "
        f"{min(verification_times):.2f}–{max(verification_times):.2f} | "
        f"{statistics.median(alone) * 1000:.0f} | "
        f"{statistics.median(beside) * 1000:.0f} ({max(beside) * 1000:.0f}) |"
        if beside
        else "| the verifications ended before the small runs started: make them larger |"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
