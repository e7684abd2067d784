"""CSV ingestion: POST /api/v1/observations.csv and `ttt import observations FILE`."""

from __future__ import annotations

import csv
import io
import uuid

import pytest
from typer.testing import CliRunner

from tests.integration import ingest_factories as support
from tests.integration.ingest_factories import FMP, count_rows

network = support.network  # shared fixture

pytestmark = pytest.mark.usefixtures("network")

HEADER = "id,flow_point,observed_at,direction,cattle,sheep,camels,men,flow_type,cross_border,remarks\n"


def rows(n: int, start_day: int = 1) -> list[str]:
    return [f"{uuid.uuid4()},{FMP},2026-01-{start_day + i % 28:02d}T08:00:00+00:00,S,{10 + i},{i % 7},0,2,transit,no,ok\n"
            for i in range(n)]


def test_upload_plain_csv_with_a_per_row_report(client, make_user, auth, engine):
    _, token = make_user("analyst")
    good = rows(3)
    bad = [f"{uuid.uuid4()},{FMP},2026-01-05T08:00:00+00:00,S,-2,0,0,1,transit,no,x\n",
           f"{uuid.uuid4()},NOPE-1,2026-01-05T08:00:00+00:00,S,2,0,0,1,transit,no,x\n"]
    body = HEADER + good[0] + bad[0] + good[1] + bad[1] + good[2]
    r = client.post("/api/v1/observations.csv", content=body.encode(), headers={**auth(token), "Content-Type": "text/csv"})
    assert r.status_code == 200, r.text
    rep = r.json()
    assert (rep["accepted"], rep["duplicate"], rep["rejected"]) == (3, 0, 2)
    assert rep["ignored_columns"] == ["remarks"]
    assert [(x["row"], x["errors"][0]["field"]) for x in rep["rows"]] == [(3, "counts.cattle"), (5, "flow_point")]
    assert count_rows(engine, "observations") == 3
    again = client.post("/api/v1/observations.csv", files={"file": ("counts.csv", body.encode(), "text/csv")},
                        headers=auth(token)).json()
    assert (again["accepted"], again["duplicate"], again["rejected"]) == (0, 3, 2)
    assert count_rows(engine, "observations") == 3


def test_upload_hxl_tagged_csv(client, make_user, auth, engine):
    _, token = make_user("enumerator")
    text = ("Record,Date,Point,Cattle,Camels,Men,Origin\n"
            "#meta+id,#date,#loc+code,#indicator+num+cattle,#indicator+num+camels,#affected+men,#adm2+code+origin\n"
            f"{uuid.uuid4()},2026-02-03T07:15:00+00:00,{FMP},120,4,3,ML0506\n")
    rep = client.post("/api/v1/observations.csv", content=text.encode(),
                      headers={**auth(token), "Content-Type": "text/csv"}).json()
    assert rep["hxl"] is True and rep["accepted"] == 1
    items = client.get("/api/v1/observations", headers=auth(token)).json()["items"]
    assert items[0]["counts"]["camels"] == 4 and items[0]["origin"] == "ML0506" and items[0]["source"] == "csv"


def test_a_file_that_is_not_an_observation_table_is_refused_clearly(client, make_user, auth):
    _, token = make_user("analyst")
    r = client.post("/api/v1/observations.csv", content=b"name,value\na,1\n",
                    headers={**auth(token), "Content-Type": "text/csv"})
    assert r.status_code == 422
    assert r.json()["detail"][0]["field"] == "file" and "id" in r.json()["detail"][0]["message"]


def _cli(args):
    from ttt.cli import _register_optional, app

    _register_optional()
    return CliRunner().invoke(app, args)


def test_cli_import_in_batches_a_rerun_stores_nothing_twice_and_refusals_are_reported(tmp_path, engine, make_user):
    make_user("enumerator", name="seydou")
    path = tmp_path / "counts.csv"
    data = rows(2500)
    data.insert(1234, f"{uuid.uuid4()},{FMP},2026-01-05T08:00:00+00:00,S,1.5,0,0,1,transit,no,x\n")
    path.write_text(HEADER + "".join(data), encoding="utf-8")
    report = tmp_path / "refused.csv"
    res = _cli(["import", "observations", str(path), "--user", "seydou", "--batch-size", "1000",
                "--report", str(report)])
    assert res.exit_code == 1, res.output  # one row refused
    assert "2500 accepted" in res.output and "1 refused" in res.output
    refused = list(csv.DictReader(io.StringIO(report.read_text())))
    assert [(r["row"], r["field"]) for r in refused] == [("1236", "counts.cattle")]
    assert count_rows(engine, "observations") == 2500
    assert count_rows(engine, "rule_queue") == 2500
    res2 = _cli(["import", "observations", str(path), "--user", "seydou"])
    assert "0 accepted, 2500 already there" in res2.output
    assert count_rows(engine, "observations") == 2500


def test_cli_import_json(tmp_path, engine):
    from tests.integration.ingest_factories import record

    path = tmp_path / "batch.json"
    import json

    path.write_text(json.dumps({"observations": [record(), record(counts={"goats": 7})]}))
    res = _cli(["import", "observations", str(path)])
    assert res.exit_code == 0, res.output
    assert count_rows(engine, "observations") == 2
