"""Runtime settings, read from the environment (prefix ``COSTSHARE_``) or ``DATABASE_URL``.

Settings are built on demand by :func:`get_settings`, never at import time, so tests and the
command line can point the service at another database before anything connects.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SQLITE_PATH = Path("var") / "costshare.sqlite3"
DEFAULT_SIGNING_KEYS = Path("var") / "keys"
DEFAULT_CHECKPOINT_FILE = Path("var") / "checkpoints.jsonl"


class Settings(BaseSettings):
    """Everything an operator may set; every figure of the brief lives in the database instead."""

    model_config = SettingsConfigDict(env_prefix="COSTSHARE_", extra="ignore")

    database_url: str = Field(
        default=f"sqlite:///{DEFAULT_SQLITE_PATH}",
        validation_alias=AliasChoices("DATABASE_URL", "COSTSHARE_DATABASE_URL"),
        description="SQLAlchemy URL; sqlite:///path or postgresql+psycopg://user@host/db.",
    )
    cors_origins: list[str] = Field(
        default_factory=list,
        description="Origins allowed to call the API from a browser; empty means CORS is closed.",
    )
    max_body_bytes: int = Field(default=1_000_000, ge=1_024)
    log_level: str = "INFO"
    sqlite_busy_timeout_ms: int = Field(default=15_000, ge=0)
    solve_budget_seconds: float = Field(
        default=5.0,
        gt=0,
        le=600,
        description="Time budget of one solve (a run, one year of a plan, a verification); "
        "past it the request gets 422 saying the problem is too large for the budget.",
    )
    solve_rate_per_minute: float = Field(
        default=60,
        ge=0,
        description="Solves one key may start per minute (runs, comparisons, plans, sweeps, "
        "verifications); 0 switches the limit off.",
    )
    solve_burst: int = Field(default=20, ge=1, description="Solves one key may start at once.")
    session_hours: float = Field(
        default=8,
        gt=0,
        le=24 * 30,
        description="How long a sign-in to the pages lasts before the person signs in again.",
    )
    trust_forwarded_proto: bool = Field(
        default=False,
        description="Behind a TLS-terminating proxy: believe its X-Forwarded-Proto header when "
        "deciding whether the session cookie is marked Secure. Off unless a proxy sets it.",
    )
    first_key_file: Path = Field(
        default=Path("var") / "first-admin-key",
        description="Where `costshare serve` writes the first admin key when its output is not "
        "a terminal (a container's log must never hold a key); readable by its owner only.",
    )
    signing_keys: Path = Field(
        default=DEFAULT_SIGNING_KEYS,
        description="Folder of the Ed25519 signing keyring (0700); never inside the database.",
    )
    checkpoint_file: Path = Field(
        default=DEFAULT_CHECKPOINT_FILE,
        description="File to which every signed tree head is appended, one JSON line each.",
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment on first use."""
    return Settings()
