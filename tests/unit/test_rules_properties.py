"""Invariants field staff rely on, checked over generated data (hypothesis)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point

from alerts.rules.config import load_rules, parse_rules
from alerts.rules.dedup import merge
from alerts.rules.engine import evaluate
from alerts.rules.model import Corridor, FlowPoint, Snapshot, observations_from_records
from corridors.calendars import CalendarEntry

CORRIDORS = (Corridor("C1", LineString([(0, 15), (0, 14)]), countries=("ML",)),)
POINTS = (FlowPoint("P1", 0, "ML", location=Point(0, 14.9)), FlowPoint("P2", 0, "ML", location=Point(0, 14.5)))
START = datetime(2024, 9, 1, tzinfo=UTC)
RULES = load_rules()
MASS_ONLY = parse_rules({"rules": [
    {"id": "mass_fp", "type": "mass", "params": {"floor": 300, "min_samples": 3}},
    {"id": "mass_c", "type": "mass", "params": {"level": "corridor", "floor": 500, "min_samples": 3}},
]})

herd = st.fixed_dictionaries({
    "flow_point": st.sampled_from(["P1", "P2"]),
    "day": st.integers(0, 420),
    "hour": st.integers(6, 18),
    "cattle": st.integers(0, 400),
    "goats": st.integers(0, 400),
    "movement": st.sampled_from(["descent", "return", "unknown"]),
    "origin": st.sampled_from(["ML0501", "ML0502", "NE0301", None]),
    "distance_m": st.sampled_from([100.0, 2000.0, 9000.0]),
})


def records(herds):
    return [{
        "id": f"o{i}", "flow_point": h["flow_point"], "observed_at": START + timedelta(days=h["day"], hours=h["hour"]),
        "cattle": h["cattle"], "goats": h["goats"], "movement": h["movement"], "origin": h["origin"],
        "distance_m": h["distance_m"], "lon": 0.0, "lat": 14.9,
    } for i, h in enumerate(herds)]


CAL = (CalendarEntry(None, "ML", "descent", "10-15", "01-31", date(2000, 1, 1)),
       CalendarEntry(None, "ML", "return", "05-01", "07-15", date(2000, 1, 1)))


def snap(recs) -> Snapshot:
    return Snapshot(observations_from_records(recs, CORRIDORS, POINTS), CORRIDORS, POINTS, CAL, ())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(herd, min_size=1, max_size=80), st.integers(1, 400))
def test_replaying_the_same_observations_creates_no_new_alert(herds, cut):
    recs = records(herds)
    now = START + timedelta(days=430)
    middle = START + timedelta(days=cut)
    # the live engine: one run up to the middle, one run after it
    first = merge(evaluate(snap([r for r in recs if r["observed_at"] <= middle]), RULES, now=middle), [])
    live = merge(evaluate(snap(recs), RULES, now=now, since=middle), first.alerts)
    # a full replay of everything from the start
    replay = merge(evaluate(snap(recs), RULES, now=now), live.alerts)
    assert [c for c in replay.changes if c.event == "created"] == []
    # and the same run twice is no change at all
    again = merge(evaluate(snap(recs), RULES, now=now, since=middle), live.alerts)
    assert again.changes == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(herd, min_size=1, max_size=80), st.data())
def test_lowering_counts_never_creates_a_mass_alert(herds, data):
    recs = records(herds)
    now = START + timedelta(days=430)
    before = {f.dedup_key for f in evaluate(snap(recs), MASS_ONLY, now=now)}
    # lower some herds of one window (the windows of later days keep their own baselines)
    day = data.draw(st.sampled_from(sorted({h["day"] for h in herds})))
    lowered = []
    for r in recs:
        if (r["observed_at"] - START).days == day:
            frac = data.draw(st.floats(0, 1))
            r = {**r, "cattle": int(r["cattle"] * frac), "goats": int(r["goats"] * frac)}
        lowered.append(r)
    window = (START + timedelta(days=day)).strftime("%Y-%m-%dT00:00Z")
    after = {f.dedup_key for f in evaluate(snap(lowered), MASS_ONLY, now=now) if f.dedup_key.endswith(window)}
    assert after <= before


@settings(max_examples=80, deadline=None)
@given(
    st.integers(1, 12), st.integers(1, 28), st.integers(1, 12), st.integers(1, 28),
    st.sampled_from(["descent", "return"]), st.integers(2023, 2027), st.data(),
)
def test_shifting_a_movement_inside_its_window_never_makes_it_early_or_late(om, od, cm, cd, direction, year, data):
    entry = CalendarEntry(None, "ML", direction, f"{om:02d}-{od:02d}", f"{cm:02d}-{cd:02d}", date(2000, 1, 1))
    opened, closed = entry.window.occurrence(year)
    span = (closed - opened).days
    when = opened + timedelta(days=data.draw(st.integers(0, max(span, 0))))
    rec = {"id": "x", "flow_point": "P1", "observed_at": datetime(when.year, when.month, when.day, 12, tzinfo=UTC),
           "movement": direction, "cattle": 50}
    s = Snapshot(observations_from_records([rec], CORRIDORS, POINTS), CORRIDORS, POINTS, (entry,), ())
    found = evaluate(s, RULES, now=datetime(year + 2, 1, 1, tzinfo=UTC))
    assert not [f for f in found if f.type in ("early", "late")]
