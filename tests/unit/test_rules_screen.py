"""The incremental run's screens never miss a place where a history rule fires: over
generated seasons, every finding of the exact evaluation (whole history) is at a place the
screens named from the recent rows and the daily counts alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point

from alerts.rules import screen, timegrid
from alerts.rules.config import parse_rules
from alerts.rules.context import Context
from alerts.rules.engine import evaluate
from alerts.rules.mass import baseline_spans, candidate_windows
from alerts.rules.model import SPECIES, Corridor, FlowPoint, Snapshot, observations_from_records
from alerts.runner.incremental import needs_history, recent_days

CORRIDORS = (Corridor("C1", LineString([(0, 15), (0, 14)]), countries=("ML",)),
             Corridor("C2", LineString([(1, 15), (1, 14)]), countries=("ML",)))
POINTS = (FlowPoint("P1", 0, "ML", location=Point(0, 14.9)), FlowPoint("P2", 0, "ML", location=Point(0, 14.5)),
          FlowPoint("P3", 1, "ML", location=Point(1, 14.5)))
START = datetime(2023, 8, 1, tzinfo=UTC)
TIMING = {"tolerance_days": 3, "min_observations": 4, "min_seasons": 1, "min_herds": 1}
RULES = parse_rules({"rules": [
    {"id": "mass_fp", "type": "mass", "params": {"floor": 150, "min_samples": 2, "trailing_days": 10}},
    {"id": "mass_c", "type": "mass", "params": {"level": "corridor", "floor": 250, "min_samples": 2}},
    {"id": "early_h", "type": "early", "params": {"against": "history", **TIMING}},
    {"id": "late_h", "type": "late", "params": {"against": "history", **TIMING}},
    {"id": "new_origin", "type": "unexpected", "params": {"check": "novel_origin", "min_history": 3}},
    {"id": "new_destination", "type": "unexpected", "params": {"check": "novel_destination", "min_history": 3}},
    {"id": "new_species", "type": "unexpected", "params": {"check": "novel_species", "min_history": 3}},
]})

herd = st.fixed_dictionaries({
    "flow_point": st.sampled_from(["P1", "P2", "P3"]),
    "day": st.one_of(st.integers(0, 1000), st.integers(60, 200).flatmap(lambda d: st.sampled_from([d, d + 365]))),
    "hour": st.integers(0, 23),
    "cattle": st.integers(0, 200),
    "camels": st.sampled_from([0, 0, 0, 5]),
    "movement": st.sampled_from(["descent", "return", "unknown"]),
    "origin": st.sampled_from(["A", "B", "C", None]),
    "destination": st.sampled_from(["X", "Y", None]),
})
# an upload: herds within a few days after `since` (hours after it)
upload = st.lists(st.fixed_dictionaries({**{k: v for k, v in herd.wrapped_strategy.mapping.items() if k != "day"},
                                         "after_hours": st.integers(0, 72)}), min_size=1, max_size=40)


def _records(herds):
    return [{"id": f"o{i}", "flow_point": h["flow_point"], "observed_at": START + timedelta(days=h["day"], hours=h["hour"]),
             "cattle": h["cattle"], "camels": h["camels"], "movement": h["movement"], "origin": h["origin"],
             "destination": h["destination"]} for i, h in enumerate(herds)]


def _point_days(recs, before: datetime) -> screen.PointDays:
    """What the daily rollups hold for these rows: herds and species per (day, point, direction)."""
    cells: dict[tuple[int, int, int], list[int]] = {}
    for r in recs:
        if r["observed_at"] >= before:
            continue
        key = (int(r["observed_at"].timestamp()) // 86400, [p.code for p in POINTS].index(r["flow_point"]),
               {"unknown": 0, "descent": 1, "return": 2}[r["movement"]])
        cell = cells.setdefault(key, [0, 0])
        cell[0] += 1
        cell[1] |= sum(1 << SPECIES.index(s) for s in ("cattle", "camels") if r.get(s, 0) > 0)
    keys = sorted(cells)
    return screen.PointDays(day=np.array([k[0] for k in keys], dtype=np.int64),
                            flow_point=np.array([k[1] for k in keys], dtype=np.int32),
                            movement=np.array([k[2] for k in keys], dtype=np.int8),
                            herds=np.array([cells[k][0] for k in keys], dtype=np.int64),
                            species=np.array([cells[k][1] for k in keys], dtype=np.int64))


def _season_start(season: int) -> datetime:
    return datetime.fromtimestamp(int(timegrid.season_start_s(season, RULES.season_start)), tz=UTC)


def _screened(recs, since: datetime, now: datetime) -> set[str]:
    cut = since - timedelta(days=recent_days(RULES))
    recent = [r for r in recs if r["observed_at"] >= cut]
    obs = observations_from_records(recent, CORRIDORS, POINTS)
    ctx = Context(Snapshot(obs, CORRIDORS, POINTS), RULES, int(now.timestamp()), int(since.timestamp()))
    if not ctx.in_range.any():
        return set()
    places: set[str] = set()
    for rule in RULES.rules:
        if rule.type == "mass":
            names = POINTS if rule.params["level"] == "flow_point" else CORRIDORS
            places |= {f"{rule.id}|{names[i].code}" for i in candidate_windows(ctx, rule)[0]}
    days = _point_days(recs, now + timedelta(days=1)).by_point(RULES.season_start)
    history = screen.earlier_herds(ctx, days)
    for rule in RULES.rules:
        if rule.type in ("early", "late"):
            found = screen.history_timing_points(ctx, rule, days)
        elif rule.params.get("check") == "novel_species":
            found = screen.novel_species_points(ctx, rule, days, history)
        elif rule.type == "unexpected":
            column = "origin" if rule.params["check"] == "novel_origin" else "destination"
            found = {fp for fp, value, season in screen.novel_value_pairs(ctx, rule, history)
                     if not any(r["flow_point"] == POINTS[fp].code and r[column] == value
                                and r["observed_at"] < _season_start(season) for r in recs)}
        else:
            continue
        places |= {f"{rule.id}|{POINTS[i].code}" for i in found}
    return places


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(herd, min_size=20, max_size=160), upload, upload, st.integers(730, 1090))
def test_history_rules_fire_only_where_the_screens_point(herds, batch, weeks_before, since_day):
    since = START + timedelta(days=since_day)
    now = since + timedelta(hours=73)
    recs = [r for r in _records(herds) if r["observed_at"] <= now]
    recs += [{**r, "id": f"u{i}", "observed_at": since + timedelta(hours=h["after_hours"], seconds=1)}
             for i, (r, h) in enumerate(zip(_records([{**h, "day": 0} for h in batch]), batch, strict=True))]
    # and herds in the two weeks before it (the trailing baseline of mass rules)
    recs += [{**r, "id": f"w{i}", "observed_at": since - timedelta(hours=5 * h["after_hours"] + 1)}
             for i, (r, h) in enumerate(zip(_records([{**h, "day": 0} for h in weeks_before]), weeks_before,
                                            strict=True))]
    snap = Snapshot(observations_from_records(recs, CORRIDORS, POINTS), CORRIDORS, POINTS)
    fired = evaluate(snap, RULES, now=now, since=since, only=needs_history)
    screened = _screened(recs, since, now)
    for f in fired:
        place = f.flow_point or f.corridor
        assert f"{f.rule}|{place}" in screened, (f.dedup_key, sorted(screened))
    # mass rules see the same baselines from the recent days and their baseline spans alone
    mass = [f for f in fired if f.type == "mass"]
    assert _told(_mass_from_spans(recs, since, now)) == _told(mass)


def _told(findings):
    return [(f.dedup_key, f.severity, f.evidence.as_dict()) for f in findings]


def _mass_from_spans(recs, since: datetime, now: datetime):
    cut = since - timedelta(days=recent_days(RULES))
    recent = [r for r in recs if r["observed_at"] >= cut]
    ctx = Context(Snapshot(observations_from_records(recent, CORRIDORS, POINTS), CORRIDORS, POINTS), RULES,
                  int(now.timestamp()), int(since.timestamp()))
    first = int(timegrid.season_year(np.array([np.datetime64(START.replace(tzinfo=None), "s")]), RULES.season_start)[0])
    spans = [s for rule in RULES.rules if rule.type == "mass"
             for s in baseline_spans(rule, candidate_windows(ctx, rule)[1], RULES.season_start, first)]
    kept = [r for r in recs if r["observed_at"] >= cut
            or any(a <= r["observed_at"].timestamp() <= b for a, b in spans)]
    snap = Snapshot(observations_from_records(kept, CORRIDORS, POINTS), CORRIDORS, POINTS)
    return evaluate(snap, RULES, now=now, since=since, only=lambda r: r.type == "mass")


def test_the_screens_do_leave_places_out():
    """A quiet upload at a point with a long ordinary history needs no history at all."""
    recs = [{"id": f"h{d}", "flow_point": "P1", "observed_at": START + timedelta(days=d, hours=8), "cattle": 20,
             "movement": "descent", "origin": "A", "destination": "X"} for d in range(60, 150)]
    recs += [{"id": f"s{d}", "flow_point": "P1", "observed_at": START + timedelta(days=365 + d, hours=8), "cattle": 20,
              "movement": "descent", "origin": "A", "destination": "X"} for d in range(60, 100)]
    since = START + timedelta(days=365 + 99)
    assert _screened(recs, since, since + timedelta(hours=12)) == set()
    # the same upload with a new origin, a camel and twenty days before the usual onset is screened in
    recs[-1] = {**recs[-1], "origin": "Z", "camels": 3}
    early = {**recs[-1], "id": "e", "observed_at": START + timedelta(days=365 + 30, hours=8)}
    places = _screened(recs + [early], START + timedelta(days=365 + 29), since + timedelta(hours=12))
    assert {"new_origin|P1", "new_species|P1", "early_h|P1"} <= places, places


def test_mass_baselines_reach_into_the_first_season_of_data():
    """The same time of an earlier season +- the tolerance may lie partly in the next season:
    a window on the last day of a season compares with the first days of the data, both when
    the whole history is loaded and when only the baseline spans are."""
    day0 = datetime(2024, 8, 1, 9, tzinfo=UTC)
    recs = [{"id": f"h{d}", "flow_point": "P1", "observed_at": day0 + timedelta(days=d), "cattle": 20,
             "movement": "descent"} for d in range(20)]
    since = datetime(2025, 7, 31, tzinfo=UTC)
    recs += [{"id": "big", "flow_point": "P1", "observed_at": since + timedelta(hours=9), "cattle": 400,
              "movement": "descent"}]
    now = since + timedelta(hours=12)
    snap = Snapshot(observations_from_records(recs, CORRIDORS, POINTS), CORRIDORS, POINTS)
    whole = evaluate(snap, RULES, now=now, since=since, only=lambda r: r.type == "mass")
    at_point = [f for f in whole if f.rule == "mass_fp"]
    assert len(at_point) == 1 and at_point[0].evidence.baseline["kind"] == "same_time_earlier_seasons"
    assert at_point[0].evidence.baseline["samples"] == 13  # 2024-08-01 .. 08-13: within 14 days of 2024-07-30
    assert _told(_mass_from_spans(recs, since, now)) == _told(whole)
