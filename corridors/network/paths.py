"""From pgRouting's path rows to a route people can read (pure: shapely only).

A path row says: leave ``node`` along ``edge``; the next row's node is where that edge is
left. Nodes -1 and -2 are the start and end points, which lie part-way along an edge
(``fraction`` 0..1 from the edge's source). Each step thus covers part of an edge, from one
position on it to another.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from shapely.geometry import LineString
from shapely.ops import substring

from corridors.network.costs import EdgeInfo

MIN_STRETCH_M = 50.0  # a corridor touched for less than this (at a junction) is not "taken"


@dataclass(frozen=True)
class Step:
    edge: int
    start: float  # position on the edge, 0 = its source, 1 = its target
    end: float

    @property
    def forward(self) -> bool:
        return self.end >= self.start


@dataclass
class Path:
    steps: list[Step]
    cost: float
    length_m: float = 0.0
    geometry: LineString | None = None
    corridors: list[str] = field(default_factory=list)  # in order, each once per stretch
    corridor_m: dict[str, float] = field(default_factory=dict)
    points: list[dict[str, Any]] = field(default_factory=list)  # attached points met, in order


def split_paths(rows: Sequence[Mapping[str, Any]]) -> list[list[Mapping[str, Any]]]:
    out: dict[int, list[Mapping[str, Any]]] = {}
    for r in rows:
        out.setdefault(int(r["path_id"]), []).append(r)
    return [sorted(v, key=lambda r: r["path_seq"]) for _, v in sorted(out.items())]


def steps_of(rows: Sequence[Mapping[str, Any]], edges: Mapping[int, EdgeInfo],
             start: tuple[int, float], end: tuple[int, float]) -> list[Step]:
    def position(node: int, edge: EdgeInfo) -> float:
        if node == -1 and start[0] == edge.id:
            return start[1]
        if node == -2 and end[0] == edge.id:
            return end[1]
        return 0.0 if node == edge.source else 1.0

    steps = []
    for row, nxt in zip(rows, rows[1:], strict=False):
        e = edges[int(row["edge"])]
        steps.append(Step(e.id, position(int(row["node"]), e), position(int(nxt["node"]), e)))
    return steps


def describe_path(steps: Sequence[Step], cost: float, edges: Mapping[int, EdgeInfo],
                  geometries: Mapping[int, LineString],
                  points_by_edge: Mapping[int, Sequence[Mapping[str, Any]]]) -> Path:
    """Length, geometry, corridors in order and points met along the steps."""
    path = Path(list(steps), cost)
    coords: list[tuple[float, float]] = []
    done = 0.0
    for step in steps:
        e = edges[step.edge]
        span = abs(step.end - step.start)
        length = span * e.length_m
        if span >= 1.0 - 1e-12:  # the whole edge, one way or the other
            piece = list(geometries[e.id].coords)
            piece = piece if step.forward else piece[::-1]
        else:
            piece = list(getattr(substring(geometries[e.id], step.start, step.end, normalized=True), "coords", []))
        for c in piece:
            if not coords or coords[-1] != tuple(c[:2]):
                coords.append(tuple(c[:2]))
        if e.corridor is not None and length > MIN_STRETCH_M:
            if not path.corridors or path.corridors[-1] != e.corridor:
                path.corridors.append(e.corridor)
            path.corridor_m[e.corridor] = path.corridor_m.get(e.corridor, 0.0) + length
        lo, hi = sorted((step.start, step.end))
        met = [p for p in points_by_edge.get(e.id, ()) if lo - 1e-9 <= p["fraction"] <= hi + 1e-9]
        for p in sorted(met, key=lambda p: abs(p["fraction"] - step.start)):
            if not any(q["kind"] == p["kind"] and q["code"] == p["code"] for q in path.points):
                path.points.append({**p, "at_m": done + abs(p["fraction"] - step.start) * e.length_m})
        done += length
    path.length_m = done
    if len(coords) >= 2:
        path.geometry = LineString(coords)
    return path


__all__ = ["Path", "Step", "describe_path", "split_paths", "steps_of"]
