"""Rate limiting per token: 429 with Retry-After, separate buckets per caller, /health exempt."""

from __future__ import annotations

import base64

import pytest
from fastapi.testclient import TestClient

from ttt.api.ratelimit import TokenBuckets, caller_key
from ttt.config import get_settings


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_bucket_allows_a_burst_then_asks_to_wait_and_refills():
    clock = FakeClock()
    b = TokenBuckets(per_min=60, burst=3, clock=clock)
    assert [b.take("k") for _ in range(3)] == [0, 0, 0]
    wait = b.take("k")
    assert wait == pytest.approx(1.0)  # one request a second
    assert b.take("other") == 0  # callers do not share buckets
    clock.t += 1.0
    assert b.take("k") == 0
    assert b.take("k") > 0
    clock.t += 3600
    assert [b.take("k") for _ in range(3)] == [0, 0, 0]  # never more than the burst after idling


def test_caller_key_never_contains_the_token():
    token = "ttt_" + "A" * 43
    key, authed = caller_key({"headers": [(b"authorization", f"Bearer {token}".encode())], "client": ("1.2.3.4", 1)})
    assert authed and token not in key and "A" * 10 not in key
    key2, authed2 = caller_key({"headers": [(b"authorization", b'Digest username="enum1", realm="ttt"')]})
    assert (key2, authed2) == ("digest:enum1@unknown", True)
    basic = base64.b64encode(f"enum1:{token}".encode())
    key4, authed4 = caller_key({"headers": [(b"authorization", b"Basic " + basic)]})
    assert authed4 and key4.startswith("basic:") and token not in key4 and basic.decode() not in key4
    key3, authed3 = caller_key({"headers": [], "client": ("10.0.0.9", 5)})
    assert (key3, authed3) == ("ip:10.0.0.9", False)


@pytest.fixture
def limited_app(engine, monkeypatch):
    monkeypatch.setenv("TTT_RATE_LIMIT_PER_MIN", "3")
    monkeypatch.setenv("TTT_RATE_LIMIT_ANONYMOUS_PER_MIN", "2")
    get_settings.cache_clear()
    from ttt.api.app import create_app

    app = create_app()
    monkeypatch.delenv("TTT_RATE_LIMIT_PER_MIN")
    monkeypatch.delenv("TTT_RATE_LIMIT_ANONYMOUS_PER_MIN")
    get_settings.cache_clear()
    return app


def test_a_token_over_its_limit_gets_429_with_retry_after_and_others_carry_on(limited_app, make_user, auth, session):
    _, fast = make_user("analyst", name="fast")
    _, calm = make_user("analyst", name="calm")
    with TestClient(limited_app) as c:
        codes = [c.get("/api/v1/me", headers=auth(fast)).status_code for _ in range(3)]
        assert codes == [200, 200, 200]
        r = c.get("/api/v1/me", headers=auth(fast))
        assert r.status_code == 429
        assert int(r.headers["retry-after"]) >= 1
        body = r.json()
        assert body["error"] == "rate_limited" and body["request_id"] == r.headers["x-request-id"]
        assert c.get("/api/v1/me", headers=auth(calm)).status_code == 200
        assert all(c.get("/health").status_code == 200 for _ in range(6))  # monitoring is never limited
    from sqlalchemy import select

    from ttt.audit import AuditEntry

    refused = session.scalars(select(AuditEntry).where(AuditEntry.status == 429)).all()
    assert len(refused) == 1 and refused[0].path == "/api/v1/me"


def test_anonymous_callers_and_token_guessers_are_limited_by_address(limited_app, make_user, auth):
    _, good = make_user("enumerator")
    with TestClient(limited_app) as c:
        assert c.get("/api/v1/me", headers=auth(good)).status_code == 200  # proven from this address
        codes = [c.get("/api/v1/me", headers=auth(f"ttt_guess{i}")).status_code for i in range(3)]
        assert codes == [401, 401, 429]  # each guess is a new token, but failures count per address
        r = c.get("/api/v1/me", headers=auth("ttt_guess9"))
        assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
        assert c.get("/api/v1/me", headers=auth(good)).status_code == 200  # a proven token carries on
        codes = [c.get("/api/v1/me").status_code for _ in range(3)]
        assert codes == [401, 401, 429]  # no-token callers share their address's bucket


def test_zero_disables_the_limit(engine, monkeypatch, make_user, auth):
    monkeypatch.setenv("TTT_RATE_LIMIT_PER_MIN", "0")
    get_settings.cache_clear()
    from ttt.api.app import create_app

    app = create_app()
    monkeypatch.delenv("TTT_RATE_LIMIT_PER_MIN")
    get_settings.cache_clear()
    _, token = make_user("partner")
    with TestClient(app) as c:
        assert {c.get("/api/v1/me", headers=auth(token)).status_code for _ in range(20)} == {200}
