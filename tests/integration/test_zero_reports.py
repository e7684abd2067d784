"""Zero reports ("on duty, no herd passed") through JSON, the form (OpenRosa, KoBo) and CSV:
known zero days apart from unknown ones, ``days_reported`` in statistics, and the MASS
baseline counting known zero days as samples while silent days stay out of it."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import hxl
import pytest
from sqlalchemy import text

from tests.integration import ingest_factories as support
from tests.integration import test_alerts_api as alerts_api
from tests.integration.ingest_factories import FMP, count_rows, record
from tests.integration.test_alerts_api import herd
from tests.integration.test_kobo_api import kobo_submission
from tests.integration.test_openrosa_api import COLLECT_HEADERS

network = support.network  # shared fixture
alerts_network = alerts_api.network  # shared fixture: the alerts tests' corridor and staff subscription
live_url = support.live_url  # shared fixture
URL = "/api/v1/observations"


def zero(day: str, **extra) -> dict:
    return {"id": str(uuid.uuid4()), "zero_report": True, "flow_point": FMP, "observed_at": f"{day}T18:00:00+00:00",
            **extra}


def zero_days(engine) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        return [(str(a), str(b)) for a, b in conn.execute(text("SELECT first_day, last_day FROM zero_reports ORDER BY 1"))]


@pytest.mark.usefixtures("network")
def test_json_zero_reports_are_stored_apart_and_resends_change_nothing(client, make_user, auth, engine):
    h = auth(make_user("enumerator")[1])
    week = zero("2026-01-09", period_from="2026-01-05", period_to="2026-01-09", notes="rain, road cut")
    r = client.post(URL, json={"observations": [zero("2026-01-03"), week]}, headers=h).json()
    assert r["accepted"] == 2
    assert r["results"][1]["zero_report"] == {"flow_point": FMP, "from": "2026-01-05", "to": "2026-01-09"}
    assert zero_days(engine) == [("2026-01-03", "2026-01-03"), ("2026-01-05", "2026-01-09")]
    assert count_rows(engine, "observations") == 0  # no herd of 0 animals anywhere
    again = client.post(URL, json={"observations": [week]}, headers=h).json()
    assert again["duplicate"] == 1
    changed = client.post(URL, json={"observations": [dict(week, period_from="2026-01-01")]}, headers=h).json()
    assert changed["results"][0]["code"] == "conflict"
    bad = client.post(URL, json={"observations": [
        zero("2026-01-10", counts={"cattle": 4}), zero("2026-01-10", flow_point=None),
        zero("2026-01-10", period_to="2026-01-11"), zero("2026-01-10", flow_point="NOPE")]}, headers=h).json()
    assert [x["status"] for x in bad["results"]] == ["rejected"] * 4
    assert [x["errors"][0]["field"] for x in bad["results"]] == ["record", "flow_point", "record", "flow_point"]


@pytest.mark.usefixtures("network")
def test_the_form_and_a_csv_send_zero_reports(live_url, make_user, client, auth, engine):
    _, token = make_user("enumerator", name="moussa")
    # as Collect sends it when "no herd passed" is chosen: the herd questions are not relevant, so empty
    xml = f"""<?xml version='1.0' ?><data id="flow_monitoring" version="2026112401"
 xmlns:jr="http://openrosa.org/javarosa" xmlns:orx="http://openrosa.org/xforms">
<start>2026-01-12T16:58:00.000+00:00</start><end>2026-01-12T17:01:00.000+00:00</end>
<zero_report>yes</zero_report>
<grp_site><flow_point>{FMP}</flow_point><observed_at>2026-01-12T17:00:00.000+00:00</observed_at>
<location/><direction/></grp_site>
<grp_count><cattle/><sheep/><goats/><camels/><donkeys/><horses/><other/></grp_count>
<grp_herders><men/><women/><boys/><girls/></grp_herders>
<grp_move><origin/><destination/><flow_type/><reason/><cross_border/><has_certificate/><already_counted/>
<notes/></grp_move><meta><instanceID>uuid:{uuid.uuid4()}</instanceID></meta></data>""".encode()
    with httpx.Client(base_url=live_url + "/openrosa", headers=COLLECT_HEADERS,
                      auth=httpx.DigestAuth("moussa", token), timeout=30) as c:
        r = c.post("/submission", files={"xml_submission_file": ("s.xml", xml, "text/xml")})
    assert r.status_code == 201 and "no herd passed" in r.text
    # KoBo leaves questions that were not relevant out of the payload
    k = {key: v for key, v in kobo_submission(**{"grp_site/observed_at": "2026-01-13T17:00:00.000+00:00"}).items()
         if not key.startswith(("grp_count/", "grp_herders/", "grp_move/", "grp_site/direction"))}
    k["zero_report"] = "yes"
    assert httpx.post(live_url + "/api/v1/ingest/kobo", json=k, headers={"Authorization": f"Bearer {token}"}).status_code == 201
    body = ("id,flow_point,observed_at,cattle,zero_report,period_from,period_to\n"
            f"{uuid.uuid4()},{FMP},2026-01-16T18:00:00+00:00,,oui,2026-01-14,2026-01-16\n"
            f"{uuid.uuid4()},{FMP},2026-01-16T09:00:00+00:00,12,non,,\n")
    rep = client.post("/api/v1/observations.csv", content=body.encode(),
                      headers={**auth(token), "Content-Type": "text/csv"}).json()
    assert rep["accepted"] == 2, rep
    assert zero_days(engine) == [("2026-01-12", "2026-01-12"), ("2026-01-13", "2026-01-13"), ("2026-01-14", "2026-01-16")]
    assert count_rows(engine, "observations") == 1


@pytest.mark.usefixtures("network")
def test_statistics_tell_known_days_from_unknown_ones(client, make_user, auth):
    h = auth(make_user("enumerator")[1])
    counts = [record(observed_at=f"2026-01-{d:02d}T08:00:00+00:00") for d in (2, 3, 3, 10)]
    client.post(URL, json={"observations": counts + [zero("2026-01-06", period_from="2026-01-04")]}, headers=h)
    analyst = auth(make_user("analyst")[1])
    s = client.get(f"/api/v1/stats/flow-points/{FMP}", params={"from": "2026-01-01", "to": "2026-01-14",
                                                                "interval": "week"}, headers=analyst).json()
    assert s["totals"]["days_reported"] == 6  # 2, 3, 4, 5, 6 and 10: the 8 other days are unknown
    # weeks: the 2nd, 3rd (counts) and 4th (zero); the 5th, 6th (zero) and 10th (count); nothing known
    assert [(p["days_reported"], p["observations"]) for p in s["series"]] == [(3, 3), (3, 1), (0, 0)]
    corridor = client.get("/api/v1/stats/corridors/ML-C1", params={"from": "2026-01-01", "to": "2026-01-14"},
                          headers=analyst).json()
    assert corridor["totals"]["days_reported"] == 6
    # the spreadsheet a partner downloads says the same, with its HXL tag
    csv = client.get(f"/api/v1/stats/flow-points/{FMP}", params={"from": "2026-01-01", "to": "2026-01-14",
                                                                 "interval": "week", "format": "csv"}, headers=analyst)
    data = hxl.data(io.BytesIO(csv.content))
    assert ("#x_days_reported", frozenset({"num"})) in {(c.tag, frozenset(c.attributes)) for c in data.columns}
    assert [int(row.get("#x_days_reported+num")) for row in data] == [p["days_reported"] for p in s["series"]]
    assert "Days reported (a count or a zero report)" in csv.text.splitlines()[0]


@pytest.mark.usefixtures("alerts_network")
def test_zero_report_days_enter_the_mass_baseline_and_silent_days_do_not(client, make_user, auth):
    admin = auth(make_user("admin")[1])
    enum = auth(make_user("enumerator")[1])
    day = datetime(2025, 12, 10, tzinfo=UTC)
    quiet = [herd(i, day - timedelta(days=12 - i, hours=-9), 300) for i in range(3)]  # 3 days of counts
    surge = [herd(100 + i, day + timedelta(hours=8 + i), 800) for i in range(3)]
    client.post(URL, json={"observations": quiet}, headers=enum)
    # a week nobody reported: the baseline has 3 samples (fewer than 5), so the floor alone decides
    client.post(URL, json={"observations": surge}, headers=enum)
    first = client.post("/api/v1/rules/evaluate", headers=admin).json()["created"]
    baseline = client.get(f"/api/v1/alerts/{first[0]}", headers=admin).json()["evidence"]["baseline"]
    assert baseline["kind"] == "none" and baseline["samples"] == 0

    # the same week reported "no herd passed" day by day: 5 known zero days join the 3 counted ones
    reports = [{"id": str(uuid.uuid4()), "zero_report": True, "flow_point": "ML05-FMP-01",
                "observed_at": (day - timedelta(days=d, hours=-18)).isoformat()} for d in range(2, 7)]
    assert client.post(URL, json={"observations": reports}, headers=enum).json()["accepted"] == 5
    late = [herd(200, day + timedelta(hours=15), 900)]
    client.post(URL, json={"observations": late}, headers=enum)
    client.post("/api/v1/rules/evaluate", headers=admin)
    baseline = client.get(f"/api/v1/alerts/{first[0]}", headers=admin).json()["evidence"]["baseline"]
    assert baseline["kind"] == "trailing_days" and baseline["samples"] == 8
    assert baseline["median"] == 0.0  # five known zeros, three days of 300
