"""KoBoToolbox REST-service webhook over real HTTP: its flat JSON, its retries, its auth."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import text

from tests.integration import ingest_factories as support
from tests.integration.ingest_factories import FMP, count_rows

live_url = support.live_url  # shared fixture
network = support.network  # shared fixture

pytestmark = pytest.mark.usefixtures("network")


def kobo_submission(**changes) -> dict:
    """Shaped like kpi's hook payload for a form with groups (numbers as strings)."""
    u = str(uuid.uuid4())
    payload = {
        "_id": 318092, "_uuid": u, "_xform_id_string": "aB3xYzQ", "_submission_time": "2026-02-03T07:20:11",
        "_geolocation": [14.4843, -4.196], "_attachments": [], "_status": "submitted_via_web",
        "_submitted_by": None, "_tags": [], "_notes": [], "_validation_status": {},
        "formhub/uuid": "0f7e6d", "__version__": "vQ8aBc", "start": "2026-02-03T07:10:00.000+00:00",
        "end": "2026-02-03T07:16:00.000+00:00",
        "grp_site/flow_point": FMP, "grp_site/observed_at": "2026-02-03T07:15:00.000+00:00",
        "grp_site/location": "14.4843 -4.196 270 4.5", "grp_site/direction": "N",
        "grp_count/cattle": "120", "grp_count/sheep": "40", "grp_count/goats": "35",
        "grp_herders/men": "3", "grp_herders/boys": "2",
        "grp_move/flow_type": "transit", "grp_move/cross_border": "no", "grp_move/already_counted": "no",
        "meta/instanceID": f"uuid:{u}",
    }
    payload.update(changes)
    return payload


@pytest.fixture
def kobo(live_url, make_user):
    _, token = make_user("enumerator", name="kobo-hook")
    with httpx.Client(base_url=live_url, timeout=30,
                      headers={"User-Agent": "KoboToolbox/2.024 python-requests", "Authorization": f"Bearer {token}"}) as c:
        c.token = token
        yield c


def test_a_webhook_is_accepted_and_kobos_retries_do_not_double(kobo, engine):
    p = kobo_submission()
    r = kobo.post("/api/v1/ingest/kobo", json=p)
    assert r.status_code == 201, r.text
    assert r.json()["results"][0] == {**r.json()["results"][0], "id": p["_uuid"], "status": "accepted"}
    for _ in range(3):  # kpi retries after 60 s, 600 s, 6,000 s
        again = kobo.post("/api/v1/ingest/kobo", json=p)
        assert again.status_code == 200 and again.json()["duplicate"] == 1
    assert count_rows(engine, "observations") == 1
    with engine.connect() as conn:
        row = conn.execute(text("SELECT source, cattle, camels, ST_Y(geom), movement FROM observations")).one()
    assert row == ("kobo", 120, 0, 14.4843, "return")  # heading N on a corridor drawn southwards


def test_basic_auth_as_kobo_offers_it(live_url, make_user):
    _, token = make_user("enumerator", name="kobo2")
    r = httpx.post(live_url + "/api/v1/ingest/kobo", json=kobo_submission(), auth=("kobo2", token))
    assert r.status_code == 201
    assert httpx.post(live_url + "/api/v1/ingest/kobo", json=kobo_submission(), auth=("kobo2", "x")).status_code == 401


def test_a_conflicting_resend_is_409_and_a_bad_one_is_422_with_named_fields(kobo, engine):
    p = kobo_submission()
    assert kobo.post("/api/v1/ingest/kobo", json=p).status_code == 201
    r = kobo.post("/api/v1/ingest/kobo", json={**p, "grp_count/cattle": "500"})
    assert r.status_code == 409 and r.json()["results"][0]["code"] == "conflict"
    bad = kobo.post("/api/v1/ingest/kobo", json=kobo_submission(**{"grp_count/sheep": "-1", "_geolocation": [None, None],
                                                                   "grp_site/location": ""}))
    assert bad.status_code == 422
    errors = bad.json()["results"][0]["errors"]
    assert [e["field"] for e in errors] == ["counts.sheep"]
    assert count_rows(engine, "observations") == 1


def test_a_mobile_sighting_without_flow_point_uses_the_geolocation(kobo, engine):
    p = kobo_submission(**{"grp_site/flow_point": "", "_geolocation": [14.9, -4.25]})
    r = kobo.post("/api/v1/ingest/kobo", json=p)
    assert r.status_code == 201, r.text
    res = r.json()["results"][0]
    assert res["corridor"] == "ML-C1" and res["off_corridor"] is True  # ~5.4 km west, tolerance 5 km


def test_not_json_is_a_clear_422(kobo):
    r = kobo.post("/api/v1/ingest/kobo", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and r.json()["error"] == "validation_error"
