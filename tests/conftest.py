"""Test settings for the whole suite: a dedicated database (TTT_TEST_DB, default ttt_test)
on the local PostgreSQL, test mode, a non-default secret key."""

from __future__ import annotations

import os

TEST_DB = os.environ.get("TTT_TEST_DB", "ttt_test")
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
