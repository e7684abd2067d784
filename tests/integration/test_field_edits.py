"""Edits of sent counts through every path (JSON ``replaces``, OpenRosa and KoBo
``meta/deprecatedID``, CSV ``replaces``): one herd per chain, the old versions in the history,
statistics following the current version, resends changing nothing."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import text

from tests.integration import ingest_factories as support
from tests.integration.ingest_factories import FMP, count_rows, record
from tests.integration.test_kobo_api import kobo_submission
from tests.integration.test_openrosa_api import COLLECT_HEADERS, submission

network = support.network  # shared fixture
live_url = support.live_url  # shared fixture

URL = "/api/v1/observations"
pytestmark = pytest.mark.usefixtures("network")


def herds(engine) -> list[tuple[str, int]]:
    with engine.connect() as conn:
        return [(str(i), c) for i, c in conn.execute(text("SELECT id, cattle FROM observations ORDER BY received_at"))]


def cattle_in_rollups(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT coalesce(sum(cattle), 0) FROM daily_rollups")).scalar_one()


def history(engine) -> dict[str, tuple[str, str | None]]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT observation_id, reason, replaced_by FROM observation_history"))
        return {str(a): (b, None if c is None else str(c)) for a, b, c in rows}


def test_a_json_edit_chain_leaves_one_herd_with_the_last_values(client, make_user, auth, engine):
    _, token = make_user("enumerator")
    a = record(counts={"cattle": 100})
    b = record(counts={"cattle": 120}, replaces=a["id"])
    c = record(counts={"cattle": 130}, replaces=f"uuid:{b['id']}")
    assert client.post(URL, json={"observations": [a]}, headers=auth(token)).json()["accepted"] == 1
    r = client.post(URL, json={"observations": [b]}, headers=auth(token)).json()
    assert r["results"][0]["replaces"] == a["id"]
    assert herds(engine) == [(b["id"], 120)] and cattle_in_rollups(engine) == 120
    client.post(URL, json={"observations": [c]}, headers=auth(token))
    assert herds(engine) == [(c["id"], 130)]
    assert cattle_in_rollups(engine) == 130  # statistics follow the current version
    assert history(engine) == {a["id"]: ("replaced", b["id"]), b["id"]: ("replaced", c["id"])}
    with engine.connect() as conn:  # the rules see the new version, never the replaced ones
        assert [str(x) for x in conn.execute(text("SELECT observation_id FROM rule_queue")).scalars()] == [c["id"]]
    # every version resent (a phone retrying, a re-import): duplicates, still one herd
    again = client.post(URL, json={"observations": [a, b, c]}, headers=auth(token)).json()
    assert (again["accepted"], again["duplicate"], again["rejected"]) == (0, 3, 0)
    assert herds(engine) == [(c["id"], 130)] and count_rows(engine, "observation_history") == 2
    analyst = auth(make_user("analyst")[1])
    versions = client.get(f"{URL}/{c['id']}/history", headers=analyst).json()["versions"]
    assert [(v["id"], v["counts"]["cattle"], v["replaced_by"]) for v in versions] == [
        (a["id"], 100, b["id"]), (b["id"], 120, c["id"])]
    assert client.get(f"{URL}/{c['id']}/history", headers=auth(token)).status_code == 403


def test_versions_arriving_in_any_order_end_with_the_last_one(client, make_user, auth, engine):
    _, token = make_user("enumerator")
    a = record(counts={"cattle": 100})
    b = record(counts={"cattle": 120}, replaces=a["id"])
    c = record(counts={"cattle": 130}, replaces=b["id"])
    for rec in (c, b, a):  # an offline phone sends its outbox in any order
        assert client.post(URL, json={"observations": [rec]}, headers=auth(token)).json()["accepted"] == 1
    assert herds(engine) == [(c["id"], 130)] and cattle_in_rollups(engine) == 130
    with engine.connect() as conn:
        flags = conn.execute(text("SELECT flags FROM observations")).scalar_one()
    assert flags == []  # the edit's original has arrived: nothing left to review


def test_an_edit_chain_inside_one_batch_and_two_edits_of_one_version(client, make_user, auth, engine):
    _, token = make_user("enumerator")
    a = record(counts={"cattle": 100})
    b = record(counts={"cattle": 120}, replaces=a["id"])
    b2 = record(counts={"cattle": 125}, replaces=a["id"])  # edited twice from the same original
    r = client.post(URL, json={"observations": [a, b, b2]}, headers=auth(token)).json()
    assert r["accepted"] == 3
    assert herds(engine) == [(b2["id"], 125)]


def test_a_scoped_analyst_edits_only_counts_in_their_areas(client, make_user, auth, engine):
    _, enum = make_user("enumerator")
    a = record(counts={"cattle": 100})  # at ML05-FMP-03, in ML0506
    client.post(URL, json={"observations": [a]}, headers=auth(enum))
    _, elsewhere = make_user("analyst", scopes=["BF"])
    edit = record(flow_point="BF52-FMP-01", location=..., counts={"cattle": 1}, replaces=a["id"])
    r = client.post(URL, json={"observations": [edit]}, headers=auth(elsewhere)).json()
    assert r["results"][0]["flags"] == ["replaces_unknown"]  # not replaced, not revealed
    assert count_rows(engine, "observations") == 2


def test_an_edit_of_an_unknown_or_someone_elses_count_is_stored_and_flagged(client, make_user, auth, engine):
    _, mine = make_user("enumerator")
    _, theirs = make_user("enumerator")
    a = record(counts={"cattle": 100})
    client.post(URL, json={"observations": [a]}, headers=auth(mine))
    stray = record(counts={"cattle": 7}, replaces=str(uuid.uuid4()))
    other = record(counts={"cattle": 9}, replaces=a["id"])
    r = client.post(URL, json={"observations": [stray, other]}, headers=auth(theirs)).json()
    assert [x["status"] for x in r["results"]] == ["accepted", "accepted"]
    assert all(x["flags"] == ["replaces_unknown"] for x in r["results"])
    assert count_rows(engine, "observations") == 3  # nothing replaced, nothing lost
    listed = client.get(URL, params={"flag": "replaces_unknown"}, headers=auth(theirs)).json()
    assert {x["id"] for x in listed["items"]} == {stray["id"], other["id"]}
    assert all(x["review"] == "flagged" for x in listed["items"])


def test_odk_collect_edit_with_deprecated_id(live_url, make_user, engine):
    _, token = make_user("enumerator", name="awa")
    first = f"uuid:{uuid.uuid4()}"
    edited = f"uuid:{uuid.uuid4()}"
    with httpx.Client(base_url=live_url + "/openrosa", headers=COLLECT_HEADERS,
                      auth=httpx.DigestAuth("awa", token), timeout=30) as c:
        def send(xml: bytes) -> httpx.Response:
            return c.post("/submission", files={"xml_submission_file": ("submission.xml", xml, "text/xml")})

        assert send(submission(first, cattle="100")).status_code == 201
        xml = submission(edited, cattle="140").replace(
            b"</instanceID>", f"</instanceID><deprecatedID>{first}</deprecatedID>".encode())
        r = send(xml)
        assert r.status_code == 201 and "replaces the one sent before" in r.text
        assert send(xml).status_code == 201  # Collect retrying
    assert herds(engine) == [(edited[5:], 140)]
    assert history(engine) == {first[5:]: ("replaced", edited[5:])}


def test_kobo_edit_with_meta_deprecated_id(live_url, make_user, engine):
    _, token = make_user("enumerator", name="kobo-edit")
    p = kobo_submission()
    edit = kobo_submission(**{"grp_count/cattle": "150", "meta/deprecatedID": p["meta/instanceID"]})
    with httpx.Client(base_url=live_url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as k:
        assert k.post("/api/v1/ingest/kobo", json=p).status_code == 201
        r = k.post("/api/v1/ingest/kobo", json=edit)
        assert r.status_code == 201 and r.json()["results"][0]["replaces"] == p["_uuid"]
        assert k.post("/api/v1/ingest/kobo", json=edit).status_code == 200  # KoBo's retry
        assert k.post("/api/v1/ingest/kobo", json=p).status_code == 200  # and of the original
    assert herds(engine) == [(edit["_uuid"], 150)]


def test_csv_edit_with_a_replaces_column(client, make_user, auth, engine):
    _, token = make_user("analyst")
    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    body = ("id,flow_point,observed_at,cattle,replaces\n"
            f"{a},{FMP},2026-01-05T08:00:00+00:00,10,\n"
            f"{b},{FMP},2026-01-05T08:00:00+00:00,12,{a}\n")
    r = client.post("/api/v1/observations.csv", content=body.encode(), headers={**auth(token), "Content-Type": "text/csv"})
    assert r.status_code == 200 and r.json()["accepted"] == 2
    assert herds(engine) == [(b, 12)]
