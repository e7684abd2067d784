"""Costs of the day and what a route passes (pure: no database, no web).

An edge's cost is its length in metres, times ``1 + penalty_factor`` when a closure lies
near it; it is -1 (pgRouting drops the edge) in a direction something closes: an active
hazard or a recent conflict within its buffer, a closed corridor or flow point (both
directions), or a calendar whose window for that direction does not hold the date.
Edges run in the corridor's drawn (descent) direction, so ``cost`` is descent and
``reverse_cost`` is return; connectors between corridors follow no calendar.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from corridors.calendars import DIRECTIONS, CalendarEntry, window_in_force

CLOSED = -1.0


@dataclass(frozen=True)
class Blocker:
    """Something that closes (or, near it, slows) the way."""

    kind: str  # hazard | conflict | closed_corridor | closed_flow_point | calendar
    ref: str  # hazard id, alert id, corridor code, flow point code, corridor code
    direction: str = "both"  # both | descent | return
    detail: Mapping[str, object] = field(default_factory=dict, compare=False, hash=False)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.kind, self.ref, self.direction)


@dataclass(frozen=True)
class EdgeInfo:
    id: int
    source: int
    target: int
    corridor: str | None
    length_m: float
    country: str | None = None


def calendar_blockers(
    edges: Iterable[EdgeInfo],
    entries: Sequence[CalendarEntry],
    corridor_countries: Mapping[str, Sequence[str]],
    on: date,
) -> dict[int, list[Blocker]]:
    """Edges a calendar closes in a direction on ``on``: the window in force for the
    corridor (else its country: the edge's own, else the corridor's countries) exists and
    does not hold the date. No calendar means no closure."""
    memo: dict[tuple[str, str | None, str], Blocker | None] = {}
    out: dict[int, list[Blocker]] = {}
    for e in edges:
        if e.corridor is None:
            continue
        countries = [e.country] if e.country else list(corridor_countries.get(e.corridor, ())) or [None]
        for direction in DIRECTIONS:
            for country in countries:
                key = (e.corridor, country, direction)
                if key not in memo:
                    window = window_in_force(entries, e.corridor, country, direction, on)
                    memo[key] = None if window is None or window.contains(on) else Blocker(
                        "calendar", e.corridor, direction,
                        {"opens": str(window.opens), "closes": str(window.closes), "country": country,
                         "source": window.entry.source if window.entry else ""})
                if memo[key] is not None:
                    out.setdefault(e.id, []).append(memo[key])
                    break
    return out


def edge_costs(
    edges: Iterable[EdgeInfo],
    closed: Mapping[int, Sequence[Blocker]],
    near: Mapping[int, Sequence[Blocker]],
    penalty_factor: float,
) -> dict[int, tuple[float, float]]:
    """(cost, reverse_cost) per edge id (see the module text)."""
    out = {}
    for e in edges:
        blockers = closed.get(e.id, ())
        factor = 1.0 + penalty_factor if near.get(e.id) else 1.0
        cost = e.length_m * factor
        forward = CLOSED if any(b.direction in ("both", "descent") for b in blockers) else cost
        reverse = CLOSED if any(b.direction in ("both", "return") for b in blockers) else cost
        out[e.id] = (forward, reverse)
    return out


def unobstructed(edges: Iterable[EdgeInfo]) -> dict[int, tuple[float, float]]:
    """Plain lengths both ways: the yardstick routes are compared with."""
    return {e.id: (e.length_m, e.length_m) for e in edges}


def blockers_on(path_edges: Iterable[tuple[int, bool]], by_edge: Mapping[int, Sequence[Blocker]]) -> list[Blocker]:
    """Distinct blockers met along (edge, forward) steps, in order; a one-way closure counts
    only in the direction it closes."""
    seen: dict[tuple, Blocker] = {}
    for edge, forward in path_edges:
        for b in by_edge.get(edge, ()):
            if b.direction == "both" or b.direction == ("descent" if forward else "return"):
                seen.setdefault(b.key, b)
    return list(seen.values())


__all__ = ["CLOSED", "Blocker", "EdgeInfo", "blockers_on", "calendar_blockers", "edge_costs", "unobstructed"]
