"""Credentials before bodies: an anonymous or wrongly authenticated write is refused before
its body is read (no memory, no parsing spent on it), and deeply nested JSON is a 4xx, never
a 500, with or without a token (KoBo too)."""

from __future__ import annotations

import asyncio
import base64

import pytest

from ttt.api.app import create_app


def call(app, path: str, headers: list[tuple[bytes, bytes]]) -> tuple[int, int]:
    """(status, how many times the app asked for the body)."""
    asked = {"n": 0}
    status = {}
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "path": path,
             "raw_path": path.encode(), "query_string": b"", "root_path": "", "scheme": "http",
             "server": ("testserver", 80), "client": ("127.0.0.1", 5001),
             "headers": [(b"host", b"testserver"), (b"content-type", b"application/json"),
                         (b"content-length", b"10000000"), *headers]}

    async def receive():
        asked["n"] += 1
        return {"type": "http.request", "body": b"[" * 65536, "more_body": True}

    async def send(message):
        if message["type"] == "http.response.start":
            status["code"] = message["status"]

    asyncio.run(app(scope, receive, send))
    return status["code"], asked["n"]


@pytest.mark.parametrize("path", ["/api/v1/observations", "/api/v1/alerts", "/api/v1/ingest/kobo",
                                  "/api/v1/hazards", "/api/v1/subscriptions"])
def test_writes_without_valid_credentials_are_refused_before_the_body_is_read(path, engine):
    app = create_app()
    for headers in ([], [(b"authorization", b"Bearer ttt_not-a-real-token")],
                    [(b"authorization", b"Basic " + base64.b64encode(b"someone:ttt_wrong"))],
                    [(b"cookie", b"ttt_session=forged")]):
        status, asked = call(app, path, headers)
        assert status == 401 and asked == 0, (path, headers, status, asked)


def test_deeply_nested_json_is_a_client_error(client, make_user, auth):
    name_token = make_user("enumerator")
    deep = "[" * 100_000 + "]" * 100_000
    basic = {"Authorization": "Basic " + base64.b64encode(f"{name_token[0].name}:{name_token[1]}".encode()).decode(),
             "content-type": "application/json"}
    for path, headers in (("/api/v1/ingest/kobo", basic), ("/api/v1/ingest/kobo", {"content-type": "application/json"}),
                          ("/api/v1/observations", auth(name_token[1]) | {"content-type": "application/json"}),
                          ("/api/v1/alerts", auth(name_token[1]) | {"content-type": "application/json"})):
        r = client.post(path, content=deep, headers=headers)
        assert 400 <= r.status_code < 500, (path, r.status_code, r.text[:200])
    # and a valid write still goes through the same door
    ok = client.post("/api/v1/observations", json={"observations": []}, headers=auth(name_token[1]))
    assert ok.status_code == 200, ok.text
