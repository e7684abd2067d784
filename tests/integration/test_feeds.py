"""Hazard feeds end to end on real PostGIS and a real local HTTP server: FIRMS, GDACS, CAP
and ACLED pulled as their publishers serve them, hazards with provenance, HAZARD alerts that
follow their hazard (updated in place, all clear when it ends), idempotent pulls, and broken
feeds that leave the others working."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from geoalchemy2.shape import from_shape, to_shape
from shapely.geometry import LineString, Point
from sqlalchemy import select, text

from alerts.alerts.models import Alert
from alerts.delivery.models import Delivery, Subscription
from alerts.runner.engine import evaluate_now
from corridors.feeds.service import pull_due
from corridors.geodata.models import AdminArea, Corridor, FlowPoint, Hazard
from corridors.observations.service import ingest
from ttt.config import get_settings
from ttt.db import session_scope

from .feed_server import FEEDS, FeedServer


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setenv("TTT_OUTBOUND_ALLOW", "127.0.0.0/8")  # the test publisher is on loopback
    get_settings.cache_clear()
    with FeedServer() as srv:
        yield srv
    get_settings.cache_clear()


@pytest.fixture
def admin(make_user, auth):
    return auth(make_user("admin")[1])


def _network(code: str, line: list[tuple[float, float]], fp: tuple[float, float], pcode: str) -> None:
    with session_scope() as s:
        c = Corridor(code=code, name=code, geom=from_shape(LineString(line), 4326), tolerance_m=5000,
                     countries=[pcode[:2]], pcodes=[pcode], status="open")
        s.add(c)
        s.flush()
        s.add(FlowPoint(code=f"{code}-FMP", name=f"PSF {code}", geom=from_shape(Point(*fp), 4326), corridor_id=c.id,
                        adm0_pcode=pcode[:2], adm2_pcode=pcode, active=True))
        s.add(Subscription(name="DTM", organisation="IOM", kind="staff", channel="log", address="dtm", language="en",
                           alert_types=[], min_severity="minor", corridors=[], pcodes=[], mode="immediate", tier=1,
                           active=True))


def _herds(fp: str, when: datetime, n: int = 3) -> None:
    with session_scope() as s:
        out = ingest(s, [{"id": f"00000000-0000-4000-a000-{i:012d}", "flow_point": fp,
                          "observed_at": (when + timedelta(minutes=i)).isoformat(), "counts": {"cattle": 400}}
                         for i in range(n)], source="api", enumerator=None)
        assert out.count("accepted") == n


def _evaluate(now: datetime):
    with session_scope() as s:
        return evaluate_now(s, now=now)


def _feed(client, headers, kind: str, url: str, **extra) -> dict:
    r = client.post("/api/v1/hazard-feeds", json={"name": f"{kind} sample", "kind": kind, "url": url, **extra},
                    headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def _pull(client, headers, feed_id: int) -> dict:
    r = client.post(f"/api/v1/hazard-feeds/{feed_id}/pull", headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def _hazard_alerts(s, hazard_id: int) -> list[Alert]:
    return list(s.scalars(select(Alert).where(Alert.place.like(f"hazard:{hazard_id}|%")).order_by(Alert.id)))


def test_feeds_as_data_credential_never_shown_scopes_and_roles(client, make_user, auth, admin):
    with session_scope() as s:
        s.add(AdminArea(pcode="BF49", name="Centre-Nord", level=1))
    r = client.post("/api/v1/hazard-feeds", headers=admin, json={
        "name": "Sahel fires", "kind": "firms_csv", "credential": "MAPKEY-S3CRET",
        "url": "https://firms.modaps.eosdis.nasa.gov/api/area/csv/{credential}/VIIRS_SNPP_NRT/-6,11,3,16/1",
        "area": {"bbox": [-6, 11, 3, 16]}, "every_minutes": 180, "expire_hours": 12,
        "options": {"min_confidence": "high", "buffer_m": 750}})
    assert r.status_code == 201, r.text
    feed = r.json()
    assert feed["has_credential"] is True and "S3CRET" not in r.text
    assert feed["status"]["last_success_at"] is None and feed["status"]["hazards"] == 0
    assert "S3CRET" not in client.get(f"/api/v1/hazard-feeds/{feed['id']}", headers=admin).text
    assert "S3CRET" not in client.get("/api/v1/hazard-feeds", headers=admin).text

    bad = client.post("/api/v1/hazard-feeds", headers=admin, json={
        "name": "x", "kind": "gdacs_geojson", "url": "ftp://example.org/x", "options": {"buffer_m": 3},
        "severity_map": {"Red": "catastrophic"}})
    assert bad.status_code == 422
    fields = {e["field"] for e in bad.json()["detail"]}
    assert any("url" in f for f in fields) and any("severity_map" in f for f in fields)

    r = client.patch(f"/api/v1/hazard-feeds/{feed['id']}", headers=admin, json={"credential": "", "enabled": False})
    assert r.status_code == 200 and r.json()["has_credential"] is False and r.json()["enabled"] is False

    enumerator = auth(make_user("enumerator")[1])
    assert client.get("/api/v1/hazard-feeds", headers=enumerator).status_code == 403
    analyst = auth(make_user("analyst", scopes=["BF49"])[1])
    assert client.get("/api/v1/hazard-feeds", headers=analyst).json()["total"] == 0  # not in their area
    r = client.post("/api/v1/hazard-feeds", headers=analyst, json={"name": "y", "kind": "acled_csv",
                                                                  "url": "https://acleddata.example/x.csv"})
    assert r.status_code == 422 and "BF49" in r.text
    r = client.post("/api/v1/hazard-feeds", headers=analyst, json={"name": "y", "kind": "acled_csv",
                                                                  "url": "https://acleddata.example/x.csv",
                                                                  "area": {"pcodes": ["BF49"]}})
    assert r.status_code == 201
    assert client.delete(f"/api/v1/hazard-feeds/{feed['id']}", headers=analyst).status_code == 404
    assert client.delete(f"/api/v1/hazard-feeds/{feed['id']}", headers=admin).status_code == 204


def test_each_format_pulled_with_provenance_and_a_second_pull_changes_nothing(client, admin, server, session):
    feeds = {
        "firms_csv": _feed(client, admin, "firms_csv", server.serve("/firms.csv", "firms_viirs_snpp.csv")),
        "gdacs_geojson": _feed(client, admin, "gdacs_geojson", server.serve("/gdacs.json", "gdacs_events.geojson",
                                                                            validators=False)),
        "cap_feed": _feed(client, admin, "cap_feed", server.serve("/cap/index.atom", "cap/index_alert.atom")),
        "acled_csv": _feed(client, admin, "acled_csv", server.serve("/acled.csv", "acled_events.csv", validators=False)),
    }
    for path in ("flood_alert.xml", "exercise.xml"):
        server.serve(f"/cap/{path}", f"cap/{path}")
    first = {kind: _pull(client, admin, f["id"]) for kind, f in feeds.items()}
    assert {k: len(v["created"]) for k, v in first.items()} == {"firms_csv": 2, "gdacs_geojson": 2, "cap_feed": 1,
                                                               "acled_csv": 2}
    assert [r["record"] for r in first["firms_csv"]["refused"]] == ["line 11"]
    assert first["gdacs_geojson"]["refused"][0]["source_id"] == "gdacs:WF:1021877"
    assert "latitude" in first["acled_csv"]["refused"][0]["reason"]
    assert first["cap_feed"]["skipped"] == 1  # the exercise

    flood = session.get(Hazard, first["cap_feed"]["created"][0])
    assert flood.feed_id == feeds["cap_feed"]["id"] and flood.kind == "flood" and flood.severity == "severe"
    assert flood.source_id == "cap:cap@meteo-niger.example,NE-DMN-2025-0914-001"
    assert flood.source_version == "cap@meteo-niger.example,NE-DMN-2025-0914-001,2025-09-14T06:00:00+00:00"
    assert flood.pulled_at is not None and flood.source == "cap_feed sample (CAP)"
    conflict = session.scalars(select(Hazard).where(Hazard.source_id == "acled:BFA11873")).one()
    assert conflict.kind == "conflict" and conflict.source_version == "1764950400"

    before = {h.id: (h.updated_at, h.source_version) for h in session.scalars(select(Hazard))}
    second = {kind: _pull(client, admin, f["id"]) for kind, f in feeds.items()}
    for kind, answer in second.items():
        assert (answer["created"], answer["updated"], answer["ended"]) == ([], [], []), kind
    assert second["firms_csv"]["outcome"] == "not_modified"  # the publisher's ETag answered 304
    assert second["gdacs_geojson"]["outcome"] == "pulled" and second["gdacs_geojson"]["unchanged"] == 2
    assert second["acled_csv"]["unchanged"] == 2
    session.expire_all()
    assert {h.id: (h.updated_at, h.source_version) for h in session.scalars(select(Hazard))} == before
    conditional = [h for p, h in server.requests if p == "/firms.csv"][-1]
    assert conditional.get("If-None-Match") and conditional.get("If-Modified-Since")

    status = client.get(f"/api/v1/hazard-feeds/{feeds['acled_csv']['id']}", headers=admin).json()["status"]
    assert status["last_success_at"] and status["last_error"] is None and status["hazards"] == 2
    assert status["last_counts"]["unchanged"] == 2 and status["last_counts"]["refused"] == 1


def test_a_firms_fire_cluster_raises_a_hazard_alert_for_herds_nearby(client, admin, server, session):
    # BF-C01 from Kongoussi to Kaya passes through the sample's fire area (13.21 N, 1.31 W)
    _network("BF-C01", [(-1.5339, 13.3261), (-1.0844, 13.0917)], (-1.30, 13.215), "BF4902")
    _herds("BF-C01-FMP", datetime(2025, 12, 5, 14, tzinfo=UTC))
    feed = _feed(client, admin, "firms_csv", server.serve("/firms.csv", "firms_viirs_snpp.csv"))
    pulled = _pull(client, admin, feed["id"])
    fire = next(h for h in (session.get(Hazard, i) for i in pulled["created"]) if to_shape(h.geom).centroid.x < -1)
    _evaluate(datetime(2025, 12, 6, 6, tzinfo=UTC))
    alerts = _hazard_alerts(session, fire.id)
    assert [a.rule_id for a in alerts] == ["hazard_corridor"] and alerts[0].corridor_code == "BF-C01"
    assert alerts[0].status == "open" and "Bushfire" in alerts[0].headline
    assert alerts[0].evidence["baseline"]["hazard"] == str(fire.id)


def test_cap_update_moves_the_flood_and_its_alert_then_cancel_gives_an_all_clear(client, admin, server, session):
    _network("NE-C01", [(0.9174, 14.7308), (1.4531, 14.2117), (2.1254, 13.5116)], (1.4531, 14.2117), "NE00602")
    _herds("NE-C01-FMP", datetime(2025, 9, 15, 10, tzinfo=UTC))
    for path in ("flood_alert.xml", "flood_update.xml", "flood_cancel.xml", "exercise.xml"):
        server.serve(f"/cap/{path}", f"cap/{path}")
    feed = _feed(client, admin, "cap_feed", server.serve("/cap/index.atom", "cap/index_alert.atom"))
    hazard_id = _pull(client, admin, feed["id"])["created"][0]
    _evaluate(datetime(2025, 9, 15, 18, tzinfo=UTC))
    [alert] = _hazard_alerts(session, hazard_id)
    assert alert.severity == "severe" and to_shape(alert.geom).bounds[1] > 14.0

    server.serve("/cap/index.atom", "cap/index_update.atom")
    answer = _pull(client, admin, feed["id"])
    assert answer["updated"] == [hazard_id] and answer["created"] == []
    session.expire_all()
    moved = session.get(Hazard, hazard_id)
    assert moved.source_version.split(",")[1] == "NE-DMN-2025-0916-004" and moved.severity == "extreme"
    assert to_shape(moved.geom).bounds[1] < 13.5  # now reaches Niamey
    _evaluate(datetime(2025, 9, 16, 12, tzinfo=UTC))
    session.expire_all()
    [same] = _hazard_alerts(session, hazard_id)
    assert same.id == alert.id and same.version > 1 and same.severity == "extreme" and same.status == "open"
    assert to_shape(same.geom).bounds[1] < 14.0  # the alert's area moved with the flood

    server.serve("/cap/index.atom", "cap/index_cancel.atom")
    answer = _pull(client, admin, feed["id"])
    assert answer["ended"] == [hazard_id]
    assert _pull(client, admin, feed["id"])["ended"] == []  # the same cancel again changes nothing
    _evaluate(datetime(2025, 9, 19, 12, tzinfo=UTC))
    session.expire_all()
    [done] = _hazard_alerts(session, hazard_id)
    assert done.status == "resolved" and done.resolve_note.startswith("All clear: the flood ended on 2025-09-19")
    events = set(session.scalars(select(Delivery.event).where(Delivery.alert_id == done.id)))
    assert "resolved" in events


def test_a_feed_answering_500_or_garbage_leaves_the_others_working(client, admin, server):
    broken = _feed(client, admin, "gdacs_geojson", server.fail("/down.json"))
    garbage = _feed(client, admin, "gdacs_geojson", server.serve("/garbage.json", b"<html>maintenance</html>"))
    good = _feed(client, admin, "acled_csv", server.serve("/acled.csv", "acled_events.csv"))
    reports = {r.feed: r for r in pull_due(session_scope)}
    assert reports[broken["id"]].outcome == "failed" and reports[garbage["id"]].outcome == "failed"
    assert reports[good["id"]].outcome == "pulled" and len(reports[good["id"]].created) == 2
    listed = {f["id"]: f["status"] for f in client.get("/api/v1/hazard-feeds", headers=admin).json()["items"]}
    assert listed[broken["id"]]["last_error"] == "the publisher answered HTTP 500"
    assert "not GeoJSON" in listed[garbage["id"]]["last_error"]
    assert listed[broken["id"]]["failures_in_a_row"] == 1 and listed[broken["id"]]["last_success_at"] is None
    assert listed[good["id"]]["last_error"] is None and listed[good["id"]]["active_hazards"] == 0  # Dec 2025 events
    # failed feeds back off; nothing is due again right away
    assert pull_due(session_scope) == []
    answer = _pull(client, admin, broken["id"])
    assert answer["outcome"] == "failed" and answer["error"] == "the publisher answered HTTP 500"
    assert client.get(f"/api/v1/hazard-feeds/{broken['id']}", headers=admin).json()["status"]["failures_in_a_row"] == 2


def test_command_line_pulls_and_lists_feeds(client, admin, server):
    from typer.testing import CliRunner

    from ttt.cli import _register_optional, app

    _register_optional()
    feed = _feed(client, admin, "acled_csv", server.serve("/acled.csv", "acled_events.csv"))
    _feed(client, admin, "gdacs_geojson", server.fail("/down.json", 503))
    runner = CliRunner()
    one = runner.invoke(app, ["feeds", "pull", str(feed["id"]), "--no-alerts"])
    assert one.exit_code == 0, one.output
    assert "2 created" in one.output and "refused line 6" in one.output
    every = runner.invoke(app, ["feeds", "pull"])
    assert every.exit_code == 1  # one feed failed: say so to scripts
    assert "0 created" in every.output and "HTTP 503" in every.output and "hazard alerts:" in every.output
    listed = runner.invoke(app, ["feeds", "list"])
    assert listed.exit_code == 0 and "hazard feeds" in listed.output and "HTTP 503" in listed.output


def test_a_growing_fire_keeps_its_hazard_when_old_detections_leave_the_window(client, admin, server, session):
    sample = FEEDS / "firms_viirs_snpp.csv"
    lines = sample.read_bytes().decode().splitlines()
    header, kaya = lines[0], lines[1:7]
    feed = _feed(client, admin, "firms_csv", server.serve("/firms.csv", "\n".join([header, *kaya]).encode()))
    [fire_id] = _pull(client, admin, feed["id"])["created"]
    first = session.get(Hazard, fire_id)
    start, area = first.starts_at, to_shape(first.geom)
    # the next 24 h file: the 5 Dec passes are gone, one new detection further north-east
    later = [*kaya[3:], "13.23500,-1.28000,340.00,0.40,0.37,2025-12-06,1400,N,VIIRS,n,2.0NRT,296.00,4.00,D"]
    server.serve("/firms.csv", "\n".join([header, *later]).encode())
    answer = _pull(client, admin, feed["id"])
    assert answer["created"] == [] and answer["updated"] == [fire_id]
    session.expire_all()
    grown = session.get(Hazard, fire_id)
    assert grown.starts_at == start and to_shape(grown.geom).contains(area)
    assert grown.ends_at == datetime(2025, 12, 7, 14, tzinfo=UTC)


def test_the_scheduler_pulls_feeds_in_the_leader_only(engine):
    from ttt.scheduler import LeaderLock, build_scheduler

    class Follower(LeaderLock):
        @property
        def is_leader(self) -> bool:
            return False

    handle = build_scheduler(get_settings(), leader=Follower(engine, 1))
    job = handle.scheduler.get_job("feeds")
    assert job is not None and job.trigger.interval == timedelta(seconds=60)
    with session_scope() as s:
        s.execute(text(
            "INSERT INTO hazard_feeds (name, kind, url, area_pcodes, every_minutes, enabled, kind_map, severity_map,"
            " options, failures, created_at, updated_at) VALUES ('x', 'acled_csv', 'http://127.0.0.1:9/x.csv', '{}',"
            " 60, true, '{}', '{}', '{}', 0, now(), now())"))
    job.func()  # a follower does nothing
    with session_scope() as s:
        assert s.execute(text("SELECT last_attempt_at FROM hazard_feeds")).scalar() is None


def test_a_feed_at_a_private_address_is_refused(client, admin, server, monkeypatch):
    r = client.post("/api/v1/hazard-feeds", headers=admin, json={
        "name": "internal", "kind": "cap_feed", "url": "http://169.254.169.254/latest/meta-data/"})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "url"
    # a loopback publisher allowed when the feed was stored, no longer allowed when it is pulled
    feed = _feed(client, admin, "acled_csv", server.serve("/acled.csv", "acled_events.csv"))
    monkeypatch.setenv("TTT_OUTBOUND_ALLOW", "")
    get_settings.cache_clear()
    answer = _pull(client, admin, feed["id"])
    assert answer["outcome"] == "failed" and answer["error"].startswith("refused by the outbound policy")
    assert server.requests == []


def test_a_hand_drawn_hazard_moved_off_the_corridor_gets_an_all_clear(client, admin, session):
    _network("NE-C01", [(0.9174, 14.7308), (1.4531, 14.2117), (2.1254, 13.5116)], (1.4531, 14.2117), "NE00602")
    _herds("NE-C01-FMP", datetime(2025, 9, 15, 10, tzinfo=UTC))
    square = {"type": "Polygon", "coordinates": [[[1.40, 14.15], [1.50, 14.15], [1.50, 14.25], [1.40, 14.25],
                                                  [1.40, 14.15]]]}
    r = client.post("/api/v1/hazards", headers=admin, json={"type": "Feature", "geometry": square, "properties": {
        "kind": "insecurity", "severity": "moderate", "starts_at": "2025-09-14T00:00:00+00:00"}})
    hazard_id = r.json()["id"]
    _evaluate(datetime(2025, 9, 15, 18, tzinfo=UTC))
    [alert] = _hazard_alerts(session, hazard_id)
    assert alert.status == "open"
    far = {"type": "Polygon", "coordinates": [[[3.0, 12.0], [3.1, 12.0], [3.1, 12.1], [3.0, 12.1], [3.0, 12.0]]]}
    assert client.patch(f"/api/v1/hazards/{hazard_id}", headers=admin, json={"geometry": far}).status_code == 200
    _evaluate(datetime(2025, 9, 16, 12, tzinfo=UTC))
    session.expire_all()
    [done] = _hazard_alerts(session, hazard_id)
    assert done.status == "resolved" and "no longer reaches NE-C01" in done.resolve_note


def test_a_new_version_with_the_same_content_changes_only_the_label(client, admin, server, session):
    body = (FEEDS / "gdacs_events.geojson").read_bytes()
    feed = _feed(client, admin, "gdacs_geojson", server.serve("/gdacs.json", body))
    _pull(client, admin, feed["id"])
    flood = session.scalars(select(Hazard).where(Hazard.source_id == "gdacs:FL:1102983")).one()
    edited_at, label = flood.updated_at, flood.source_version
    server.serve("/gdacs.json", body.replace(b"2025-09-20T08:41:17", b"2025-09-21T07:00:00"))
    answer = _pull(client, admin, feed["id"])
    assert (answer["updated"], answer["unchanged"]) == ([], 2)
    session.expire_all()
    flood = session.get(Hazard, flood.id)
    assert flood.source_version != label and flood.updated_at == edited_at


def test_acled_events_can_also_be_event_alerts_awaiting_verification(client, admin, server, session):
    plain = _feed(client, admin, "acled_csv", server.serve("/a.csv", "acled_events.csv"))
    asking = _feed(client, admin, "acled_csv", server.serve("/b.csv", "acled_events.csv"),
                   options={"event_alerts": True, "radius_km": 5})
    _pull(client, admin, plain["id"])
    _pull(client, admin, asking["id"])
    first = _evaluate(datetime(2025, 12, 6, tzinfo=UTC))
    events = list(session.scalars(select(Alert).where(Alert.type == "event").order_by(Alert.id)))
    assert [a.id for a in events] == sorted(first.created)
    assert [a.dedup_key.split("|")[1] for a in events] == ["acled:BFA11873", "acled:NER6021"]
    assert all(a.event_kind == "conflict" and a.verification == "new" and a.status == "open" for a in events)
    assert events[0].headline.startswith("Reported by acled_csv sample: Attack at Kaya")
    shown = client.get(f"/api/v1/alerts/{events[0].id}", headers=admin).json()
    assert shown["verification"] == "new"
    assert _evaluate(datetime(2025, 12, 6, 6, tzinfo=UTC)).created == []  # one alert per event
