"""`ttt network check` tells mappers where corridors do not meet, and the rules file's
``routing:`` section sets how close is close enough."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from tests.integration.network_factories import LAT, add_corridor
from ttt.cli import _register_optional, app
from ttt.config import get_settings
from ttt.db import session_scope

_register_optional()
runner = CliRunner()
GAP_KM = 1 / 109.0


def _nearly_touching(gap_deg: float) -> None:
    with session_scope() as s:
        add_corridor(s, "N1", [(0.0, LAT), (0.5, LAT)])
        add_corridor(s, "N2", [(0.5 + gap_deg, LAT), (1.0, LAT)])


def test_check_exits_1_on_a_gap_left_open_and_names_both_corridors(engine):
    _nearly_touching(6 * GAP_KM)  # 6 km: over the 3 km tolerance
    r = runner.invoke(app, ["network", "check"])
    assert r.exit_code == 1, r.output
    assert "N1 / N2" in r.output and "NOT joined" in r.output
    r = runner.invoke(app, ["network", "check", "--json"])
    report = json.loads(r.output)
    assert len(report["dangling"]) == 4 and report["gaps"][0]["joined"] is False


def test_check_passes_when_gaps_are_within_the_tolerance(engine):
    _nearly_touching(GAP_KM)
    r = runner.invoke(app, ["network", "check"])
    assert r.exit_code == 0, r.output
    assert "joined across" in r.output


def test_the_rules_file_sets_the_snapping_tolerance(engine, client, make_user, auth, tmp_path, monkeypatch):
    _nearly_touching(GAP_KM)
    partner = auth(make_user("partner")[1])
    q = {"from": f"0.0,{LAT}", "to": f"1.0,{LAT}", "at": "2026-03-01T00:00:00+00:00"}
    assert client.get("/api/v1/network/routes", params=q, headers=partner).status_code == 200
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules: []\nrouting:\n  snap_m: 500\n", encoding="utf-8")
    monkeypatch.setenv("TTT_RULES_FILE", str(rules))
    get_settings.cache_clear()
    try:
        r = client.get("/api/v1/network/routes", params=q, headers=partner)
        assert r.status_code == 404 and r.json()["error"] == "no_route"  # a 1 km gap is now too wide
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
