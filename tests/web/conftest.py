"""Helpers for the page tests: signing in through the form, as a browser does."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

HTML = {"Accept": "text/html"}


def form_token(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "the page has no form token"
    return found.group(1)


def sign_in(client: TestClient, key: str) -> str:
    """Sign in with ``key``; return the session's form token."""
    form = client.get("/aanmelden", headers=HTML)
    response = client.post(
        "/aanmelden",
        data={"csrf_token": form_token(form.text), "api_key": key, "next": "/"},
        headers=HTML,
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return form_token(client.get("/", headers=HTML).text)
