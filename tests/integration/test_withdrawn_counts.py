"""Alerts built on a count later rejected (review) or replaced (edit) are judged again: one
whose trigger no longer holds gets an all clear, one still holding keeps its evidence
without the withdrawn herd. Real PostGIS, the HTTP API, the engine as the scheduler runs it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.integration import test_alerts_api as alerts_api
from tests.integration.test_alerts_api import herd

network = alerts_api.network  # shared fixture: the alerts tests' corridor and staff subscription
URL = "/api/v1/observations"
DAY = datetime(2025, 12, 10, tzinfo=UTC)


def post(client, headers, records) -> list[dict]:
    r = client.post(URL, json={"observations": records}, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()["results"]


def quiet_days() -> list[dict]:
    return [herd(i, DAY - timedelta(days=10 - i, hours=-9), 300) for i in range(10)]


def alerts_on(client, admin, obs_id: str) -> list[dict]:
    """Every alert (live or closed) whose evidence or herds name this count."""
    items = client.get("/api/v1/alerts", params={"limit": 100}, headers=admin).json()["items"]
    full = [client.get(f"/api/v1/alerts/{a['id']}", headers=admin).json() for a in items]
    return [a for a in full if obs_id in (a["evidence"].get("observations") or [])]


@pytest.mark.usefixtures("network")
def test_a_mass_alert_resting_on_one_implausible_herd_is_closed_when_the_herd_is_rejected(client, make_user, auth):
    admin, analyst = auth(make_user("admin")[1]), auth(make_user("analyst")[1])
    enum = auth(make_user("enumerator")[1])
    huge = dict(herd(900, DAY + timedelta(hours=10), 6000), herders={"men": 1})  # 6,000 cattle, one herder
    post(client, enum, quiet_days() + [herd(100, DAY + timedelta(hours=8), 300), huge])
    created = client.post("/api/v1/rules/evaluate", headers=admin).json()["created"]
    assert created and alerts_on(client, admin, huge["id"])  # the alert stands on the huge herd

    r = client.post(f"{URL}/{huge['id']}/review", json={"review": "rejected", "note": "600, not 6000"}, headers=analyst)
    assert r.status_code == 200, r.text
    again = client.post("/api/v1/rules/evaluate", headers=admin).json()
    assert set(created) <= set(again["updated"])
    for alert_id in created:
        a = client.get(f"/api/v1/alerts/{alert_id}", headers=admin).json()
        assert a["status"] == "resolved", a  # 600 animals that day: below the floor, nothing holds
        assert huge["id"] not in a["evidence"]["observations"]
        assert a["evidence"]["details"]["withdrawn_observations"] == [{"id": huge["id"], "reason": "rejected"}]
        note = a["resolved"]["note"]
        assert "1 count(s) rejected in review" in note and "ne tient plus" in note and a["history"][-1]["change"] == "closed"
    assert not [a for a in alerts_on(client, admin, huge["id"]) if a["status"] != "resolved"]
    # those who were told the alert are told the all clear
    told = client.get("/api/v1/deliveries", params={"alert_id": created[0]}, headers=admin).json()["items"]
    assert sorted(d["event"] for d in told) == ["closed", "created"]
    # nothing left to judge: a further run changes nothing
    assert client.post("/api/v1/rules/evaluate", headers=admin).json()["updated"] == []


@pytest.mark.usefixtures("network")
def test_an_alert_still_holding_keeps_its_evidence_without_the_rejected_herd(client, make_user, auth):
    admin, analyst = auth(make_user("admin")[1]), auth(make_user("analyst")[1])
    enum = auth(make_user("enumerator")[1])
    surge = [herd(100 + i, DAY + timedelta(hours=8 + i), 800) for i in range(3)]  # 2,400: over the floor alone
    huge = dict(herd(900, DAY + timedelta(hours=12), 6000), herders={"men": 1})
    post(client, enum, quiet_days() + surge + [huge])
    created = client.post("/api/v1/rules/evaluate", headers=admin).json()["created"]
    fp_alert = next(a for a in (client.get(f"/api/v1/alerts/{i}", headers=admin).json() for i in created)
                    if a["rule"] == "mass_flow_point")
    assert fp_alert["evidence"]["observed"] == 8400 and fp_alert["severity"] == "extreme"

    assert client.post(f"{URL}/{huge['id']}/review", json={"review": "rejected"}, headers=analyst).status_code == 200
    client.post("/api/v1/rules/evaluate", headers=admin)
    a = client.get(f"/api/v1/alerts/{fp_alert['id']}", headers=admin).json()
    assert a["status"] != "resolved"
    assert a["evidence"]["observed"] == 2400  # the three real herds
    assert sorted(a["evidence"]["observations"]) == sorted(h["id"] for h in surge)
    assert a["severity"] != "extreme"
    assert huge["id"] not in [f["id"] for f in a["evidence"]["details"].get("flagged_observations") or []]


@pytest.mark.usefixtures("network")
def test_a_count_corrected_by_an_edit_no_longer_raises_the_alert(client, make_user, auth):
    admin = auth(make_user("admin")[1])
    enum = auth(make_user("enumerator")[1])
    typo = herd(900, DAY + timedelta(hours=10), 6000)
    post(client, enum, quiet_days() + [herd(100, DAY + timedelta(hours=8), 300), typo])
    created = client.post("/api/v1/rules/evaluate", headers=admin).json()["created"]
    assert created
    fixed = dict(herd(901, DAY + timedelta(hours=10), 600), replaces=typo["id"])
    assert post(client, enum, [fixed])[0]["status"] == "accepted"
    client.post("/api/v1/rules/evaluate", headers=admin)
    for alert_id in created:
        a = client.get(f"/api/v1/alerts/{alert_id}", headers=admin).json()
        assert a["status"] == "resolved" and typo["id"] not in a["evidence"]["observations"]
        assert a["evidence"]["details"]["withdrawn_observations"] == [{"id": typo["id"], "reason": "replaced"}]
