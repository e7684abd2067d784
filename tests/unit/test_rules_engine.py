"""Each rule against cases computed by hand (numbers in the comments)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from shapely.geometry import LineString, Point, box

from alerts.rules.config import load_rules, parse_rules
from alerts.rules.engine import evaluate
from alerts.rules.model import Corridor, FlowPoint, Hazard, Snapshot, observations_from_records
from corridors.calendars import CalendarEntry

# Corridor drawn in descent direction: north (15 N) to south (14 N) along 0 E.
C1 = Corridor("ML-C01", LineString([(0, 15), (0, 14)]), tolerance_m=5000, countries=("ML",))
C2 = Corridor("TG-C01", LineString([(1, 9), (1, 8)]), tolerance_m=5000, countries=("TG",))
FP1 = FlowPoint("ML05-FMP-01", corridor=0, country="ML", location=Point(0, 14.9))
FP2 = FlowPoint("ML05-FMP-02", corridor=0, country="ML", location=Point(0, 14.5))
FP3 = FlowPoint("TG-FMP-01", corridor=1, country="TG", location=Point(1, 8.5))
CORRIDORS = (C1, C2)
POINTS = (FP1, FP2, FP3)


SINCE = datetime(2025, 8, 1, tzinfo=UTC)  # the season under test; earlier data is history


def at(y: int, m: int, d: int, h: int = 10) -> datetime:
    return datetime(y, m, d, h, tzinfo=UTC)


def snap(records, *, calendars=(), hazards=(), corridors=CORRIDORS, points=POINTS) -> Snapshot:
    recs = []
    for i, r in enumerate(records):
        r = dict(r)
        r.setdefault("id", f"o{i}")
        r.setdefault("flow_point", "ML05-FMP-01")
        recs.append(r)
    obs = observations_from_records(recs, corridors, points)
    return Snapshot(obs, tuple(corridors), tuple(points), tuple(calendars), tuple(hazards))


def ruleset(*rules, **defaults):
    return parse_rules({"defaults": defaults or {}, "rules": list(rules)})


def mass_rule(**params):
    base = {"level": "flow_point", "measure": "animals", "floor": 500, "k": 3, "min_samples": 5}
    base.update(params)
    return {"id": "mass", "type": "mass", "params": base,
            "severity": {"on": "ratio", "levels": {"moderate": 1, "severe": 1.5, "extreme": 3}}}


# --- MASS ---------------------------------------------------------------------------------

HISTORY_2024 = [900, 1000, 1100, 1000, 1000, 950, 1050, 1000, 1200, 800]  # 2024-10-01 .. 10-10


def history_records():
    return [{"observed_at": at(2024, 10, 1 + i), "cattle": v} for i, v in enumerate(HISTORY_2024)]


def test_mass_against_same_time_of_earlier_season():
    # median 1000; |dev| sorted 0,0,0,0,50,50,100,100,200,200 -> MAD 50; scaled 74.13
    # threshold = max(500, 1000 + 3 * 74.13) = 1222.39
    rules = ruleset(mass_rule())
    over = snap(history_records() + [{"id": "x", "observed_at": at(2025, 10, 10), "cattle": 1300}])
    (f,) = evaluate(over, rules, now=at(2025, 10, 11), since=SINCE)
    assert f.type == "mass" and f.flow_point == "ML05-FMP-01" and f.corridor == "ML-C01"
    assert f.evidence.observed == 1300
    assert f.evidence.threshold == pytest.approx(1222.39, abs=0.01)
    assert f.evidence.baseline["kind"] == "same_time_earlier_seasons"
    assert f.evidence.baseline["median"] == 1000 and f.evidence.baseline["samples"] == 10
    assert f.evidence.observations == ("x",)
    assert f.severity == "moderate"  # 1300 / 1222 = 1.06
    assert f.dedup_key == "mass|fp:ML05-FMP-01|2025-10-10T00:00Z"
    assert f.window_start == at(2025, 10, 10, 0) and f.window_end == at(2025, 10, 11, 0)
    assert "1 300" in f.headline["en"] and "Mouvement massif" in f.headline["fr"]
    assert f.geometry.equals(FP1.location)

    under = snap(history_records() + [{"observed_at": at(2025, 10, 10), "cattle": 1200}])
    assert evaluate(under, rules, now=at(2025, 10, 11), since=SINCE) == []


def test_mass_sums_every_herd_of_the_window_and_uses_severity_ratio():
    rules = ruleset(mass_rule())
    recs = history_records() + [
        {"id": "a", "observed_at": at(2025, 10, 10, 8), "cattle": 1000, "sheep": 500},
        {"id": "b", "observed_at": at(2025, 10, 10, 16), "goats": 500},
        {"id": "c", "observed_at": at(2025, 10, 11, 1), "goats": 5000},  # next day: its own window
    ]
    found = {f.window_start.day: f for f in evaluate(snap(recs), rules, now=at(2025, 10, 12), since=SINCE)}
    assert found[10].evidence.observed == 2000 and found[10].evidence.observations == ("a", "b")
    assert found[10].severity == "severe"  # 2000 / 1222 = 1.64
    assert found[11].severity == "extreme"  # 5000 / 1222 = 4.1


def test_mass_falls_back_to_trailing_days_then_to_the_floor():
    rules = ruleset(mass_rule())
    trailing = [{"observed_at": at(2025, 9, 20 + i), "cattle": 100} for i in range(5)]
    # median 100, MAD 0 -> threshold = max(floor 500, 100) = 500
    (f,) = evaluate(snap(trailing + [{"observed_at": at(2025, 10, 10), "cattle": 600}]), rules, now=at(2025, 10, 11), since=SINCE)
    assert f.evidence.baseline["kind"] == "trailing_days" and f.evidence.threshold == 500
    # days older than 28 days before the window are not in the trailing baseline
    old = [{"observed_at": at(2025, 8, 20 + i), "cattle": 100} for i in range(5)]
    (g,) = evaluate(snap(old + [{"observed_at": at(2025, 10, 10), "cattle": 600}]), rules, now=at(2025, 10, 11), since=SINCE)
    assert g.evidence.baseline["kind"] == "none" and g.evidence.threshold == 500
    assert evaluate(snap([{"observed_at": at(2025, 10, 10), "cattle": 499}]), rules, now=at(2025, 10, 11), since=SINCE) == []


def test_mass_baseline_never_uses_the_future():
    rules = ruleset(mass_rule())
    # a huge day after the tested window must not change its baseline (backtest honesty)
    recs = [{"observed_at": at(2025, 9, 20 + i), "cattle": 100} for i in range(5)]
    recs += [{"observed_at": at(2025, 10, 10), "cattle": 600}, {"observed_at": at(2025, 10, 12), "cattle": 90000}]
    found = evaluate(snap(recs), rules, now=at(2025, 10, 13), since=SINCE)
    assert {f.window_start.day for f in found} == {10, 12}


def test_mass_at_corridor_level_in_tlu_leaves_out_herds_already_counted():
    rule = mass_rule(level="corridor", measure="tlu", floor=600)
    rule["id"] = "mass_c"
    recs = [
        {"id": "a", "flow_point": "ML05-FMP-01", "observed_at": at(2025, 10, 10), "cattle": 500},  # 350 TLU
        {"id": "b", "flow_point": "ML05-FMP-02", "observed_at": at(2025, 10, 10), "camels": 300},  # 300 TLU
        {"id": "c", "flow_point": "ML05-FMP-02", "observed_at": at(2025, 10, 10), "cattle": 900, "already_counted": True},
    ]
    (f,) = evaluate(snap(recs), ruleset(rule), now=at(2025, 10, 11))
    assert f.corridor == "ML-C01" and f.flow_point is None
    assert f.evidence.observed == 650 and set(f.evidence.observations) == {"a", "b"}
    assert "TLU" in f.headline["en"] and "UBT" in f.headline["fr"]


def test_mass_findings_only_for_windows_in_the_evaluated_range():
    rules = ruleset(mass_rule())
    recs = [{"observed_at": at(2025, 10, d), "cattle": 900} for d in (1, 5)]
    found = evaluate(snap(recs), rules, now=at(2025, 10, 6), since=at(2025, 10, 3))
    assert [f.window_start.day for f in found] == [5]


def test_national_quota_is_season_to_date():
    rule = {"id": "quota_tg", "type": "mass", "scope": "country:TG",
            "params": {"level": "country", "species": ["cattle"], "quota": 50000},
            "severity": {"on": "ratio", "levels": {"severe": 1.0, "extreme": 1.5}}}  # 60k/50k = 1.2
    recs = [{"id": f"t{i}", "flow_point": "TG-FMP-01", "observed_at": at(2026, 2, 1 + i), "cattle": 10000, "sheep": 999}
            for i in range(6)]
    recs.append({"id": "ml", "flow_point": "ML05-FMP-01", "observed_at": at(2026, 2, 1), "cattle": 90000})
    (f,) = evaluate(snap(recs), ruleset(rule), now=at(2026, 3, 1))
    # 6 x 10,000 cattle = 60,000 > 50,000, crossed by the 6th herd; Mali's herds are out of scope
    assert f.evidence.observed == 60000 and f.evidence.threshold == 50000
    assert f.evidence.baseline["crossed_at"].startswith("2026-02-06")
    assert f.dedup_key == "quota_tg|country:TG|season:2025" and f.severity == "severe"
    assert evaluate(snap(recs[:5]), ruleset(rule), now=at(2026, 3, 1)) == []


# --- EARLY / LATE -------------------------------------------------------------------------

CAL = (
    CalendarEntry(None, "ML", "descent", "10-15", "01-31", date(2000, 1, 1), "test"),
    CalendarEntry(None, "ML", "return", "05-01", "07-15", date(2000, 1, 1), "test"),
)
TIMING = [
    {"id": "early_calendar", "type": "early", "params": {"against": "calendar", "tolerance_days": 7, "near_days": 60},
     "severity": {"on": "days", "levels": {"minor": 0, "moderate": 14, "severe": 30}}},
    {"id": "late_calendar", "type": "late", "params": {"against": "calendar", "tolerance_days": 7, "near_days": 60},
     "severity": {"on": "days", "levels": {"minor": 0, "moderate": 14, "severe": 30}}},
    {"id": "out_of_season", "type": "unexpected", "params": {"check": "out_of_season", "near_days": 60}},
]


def test_early_late_and_out_of_season_against_the_calendar():
    recs = [
        {"id": "early", "observed_at": at(2025, 9, 20), "movement": "descent", "cattle": 40},  # 25 days early
        {"id": "ok", "observed_at": at(2025, 10, 10), "movement": "descent", "cattle": 40},  # 5 days: tolerated
        {"id": "late", "observed_at": at(2025, 7, 30), "movement": "return", "cattle": 40},  # 15 days late
        {"id": "off", "observed_at": at(2025, 7, 1), "movement": "descent", "cattle": 40},  # 106 days before opening
        {"id": "unk", "observed_at": at(2025, 7, 1), "movement": "unknown", "cattle": 40},
    ]
    found = {f.rule: f for f in evaluate(snap(recs, calendars=CAL), ruleset(*TIMING), now=at(2025, 10, 11))}
    assert set(found) == {"early_calendar", "late_calendar", "out_of_season"}
    e = found["early_calendar"]
    assert e.evidence.observations == ("early",) and e.evidence.observed["max_days"] == 25
    assert e.evidence.baseline == {"kind": "calendar", "opens": "2025-10-15", "closes": "2026-01-31"}
    assert e.severity == "moderate" and e.dedup_key == "early_calendar|fp:ML05-FMP-01|descent:2025-10-15"
    assert "Early descent" in e.headline["en"] and "Descente précoce" in e.headline["fr"]
    assert found["late_calendar"].evidence.observations == ("late",)
    assert found["late_calendar"].evidence.observed["max_days"] == 15
    assert found["out_of_season"].evidence.observations == ("off",)


def test_no_calendar_means_no_timing_judgement():
    recs = [{"observed_at": at(2025, 7, 1), "movement": "descent", "cattle": 40}]
    assert evaluate(snap(recs), ruleset(*TIMING), now=at(2025, 10, 11)) == []


def test_early_and_late_against_the_history_of_the_point():
    rules = ruleset(
        {"id": "early_h", "type": "early", "params": {"against": "history", "tolerance_days": 14, "min_observations": 20}},
        {"id": "late_h", "type": "late", "params": {"against": "history", "tolerance_days": 14, "min_observations": 20}},
    )
    # 2024 season: 31 descent herds, one a day from 2024-10-01 (day 61 of the season) to 10-31 (day 91)
    hist = [{"observed_at": datetime(2024, 10, 1, 0, tzinfo=UTC) + timedelta(days=i), "movement": "descent", "cattle": 10}
            for i in range(31)]
    early = [{"id": f"e{i}", "observed_at": datetime(2025, 8, 31 + i, 0, tzinfo=UTC) if i == 0 else
              datetime(2025, 9, i, 0, tzinfo=UTC), "movement": "descent", "cattle": 10} for i in range(3)]  # days 30-32
    normal = [{"id": "n", "observed_at": datetime(2025, 10, 5, 0, tzinfo=UTC), "movement": "descent", "cattle": 10}]
    late = [{"id": f"l{i}", "observed_at": datetime(2025, 12, 1 + i, 0, tzinfo=UTC), "movement": "descent", "cattle": 10}
            for i in range(3)]  # days 122-124
    found = {f.rule: f for f in evaluate(snap(hist + early + normal + late), rules, now=at(2025, 12, 5), since=SINCE)}
    # onset = 5th percentile of days 61..91 = 62.5; days 30-32 are 30.5-32.5 days early (> 14);
    # the usual early tail is 5% of a 31-herd season = 1.55 herds, so the 3 herds (min_herds) fire
    e = found["early_h"]
    assert e.evidence.observations == ("e0", "e1", "e2") and e.evidence.observed["max_days"] == 32.5
    assert e.evidence.baseline["onset_day"] == 62.5 and e.evidence.baseline["usual_date"] == "2025-10-02"
    assert e.evidence.baseline["typical_season_herds"] == 31 and e.evidence.threshold["herds_beyond"] == 3
    assert e.dedup_key == "early_h|fp:ML05-FMP-01|descent:season2025"
    # end = 95th percentile = 89.5; days 122-124 are 32.5-34.5 days late
    assert found["late_h"].evidence.observations == ("l0", "l1", "l2")
    # two herds beyond the onset are the ordinary tail: nothing
    assert "early_h" not in {f.rule for f in evaluate(snap(hist + early[:2]), rules, now=at(2025, 12, 5), since=SINCE)}
    # the same herds with no earlier season: no history, nothing to say
    assert evaluate(snap(early + normal + late), rules, now=at(2025, 12, 5)) == []


def test_a_return_herd_just_after_the_season_boundary_is_late_not_early():
    rules = ruleset(
        {"id": "early_h", "type": "early", "params": {"against": "history", "min_observations": 20}},
        {"id": "late_h", "type": "late", "params": {"against": "history", "min_observations": 20}},
    )
    # return herds May 1 - June 30 2025 (season 2024), then four on 5-8 August 2025 (season 2025 by the
    # calendar); the usual tail is 5% of 61 herds = 3.05, so four herds beyond the end fire
    hist = [{"observed_at": datetime(2025, 5, 1, tzinfo=UTC) + timedelta(days=i), "movement": "return", "cattle": 10}
            for i in range(61)]
    tail = [{"id": f"t{i}", "observed_at": datetime(2025, 8, 5 + i, tzinfo=UTC), "movement": "return", "cattle": 10}
            for i in range(4)]
    found = {f.rule: f for f in evaluate(snap(hist + tail), rules, now=at(2025, 8, 9), since=SINCE)}
    assert set(found) == {"late_h"} and found["late_h"].evidence.observations == ("t0", "t1", "t2", "t3")
    # end = 95th percentile of days 273..333 = 330; 5 August (day 4) is 4 + 365.25 - 330 = 39 days late
    assert found["late_h"].evidence.observed["max_days"] == 42.25


# --- UNEXPECTED ---------------------------------------------------------------------------


def test_off_corridor_beyond_tolerance_grouped_by_place_and_day():
    rules = ruleset({"id": "off", "type": "unexpected", "params": {"check": "off_corridor"},
                     "severity": {"on": "animals", "levels": {"minor": 0, "moderate": 500}}})
    recs = [
        {"id": "far", "observed_at": at(2025, 10, 1), "distance_m": 8000, "cattle": 300, "lon": 0.07, "lat": 14.9},
        {"id": "flag", "observed_at": at(2025, 10, 1, 14), "off_corridor": True, "cattle": 300, "lon": 0.1, "lat": 14.9},
        {"id": "near", "observed_at": at(2025, 10, 1), "distance_m": 3000, "cattle": 300},
    ]
    (f,) = evaluate(snap(recs), rules, now=at(2025, 10, 2))
    assert set(f.evidence.observations) == {"far", "flag"}
    assert f.evidence.observed["max_distance_m"] == 8000 and f.evidence.threshold == {"tolerance_m": 5000}
    assert f.severity == "moderate" and f.geometry.geom_type == "MultiPoint"


def test_closed_flow_point_and_closed_corridor():
    rules = ruleset({"id": "closed", "type": "unexpected", "params": {"check": "closed"}})
    closed_fp = FlowPoint("ML05-FMP-09", corridor=0, country="ML", active=False)
    closed_c = Corridor("ML-C09", LineString([(2, 15), (2, 14)]), status="closed", countries=("ML",))
    recs = [
        {"id": "a", "flow_point": "ML05-FMP-09", "observed_at": at(2025, 10, 1), "cattle": 10},
        {"id": "b", "flow_point": None, "corridor": "ML-C09", "observed_at": at(2025, 10, 1), "cattle": 10},
        {"id": "c", "observed_at": at(2025, 10, 1), "cattle": 10},
    ]
    found = evaluate(snap(recs, corridors=(C1, closed_c), points=(FP1, closed_fp)), rules, now=at(2025, 10, 2))
    assert {(f.flow_point, f.corridor, f.evidence.observations) for f in found} == {
        ("ML05-FMP-09", "ML-C01", ("a",)), (None, "ML-C09", ("b",))}


def test_origin_destination_and_species_never_seen_in_earlier_seasons():
    rules = ruleset(
        {"id": "orig", "type": "unexpected", "params": {"check": "novel_origin", "min_history": 20}},
        {"id": "dest", "type": "unexpected", "params": {"check": "novel_destination", "min_history": 20}},
        {"id": "spec", "type": "unexpected", "params": {"check": "novel_species", "min_history": 20}},
    )
    hist = [{"observed_at": at(2024, 10, 1) + timedelta(days=i), "origin": "ML0501", "destination": "BF01",
             "cattle": 20} for i in range(20)]
    recs = hist + [
        {"id": "same", "observed_at": at(2025, 10, 1), "origin": "ML0501", "destination": "BF01", "cattle": 20},
        {"id": "new", "observed_at": at(2025, 10, 2), "origin": "NE0301", "destination": "BF01", "camels": 5, "cattle": 1},
        {"id": "new2", "observed_at": at(2025, 10, 3), "origin": "NE0301", "destination": "BF01", "cattle": 3},
    ]
    found = {f.rule: f for f in evaluate(snap(recs), rules, now=at(2025, 10, 4), since=at(2025, 8, 1))}
    assert set(found) == {"orig", "spec"}
    assert found["orig"].evidence.observations == ("new", "new2") and found["orig"].evidence.observed["value"] == "NE0301"
    assert found["orig"].dedup_key == "orig|fp:ML05-FMP-01|NE0301:season2025"
    assert found["spec"].evidence.observations == ("new",) and "camels" in found["spec"].headline["en"]
    assert "camelins" in found["spec"].headline["fr"]
    # a point with too little history (19 herds) is not judged
    assert evaluate(snap(hist[1:] + recs[20:]), rules, now=at(2025, 10, 4), since=at(2025, 8, 1)) == []


# --- HAZARD -------------------------------------------------------------------------------

HZ_RULES = [
    {"id": "hz_corridor", "type": "hazard", "params": {"check": "corridor", "lookback_days": 7},
     "severity": {"on": "animals", "levels": {"minor": 0, "moderate": 500, "severe": 5000, "extreme": 20000}}},
    {"id": "hz_ahead", "type": "hazard", "params": {"check": "ahead", "lookback_days": 3, "ahead_km": 50},
     "severity": {"on": "animals", "levels": {"minor": 0, "moderate": 500, "severe": 5000, "extreme": 20000}}},
]


def fire(lon=0.01, lat=14.6, severity="moderate", starts=at(2025, 10, 1), ends=None):
    return Hazard("h1", "bushfire", severity, box(lon - 0.02, lat - 0.02, lon + 0.02, lat + 0.02), starts, ends)


def test_hazard_on_a_corridor_that_carried_herds_recently():
    recs = [
        {"id": "recent", "observed_at": at(2025, 10, 2), "cattle": 6000},
        {"id": "old", "observed_at": at(2025, 9, 1), "cattle": 6000},
        {"id": "other", "flow_point": "TG-FMP-01", "observed_at": at(2025, 10, 2), "cattle": 6000},
    ]
    rules = ruleset(HZ_RULES[0])
    (f,) = evaluate(snap(recs, hazards=[fire()]), rules, now=at(2025, 10, 3))
    assert f.corridor == "ML-C01" and f.evidence.observations == ("recent",)
    assert f.severity == "severe"  # hazard moderate, 6,000 animals exposed -> severe
    assert f.dedup_key == "hz_corridor|hazard:h1|corridor:ML-C01|2025-10-01T10:00Z"
    assert "Bushfire" in f.headline["en"] and "Feu de brousse" in f.headline["fr"]
    # 0.3 degrees (~32 km) east of the corridor: outside its 5 km tolerance
    assert evaluate(snap(recs, hazards=[fire(lon=0.3)]), rules, now=at(2025, 10, 3)) == []
    # ended before the herds' lookback: nothing
    ended = fire(starts=at(2025, 8, 1), ends=at(2025, 8, 15))
    assert evaluate(snap(recs, hazards=[ended]), rules, now=at(2025, 10, 3)) == []
    # an extreme hazard stays extreme whatever the exposure
    (g,) = evaluate(snap(recs[:1], hazards=[fire(severity="extreme")]), rules, now=at(2025, 10, 3))
    assert g.severity == "extreme"


def test_hazard_ahead_along_heading_or_along_the_corridor():
    rules = ruleset(HZ_RULES[1])
    hz = [fire(lon=0.0, lat=14.6)]  # ~33 km south of FMP-01 (14.9 N)
    south = {"observed_at": at(2025, 10, 2), "lon": 0.0, "lat": 14.9, "cattle": 100}
    (f,) = evaluate(snap([{**south, "id": "s", "heading": 180}], hazards=hz), rules, now=at(2025, 10, 3))
    assert f.flow_point == "ML05-FMP-01" and f.evidence.observations == ("s",)
    assert evaluate(snap([{**south, "heading": 0}], hazards=hz), rules, now=at(2025, 10, 3)) == []
    # no heading: along the corridor, descent runs south (the way the line is drawn)
    (g,) = evaluate(snap([{**south, "id": "d", "movement": "descent"}], hazards=hz), rules, now=at(2025, 10, 3))
    assert g.evidence.observations == ("d",)
    assert evaluate(snap([{**south, "movement": "return"}], hazards=hz), rules, now=at(2025, 10, 3)) == []
    # further than 50 km ahead: nothing
    far = [fire(lon=0.0, lat=14.3)]  # ~66 km
    assert evaluate(snap([{**south, "heading": 180}], hazards=far), rules, now=at(2025, 10, 3)) == []


# --- scope and the shipped rule set -------------------------------------------------------


def test_scope_and_overrides():
    everywhere = mass_rule()
    strict = mass_rule(floor=100)
    strict.update(id="mass_tg", scope="country:TG", overrides=["mass"])
    rules = ruleset(everywhere, strict)
    recs = [{"flow_point": "TG-FMP-01", "observed_at": at(2025, 10, 1), "cattle": 200},
            {"flow_point": "ML05-FMP-01", "observed_at": at(2025, 10, 1), "cattle": 600}]
    found = {(f.rule, f.flow_point) for f in evaluate(snap(recs), rules, now=at(2025, 10, 2))}
    assert found == {("mass_tg", "TG-FMP-01"), ("mass", "ML05-FMP-01")}


def test_default_rules_run_on_a_mixed_day_and_every_finding_has_evidence():
    rules = load_rules()
    recs = history_records() + [
        {"observed_at": at(2025, 10, 10), "cattle": 9000, "movement": "descent", "distance_m": 9000,
         "lon": 0.08, "lat": 14.9, "heading": 180},
    ]
    found = evaluate(snap(recs, calendars=CAL, hazards=[fire()]), rules, now=at(2025, 10, 11), since=at(2025, 10, 1))
    types = {f.type for f in found}
    assert {"mass", "unexpected", "hazard"} <= types
    for f in found:
        assert f.evidence.rule_version == rules.version and f.evidence.observations
        assert f.headline["en"] and f.headline["fr"]
