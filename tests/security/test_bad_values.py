"""One bad value never loses a batch nor answers 500: a NUL character in any text field
(JSON, KoBo, CSV) or a CSV field over 128 KiB rejects its own record and keeps the good
ones; NUL or out-of-range numbers in query parameters and paths are a 4xx."""

from __future__ import annotations

import base64

import pytest

from tests.integration.test_ingest_support import FMP, record
from tests.integration.test_ingest_support import network as network  # noqa: F401  (fixture)

pytestmark = pytest.mark.usefixtures("network")


@pytest.mark.parametrize("url", [
    "/api/v1/alerts?corridor=a%00b", "/api/v1/alerts?offset=100000000000000000000",
    "/api/v1/observations?offset=99999999999999999999", "/ogc/collections/alerts/items?offset=99999999999999999999",
    "/api/v1/corridors?offset=99999999999999999999", "/api/v1/corridors/a%00b", "/api/v1/alerts/99999999999999999999",
    "/api/v1/observations?flow_point=%00",
])
def test_bad_query_values_are_client_errors(url, client, make_user, auth):
    r = client.get(url, headers=auth(make_user("admin")[1]))
    assert 400 <= r.status_code < 500, (url, r.status_code, r.text)


def test_a_nul_in_a_json_record_rejects_that_record_only(client, make_user, auth):
    h = auth(make_user("enumerator")[1])
    bad, good = record(notes="a\x00b"), record()
    r = client.post("/api/v1/observations", headers=h, json={"observations": [bad, good]})
    assert r.status_code == 200, r.text
    by_id = {x["id"]: x for x in r.json()["results"]}
    assert by_id[good["id"]]["status"] == "accepted"
    assert by_id[bad["id"]]["status"] == "rejected" and by_id[bad["id"]]["errors"][0]["field"] == "notes"


def test_kobo_with_a_nul_is_refused_not_a_500(client, make_user):
    user, token = make_user("enumerator")
    basic = {"Authorization": "Basic " + base64.b64encode(f"{user.name}:{token}".encode()).decode()}
    r = client.post("/api/v1/ingest/kobo", headers=basic, json={"_uuid": "k1", "flow_point": FMP,
                                                                "notes": "x\x00y", "cattle": "3"})
    assert 400 <= r.status_code < 500, (r.status_code, r.text)


def test_csv_huge_field_and_nul_reject_their_rows_and_keep_the_others(client, make_user, auth):
    h = auth(make_user("enumerator")[1]) | {"content-type": "text/csv"}
    good = record()
    head = "id,flow_point,observed_at,cattle,notes\n"
    rows = [f"{record()['id']},{FMP},2026-02-03T07:15:00+00:00,3,{'x' * 140_000}",
            f"{record()['id']},{FMP},2026-02-03T07:16:00+00:00,3,a\x00b",
            f"{good['id']},{FMP},2026-02-03T07:17:00+00:00,3,ok"]
    r = client.post("/api/v1/observations.csv", headers=h, content=(head + "\n".join(rows) + "\n").encode())
    assert r.status_code == 200, r.text[:500]
    body = r.json()
    assert (body["accepted"], body["rejected"]) == (1, 2), body
    assert {e["field"] for row in body["rows"] for e in row["errors"]} == {"notes"}
