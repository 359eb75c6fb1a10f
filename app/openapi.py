"""The committed OpenAPI document, generated from the app so the two cannot drift."""

from __future__ import annotations

import json

from app.main import create_app


def spec_text() -> str:
    """The spec as committed in ``openapi/openapi.json``: indented, keys in app order."""
    return json.dumps(create_app().openapi(), indent=2, ensure_ascii=False) + "\n"
