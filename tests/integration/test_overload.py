"""Overload answers 503 with Retry-After, never 500, and /health still answers.

The pool is made tiny (one connection plus one overflow, half a second of waiting) and every
connection of it is held, as hundreds of concurrent requests would; a statement cut by
PostgreSQL's ``statement_timeout`` is the other overload.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from ttt.api.deps import DbSession
from ttt.config import get_settings
from ttt.db import get_engine


@pytest.fixture
def tiny_pool(monkeypatch):
    monkeypatch.setenv("TTT_DB_POOL_SIZE", "1")
    monkeypatch.setenv("TTT_DB_POOL_TIMEOUT_S", "0.5")
    get_settings.cache_clear()
    engine = get_engine()
    yield engine
    engine.dispose()
    monkeypatch.undo()
    get_settings.cache_clear()


def test_an_exhausted_pool_answers_503_with_retry_after_and_health_still_answers(make_user, auth, tiny_pool):
    headers = auth(make_user("analyst")[1])
    from ttt.api.app import create_app

    with TestClient(create_app(), raise_server_exceptions=False) as client:
        held = [tiny_pool.connect() for _ in range(2)]  # every connection of the pool is busy
        try:
            r = client.get("/api/v1/me", headers=headers)
            assert r.status_code == 503, r.text
            assert r.headers["retry-after"] and r.json()["error"] == "service_unavailable"
            assert "busy" in r.json()["detail"]
            h = client.get("/health")
            assert h.status_code == 200 and h.json()["database"] == "ok"
            assert h.json()["pool"] == {"in_use": 2, "max": 2, "state": "exhausted"}
        finally:
            for conn in held:
                conn.close()
        assert client.get("/api/v1/me", headers=headers).status_code == 200  # back as soon as one is free


def test_a_statement_cut_by_the_statement_timeout_answers_503_with_retry_after(app):
    @app.get("/test-only/slow")
    def slow(session: DbSession) -> dict:
        session.execute(text("SET LOCAL statement_timeout = '50ms'"))
        session.execute(text("SELECT pg_sleep(2)"))
        return {}

    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.get("/test-only/slow")
    assert r.status_code == 503 and r.headers["retry-after"]
    assert r.json()["error"] == "service_unavailable"
