"""Costs of the day on a hand-drawn graph: closures per direction, penalties near them, and
the routing parameters of the rules file."""

from __future__ import annotations

from datetime import date

import pytest
import yaml

from alerts.rules.config import DEFAULT_RULES_FILE, parse_rules
from corridors.calendars import CalendarEntry
from corridors.network.costs import CLOSED, Blocker, EdgeInfo, blockers_on, calendar_blockers, edge_costs
from corridors.network.params import RoutingParams, parse_routing
from ttt.errors import ValidationFailed

EDGES = [EdgeInfo(1, 1, 2, "A", 1000.0, "TG"), EdgeInfo(2, 2, 3, "B", 2000.0, "BJ"), EdgeInfo(3, 3, 4, None, 50.0)]
TOGO = CalendarEntry(None, "TG", "descent", "01-31", "05-31", date(2020, 1, 1), "Togo")


def test_a_country_calendar_closes_only_its_direction_outside_its_window():
    closed = calendar_blockers(EDGES, [TOGO], {"A": ["TG"], "B": ["BJ"]}, date(2026, 1, 10))
    assert list(closed) == [1]
    (b,) = closed[1]
    assert (b.kind, b.ref, b.direction) == ("calendar", "A", "descent")
    costs = edge_costs(EDGES, closed, {}, 0.5)
    assert costs[1] == (CLOSED, 1000.0)  # descent closed, return open
    assert costs[2] == (2000.0, 2000.0)  # another country: no calendar, no closure
    # inside the window nothing is closed
    assert calendar_blockers(EDGES, [TOGO], {"A": ["TG"]}, date(2026, 3, 1)) == {}


def test_a_corridor_calendar_beats_the_country_one():
    own = CalendarEntry("A", None, "descent", "01-01", "12-31", date(2021, 1, 1), "corridor A all year")
    assert calendar_blockers(EDGES, [TOGO, own], {"A": ["TG"]}, date(2026, 1, 10)) == {}


def test_hazards_close_both_ways_and_slow_edges_near_them():
    fire = Blocker("hazard", "7", "both", {"kind": "bushfire"})
    costs = edge_costs(EDGES, {2: [fire]}, {1: [fire], 3: [fire]}, 0.5)
    assert costs[2] == (CLOSED, CLOSED)
    assert costs[1] == (1500.0, 1500.0)
    assert costs[3] == (75.0, 75.0)


def test_a_one_way_closure_is_met_only_going_that_way():
    cal = Blocker("calendar", "A", "descent")
    assert blockers_on([(1, True)], {1: [cal]}) == [cal]
    assert blockers_on([(1, False)], {1: [cal]}) == []


def test_the_shipped_rules_file_repeats_the_routing_defaults():
    with open(DEFAULT_RULES_FILE, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    assert parse_routing(data["routing"]) == RoutingParams()
    parse_rules(data)  # the rules parser accepts the section


def test_bad_routing_parameters_are_reported_with_their_place():
    with pytest.raises(ValidationFailed) as exc:
        parse_routing({"snap_m": -3, "walking_km_per_day": {"cattle": 0}, "colour": "red"})
    fields = {e["field"] for e in exc.value.errors}
    assert fields == {"routing.snap_m", "routing.walking_km_per_day.cattle", "routing.colour"}
