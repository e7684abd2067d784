"""Integration fixtures: a freshly created, Alembic-migrated PostGIS database per test run,
every table emptied before each test, real sessions and a TestClient on the real app."""

from __future__ import annotations

import itertools

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.integration.browser import chromium, live  # noqa: F401  (fixtures of the browser tests)
from ttt.config import get_settings
from ttt.db import get_engine, session_factory
from ttt.migrate import drop_database, ensure_database, upgrade

KEEP_TABLES = {"alembic_version", "spatial_ref_sys"}
_names = itertools.count(1)


@pytest.fixture(scope="session")
def engine():
    url = get_settings().sync_database_url
    drop_database(url)
    ensure_database(url)
    upgrade(url, "head")
    engine = get_engine()
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def _tables(engine) -> list[str]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars()
        return sorted(t for t in rows if t not in KEEP_TABLES)


# Sequences a test used go back to their start, like TRUNCATE ... RESTART IDENTITY would do.
_RESTART_SEQUENCES = text(
    "SELECT setval(format('%I.%I', schemaname, sequencename), start_value, false) "
    "FROM pg_sequences WHERE schemaname = 'public' AND last_value IS NOT NULL"
)


@pytest.fixture(autouse=True)
def clean_db(engine, _tables):
    """Every test starts from empty tables and fresh id sequences (migrated schema kept).

    Only the tables holding rows are truncated: a TRUNCATE costs tens of milliseconds per
    table (new files for the table and its indexes), the emptiness probe next to nothing."""
    if _tables:
        probe = text(" UNION ALL ".join(f"SELECT '{t}' WHERE EXISTS (SELECT 1 FROM {t})" for t in _tables))
        with engine.begin() as conn:
            full = list(conn.execute(probe).scalars())
            if full:
                conn.execute(text(f"TRUNCATE {', '.join(full)} RESTART IDENTITY CASCADE"))
            conn.execute(_RESTART_SEQUENCES)
    yield


@pytest.fixture
def session(engine):
    s = session_factory()()
    try:
        yield s
    finally:
        s.rollback()
        s.close()


@pytest.fixture
def app(engine):
    from ttt.api.app import create_app

    return create_app()


@pytest.fixture
def client(app):
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def make_user(engine):
    """make_user(role, scopes=(), name=None) -> (principal, token), committed."""
    from ttt.db import session_scope
    from ttt.users import Principal, create_user

    def _make(role: str, scopes=(), name: str | None = None):
        name = name or f"{role}{next(_names)}"
        with session_scope() as s:
            user, token = create_user(s, name, role, list(scopes))
            principal = Principal(user.id, user.name, user.role, tuple(user.scopes))
        return principal, token

    return _make


@pytest.fixture
def auth():
    def _auth(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    return _auth


@pytest.fixture
def admin_headers(make_user, auth):
    return auth(make_user("admin")[1])
