"""A light HTTP/1.1 load client: N keep-alive connections on raw asyncio sockets.

An httpx client saturates its own core before a server on the same two cores does, so the
ratios between endpoints would measure the client. This one parses only the status line and
Content-Length, and keeps every connection alive, so nearly all the CPU it leaves goes to the
server. Loopback only. ``run`` is a closed loop (each connection sends again when answered:
throughput); ``run_paced`` an open one at a fixed offered rate (latency as callers see it).
"""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass
class RawResult:
    """Latencies (seconds) of the answered requests, and what went wrong."""

    seconds: float
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return 0.0
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    def summary(self) -> dict[str, float]:
        return {
            "requests": len(self.latencies),
            "rps": round(self.throughput, 1),
            "p50_ms": round(statistics.median(self.latencies) * 1000, 1) if self.latencies else 0,
            "p99_ms": round(self.percentile(0.99) * 1000, 1),
            "errors": len(self.errors) + sum(n for s, n in self.statuses.items() if s >= 400),
        }


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """The status and the body of one HTTP/1.1 response with a Content-Length."""
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("connection closed")
    status = int(status_line.split(b" ", 2)[1])
    length = 0
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    body = await reader.readexactly(length) if length else b""
    return status, body


@dataclass(frozen=True)
class Pace:
    """When one connection's requests are due (perf_counter seconds): from ``first``, one
    every ``interval``, none from ``end`` on.

    A latency then runs from when the request was due, not from when it could be sent: a
    server that falls behind makes the next requests wait too, and that waiting is counted
    (a closed loop leaves it out, as a client that waits for each answer sends less when the
    server is slow).
    """

    first: float
    interval: float
    end: float

    async def wait(self, due: float) -> bool:
        """Sleep until ``due``; False, at once, when it is past the end."""
        if due >= self.end:
            return False
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        return True


LEAD = 0.1
"""Seconds between starting a steady load and its first request: the connections open."""


def paces(clients: int, rate: float | None, seconds: float) -> list[Pace | None]:
    """Per connection, its pace for ``rate`` requests a second over all of them, evenly
    spaced; None for each when there is no rate (a closed loop)."""
    if rate is None:
        return [None] * clients
    start = time.perf_counter() + LEAD
    return [Pace(start + index / rate, clients / rate, start + seconds) for index in range(clients)]


async def _connection(
    host: str, port: int, request: bytes, *, until: float, result: RawResult, pace: Pace | None
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    due = pace.first if pace else 0.0
    try:
        while time.monotonic() < until:
            started = time.perf_counter()
            if pace is not None:
                if not await pace.wait(due):
                    break
                started, due = due, due + pace.interval
            writer.write(request)
            await writer.drain()
            status, _ = await read_response(reader)
            result.latencies.append(time.perf_counter() - started)
            result.statuses[status] = result.statuses.get(status, 0) + 1
    except (ConnectionError, asyncio.IncompleteReadError, ValueError) as exc:
        result.errors.append(type(exc).__name__)
    finally:
        writer.close()


def request_bytes(
    method: str, path: str, host: str, headers: dict[str, str], body: bytes = b""
) -> bytes:
    """One keep-alive HTTP/1.1 request."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", "Connection: keep-alive"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if body:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _load(
    url: str, headers: dict[str, str], *, clients: int, seconds: float, rate: float | None
) -> RawResult:
    host, port, request = _target(url, headers)
    result = RawResult(seconds=seconds)
    until = time.monotonic() + seconds + (LEAD if rate else 0.0)
    await asyncio.gather(
        *(
            _connection(host, port, request, until=until, result=result, pace=pace)
            for pace in paces(clients, rate, seconds)
        )
    )
    return result


def _target(url: str, headers: dict[str, str]) -> tuple[str, int, bytes]:
    if not url.startswith(("http://127.", "http://localhost", "http://[::1]")):
        raise ValueError("load is only ever sent to this machine's loopback")
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return host, port, request_bytes("GET", path, f"{host}:{port}", headers)


def run(url: str, headers: dict[str, str], *, clients: int, seconds: float) -> RawResult:
    """Drive ``url`` (loopback only) with ``clients`` keep-alive connections for ``seconds``,
    each sending its next request as soon as the last is answered (a closed loop)."""
    return asyncio.run(_load(url, headers, clients=clients, seconds=seconds, rate=None))


def run_paced(
    url: str, headers: dict[str, str], *, clients: int, seconds: float, rate: float
) -> RawResult:
    """Offer ``url`` (loopback only) ``rate`` requests a second for ``seconds``, evenly spaced
    over ``clients`` keep-alive connections (an open loop): the latency a caller sees at that
    load, queueing included."""
    return asyncio.run(_load(url, headers, clients=clients, seconds=seconds, rate=rate))
