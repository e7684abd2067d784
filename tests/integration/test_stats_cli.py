"""`ttt stats check|rebuild|export` against the real test database."""

from __future__ import annotations

import datetime as dt
import random

import hxl
from sqlalchemy import text
from typer.testing import CliRunner

from tests.integration.stats_factories import insert_observations, make_network, random_observation
from ttt.cli.stats import stats_app


def test_check_detects_drift_rebuild_repairs_and_export_writes_hxl(session, tmp_path):
    rnd = random.Random(11)
    ids = make_network(session)
    insert_observations(session, [random_observation(rnd, ids, dt.datetime(2025, 11, 1, tzinfo=dt.UTC), 30) for _ in range(80)])
    session.commit()
    runner = CliRunner()
    assert runner.invoke(stats_app, ["check"]).exit_code == 0
    session.execute(text("UPDATE daily_rollups SET goats = goats + 3 WHERE ctid = (SELECT min(ctid) FROM daily_rollups)"))
    session.commit()
    broken = runner.invoke(stats_app, ["check"])
    assert broken.exit_code == 1 and "differ" in broken.output
    assert runner.invoke(stats_app, ["rebuild"]).exit_code == 0
    assert runner.invoke(stats_app, ["check"]).exit_code == 0

    out = tmp_path / "ml-c01.csv"
    r = runner.invoke(stats_app, ["export", "corridor", "ML-C01", "--from", "2025-11-01", "--to", "2025-12-31", "--out", str(out)])
    assert r.exit_code == 0, r.output
    rows = list(hxl.data(str(out), hxl.InputOptions(allow_local=True)))
    assert [row.get("#date+start") for row in rows] == ["2025-11-01", "2025-12-01"]
    bad = runner.invoke(stats_app, ["export", "corridor", "NOPE", "--out", str(tmp_path / "x.csv")])
    assert bad.exit_code == 2 and "NOPE" in bad.output
