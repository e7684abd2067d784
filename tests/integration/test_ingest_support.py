"""Moved to tests/integration/ingest_factories.py; re-exported for older imports."""

from tests.integration.ingest_factories import *  # noqa: F401,F403
from tests.integration.ingest_factories import CONTRACT, CORRIDOR, FMP, count_rows, live_url, network, record  # noqa: F401
