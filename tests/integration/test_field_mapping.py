"""What the sender is told: fields nothing reads, per record, on every path; records without
any animal refused in the sender's language; KoBo field maps per form and their preview."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest
from sqlalchemy import text

from tests.integration import ingest_factories as support
from tests.integration.ingest_factories import FMP, count_rows, record
from tests.integration.test_kobo_api import kobo_submission
from tests.integration.test_openrosa_api import COLLECT_HEADERS, submission
from ttt.config import get_settings

network = support.network  # shared fixture
live_url = support.live_url  # shared fixture

pytestmark = pytest.mark.usefixtures("network")

KOBO_FORM = "aB3xYzQ"


def kobo_with_own_names(**changes) -> dict:
    """A KoBo project whose count fields are not named as ours (as most are)."""
    p = kobo_submission(**changes)
    for sp in ("cattle", "sheep", "goats"):
        p.pop(f"grp_count/{sp}")
    p["group_herd/nb_bovins"] = "120"
    p["group_herd/nb_ovins"] = "40"
    return p


@pytest.fixture
def kobo(live_url, make_user):
    _, token = make_user("enumerator", name="kobo-map")
    with httpx.Client(base_url=live_url, timeout=30, headers={"Authorization": f"Bearer {token}"}) as c:
        yield c


@pytest.fixture
def form_map(monkeypatch):
    monkeypatch.setenv("TTT_KOBO_FORM_FIELD_MAPS", json.dumps(
        {KOBO_FORM: {"group_herd/nb_bovins": "cattle", "nb_ovins": "sheep"}}))
    get_settings.cache_clear()
    yield
    monkeypatch.delenv("TTT_KOBO_FORM_FIELD_MAPS")
    get_settings.cache_clear()


def test_kobo_counts_under_other_names_are_refused_and_named_not_stored_as_zero(kobo, engine):
    r = kobo.post("/api/v1/ingest/kobo", json=kobo_with_own_names())
    assert r.status_code == 422  # stays failed in KoBo's REST-services log
    res = r.json()["results"][0]
    assert res["ignored"] == ["group_herd/nb_bovins", "group_herd/nb_ovins"]
    fields = [e["field"] for e in res["errors"]]
    assert fields == ["counts", "ignored"]
    assert "no animals counted" in res["errors"][0]["message"]
    assert KOBO_FORM in res["errors"][1]["message"]
    assert count_rows(engine, "observations") == 0


def test_a_field_map_per_form_reads_them_and_an_extra_species_is_reported(kobo, engine, form_map):
    p = kobo_with_own_names(**{"grp_count/nb_yaks": "4"})
    r = kobo.post("/api/v1/ingest/kobo", json=p)
    assert r.status_code == 201, r.text
    assert r.json()["results"][0]["ignored"] == ["grp_count/nb_yaks"]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT cattle, sheep FROM observations")).one() == (120, 40)
    other_form = kobo_with_own_names(_xform_id_string="zZ9", **{"formhub/uuid": "ffff"})
    assert kobo.post("/api/v1/ingest/kobo", json=other_form).status_code == 422  # the map is this form's only


def test_the_preview_shows_how_a_payload_maps_and_stores_nothing(client, make_user, auth, engine, form_map):
    _, token = make_user("analyst")
    p = kobo_with_own_names(**{"grp_count/nb_yaks": "4"})
    r = client.post("/api/v1/ingest/kobo/preview", json=p, headers=auth(token))
    assert r.status_code == 200, r.text
    sub = r.json()["submissions"][0]
    assert sub["valid"] is True and sub["errors"] == []
    assert sub["record"]["counts"] == {"cattle": "120", "sheep": "40"}
    assert sub["ignored"] == ["grp_count/nb_yaks"] and KOBO_FORM in sub["form"]
    unmapped = client.post("/api/v1/ingest/kobo/preview", json=kobo_with_own_names(_xform_id_string="zZ9"),
                           headers=auth(token)).json()["submissions"][0]
    assert unmapped["valid"] is False and unmapped["errors"][0]["field"] == "counts"
    got = client.get("/api/v1/ingest/kobo/preview", params={"form": KOBO_FORM}, headers=auth(token)).json()
    assert got["field_map"]["group_herd/nb_bovins"] == "cattle"
    assert count_rows(engine, "observations") == 0
    _, enum_token = make_user("enumerator")
    assert client.post("/api/v1/ingest/kobo/preview", json=p, headers=auth(enum_token)).status_code == 403


def test_odk_collect_is_told_which_answers_were_not_used_in_its_language(live_url, make_user, engine):
    _, token = make_user("enumerator", name="fatou")
    with httpx.Client(base_url=live_url + "/openrosa", headers=COLLECT_HEADERS,
                      auth=httpx.DigestAuth("fatou", token), timeout=30) as c:
        xml = submission().replace(b"<other>0</other>", b"<other>0</other><nb_yaks>3</nb_yaks>")
        r = c.post("/submission", files={"xml_submission_file": ("submission.xml", xml, "text/xml")},
                   headers={"Accept-Language": "fr-FR"})
        assert r.status_code == 201
        assert "Non utilisés (champs inconnus) : nb_yaks." in r.text
        empty = submission(cattle="0").replace(b"<sheep>40</sheep>", b"<sheep>0</sheep>").replace(
            b"<goats>35</goats>", b"<goats>0</goats>").replace(b"<donkeys>2</donkeys>", b"<donkeys>0</donkeys>")
        r = c.post("/submission", files={"xml_submission_file": ("submission.xml", empty, "text/xml")},
                   headers={"Accept-Language": "fr"})
        assert r.status_code == 400
        assert "aucun animal compté" in r.text
        r = c.post("/submission", files={"xml_submission_file": ("submission.xml", empty, "text/xml")})
        assert r.status_code == 400 and "no animals counted" in r.text
    assert count_rows(engine, "observations") == 1


def test_json_records_without_animals_are_refused_and_every_result_lists_ignored(client, make_user, auth, engine):
    _, token = make_user("enumerator")
    empty = record(counts=...)
    zeros = record(counts={"cattle": 0, "sheep": 0})
    good = record()
    r = client.post("/api/v1/observations", json={"observations": [empty, zeros, good]}, headers=auth(token)).json()
    assert [x["status"] for x in r["results"]] == ["rejected", "rejected", "accepted"]
    assert [x["errors"][0]["field"] for x in r["results"][:2]] == ["counts", "counts"]
    assert all(x["ignored"] == [] for x in r["results"])  # JSON: an unknown field is an error, never ignored
    assert count_rows(engine, "observations") == 1


def test_csv_rows_list_the_filled_cells_nothing_read(client, make_user, auth):
    _, token = make_user("analyst")
    body = ("id,flow_point,observed_at,cattle,remarks,yaks\n"
            f"{uuid.uuid4()},{FMP},2026-01-05T08:00:00+00:00,0,late,\n"
            f"{uuid.uuid4()},{FMP},2026-01-05T09:00:00+00:00,3,,2\n")
    rep = client.post("/api/v1/observations.csv", content=body.encode(),
                      headers={**auth(token), "Content-Type": "text/csv"}).json()
    assert rep["ignored_columns"] == ["remarks", "yaks"]
    assert (rep["accepted"], rep["rejected"]) == (1, 1)
    assert rep["rows"][0]["row"] == 2 and rep["rows"][0]["ignored"] == ["remarks"]
    assert rep["rows"][0]["errors"][0]["field"] == "counts"
