"""POST/GET /api/v1/observations on real PostGIS: nothing lost, nothing twice."""

from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import text

from tests.integration import ingest_factories as support
from tests.integration.ingest_factories import CONTRACT, CORRIDOR, FMP, count_rows, record

network = support.network  # shared fixture

URL = "/api/v1/observations"
pytestmark = pytest.mark.usefixtures("network")


def test_the_contract_example_is_accepted_placed_and_queued_for_the_rules(client, make_user, auth, engine):
    _, token = make_user("enumerator")
    r = client.post(URL, json={"observations": [CONTRACT]}, headers=auth(token))
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["accepted"], body["duplicate"], body["rejected"]) == (1, 0, 0)
    res = body["results"][0]
    assert res["id"] == CONTRACT["id"] and res["status"] == "accepted"
    assert res["corridor"] == CORRIDOR and res["off_corridor"] is False
    assert res["movement"] == "descent"  # heading S on a corridor drawn north -> south
    assert 300 < res["distance_m"] < 500  # 0.004 deg of longitude at 14.5 N is ~430 m
    assert 55 < res["km_along"] < 60
    with engine.connect() as conn:
        row = conn.execute(text(
            "SELECT o.cattle, o.source, o.adm2_pcode, u.name, q.observation_id IS NOT NULL "
            "FROM observations o JOIN users u ON u.id = o.enumerator_id "
            "LEFT JOIN rule_queue q ON q.observation_id = o.id")).one()
    assert row[0] == 120 and row[1] == "api" and row[2] == "ML0506" and row[4] is True


def test_a_resent_batch_changes_nothing_and_a_changed_record_is_a_conflict(client, make_user, auth, engine):
    _, token = make_user("enumerator")
    batch = [record(), record(counts={"camels": 12}), record(flow_point=..., location={"lon": -4.21, "lat": 14.7})]
    first = client.post(URL, json={"observations": batch}, headers=auth(token)).json()
    assert first["accepted"] == 3
    again = client.post(URL, json={"observations": batch}, headers=auth(token)).json()
    assert (again["accepted"], again["duplicate"], again["rejected"]) == (0, 3, 0)
    changed = dict(batch[0], counts={"cattle": 999})
    r = client.post(URL, json={"observations": [changed]}, headers=auth(token)).json()
    assert r["rejected"] == 1
    res = r["results"][0]
    assert res["status"] == "rejected" and res["code"] == "conflict"
    assert res["errors"][0]["field"] == "id" and "different content" in res["errors"][0]["message"]
    assert count_rows(engine, "observations") == 3
    assert count_rows(engine, "rule_queue") == 3
    with engine.connect() as conn:
        cattle = conn.execute(text("SELECT cattle FROM observations WHERE id = :i"), {"i": batch[0]["id"]}).scalar()
    assert cattle == 120  # the conflicting resend did not overwrite


def test_bad_records_are_rejected_with_field_errors_and_never_drop_the_good_ones(client, make_user, auth, engine):
    _, token = make_user("enumerator")
    good = record()
    batch = [
        record(counts={"cattle": -3}),
        good,
        record(flow_point="XX-NOWHERE", location=...),
        record(observed_at="2099-01-01T00:00:00+00:00"),
        record(counts={"cattle": "many"}),
        "not an object",
    ]
    body = client.post(URL, json={"observations": batch}, headers=auth(token)).json()
    assert (body["accepted"], body["rejected"]) == (1, 5)
    st = [(x["status"], x.get("code")) for x in body["results"]]
    assert st[1] == ("accepted", None)
    assert st[2] == ("rejected", "unknown_flow_point")
    errs = [x.get("errors", []) for x in body["results"]]
    assert errs[0][0]["field"] == "counts.cattle" and "from 0 to" in errs[0][0]["message"]
    assert errs[2][0]["field"] == "flow_point" and "XX-NOWHERE" in errs[2][0]["message"]
    assert errs[3][0]["field"] == "observed_at" and "future" in errs[3][0]["message"]
    assert errs[4][0]["field"] == "counts.cattle" and "'many'" in errs[4][0]["message"]
    assert errs[5] == [{"field": "record", "message": "expected a JSON object"}]
    assert count_rows(engine, "observations") == 1


def test_same_id_twice_in_one_batch(client, make_user, auth, engine):
    _, token = make_user("enumerator")
    a = record()
    b = dict(a, notes="changed")
    body = client.post(URL, json={"observations": [a, dict(a), b]}, headers=auth(token)).json()
    assert [x["status"] for x in body["results"]] == ["accepted", "duplicate", "rejected"]
    assert body["results"][2]["code"] == "conflict"
    assert count_rows(engine, "observations") == 1


def test_more_than_5000_is_413_and_nothing_is_stored(client, make_user, auth, engine):
    _, token = make_user("enumerator")
    r = client.post(URL, json={"observations": [CONTRACT] * 5001}, headers=auth(token))
    assert r.status_code == 413 and r.json()["error"] == "payload_too_large"
    assert "5000" in r.json()["detail"]
    assert count_rows(engine, "observations") == 0


def test_authorisation(client, make_user, auth):
    assert client.post(URL, json={"observations": []}).status_code == 401
    _, partner = make_user("partner")
    assert client.post(URL, json={"observations": [CONTRACT]}, headers=auth(partner)).status_code == 403


def test_a_scoped_enumerator_cannot_file_counts_elsewhere(client, make_user, auth):
    _, token = make_user("enumerator", scopes=["ML05"])
    body = client.post(URL, json={"observations": [record(), record(flow_point="BF52-FMP-01", location=...)]},
                       headers=auth(token)).json()
    assert [x["status"] for x in body["results"]] == ["accepted", "rejected"]
    assert body["results"][1]["code"] == "out_of_scope"


def test_concurrent_identical_batches_store_each_record_once(client, make_user, auth, engine):
    _, token = make_user("enumerator")
    batch = [record() for _ in range(200)]
    answers: list[dict] = []

    def send():
        answers.append(client.post(URL, json={"observations": batch}, headers=auth(token)).json())

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(a["accepted"] for a in answers) == 200
    assert sum(a["duplicate"] for a in answers) == 600
    assert count_rows(engine, "observations") == 200
    assert count_rows(engine, "rule_queue") == 200


def test_a_failing_batch_leaves_nothing_behind(client, make_user, auth, engine, monkeypatch):
    from corridors.observations import repository

    _, token = make_user("enumerator")

    insert = repository.insert_observations

    def boom(*a, **k):  # the rows are written, then something fails before the commit
        insert(*a, **k)
        raise RuntimeError("disk full")

    monkeypatch.setattr(repository, "insert_observations", boom)
    r = client.post(URL, json={"observations": [record(), record()]}, headers=auth(token))
    assert r.status_code == 500
    assert count_rows(engine, "observations") == 0


def test_list_filters_paging_and_enumerators_see_only_their_own(client, make_user, auth):
    _, alice = make_user("enumerator")
    _, bob = make_user("enumerator")
    _, analyst = make_user("analyst")
    mine = [record(observed_at=f"2026-02-0{d}T07:00:00+00:00") for d in range(1, 6)]
    client.post(URL, json={"observations": mine}, headers=auth(alice))
    client.post(URL, json={"observations": [record(flow_point="BF52-FMP-01", location=...)]}, headers=auth(bob))

    r = client.get(URL, params={"limit": 2}, headers=auth(alice)).json()
    assert r["total"] == 5 and len(r["items"]) == 2 and r["next"]
    page2 = client.get(r["next"], headers=auth(alice)).json()
    assert {i["id"] for i in page2["items"]}.isdisjoint({i["id"] for i in r["items"]})
    item = r["items"][0]
    assert item["observed_at"] == "2026-02-05T07:00:00+00:00"
    assert item["counts"]["cattle"] == 120 and item["flow_point"] == FMP and item["corridor"] == CORRIDOR
    # enumerators get their own records back generalised (ttt.location_policy); analysts exact
    assert item["location"] == {"lon": -4.2, "lat": 14.5} and item["source"] == "api"
    exact = client.get(URL, params={"limit": 1}, headers=auth(analyst)).json()["items"][0]
    assert exact["location"] == {"lon": -4.196, "lat": 14.4843}

    everything = client.get(URL, headers=auth(analyst)).json()
    assert everything["total"] == 6
    assert client.get(URL, params={"flow_point": "BF52-FMP-01"}, headers=auth(analyst)).json()["total"] == 1
    assert client.get(URL, params={"corridor": CORRIDOR}, headers=auth(analyst)).json()["total"] == 5
    window = {"from": "2026-02-02T00:00:00+00:00", "to": "2026-02-04T00:00:00+00:00"}
    assert client.get(URL, params=window, headers=auth(analyst)).json()["total"] == 3  # 2 + bob's
    assert client.get(URL, params={"source": "kobo"}, headers=auth(analyst)).json()["total"] == 0
    assert client.get(URL, params={"source": "fax"}, headers=auth(analyst)).status_code == 422


def test_an_observation_id_is_a_uuid_string_in_answers(client, make_user, auth):
    _, token = make_user("enumerator")
    rid = str(uuid.uuid4())
    body = client.post(URL, json={"observations": [record(id=rid.upper())]}, headers=auth(token)).json()
    assert body["results"][0]["id"] == rid


def test_a_count_at_a_flow_point_stays_on_its_own_corridor_where_two_meet(client, make_user, auth, engine):
    from corridors.geodata.models import Corridor
    from ttt.db import session_scope

    with session_scope() as s:  # a second corridor, nearer to the flow point than its own
        s.add(Corridor(code="ML-C0", name="crossing", geom="SRID=4326;LINESTRING(-4.1955 14.6, -4.1955 14.3)",
                       tolerance_m=5000.0, countries=["ML"], pcodes=["ML05"]))
    _, token = make_user("enumerator")
    body = client.post(URL, json={"observations": [record(location=...), record(flow_point=...)]},
                       headers=auth(token)).json()
    assert [r["corridor"] for r in body["results"]] == [CORRIDOR, "ML-C0"]  # GPS alone: the nearest


def test_bodies_the_fast_json_parser_refuses_are_read_as_before(client, make_user, auth):
    """The batch endpoint parses JSON with pydantic-core; json.loads takes whatever it
    refuses, so a malformed body is the same 422 as before and odd but valid JSON still works."""
    import json

    _, token = make_user("enumerator")
    headers = {**auth(token), "Content-Type": "application/json"}
    r = client.post(URL, content=b'{"observations": [', headers=headers)
    assert r.status_code == 422, r.text
    bom = b"\xef\xbb\xbf" + json.dumps({"observations": [record()]}).encode()  # json.loads only
    assert client.post(URL, content=bom, headers=headers).json()["accepted"] == 1
    lone = json.dumps({"observations": [record(notes="\ud800")]}, ensure_ascii=True).encode()
    body = client.post(URL, content=lone, headers=headers).json()
    assert body["accepted"] + body["rejected"] == 1  # read, then judged like any record
