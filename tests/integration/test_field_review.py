"""Review and automatic QA flags: what looks odd is flagged with a reason and still counts (and
is named in alert evidence); what a reviewer rejects leaves statistics and rules, and comes
back when approved."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import text

from tests.integration import ingest_factories as support
from tests.integration import test_alerts_api as alerts_api
from tests.integration.ingest_factories import count_rows, record
from tests.integration.test_alerts_api import herd
from tests.integration.test_openrosa_api import COLLECT_HEADERS, submission

network = support.network  # shared fixture
alerts_network = alerts_api.network  # shared fixture: the alerts tests' corridor and staff subscription
live_url = support.live_url  # shared fixture

URL = "/api/v1/observations"


def post(client, headers, records) -> list[dict]:
    r = client.post(URL, json={"observations": records}, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()["results"]


def cattle_in_rollups(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT coalesce(sum(cattle), 0) FROM daily_rollups")).scalar_one()


@pytest.mark.usefixtures("network")
def test_odd_herds_are_flagged_with_reasons_and_still_count(client, make_user, auth, engine):
    h = auth(make_user("enumerator")[1])
    t0 = datetime(2026, 1, 10, 8, tzinfo=UTC)
    usual = [record(observed_at=(t0 + timedelta(hours=i)).isoformat(), counts={"cattle": 40 + i % 10},
                    origin=None, destination=None) for i in range(25)]
    assert all(r["status"] == "accepted" and "flags" not in r for r in post(client, h, usual))
    odd = [
        record(counts={"cattle": 3000}, herders={"men": 1}, observed_at="2026-01-12T08:00:00+00:00"),
        record(location={"lon": -4.0, "lat": 14.3}, observed_at="2026-01-12T09:00:00+00:00"),  # ~29 km away
        record(already_counted=True, observed_at="2026-01-12T10:00:00+00:00"),
    ]
    results = post(client, h, odd)
    assert [r["flags"] for r in results] == [["implausible_herd", "outside_distribution"],
                                             ["gps_far_from_point"], ["already_counted"]]
    admin = auth(make_user("admin")[1])
    listed = client.get(URL, params={"flag": "implausible_herd"}, headers=admin).json()["items"]
    assert len(listed) == 1 and listed[0]["review"] == "flagged"
    reasons = {f["code"]: f["reason"] for f in listed[0]["flags"]}
    assert reasons["implausible_herd"] == "3000 animals for 1 herder(s): more than 1000 animals per herder"
    assert "far above the usual herd at ML05-FMP-03" in reasons["outside_distribution"]
    assert client.get(URL, params={"review": "flagged"}, headers=admin).json()["total"] == 3
    assert cattle_in_rollups(engine) == sum(40 + i % 10 for i in range(25)) + 3000 + 120 + 120  # flagged still count


@pytest.mark.usefixtures("network")
def test_a_herd_seen_at_the_previous_point_is_flagged_as_counted_upstream(client, make_user, auth):
    h = auth(make_user("enumerator")[1])
    upstream = record(flow_point="BF52-FMP-01", location=..., observed_at="2026-01-10T08:00:00+00:00")
    post(client, h, [upstream])
    later = record(observed_at="2026-01-13T08:00:00+00:00")  # same origin, destination and animals
    other = record(observed_at="2026-01-13T09:00:00+00:00", counts={"cattle": 121})
    flags = [r.get("flags") for r in post(client, h, [later, other])]
    assert flags == [["counted_upstream"], None]


@pytest.mark.usefixtures("network")
def test_a_phone_clock_ahead_is_flagged(live_url, make_user):
    _, token = make_user("enumerator", name="issa")
    ahead = (datetime.now(UTC) + timedelta(minutes=8)).isoformat(timespec="milliseconds")
    with httpx.Client(base_url=live_url + "/openrosa", headers=COLLECT_HEADERS,
                      auth=httpx.DigestAuth("issa", token), timeout=30) as c:
        r = c.post("/submission", files={"xml_submission_file": ("s.xml", submission(observed_at=ahead), "text/xml")},
                   headers={"Accept-Language": "fr"})
        assert r.status_code == 201  # accepted, and the enumerator is told what to check
        assert "À vérifier : la date ou l'heure du téléphone semble fausse." in r.text
        listed = httpx.get(live_url + URL, params={"flag": "device_clock"},
                           headers={"Authorization": f"Bearer {token}"}).json()["items"]
    assert len(listed) == 1 and "device clock is probably ahead" in listed[0]["flags"][0]["reason"]


@pytest.mark.usefixtures("network")
def test_a_rejected_count_leaves_statistics_and_rules_and_comes_back_when_approved(client, make_user, auth, engine):
    enum = auth(make_user("enumerator")[1])
    analyst = auth(make_user("analyst")[1])
    keep, wrong = record(counts={"cattle": 50}), record(counts={"cattle": 4000}, herders={"men": 2})
    post(client, enum, [keep, wrong])
    assert cattle_in_rollups(engine) == 4050
    assert client.post(f"{URL}/{wrong['id']}/review", json={"review": "rejected"}, headers=enum).status_code == 403
    r = client.post(f"{URL}/{wrong['id']}/review", json={"review": "rejected", "note": "typo: 400"}, headers=analyst)
    assert r.status_code == 200, r.text
    assert r.json()["review"] == "rejected" and r.json()["review_note"] == "typo: 400"
    assert cattle_in_rollups(engine) == 50
    with engine.connect() as conn:
        queued = [str(i) for i in conn.execute(text("SELECT observation_id FROM rule_queue")).scalars()]
    assert queued == [keep["id"]]  # the rules never read it
    rejected = client.get(URL, params={"review": "rejected"}, headers=analyst).json()
    assert [x["id"] for x in rejected["items"]] == [wrong["id"]] and rejected["items"][0]["counts"]["cattle"] == 4000
    assert client.get(URL, headers=analyst).json()["total"] == 1
    # a phone resending the rejected count does not bring it back
    assert post(client, enum, [wrong])[0]["status"] == "duplicate" and cattle_in_rollups(engine) == 4050 - 4000
    back = client.post(f"{URL}/{wrong['id']}/review", json={"review": "approved"}, headers=analyst)
    assert back.status_code == 200 and back.json()["review"] == "approved"
    assert cattle_in_rollups(engine) == 4050 and count_rows(engine, "rule_queue") == 2
    assert client.post(f"{URL}/{uuid.uuid4()}/review", json={"review": "approved"}, headers=analyst).status_code == 404
    assert client.post(f"{URL}/{keep['id']}/review", json={"review": "maybe"}, headers=analyst).status_code == 422


@pytest.mark.usefixtures("alerts_network")
def test_flagged_herds_count_in_rules_and_are_named_in_the_evidence(client, make_user, auth):
    admin = auth(make_user("admin")[1])
    enum = auth(make_user("enumerator")[1])
    day = datetime(2025, 12, 10, tzinfo=UTC)
    quiet = [herd(i, day - timedelta(days=10 - i, hours=-9), 300) for i in range(10)]
    surge = [herd(100 + i, day + timedelta(hours=8 + i), 800) for i in range(2)]
    surge.append(dict(herd(102, day + timedelta(hours=11), 1200), herders={"men": 1}))  # 1,200 for one herder
    post(client, enum, quiet + surge)
    created = client.post("/api/v1/rules/evaluate", headers=admin).json()["created"]
    assert len(created) == 1
    evidence = client.get(f"/api/v1/alerts/{created[0]}", headers=admin).json()["evidence"]
    assert evidence["observed"] == 2800
    assert evidence["details"]["flagged_observations"] == [{"id": surge[2]["id"], "flags": ["implausible_herd"]}]
