"""Acknowledgement tokens and retry timing."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from alerts.delivery.ack import AckTokenError, ack_url, make_token, read_token
from alerts.delivery.backoff import BackoffPolicy, delay_s, next_attempt_at

KEY = "k" * 48
NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


def test_token_round_trip_is_short_and_url_safe():
    token = make_token(KEY, alert_id=123456, version=3, delivery_id=987654, now=NOW)
    assert len(token) < 64
    assert all(c.isalnum() or c in "-_." for c in token)
    claim = read_token(KEY, token, now=NOW + timedelta(days=13))
    assert (claim.alert_id, claim.version, claim.delivery_id) == (123456, 3, 987654)
    assert ack_url("https://ttt.example.org/", token) == f"https://ttt.example.org/a/{token}"


def test_expired_token_says_so():
    token = make_token(KEY, alert_id=1, version=1, now=NOW, ttl=timedelta(hours=1))
    with pytest.raises(AckTokenError) as err:
        read_token(KEY, token, now=NOW + timedelta(hours=2))
    assert err.value.reason == "expired" and "expired on 2026-11-24 09:00 UTC" in str(err.value)


@pytest.mark.parametrize("mangle", [
    lambda t: t.replace(t[3], "A" if t[3] != "A" else "B", 1),  # payload changed
    lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # signature changed
])
def test_tampered_token_is_refused(mangle):
    token = make_token(KEY, alert_id=5, version=2, delivery_id=9, now=NOW)
    with pytest.raises(AckTokenError) as err:
        read_token(KEY, mangle(token), now=NOW)
    assert err.value.reason in {"tampered", "malformed"}


def test_other_key_is_tampered_and_garbage_is_malformed():
    token = make_token(KEY, alert_id=5, version=2, now=NOW)
    with pytest.raises(AckTokenError) as err:
        read_token("another-key", token, now=NOW)
    assert err.value.reason == "tampered"
    for junk in ("", "abc", "a.b.c", "!!!.???"):
        with pytest.raises(AckTokenError) as err:
            read_token(KEY, junk, now=NOW)
        assert err.value.reason in {"malformed", "tampered"}


def test_backoff_grows_is_capped_and_jittered():
    policy = BackoffPolicy(base_s=10, factor=2, max_delay_s=300, jitter=0.5)
    rng = random.Random(1)
    delays = [[delay_s(n, policy, rng) for _ in range(200)] for n in (1, 2, 3, 10)]
    assert all(5 <= d <= 10 for d in delays[0])
    assert all(10 <= d <= 20 for d in delays[1])
    assert all(150 <= d <= 300 for d in delays[3])
    assert len({round(d, 6) for d in delays[2]}) > 100  # spread, not lock-step


def test_no_jitter_is_exact_and_give_up_after_max_age():
    policy = BackoffPolicy(base_s=30, factor=2, max_delay_s=3600, jitter=0, max_age=timedelta(hours=1))
    created = NOW
    assert next_attempt_at(created, 1, NOW, policy) == NOW + timedelta(seconds=30)
    assert next_attempt_at(created, 3, NOW, policy) == NOW + timedelta(seconds=120)
    # never scheduled past the deadline, and None once the deadline is reached
    assert next_attempt_at(created, 20, NOW + timedelta(minutes=59), policy) == created + timedelta(hours=1)
    assert next_attempt_at(created, 4, NOW + timedelta(hours=1), policy) is None


def test_max_attempts_and_bad_policies():
    assert next_attempt_at(NOW, 3, NOW, BackoffPolicy(max_attempts=3)) is None
    with pytest.raises(ValueError):
        BackoffPolicy(jitter=2)
    with pytest.raises(ValueError):
        delay_s(0)


def test_compact_tokens_and_links_already_sent_both_work():
    token = make_token(KEY, alert_id=123456, version=3, delivery_id=987654, now=NOW)
    assert len(token) <= 40 and "." not in token
    read_only = read_token(KEY, make_token(KEY, alert_id=7, version=1, now=NOW), now=NOW)
    assert read_only.delivery_id is None and read_only.alert_id == 7
    # a link made before the compact form (payload.mac) is still honoured
    import hashlib
    import hmac as hmac_
    from base64 import urlsafe_b64encode

    from alerts.delivery.ack import PURPOSE

    def b64(data: bytes) -> str:
        return urlsafe_b64encode(data).rstrip(b"=").decode()

    payload = f"5:2:9:{int((NOW + timedelta(days=1)).timestamp())}".encode()
    mac = hmac_.new(hashlib.sha256(PURPOSE + b"|" + KEY.encode()).digest(), payload, hashlib.sha256).digest()[:16]
    old = f"{b64(payload)}.{b64(mac)}"
    claim = read_token(KEY, old, now=NOW)
    assert (claim.alert_id, claim.version, claim.delivery_id) == (5, 2, 9)
