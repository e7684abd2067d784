"""Tokens: expiry, revocation, rotation, constant-time comparison, never stored or logged in
clear; secrets and phone numbers redacted from logs."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select, text

from ttt import users as users_mod
from ttt.db import session_scope, utcnow
from ttt.logging import RedactingFormatter, redact
from ttt.users import ApiToken, User, create_user


def test_an_expired_token_is_refused(client, auth, engine):
    with session_scope() as s:
        _, token = create_user(s, "shortlived", "analyst", ttl_days=1)
    assert client.get("/api/v1/me", headers=auth(token)).status_code == 200
    with session_scope() as s:
        s.execute(text("UPDATE api_tokens SET expires_at = now() - interval '1 second'"))
    r = client.get("/api/v1/me", headers=auth(token))
    assert r.status_code == 401 and "expired" in r.json()["detail"]


def test_a_deactivated_user_is_refused_even_with_a_live_token(client, auth, engine):
    with session_scope() as s:
        _, token = create_user(s, "leaver", "partner")
    with session_scope() as s:
        s.scalar(select(User).where(User.name == "leaver")).active = False
    assert client.get("/api/v1/me", headers=auth(token)).status_code == 401


def test_rotation_keeps_the_user_but_kills_every_old_token(client, auth, admin_headers):
    first = client.post("/api/v1/users", headers=admin_headers, json={"name": "enum9", "role": "enumerator",
                                                                      "scopes": ["ML05"]}).json()["token"]
    second = client.post("/api/v1/users/enum9/rotate", headers=admin_headers).json()["token"]
    third = client.post("/api/v1/users/enum9/rotate", headers=admin_headers).json()["token"]
    assert len({first, second, third}) == 3
    assert [client.get("/api/v1/me", headers=auth(t)).status_code for t in (first, second, third)] == [401, 401, 200]
    assert client.get("/api/v1/me", headers=auth(third)).json() == {"name": "enum9", "role": "enumerator",
                                                                    "scopes": ["ML05"]}


def test_tokens_are_stored_only_as_hashes(client, admin_headers, session):
    token = client.post("/api/v1/users", headers=admin_headers, json={"name": "p1", "role": "partner"}).json()["token"]
    rows = session.scalars(select(ApiToken)).all()
    dumped = " ".join(f"{r.token_hash} {r.digest_ha1}" for r in rows)
    assert token not in dumped
    assert users_mod.hash_token(token) in dumped


def test_token_hashes_are_compared_in_constant_time(monkeypatch, engine):
    calls = []
    real = users_mod.hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(users_mod.hmac, "compare_digest", spy)
    with session_scope() as s:
        _, token = create_user(s, "timing", "analyst")
    with session_scope() as s:
        assert users_mod.authenticate(s, token) is not None
        assert users_mod.authenticate(s, token + "x") is None
        assert users_mod.authenticate(s, "y" * 500) is None  # absurd lengths never reach the database
    assert calls and all(a == b for a, b in calls)


def test_the_token_never_reaches_the_logs(client, make_user, auth, caplog):
    _, token = make_user("admin")
    with caplog.at_level(logging.DEBUG):
        client.get("/api/v1/me", headers=auth(token))
        client.get(f"/api/v1/me?token={token}")
        client.post("/api/v1/users", headers=auth(token), json={"name": "n2", "role": "partner"})
    formatted = "\n".join(RedactingFormatter(json_lines=False).format(r) for r in caplog.records)
    assert token not in formatted


def test_redaction_of_secrets_and_phone_numbers():
    line = ("Authorization: Bearer ttt_abcdefghijklmnopqrstuvwxyz012345 sent to +227 90 12 34 56 "
            "with password=hunter2&token=xyz and sms 0022790123456")
    out = redact(line)
    for secret in ("ttt_abcdefghijklmnopqrstuvwxyz012345", "hunter2", "xyz", "90 12 34 56", "0022790123456"):
        assert secret not in out
    assert "[redacted]" in out and "[phone]" in out
    assert redact("count of 120 cattle at ML0506") == "count of 120 cattle at ML0506"  # data survives


def test_exception_text_is_redacted_in_json_logs():
    fmt = RedactingFormatter(json_lines=True)
    try:
        raise RuntimeError("failed for token=ttt_SECRETSECRETSECRETSECRET123 phone +22790123456")
    except RuntimeError:
        import sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "boom", None, sys.exc_info())
    out = fmt.format(record)
    assert "SECRETSECRET" not in out and "22790123456" not in out


def test_expired_tokens_are_not_digest_candidates(engine):
    with session_scope() as s:
        user, _ = create_user(s, "odk1", "enumerator")
        users_mod.issue_token(s, user)
    with session_scope() as s:
        assert len(users_mod.digest_candidates(s, "odk1")) == 2
        s.execute(text("UPDATE api_tokens SET expires_at = :t WHERE id = (SELECT min(id) FROM api_tokens)"),
                  {"t": utcnow() - timedelta(seconds=1)})
    with session_scope() as s:
        assert len(users_mod.digest_candidates(s, "odk1")) == 1
        users_mod.revoke_user(s, "odk1")
    with session_scope() as s:
        assert users_mod.digest_candidates(s, "odk1") == []


def test_redaction_keeps_dates_and_times_readable():
    line = "next run at 2026-11-24 02:36:01 UTC (2026-11-24T02:35:49.772032+00:00), batch of 1000"
    assert redact(line) == line
