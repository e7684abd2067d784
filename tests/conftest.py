"""Test settings for the whole suite: a dedicated database (TTT_TEST_DB, default ttt_test)
on the local PostgreSQL, test mode, a non-default secret key.

Under pytest-xdist every worker gets its own database (``<TTT_TEST_DB>_gw0``, ``_gw1``...),
created and migrated by the integration ``engine`` fixture, so workers never share tables.
Tests that must share one process (fault tests with their own cluster) carry an
``xdist_group`` mark; ``--dist loadgroup`` keeps each group on one worker."""

from __future__ import annotations

import os

TEST_DB = os.environ.get("TTT_TEST_DB", "ttt_test")
_WORKER = os.environ.get("PYTEST_XDIST_WORKER")  # set by pytest-xdist in each worker process
if _WORKER:
    TEST_DB = f"{TEST_DB}_{_WORKER}"
_base = os.environ.get("TTT_TEST_SERVER_URL", "postgresql+psycopg://postgres@127.0.0.1:5432")
os.environ["TTT_DATABASE_URL"] = f"{_base}/{TEST_DB}"
os.environ["TTT_ENVIRONMENT"] = "test"
os.environ["TTT_SECRET_KEY"] = "test-secret-key-not-for-production-0123456789"
os.environ.setdefault("TTT_LOG_LEVEL", "WARNING")
os.environ.pop("TTT_RULES_FILE", None)
# test receivers (webhooks, SMS gateway) listen on loopback; tests/security/test_outbound.py unsets this
os.environ.setdefault("TTT_OUTBOUND_ALLOW", "127.0.0.0/8,::1/128")

from ttt.config import get_settings  # noqa: E402

get_settings.cache_clear()
