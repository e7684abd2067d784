"""Time-based hazard checks cost what changed: with no hazard new, changed or starting they
load no herd at all, however many were counted recently; a new hazard loads the herds it can
concern (its corridor's, and those near it), not every herd of the lookback."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from geoalchemy2.shape import from_shape
from shapely.geometry import LineString, box
from sqlalchemy import select

from alerts.alerts.models import RuleRun
from alerts.runner.engine import run_queue, run_time_checks
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


def _descending(i: int, when: datetime) -> dict:
    # at Konna, heading south-west along ML-C01 as it is drawn: a descent
    return {**herd(i, when, 250), "location": {"lon": -3.89, "lat": 14.5913}, "direction": "SW"}


def _window(opens: datetime, closes: datetime) -> dict:
    return {"corridor": "ML-C01", "country": None, "direction": "descent", "opens": opens.strftime("%m-%d"),
            "closes": closes.strftime("%m-%d"), "effective_from": "2020-01-01", "source": "Convention locale"}


def _timing_alerts(client, headers, ids: list[int]) -> list[dict]:
    shown = [client.get(f"/api/v1/alerts/{i}", headers=headers).json() for i in ids]
    return [a for a in shown if a["type"] in ("early", "late")]


def test_a_calendar_added_after_the_herds_were_counted_judges_them_early(client, make_user, auth, network):  # noqa: F811
    admin = auth(make_user("admin")[1])
    enum = auth(make_user("enumerator")[1])
    now = datetime.now(UTC)
    post_obs(client, enum, [_descending(i, now - timedelta(days=1, hours=i)) for i in range(3)])
    with session_scope() as s:  # counted and judged with no calendar: nothing early or late
        run_queue(s)
        created = run_time_checks(s).created
    assert _timing_alerts(client, admin, created) == []

    opens = now + timedelta(days=30)  # the descent opens in a month: these herds left three weeks early
    r = client.post("/api/v1/calendars", json=_window(opens, opens + timedelta(days=90)), headers=admin)
    assert r.status_code == 201, r.text
    with session_scope() as s:  # no new observation: the time check alone
        created = run_time_checks(s).created
    early = _timing_alerts(client, admin, created)
    assert [a["type"] for a in early] == ["early"], early
    assert early[0]["corridor"] == "ML-C01"
    later = datetime.now(UTC) + timedelta(minutes=10)
    with session_scope() as s:  # judged once: the next checks load nothing and raise nothing
        assert run_time_checks(s, now=later).created == []
        run_time_checks(s, now=later + timedelta(minutes=10))
    assert _last_time_run().observations == 0


def test_a_window_changed_to_close_before_the_herds_judges_them_late(client, make_user, auth, network):  # noqa: F811
    admin = auth(make_user("admin")[1])
    enum = auth(make_user("enumerator")[1])
    now = datetime.now(UTC)
    r = client.post("/api/v1/calendars", json=_window(now - timedelta(days=60), now + timedelta(days=60)), headers=admin)
    assert r.status_code == 201, r.text
    post_obs(client, enum, [_descending(i, now - timedelta(days=1, hours=i)) for i in range(3)])
    with session_scope() as s:  # inside the window: on time
        run_queue(s)
        created = run_time_checks(s).created
    assert _timing_alerts(client, admin, created) == []

    changed = _window(now - timedelta(days=120), now - timedelta(days=30))  # closed a month ago after all
    assert client.put(f"/api/v1/calendars/{r.json()['id']}", json=changed, headers=admin).status_code == 200
    with session_scope() as s:
        created = run_time_checks(s).created
    late = _timing_alerts(client, admin, created)
    assert [a["type"] for a in late] == ["late"], late
