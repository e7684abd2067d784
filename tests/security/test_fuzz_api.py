"""Schemathesis over the app's own OpenAPI document: generated requests (valid and not) must
never produce a 5xx, and responses must match the documented schema.

Bounded for CI: a few examples per operation, derandomised (the same cases every run, so a
failure reproduces), no shrinking beyond what hypothesis does quickly. Runs as an admin with
the rate limiter off, so every operation is reached past authorisation.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import response_schema_conformance

from ttt.config import get_settings

MAX_EXAMPLES = 4


def _fuzz_app():
    """The real app with the rate limiter off (built at collection: it needs no database yet)."""
    import os

    from ttt.api.app import create_app

    old = os.environ.get("TTT_RATE_LIMIT_PER_MIN")
    os.environ["TTT_RATE_LIMIT_PER_MIN"] = "0"
    get_settings.cache_clear()
    try:
        return create_app()
    finally:
        if old is None:
            os.environ.pop("TTT_RATE_LIMIT_PER_MIN")
        else:
            os.environ["TTT_RATE_LIMIT_PER_MIN"] = old
        get_settings.cache_clear()


# the coverage and stateful phases would multiply the cases many times over: keep CI bounded
CONFIG = SchemathesisConfig.from_dict({
    "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
    "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
})
schema = schemathesis.openapi.from_asgi("/openapi.json", _fuzz_app(), config=CONFIG)


@pytest.fixture
def clean_db():
    """No TRUNCATE between operations (it costs ~1 s each): the fuzzer may build on its own data."""
    yield


@pytest.fixture(scope="module")
def fuzz_admin(engine):
    """One admin for the whole run; the unusual name keeps fuzzed user names from revoking it."""
    from ttt.db import session_scope
    from ttt.users import create_user, get_user, rotate_token

    with session_scope() as s:
        try:
            get_user(s, "fuzz-admin-0b7f")
            token = rotate_token(s, "fuzz-admin-0b7f")
        except Exception:
            _, token = create_user(s, "fuzz-admin-0b7f", "admin")
    return {"Authorization": f"Bearer {token}"}


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, derandomize=True, deadline=None, database=None,
          phases=[Phase.explicit, Phase.generate],
          suppress_health_check=list(HealthCheck))
def test_no_server_errors_and_responses_match_the_schema(case, engine, fuzz_admin):
    case.call_and_validate(headers=fuzz_admin, checks=[not_a_server_error, response_schema_conformance])
