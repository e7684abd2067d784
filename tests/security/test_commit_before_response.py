"""A 2xx means committed: every write commits before the first byte of its answer leaves,
a read right after the answer sees the write, and a commit that fails answers 5xx (never a
success for data that was thrown away)."""

from __future__ import annotations

import asyncio
import json

import pytest
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from ttt.api.app import create_app

HAZARD = {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[[-2, 14], [-1.9, 14], [-1.9, 14.1],
                                                                                [-2, 14.1], [-2, 14]]]},
          "properties": {"kind": "bushfire", "severity": "severe", "starts_at": "2026-01-01T00:00:00+00:00"}}
CORRIDOR = {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[-4.2, 15.0], [-4.2, 14.0]]},
            "properties": {"code": "RAW-C1", "name": "RAW", "tolerance_m": 5000, "countries": ["ML"]}}
SUBSCRIPTION = {"name": "x", "kind": "partner", "channel": "email", "address": "x@example.org", "language": "en"}
CALENDAR = {"corridor": None, "country": "ML", "direction": "descent", "opens": "10-15", "closes": "01-31",
            "effective_from": "2020-01-01", "source": "Arrete 2020"}
ADMIN_AREA = {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[[-5, 13], [-3, 13], [-3, 15], [-5, 15],
                                                                                 [-5, 13]]]},
              "properties": {"pcode": "ML05", "name": "Mopti", "level": 1}}
EVENT = {"event_kind": "bushfire", "location": {"lon": -4.2, "lat": 14.5}}
WRITES = [
    ("POST", "/api/v1/hazards", HAZARD, "SELECT count(*) FROM hazards"),
    ("POST", "/api/v1/corridors", CORRIDOR, "SELECT count(*) FROM corridors WHERE code = 'RAW-C1'"),
    ("POST", "/api/v1/subscriptions", SUBSCRIPTION, "SELECT count(*) FROM subscriptions"),
    ("POST", "/api/v1/calendars", CALENDAR, "SELECT count(*) FROM calendars"),
    ("POST", "/api/v1/admin-areas", ADMIN_AREA, "SELECT count(*) FROM admin_areas"),
    ("POST", "/api/v1/alerts", EVENT, "SELECT count(*) FROM alerts"),
]


def _call(app, method: str, path: str, body: dict, token: str, events: list[str]) -> int:
    """Drive the ASGI app by hand, noting when the answer starts to leave."""
    payload = json.dumps(body).encode()
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "path": path,
             "raw_path": path.encode(), "query_string": b"", "root_path": "", "scheme": "http",
             "server": ("testserver", 80), "client": ("127.0.0.1", 5000),
             "headers": [(b"host", b"testserver"), (b"content-type", b"application/json"),
                         (b"authorization", f"Bearer {token}".encode()),
                         (b"content-length", str(len(payload)).encode())]}
    sent = {"body": False}
    status = {}

    async def receive():
        if not sent["body"]:
            sent["body"] = True
            return {"type": "http.request", "body": payload, "more_body": False}
        await asyncio.sleep(3600)

    async def send(message):
        if message["type"] == "http.response.start":
            events.append("response")
            status["code"] = message["status"]

    asyncio.run(app(scope, receive, send))
    return status["code"]


@pytest.fixture
def commits():
    events: list[str] = []

    def note(session):
        if session.info.get("wrote"):
            events.append("commit")

    def flag(session, flush_context):
        if session.new:  # an insert of this request (not the token's last-used time)
            session.info["wrote"] = True

    event.listen(Session, "after_flush", flag)
    event.listen(Session, "after_commit", note)
    yield events
    event.remove(Session, "after_commit", note)
    event.remove(Session, "after_flush", flag)


@pytest.mark.parametrize(("method", "path", "body", "count_sql"), WRITES, ids=[w[1] for w in WRITES])
def test_every_write_commits_before_its_answer_leaves(method, path, body, count_sql, make_user, commits, engine):
    token = make_user("admin")[1]
    commits.clear()
    status = _call(create_app(), method, path, body, token, commits)
    assert 200 <= status < 300
    # the request's own commit comes first (the audit trail writes its row after the answer)
    assert commits[0] == "commit" and "response" in commits, commits
    with engine.connect() as conn:  # read after write: it is there
        assert conn.execute(text(count_sql)).scalar_one() >= 1


def test_a_failed_commit_answers_5xx_and_stores_nothing(client, make_user, auth, engine):
    h = auth(make_user("admin")[1])

    def fail(session):
        if session.new or session.info.get("wrote"):
            raise RuntimeError("the disk is full")

    def flag(session, flush_context):
        if session.new:
            session.info["wrote"] = True

    event.listen(Session, "after_flush", flag)
    event.listen(Session, "before_commit", fail)
    try:
        r = client.post("/api/v1/hazards", json=HAZARD, headers=h)
    finally:
        event.remove(Session, "before_commit", fail)
        event.remove(Session, "after_flush", flag)
    assert r.status_code >= 500, r.text
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM hazards")).scalar_one() == 0
