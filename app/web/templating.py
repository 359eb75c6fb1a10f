"""The one Jinja2 environment of the pages and the printable report (``app/templates``):
autoescaped, and the filters that write figures for people."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from app.web import formatting

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        euro=formatting.euro,
        signed_euro=formatting.signed_euro,
        percent=formatting.percent,
        share=formatting.share,
        plain_number=formatting.plain_number,
    )
    return env
