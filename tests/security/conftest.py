"""Security tests reuse the integration fixtures (fresh migrated PostGIS, TestClient, users)."""

from tests.integration.conftest import (  # noqa: F401
    _tables,
    admin_headers,
    app,
    auth,
    clean_db,
    client,
    engine,
    make_user,
    session,
)
