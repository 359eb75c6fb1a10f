"""Admission of the pages' solves: the same per-key rate limit as the API's solving routes."""

from __future__ import annotations

from app.concurrency import retry_after
from app.errors import TooManyRequests
from app.web.render import Page


def admit(page: Page) -> None:
    """Count one solve for the signed-in key, or :class:`TooManyRequests` with the wait."""
    assert page.user is not None
    limiter = page.request.app.state.solve_rate
    wait = limiter.admit(page.user.principal.key_prefix)
    if wait > 0:
        raise TooManyRequests(
            f"this key started more than {limiter.burst} solves in a short time",
            retry_after=retry_after(wait),
        )
