"""Time-based hazard checks cost what changed: with no hazard new, changed or starting they
load no herd at all, however many were counted recently; a new hazard loads the herds it can
concern (its corridor's, and those near it), not every herd of the lookback."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from geoalchemy2.shape import from_shape
from shapely.geometry import LineString, box
from sqlalchemy import select

from alerts.alerts.models import RuleRun
from alerts.engine import run_queue, run_time_checks
from corridors.geodata.models import Corridor, Hazard
from tests.integration.test_alerts_api import herd, network, post_obs  # noqa: F401  (fixture)
from ttt.db import session_scope


def _last_time_run() -> RuleRun:
    with session_scope() as s:
        return s.scalars(select(RuleRun).where(RuleRun.kind == "time").order_by(RuleRun.id.desc())).first()


def test_a_time_check_loads_only_what_a_new_hazard_needs(client, make_user, auth, network):  # noqa: F811
    enum = auth(make_user("enumerator")[1])
    now = datetime.now(UTC)
    with session_scope() as s:  # a second corridor far away (Niger), with its own herds
        s.add(Corridor(code="NE-C01", name="Ayorou - Tillabéri", geom=from_shape(LineString([(0.9, 14.7), (1.45, 14.2)]),
                                                                                 4326),
                       tolerance_m=5000, countries=["NE"], status="open"))
    post_obs(client, enum, [herd(i, now - timedelta(days=2, hours=i), 300) for i in range(5)])  # at Konna (ML-C01)
    far = [{"id": f"00000000-0000-4000-9000-{i:012d}", "observed_at": (now - timedelta(days=1, hours=i)).isoformat(),
            "location": {"lon": 1.2, "lat": 14.43}, "counts": {"cattle": 200}, "herders": {"men": 1}} for i in range(7)]
    post_obs(client, enum, far)
    long_ago = now - timedelta(days=3)
    with session_scope() as s:  # a hazard on the corridor since long before: judged by every upload's run
        s.add(Hazard(kind="insecurity", severity="moderate", geom=from_shape(box(-3.5, 14.7, -3.4, 14.8), 4326),
                     starts_at=long_ago, source="test", description="banditry", created_at=long_ago,
                     updated_at=long_ago))
    with session_scope() as s:
        run_queue(s)
        run_time_checks(s)
    assert _last_time_run().observations == 0  # twelve recent herds, none loaded: no hazard moved

    with session_scope() as s:
        s.add(Hazard(kind="bushfire", severity="severe", geom=from_shape(box(-3.95, 14.55, -3.85, 14.65), 4326),
                     starts_at=now - timedelta(hours=1), source="test", description="fire near Konna"))
    with session_scope() as s:
        result = run_time_checks(s)
    run = _last_time_run()
    assert run.observations == 5  # the herds of the corridor it touches, not those of Niger
    assert len(result.created) == 1
    later = datetime.now(UTC)
    with session_scope() as s:  # judged: once past the margin for late commits, checks load nothing again
        run_time_checks(s, now=later + timedelta(minutes=10))
        run_time_checks(s, now=later + timedelta(minutes=20))
    assert _last_time_run().observations == 0
