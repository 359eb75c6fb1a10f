"""Logs: one JSON object per line on standard output, and nothing else.

The service's own records (``costshare.*``) and uvicorn's (start-up, errors) go through the same
formatter; uvicorn's plain access line is switched off, because ``costshare.access`` already
writes one record per request with its id, method, path, status and duration.
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Any


class JsonFormatter(logging.Formatter):
    """One JSON object per line; extra fields given as ``extra={"fields": {...}}``."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def _json_handler() -> logging.Handler:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    return handler


def configure_logging(level: str) -> None:
    """Send ``costshare.*`` records to stdout as JSON lines at ``level``."""
    root = logging.getLogger("costshare")
    root.handlers[:] = [_json_handler()]
    root.setLevel(level.upper())
    root.propagate = False


def uvicorn_log_config(level: str) -> dict[str, Any]:
    """uvicorn's logging config: its records as JSON on stdout, its access line off."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "app.logs.JsonFormatter"}},
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stdout",
            }
        },
        "loggers": {
            "uvicorn": {"handlers": ["stdout"], "level": level.upper(), "propagate": False},
            "uvicorn.error": {"handlers": ["stdout"], "level": level.upper(), "propagate": False},
            "uvicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
        },
    }


def log_event(logger: logging.Logger, message: str, **fields: Any) -> None:
    """An info record with structured fields."""
    logger.info(message, extra={"fields": fields})
