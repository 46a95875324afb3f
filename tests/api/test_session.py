"""The studio's session cookie: signing in with a key, what the cookie opens (and does not), CSRF, revocation, the
WebSocket, and keys kept out of the logs."""

from __future__ import annotations

import logging

import pytest
from starlette.websockets import WebSocketDisconnect

from kiln.api.hot_reads import KEY_SECONDS
from kiln.api.redact import SecretQueryFilter, redact
from kiln.api.session import COOKIE, SessionSigner
from tests.api.conftest import Api, ApiFactory, bearer, receive_until
from tests.conditions import wait_until

ORIGIN = {"Origin": "http://testserver"}  # TestClient's host
JOB = {"prompts": ["a kiln at night"]}


def sign_in(api: Api, token: str) -> str:
    """Signs in as `token` and returns the cookie's value (the client keeps no cookie of its own)."""
    response = api.client.post("/v1/session", headers=bearer(token))
    assert response.status_code == 204, response.text
    value = response.cookies[COOKIE]
    api.client.cookies.clear()
    return value


def cookie(value: str) -> dict[str, str]:
    return {"Cookie": f"{COOKIE}={value}"}


@pytest.fixture
def api(make_api: ApiFactory) -> Api:
    return make_api(auth="on")


def test_signing_in_sets_an_http_only_strict_cookie_that_is_not_the_key(api: Api) -> None:
    token = api.key("alice")
    response = api.client.post("/v1/session", headers=bearer(token))
    assert response.status_code == 204
    header = response.headers["set-cookie"]
    assert header.startswith(f"{COOKIE}=")
    attributes = {part.strip().split("=")[0].lower() for part in header.split(";")[1:]}
    assert {"httponly", "path", "samesite", "max-age"} <= attributes and "secure" not in attributes
    assert "samesite=strict" in header.lower() and "path=/" in header.lower()
    value = response.cookies[COOKIE]
    assert token not in value and token.removeprefix("kiln_") not in value
    api.client.cookies.clear()
    session = api.client.get("/v1/session", headers=cookie(value)).json()
    assert session == {"auth": "on", "signed_in": True, "key_name": "alice"}


def test_over_https_the_cookie_is_secure(make_api: ApiFactory) -> None:
    api = make_api(auth="on")
    api.client.base_url = "https://testserver"
    response = api.client.post("/v1/session", headers=bearer(api.key()))
    assert "secure" in response.headers["set-cookie"].lower()


def test_a_wrong_or_missing_key_is_refused_with_the_reason(api: Api) -> None:
    wrong = api.client.post("/v1/session", headers=bearer("kiln_not-a-key"))
    assert wrong.status_code == 401
    assert wrong.json()["error"]["message"] == "the API key is not valid (unknown or revoked)"
    assert "set-cookie" not in wrong.headers
    missing = api.client.post("/v1/session")
    assert missing.status_code == 401 and "Authorization: Bearer" in missing.json()["error"]["message"]
    assert api.client.get("/v1/session").json() == {"auth": "on", "signed_in": False, "key_name": None}


def test_the_cookie_opens_the_api_for_its_own_key_only(api: Api) -> None:
    alice, bob = api.key("alice"), api.key("bob")
    bobs_job = api.submit(headers=bearer(bob), **JOB)["id"]
    session = cookie(sign_in(api, alice))
    mine = api.client.post("/v1/jobs", json=JOB, headers=session | ORIGIN)
    assert mine.status_code == 202, mine.text
    listed = api.client.get("/v1/jobs", headers=session).json()["data"]
    assert [job["id"] for job in listed] == [mine.json()["id"]]
    assert api.client.get(f"/v1/jobs/{bobs_job}", headers=session).status_code == 404
    assert api.client.post(f"/v1/jobs/{bobs_job}/cancel", headers=session | ORIGIN).status_code == 404
    assert api.client.get("/v1/artifacts/01JNOSUCHARTIFACT000000000", headers=session).status_code == 404
    assert api.client.get("/v1/usage", headers=session).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [{}, {"Origin": "http://evil.example"}, {"Origin": "http://testserver:8001"}, {"Origin": "null"},
     {"Sec-Fetch-Site": "same-site"}, {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}],
)  # fmt: skip
def test_a_change_signed_in_by_cookie_needs_this_servers_origin(api: Api, headers: dict[str, str]) -> None:
    session = cookie(sign_in(api, api.key()))
    refused = api.client.post("/v1/jobs", json=JOB, headers=session | headers)
    assert refused.status_code == 403
    error = refused.json()["error"]
    assert error["field"] == "Origin" and "Authorization: Bearer" in error["message"]
    assert api.client.get("/v1/jobs", headers=session).json()["data"] == []  # nothing was made


def test_same_origin_by_fetch_metadata_or_origin_passes_and_headers_need_neither(api: Api) -> None:
    token = api.key()
    session = cookie(sign_in(api, token))
    assert api.client.post("/v1/jobs", json=JOB, headers=session | {"Sec-Fetch-Site": "same-origin"}).status_code == 202
    assert api.client.post("/v1/jobs", json=JOB, headers=session | ORIGIN).status_code == 202
    assert api.client.post("/v1/jobs", json=JOB, headers=bearer(token)).status_code == 202  # a script


def test_a_tampered_or_expired_cookie_asks_to_sign_in_again(api: Api) -> None:
    value = sign_in(api, api.key())
    key_id, expires, signature = value.split(".")
    expired = SessionSigner(b"x").issue(key_id, now=0)
    for bad in (f"{key_id}.{int(expires) + 1}.{signature}", f"{key_id}x.{expires}.{signature}", expired, "junk", ""):
        response = api.client.get("/v1/jobs", headers=cookie(bad))
        assert response.status_code == 401, bad
        if bad:
            assert "sign in again" in response.json()["error"]["message"]
        session = api.client.get("/v1/session", headers=cookie(bad))
        assert session.json()["signed_in"] is False
        if bad:
            forget = session.headers["set-cookie"].lower()
            assert forget.startswith(f"{COOKIE}=") and "max-age=0" in forget


def test_a_revoked_key_stops_working_through_its_cookie_within_the_key_bound(api: Api) -> None:
    token = api.key("alice")
    session = cookie(sign_in(api, token))
    assert api.client.get("/v1/jobs", headers=session).status_code == 200  # the key is now cached
    key_id = api.store.list_keys()[0].id
    api.store.revoke_key(key_id)
    wait_until(
        lambda: api.client.get("/v1/jobs", headers=session).status_code == 401,
        timeout=KEY_SECONDS + 0.5,
        what="the revoked key's cookie to be refused",
    )
    refused = api.client.get("/v1/jobs", headers=session).json()["error"]["message"]
    assert "revoked" in refused
    assert api.client.get("/v1/session", headers=session).json()["signed_in"] is False


def test_signing_out_clears_the_cookie(api: Api) -> None:
    session = cookie(sign_in(api, api.key()))
    out = api.client.delete("/v1/session", headers=session | ORIGIN)
    assert out.status_code == 204
    assert "max-age=0" in out.headers["set-cookie"].lower()
    assert api.client.delete("/v1/session", headers=session).status_code == 403  # no origin: not from the studio


def test_with_auth_off_there_is_nothing_to_sign_in_to(make_api: ApiFactory) -> None:
    api = make_api(auth="off")
    assert api.client.get("/v1/session").json() == {"auth": "off", "signed_in": False, "key_name": None}
    response = api.client.post("/v1/session")
    assert response.status_code == 204 and "set-cookie" not in response.headers
    assert api.client.post("/v1/jobs", json=JOB, headers=cookie("junk")).status_code == 202  # a cookie is ignored


def test_the_websocket_takes_the_cookie_from_this_servers_pages_only(api: Api) -> None:
    token = api.key()
    job = api.submit(headers=bearer(token), **JOB)["id"]
    session = cookie(sign_in(api, token))
    with api.client.websocket_connect("/v1/ws", headers=session | ORIGIN) as ws:
        ws.send_json({"action": "subscribe", "job_id": job})
        assert receive_until(ws, "ws.subscribed")[-1]["job_id"] == job
    for headers in (session, session | {"Origin": "http://evil.example"}):
        with (
            pytest.raises(WebSocketDisconnect) as refused,
            api.client.websocket_connect("/v1/ws", headers=headers) as ws,
        ):
            ws.receive_json()
        assert refused.value.code == 1008 and "own pages" in refused.value.reason


def test_keys_in_query_strings_are_redacted_in_log_lines(caplog: pytest.LogCaptureFixture) -> None:
    assert redact("/v1/ws?token=kiln_abc&x=1") == "/v1/ws?token=[redacted]&x=1"
    assert redact("GET /v1/ws?a=1&TOKEN=kiln_abc HTTP/1.1") == "GET /v1/ws?a=1&TOKEN=[redacted] HTTP/1.1"
    logger = logging.getLogger("kiln.test.redact")
    logger.addFilter(SecretQueryFilter())
    with caplog.at_level(logging.INFO, logger="kiln.test.redact"):
        logger.info('%s - "WebSocket %s" [accepted]', "127.0.0.1:5000", "/v1/ws?token=kiln_secret123")
    assert "kiln_secret123" not in caplog.text and "token=[redacted]" in caplog.text
