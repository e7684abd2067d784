"""What a time-based hazard check has to load: only what a new, changed or starting hazard
needs, so the scheduler's memory follows the hazards that moved, not the volume of recent
observations.

Every upload's run already judges its herds against every hazard (the hazard rules are
among the recent-row rules of ``alerts.runner.incremental``), and a hazard judged once with every
herd of its lookback needs no second look until it changes. So a check looks at hazards
written since the last check, or starting since then (``repository.hazards_to_check``), and
at the herds they can concern: those on a corridor whose buffer the hazard touches (the
``corridor`` check) and those within ``ahead_km`` of it (the ``ahead`` check), in the
lookback. With no such hazard, a check loads nothing.

A calendar window added or changed since the last check is looked at the same way: the
herds an upload's run judged under the old windows (those of the last ``recent_days``, on
the corridors and at the flow points the calendar governs) are judged again by the rules
that read the calendar (EARLY/LATE against it, out of season), so a window closing on herds
already counted raises its alert without a new observation.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import numpy as np

from alerts.alerts import repository as repo
from alerts.rules.config import Rule, RuleSet
from alerts.runner.incremental import recent_days
from ttt.geo import buffer_m

WRITE_MARGIN = timedelta(minutes=5)  # a hazard written by a transaction that committed late


@dataclass
class Needs:
    network: repo.Network  # with only the hazards to check
    corridor_ids: list[int]
    observation_ids: list[str]


def needs(session, network: repo.Network, hazard_rules: list[Rule], since: datetime, now: datetime,
          load_from: datetime) -> Needs | None:
    """The hazards to check and the herds they concern, or None when there is nothing to do."""
    ids = set(repo.hazards_to_check(session, since, now, WRITE_MARGIN))
    hazards = tuple(h for h in network.hazards if h.id in ids)
    if not hazards:
        return None
    corridor_rules = [r for r in hazard_rules if r.params["check"] == "corridor"]
    ahead_m = max((r.params["ahead_km"] * 1000.0 for r in hazard_rules if r.params["check"] == "ahead"), default=0.0)
    by_index = {i: db for db, i in network.corridor_index.items()}
    corridors: set[int] = set()
    for ci, c in enumerate(network.corridors):
        if c.geometry is None or not corridor_rules:
            continue
        widths = {r.params["buffer_m"] if r.params["buffer_m"] is not None else c.tolerance_m for r in corridor_rules}
        zone = buffer_m(c.geometry, max(widths))
        if any(zone.intersects(h.geometry) for h in hazards):
            corridors.add(by_index[ci])
    boxes = [_box_around(h.geometry.bounds, ahead_m) for h in hazards] if ahead_m else []
    near = repo.observation_ids_in_boxes(session, boxes, load_from, now)
    return Needs(replace(network, hazards=hazards), sorted(corridors), near)


def reads_calendar(rule: Rule) -> bool:
    """Whether a rule's judgement changes with the calendar windows."""
    p = rule.params
    return ((rule.type in ("early", "late") and p.get("against") == "calendar")
            or (rule.type == "unexpected" and p.get("check") == "out_of_season"))


@dataclass
class CalendarNeeds:
    corridor_ids: list[int]
    flow_point_ids: list[int]
    load_from: datetime


def calendar_needs(session, network: repo.Network, rules: RuleSet, since: datetime,
                   now: datetime) -> CalendarNeeds | None:
    """The places whose herds a calendar written since the last check can re-judge, or None
    when no calendar was written (or no rule reads the calendar)."""
    if not any(reads_calendar(r) for r in rules.rules):
        return None
    written = repo.calendars_written_since(session, since - WRITE_MARGIN)
    if not written:
        return None
    codes = {c for c, _ in written if c}
    countries = {k.upper() for _, k in written if k}
    corridors = {db for db, i in network.corridor_index.items()
                 if network.corridors[i].code in codes or set(network.corridors[i].countries) & countries}
    points = {db for db, i in network.fp_index.items()
              if (network.flow_points[i].country or "").upper() in countries
              or (network.flow_points[i].corridor >= 0 and network.corridors[network.flow_points[i].corridor].code in codes)}
    return CalendarNeeds(sorted(corridors), sorted(points), now - timedelta(days=recent_days(rules)))


def _box_around(bounds: tuple[float, float, float, float], metres: float) -> tuple[float, float, float, float]:
    """A lon/lat box holding every point within ``metres`` of the bounds (as the rule's own
    cheap box: a degree of latitude is at least ~110 km; of longitude, ~111 km x cos(lat))."""
    minx, miny, maxx, maxy = bounds
    dlat = metres / 110_000.0 + 0.01
    dlon = metres / (111_320.0 * max(np.cos(np.radians(min(max(abs(miny), abs(maxy)) + dlat, 89.0))), 0.25)) + 0.01
    return minx - dlon, miny - dlat, maxx + dlon, maxy + dlat
