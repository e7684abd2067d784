"""Silent points: a flow point that stops reporting raises one data-gap notice for data
managers (not an alert: no authority is paged), ended when its reports resume; completeness
per point and period."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import text

from corridors.quality.service import check_data_gaps
from tests.integration import ingest_factories as support
from tests.integration.ingest_factories import FMP, count_rows, record
from ttt.db import session_scope

network = support.network  # shared fixture
pytestmark = pytest.mark.usefixtures("network")
URL = "/api/v1/observations"


def working_days(first: date, n: int) -> list[date]:
    return [first + timedelta(days=i) for i in range(n) if (first + timedelta(days=i)).weekday() < 5]


def zero(day: date) -> dict:
    return {"id": str(uuid.uuid4()), "zero_report": True, "flow_point": FMP, "observed_at": f"{day}T18:00:00+00:00"}


def check(day: date):
    with session_scope() as s:
        return check_data_gaps(s, today=day)


def test_a_silent_point_raises_one_data_gap_notice_ended_when_reports_resume(client, make_user, auth, engine):
    enum = auth(make_user("enumerator")[1])
    days = working_days(date(2026, 1, 5), 19)  # Mon 5 to Fri 23 January, five days a week
    sent = [record(observed_at=f"{d}T08:00:00+00:00") if i % 2 else zero(d) for i, d in enumerate(days)]
    assert client.post(URL, json={"observations": sent}, headers=enum).json()["accepted"] == len(days)

    assert check(date(2026, 1, 26)).opened == []  # Monday: a weekend is not silence
    run = check(date(2026, 1, 29))  # Thursday: nothing since Friday
    assert run.opened == [FMP]
    assert check(date(2026, 1, 30)).opened == []  # one notice, not one a day
    manager = auth(make_user("analyst")[1])
    notices = client.get("/api/v1/quality/notices", params={"open": True}, headers=manager).json()
    assert notices["total"] == 1
    n = notices["items"][0]
    assert n["kind"] == "data_gap" and n["flow_point"] == FMP and n["last_report"] == "2026-01-23"
    assert "Konna" in n["details"]["message"]["en"] and "Silence is not calm" in n["details"]["message"]["en"]
    assert count_rows(engine, "alerts") == 0 and count_rows(engine, "deliveries") == 0  # nobody paged
    assert client.get("/api/v1/quality/notices", headers=enum).status_code == 403

    # the enumerator is back: a zero report for Monday 2 February ends the gap
    client.post(URL, json={"observations": [zero(date(2026, 2, 2))]}, headers=enum)
    assert check(date(2026, 2, 3)).closed == [FMP]
    after = client.get("/api/v1/quality/notices", headers=manager).json()["items"][0]
    assert after["closed_at"] is not None and after["details"]["resumed_on"] == "2026-02-02"
    assert client.get("/api/v1/quality/notices", params={"open": True}, headers=manager).json()["total"] == 0


def test_completeness_per_point_and_period_and_a_rhythm_set_by_hand(client, make_user, auth):
    enum = auth(make_user("enumerator")[1])
    days = working_days(date(2026, 1, 5), 14)  # ten working days
    sent = [record(observed_at=f"{d}T08:00:00+00:00") for d in days[:6]] + [zero(d) for d in days[6:8]]
    client.post(URL, json={"observations": sent}, headers=enum)
    manager = auth(make_user("analyst")[1])
    q = client.get("/api/v1/quality/flow-points", params={"from": "2026-01-05", "to": "2026-01-18"},
                   headers=manager).json()
    item = next(i for i in q["items"] if i["flow_point"] == FMP)
    assert (item["days_reported"], item["days_with_counts"], item["zero_report_days"]) == (8, 6, 2)
    assert item["rhythm"] == "learned" and item["last_report"] == str(days[7])
    r = client.put(f"/api/v1/quality/flow-points/{FMP}/rhythm", json={"days_per_week": 5}, headers=manager)
    assert r.status_code == 200
    item = next(i for i in client.get("/api/v1/quality/flow-points", params={"from": "2026-01-05", "to": "2026-01-18"},
                                      headers=manager).json()["items"] if i["flow_point"] == FMP)
    assert item["rhythm"] == "set" and item["expected_days_per_week"] == 5.0 and item["completeness"] == 0.8
    other = next(i for i in q["items"] if i["flow_point"] == "BF52-FMP-01")
    assert other["days_reported"] == 0 and other["rhythm"] == "unknown" and other["completeness"] is None
    with session_scope() as s:
        assert s.execute(text("SELECT report_days_per_week FROM flow_points WHERE code = :c"), {"c": FMP}).scalar() == 5
