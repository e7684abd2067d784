"""`ttt rules backtest|show|evaluate` against the test database."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from geoalchemy2.shape import from_shape
from shapely.geometry import LineString, Point
from sqlalchemy import func, select
from typer.testing import CliRunner

from alerts.alerts.models import Alert
from corridors.geodata.models import Corridor, FlowPoint
from corridors.observations.service import ingest
from ttt.cli import _register_optional, app
from ttt.db import session_scope

_register_optional()
runner = CliRunner()
DAY = datetime(2025, 12, 10, 9, tzinfo=UTC)


def _seed(n_herds: int, cattle: int) -> None:
    with session_scope() as s:
        c = Corridor(code="NE-C01", name="Ayorou - Say", geom=from_shape(LineString([(0.92, 14.73), (2.37, 13.1)]), 4326),
                     tolerance_m=5000, countries=["NE"], pcodes=["NE006"], status="open")
        s.add(c)
        s.flush()
        s.add(FlowPoint(code="NE006-FMP-01", name="PSF Ayorou", geom=from_shape(Point(0.92, 14.73), 4326),
                        corridor_id=c.id, adm0_pcode="NE", adm1_pcode="NE006", adm2_pcode="NE00601", active=True))
    with session_scope() as s:
        out = ingest(s, [{"id": f"00000000-0000-4000-9000-{i:012d}", "flow_point": "NE006-FMP-01",
                          "observed_at": (DAY + timedelta(minutes=i)).isoformat(), "counts": {"cattle": cattle}}
                         for i in range(n_herds)], source="api", enumerator=None)
        assert out.count("accepted") == n_herds


def test_backtest_reports_without_writing_and_takes_a_rules_file(engine, tmp_path):
    _seed(5, 500)  # 2,500 cattle in a day at one point
    r = runner.invoke(app, ["rules", "backtest", "--from", "2025-12-01", "--to", "2025-12-31", "--json"])
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout.strip().splitlines()[-1])
    assert report["by_rule"] == {"mass_flow_point": 1} and report["observations"] == 5
    assert report["alerts"][0]["evidence"]["observed"] == 2500
    with session_scope() as s:
        assert s.scalar(select(func.count()).select_from(Alert)) == 0

    strict = tmp_path / "strict.yaml"
    strict.write_text("rules:\n  - id: tiny\n    type: mass\n    params: {floor: 3000}\n")
    r = runner.invoke(app, ["rules", "backtest", "--from", "2025-12-01", "--to", "2025-12-31", "--rules", str(strict),
                            "--json"])
    assert json.loads(r.stdout.strip().splitlines()[-1])["by_type"] == {}

    broken = tmp_path / "broken.yaml"
    broken.write_text("rules:\n  - id: x\n    type: mass\n    params: {k: -1}\n")
    r = runner.invoke(app, ["rules", "backtest", "--from", "2025-12-01", "--to", "2025-12-31", "--rules", str(broken)])
    assert r.exit_code == 2 and "rules[0].params.k" in r.output


def test_show_and_evaluate(engine):
    r = runner.invoke(app, ["rules", "show"])
    assert r.exit_code == 0 and "mass_flow_point" in r.output
    _seed(5, 500)
    r = runner.invoke(app, ["rules", "evaluate"])
    assert r.exit_code == 0, r.output
    result = json.loads(r.stdout.strip().splitlines()[-1])
    assert len(result["created"]) == 1 and result["observations"] == 5
