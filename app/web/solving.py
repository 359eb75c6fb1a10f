"""Admission of the pages' solves: the same per-key rate limit as the API's solving routes."""

from __future__ import annotations

from app.concurrency import retry_after
from app.errors import TooManyRequests
from app.web.render import Page

API_SOLVES = 6
"""The most scenarios one API comparison solves (six variants); a page that solves more
counts as that many requests."""


def admit(page: Page, *, solves: int = 1) -> None:
    """Count the signed-in key's request (one per started :data:`API_SOLVES` solves), or
    :class:`TooManyRequests` with the wait."""
    assert page.user is not None
    limiter = page.request.app.state.solve_rate
    for _ in range(-(-max(1, solves) // API_SOLVES)):
        wait = limiter.admit(page.user.principal.key_prefix)
        if wait > 0:
            raise TooManyRequests(
                f"this key started more than {limiter.burst} solves in a short time",
                retry_after=retry_after(wait),
            )
