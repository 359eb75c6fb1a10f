"""Errors of the service layer. They know nothing of HTTP; ``app.problems`` maps them.

ServiceError
├── NotFound            a named resource does not exist
├── Forbidden           the caller's role may not do this
├── Conflict            the request clashes with the stored state (e.g. editing an adopted set)
├── PreconditionFailed  an If-Match header names a revision that is no longer current
├── TooManyRequests     the key started too many solves; says when to retry
├── LogContradiction    the stored log contradicts a signed head or a checkpoint
├── Unavailable         the signing keyring or the checkpoint file cannot be used
└── InvalidInput        a field of the request is wrong; names the field
"""

from __future__ import annotations


class ServiceError(Exception):
    """Base of every error a service raises on purpose."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(ServiceError):
    """Raised when a ministry, weight set, scenario or report with that key does not exist."""


class Forbidden(ServiceError):
    """Raised when the caller's key does not allow the operation or the object."""


class Conflict(ServiceError):
    """Raised when the operation is impossible in the object's current state."""


class PreconditionFailed(ServiceError):
    """Raised when If-Match does not match the object's current ETag."""


class PreconditionRequired(ServiceError):
    """Raised when an edit does not say, with If-Match, which revision it was based on."""


class TooManyRequests(ServiceError):
    """Raised when a key starts more solves than its rate allows."""

    def __init__(self, detail: str, *, retry_after: str) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class LogContradiction(ServiceError):
    """Raised when the log the database holds contradicts what was signed (a signed head, a
    checkpoint, an entry's signature): the service then refuses to extend it or to hand out
    evidence for it, and says where to look (``GET /v1/audit/verify``)."""


class Unavailable(ServiceError):
    """Raised when the signing keyring or the checkpoint file cannot be used; an operator has
    to act (create the keyring, fix a file's mode)."""


class InvalidInput(ServiceError):
    """Raised when a field is wrong in a way only the service can see (e.g. unknown ministry)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
