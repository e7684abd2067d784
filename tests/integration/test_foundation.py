"""Foundation behaviour a user notices: health, auth matrix, error format, migrations."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, pool, text

from ttt.config import get_settings
from ttt.migrate import current, downgrade, include_object, upgrade


def test_health_reports_database_and_postgis(client):
    r = client.get("/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["postgis"][0].isdigit()


def test_health_is_503_when_database_is_unreachable_and_recovers(monkeypatch, client):
    from ttt import db

    good = get_settings()
    bad = good.model_copy(update={"database_url": "postgresql+psycopg://postgres@127.0.0.1:1/ttt"})
    monkeypatch.setattr(db, "get_settings", lambda: bad)
    r = client.get("/health")
    assert r.status_code == 503
    assert r.json()["database"] == "unavailable"
    monkeypatch.setattr(db, "get_settings", lambda: good)
    assert client.get("/health").status_code == 200


def test_api_requires_a_bearer_token(client):
    r = client.get("/api/v1/me")
    assert r.status_code == 401
    body = r.json()
    assert body["error"] == "unauthorized" and body["request_id"]
    assert r.headers["x-request-id"] == body["request_id"]
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_roles_are_enforced(client, make_user, auth):
    _, analyst = make_user("analyst")
    _, admin = make_user("admin")
    assert client.get("/api/v1/me", headers=auth(analyst)).json()["role"] == "analyst"
    r = client.get("/api/v1/users", headers=auth(analyst))
    assert r.status_code == 403 and r.json()["error"] == "forbidden"
    assert client.get("/api/v1/users", headers=auth(admin)).status_code == 200


def test_revoked_and_rotated_tokens_stop_working(client, make_user, auth):
    _, admin = make_user("admin")
    created = client.post("/api/v1/users", headers=auth(admin), json={"name": "field1", "role": "enumerator"})
    assert created.status_code == 201
    token = created.json()["token"]
    assert client.get("/api/v1/me", headers=auth(token)).status_code == 200
    rotated = client.post("/api/v1/users/field1/rotate", headers=auth(admin)).json()["token"]
    assert client.get("/api/v1/me", headers=auth(token)).status_code == 401
    assert client.get("/api/v1/me", headers=auth(rotated)).status_code == 200
    client.post("/api/v1/users/field1/revoke", headers=auth(admin))
    assert client.get("/api/v1/me", headers=auth(rotated)).status_code == 401


def test_validation_errors_list_each_problem_with_location(client, admin_headers):
    r = client.post("/api/v1/users", headers=admin_headers, json={"role": 5})
    assert r.status_code == 422
    body = r.json()
    assert body["error"] == "validation_error"
    fields = {p["field"] for p in body["detail"]}
    assert {"name", "role"} <= fields


def test_domain_validation_names_the_field(client, admin_headers):
    r = client.post("/api/v1/users", headers=admin_headers, json={"name": "x", "role": "king"})
    assert r.status_code == 422
    assert r.json()["detail"][0]["field"] == "role"
    assert "admin" in r.json()["detail"][0]["message"]


def test_unexpected_errors_do_not_leak_internals(app, client):
    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internal detail")

    r = client.get("/boom")
    assert r.status_code == 500
    assert "secret" not in r.text and r.json()["error"] == "internal_error"


def test_oversized_body_is_refused_with_413(client, admin_headers):
    big = b"x" * (get_settings().max_body_bytes + 1)
    r = client.post("/api/v1/users", headers={**admin_headers, "content-type": "application/json"}, content=big)
    assert r.status_code == 413 and r.json()["error"] == "payload_too_large"


@pytest.mark.slow
def test_migrations_round_trip_and_match_models(engine):
    url = get_settings().sync_database_url
    downgrade(url, "base")
    assert current(url) is None
    upgrade(url, "head")
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from ttt.db import Base
    from ttt.schema import import_all_models

    import_all_models()
    eng = create_engine(url, poolclass=pool.NullPool)
    with eng.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"include_object": include_object, "compare_type": True})
        diff = compare_metadata(ctx, Base.metadata)
        assert diff == [], diff
        assert conn.execute(text("SELECT extname FROM pg_extension WHERE extname='postgis'")).scalar() == "postgis"
