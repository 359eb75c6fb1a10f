"""Signing in to the pages with an API key: the cookie, the stored session, sign-out,
revocation, expiry and the form token."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.models import WebSession, utcnow
from app.services import keys as key_service
from app.settings import get_settings
from tests.web.conftest import HTML, form_token, sign_in


def _set_cookie(response) -> str:  # type: ignore[no-untyped-def]
    return next(
        v
        for k, v in response.headers.multi_items()
        if k == "set-cookie" and v.startswith("costshare_session=")
    )


class TestSigningIn:
    def test_a_valid_key_opens_a_session_with_a_strict_http_only_cookie(
        self, client: TestClient, keys: dict[str, str]
    ):
        form = client.get("/aanmelden", headers=HTML)
        response = client.post(
            "/aanmelden",
            data={
                "csrf_token": form_token(form.text),
                "api_key": keys["reader"],
                "next": "/rapporten",
            },
            follow_redirects=False,
        )
        assert response.status_code == 303
        assert response.headers["location"] == "/rapporten"
        cookie = _set_cookie(response).lower()
        assert "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie
        assert "max-age=28800" in cookie
        assert "secure" not in cookie

    def test_only_the_sha256_of_the_token_is_stored(
        self, client: TestClient, keys: dict[str, str], db: Session
    ):
        sign_in(client, keys["reader"])
        token = client.cookies["costshare_session"]
        rows = list(db.exec(select(WebSession)))
        assert [r.token_sha256 for r in rows] == [hashlib.sha256(token.encode()).hexdigest()]
        assert all(token not in (r.csrf_token, r.key_prefix) for r in rows)
        assert rows[0].expires_at - rows[0].created_at == timedelta(hours=8)

    def test_a_wrong_key_keeps_the_form_and_says_why(self, client: TestClient):
        form = client.get("/aanmelden", headers=HTML)
        response = client.post(
            "/aanmelden", data={"csrf_token": form_token(form.text), "api_key": "cs_1_2"}
        )
        assert response.status_code == 401
        assert "Deze sleutel is niet bekend" in response.text
        assert 'href="#api_key"' in response.text
        assert "costshare_session" not in client.cookies

    def test_an_empty_key_is_named(self, client: TestClient):
        form = client.get("/aanmelden", headers=HTML)
        response = client.post("/aanmelden", data={"csrf_token": form_token(form.text)})
        assert response.status_code == 422
        assert "Vul uw API-sleutel in" in response.text

    def test_the_sign_in_form_needs_its_own_token(self, client: TestClient, keys: dict[str, str]):
        client.get("/aanmelden", headers=HTML)
        response = client.post(
            "/aanmelden", data={"csrf_token": "forged", "api_key": keys["reader"]}
        )
        assert response.status_code == 403
        assert "Dit formulier is niet aangenomen" in response.text
        assert "costshare_session" not in client.cookies

    def test_a_redirect_never_leaves_the_service(self, client: TestClient, keys: dict[str, str]):
        form = client.get("/aanmelden", headers=HTML)
        response = client.post(
            "/aanmelden",
            data={
                "csrf_token": form_token(form.text),
                "api_key": keys["reader"],
                "next": "//evil.example/",
            },
            follow_redirects=False,
        )
        assert response.headers["location"] == "/"


class TestSecureCookie:
    @pytest.fixture
    def trusting(self, monkeypatch: pytest.MonkeyPatch):
        monkeypatch.setenv("COSTSHARE_TRUST_FORWARDED_PROTO", "true")
        get_settings.cache_clear()
        yield
        get_settings.cache_clear()

    def _sign_in(self, client: TestClient, key: str, headers: dict[str, str]):  # type: ignore[no-untyped-def]
        form = client.get("/aanmelden", headers={**HTML, **headers})
        token = form_token(form.text)
        client.cookies.clear()  # a Secure cookie is not sent over the test's plain http
        return client.post(
            "/aanmelden",
            data={"csrf_token": token, "api_key": key},
            headers={**headers, "Cookie": f"costshare_signin={token}"},
            follow_redirects=False,
        )

    def test_behind_a_trusted_proxy_on_https_the_cookie_is_secure(
        self, trusting: None, client: TestClient, keys: dict[str, str]
    ):
        response = self._sign_in(client, keys["reader"], {"X-Forwarded-Proto": "https"})
        assert "secure" in _set_cookie(response).lower()

    def test_the_forwarded_header_is_ignored_unless_the_setting_says_so(
        self, client: TestClient, keys: dict[str, str]
    ):
        response = self._sign_in(client, keys["reader"], {"X-Forwarded-Proto": "https"})
        assert "secure" not in _set_cookie(response).lower()


class TestEndingASession:
    def test_signing_out_deletes_the_session_so_the_old_cookie_is_worthless(
        self, client: TestClient, keys: dict[str, str], db: Session
    ):
        token = sign_in(client, keys["reader"])
        old = client.cookies["costshare_session"]
        response = client.post("/afmelden", data={"csrf_token": token}, follow_redirects=False)
        assert response.status_code == 303
        assert list(db.exec(select(WebSession))) == []
        client.cookies.set("costshare_session", old)
        again = client.get("/rapporten", headers=HTML, follow_redirects=False)
        assert again.status_code == 303
        assert again.headers["location"] == "/aanmelden?next=%2Frapporten&ended=1"

    def test_revoking_the_key_ends_its_session_on_the_next_request(
        self, client: TestClient, db: Session
    ):
        issued = key_service.create(db, role="reader", ministry_code=None)
        db.commit()
        sign_in(client, issued.plaintext)
        assert client.get("/rapporten", headers=HTML).status_code == 200
        key_service.revoke(db, issued.prefix)
        db.commit()
        response = client.get("/rapporten", headers=HTML, follow_redirects=False)
        assert response.status_code == 303
        assert "ended=1" in response.headers["location"]

    def test_an_expired_session_is_not_accepted(
        self, client: TestClient, keys: dict[str, str], db: Session
    ):
        sign_in(client, keys["reader"])
        row = db.exec(select(WebSession)).one()
        row.expires_at = utcnow() - timedelta(seconds=1)
        db.add(row)
        db.commit()
        response = client.get("/rapporten", headers=HTML, follow_redirects=False)
        assert response.status_code == 303

    def test_a_post_without_the_sessions_token_is_refused_with_a_page(
        self, client: TestClient, keys: dict[str, str], db: Session
    ):
        sign_in(client, keys["reader"])
        response = client.post("/afmelden", data={"csrf_token": "not-it"})
        assert response.status_code == 403
        assert response.headers["content-type"].startswith("text/html")
        assert 'lang="nl"' in response.text and "Er is niets gewijzigd" in response.text
        assert len(list(db.exec(select(WebSession)))) == 1


class TestTheApiIsUnchanged:
    def test_a_session_cookie_does_not_open_the_api(self, client: TestClient, keys: dict[str, str]):
        sign_in(client, keys["admin"])
        response = client.get("/v1/ministries")
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"

    def test_bearer_keys_still_work(self, client: TestClient, keys: dict[str, str]):
        response = client.get(
            "/v1/ministries", headers={"Authorization": f"Bearer {keys['reader']}"}
        )
        assert response.status_code == 200
