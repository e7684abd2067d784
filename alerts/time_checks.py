"""What a time-based hazard check has to load: only what a new, changed or starting hazard
needs, so the scheduler's memory follows the hazards that moved, not the volume of recent
observations.

Every upload's run already judges its herds against every hazard (the hazard rules are
among the recent-row rules of ``alerts.incremental``), and a hazard judged once with every
herd of its lookback needs no second look until it changes. So a check looks at hazards
written since the last check, or starting since then (``repository.hazards_to_check``), and
at the herds they can concern: those on a corridor whose buffer the hazard touches (the
``corridor`` check) and those within ``ahead_km`` of it (the ``ahead`` check), in the
lookback. With no such hazard, a check loads nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import numpy as np

from alerts.alerts import repository as repo
from alerts.rules.config import Rule
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


def _box_around(bounds: tuple[float, float, float, float], metres: float) -> tuple[float, float, float, float]:
    """A lon/lat box holding every point within ``metres`` of the bounds (as the rule's own
    cheap box: a degree of latitude is at least ~110 km; of longitude, ~111 km x cos(lat))."""
    minx, miny, maxx, maxy = bounds
    dlat = metres / 110_000.0 + 0.01
    dlon = metres / (111_320.0 * max(np.cos(np.radians(min(max(abs(miny), abs(maxy)) + dlat, 89.0))), 0.25)) + 0.01
    return minx - dlon, miny - dlat, maxx + dlon, maxy + dlat
