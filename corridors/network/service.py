"""Use cases of the routable network: keep it built, show it, check it, and find routes.

The graph is rebuilt lazily: every call compares the version of the geodata it is built
from (``repository.geodata_version`` + the build parameters) with the version stored beside
the graph, and rebuilds in the caller's transaction when they differ (one builder at a time,
an advisory lock). Routing runs in PostgreSQL (``pgr_withPointsKSP``); Python only prepares
the costs of the day and the words.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import shapely
from shapely.geometry import LineString, Point
from sqlalchemy.orm import Session

from corridors.calendars import CalendarEntry
from corridors.network import repository as repo
from corridors.network.build import build_graph
from corridors.network.costs import (
    Blocker,
    EdgeInfo,
    blockers_on,
    calendar_blockers,
    edge_costs,
    unobstructed,
)
from corridors.network.params import RESOURCE_KINDS_COUNTED, RoutingParams, routing_params
from corridors.network.paths import Path, describe_path, split_paths, steps_of
from corridors.network.words import alternative_sentence, blocker_text
from ttt.errors import NotFound, TTTError, ValidationFailed
from ttt.geo import feature, feature_collection
from ttt.versioned import versioned

_LONLAT = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$")


@dataclass
class NetworkView:
    version: str
    edges: dict[int, EdgeInfo]
    geometries: dict[int, LineString]
    nodes: list[dict[str, Any]]
    points: list[dict[str, Any]]
    points_by_edge: dict[int, list[dict[str, Any]]]


@dataclass(frozen=True)
class Place:
    given: str
    label: str
    edge: int
    fraction: float

    def __post_init__(self) -> None:
        # pgRouting finds no path from a point exactly on a vertex (fraction 0 or 1): keep it
        # a hair inside the edge (a few millimetres)
        object.__setattr__(self, "fraction", min(max(float(self.fraction), 1e-6), 1.0 - 1e-6))


_views: dict = {}
_AT_NODE_M = 50.0  # a point this close to a junction is at the junction


class NoOpenRoute(TTTError):
    """Every way between two connected places is closed; ``blocking`` says by what."""

    code = "no_open_route"
    status = 422

    def __init__(self, detail: str, blocking: list[dict[str, Any]]):
        super().__init__(detail)
        self.blocking = blocking


def network(session: Session, params: RoutingParams | None = None) -> NetworkView:
    """The graph as stored, rebuilt first when the geodata changed since it was built."""
    params = params or routing_params()
    version = f"{repo.geodata_version(session)}|{params.snap_m}|{params.max_edge_km}|{params.attach_max_m}"
    if repo.stored_version(session) != version:
        repo.lock_build(session)
        if repo.stored_version(session) != version:
            graph = build_graph(repo.corridor_lines(session), params.snap_m, params.max_edge_km * 1000.0,
                                params.near_miss_m)
            repo.store_graph(session, graph, version, params.attach_max_m)
    url = session.get_bind().url.render_as_string(hide_password=True)
    return versioned(_views, url, version, lambda: _view(session, version))


def _view(session: Session, version: str) -> NetworkView:
    rows = repo.edges(session)
    edges = {r["id"]: EdgeInfo(r["id"], r["source"], r["target"], r["corridor_code"], float(r["length_m"]),
                               r["country"]) for r in rows}
    points = [dict(p) for p in repo.points(session)]
    by_edge: dict[int, list[dict[str, Any]]] = {}
    at_node: dict[int, list[int]] = {}
    for e in edges.values():
        at_node.setdefault(e.source, []).append(e.id)
        at_node.setdefault(e.target, []).append(e.id)
    for p in points:
        by_edge.setdefault(p["edge_id"], []).append(p)
        # a point at a junction is met by every way through it, not only along its own edge
        e = edges[p["edge_id"]]
        for node, near in ((e.source, p["fraction"] * e.length_m), (e.target, (1 - p["fraction"]) * e.length_m)):
            if near <= _AT_NODE_M:
                for other in at_node[node]:
                    if other != e.id:
                        o = edges[other]
                        by_edge.setdefault(other, []).append({**p, "edge_id": other,
                                                              "fraction": 0.0 if o.source == node else 1.0})
    return NetworkView(version, edges, {r["id"]: r["geometry"] for r in rows}, [dict(n) for n in repo.nodes(session)],
                       points, by_edge)


def graph_geojson(session: Session) -> dict[str, Any]:
    """Nodes and edges as one GeoJSON FeatureCollection (corridors are public)."""
    view = network(session)
    feats = [feature(Point(n["lon"], n["lat"]), {"type": "node", "id": n["id"], "degree": n["degree"],
                                                  "dangling": n["degree"] == 1}, f"node-{n['id']}")
             for n in view.nodes]
    for e in view.edges.values():
        feats.append(feature(view.geometries[e.id], {
            "type": "edge", "id": e.id, "source": e.source, "target": e.target, "corridor": e.corridor,
            "connector": e.corridor is None, "length_km": round(e.length_m / 1000.0, 3), "country": e.country,
            "flow_points": [p["code"] for p in view.points_by_edge.get(e.id, []) if p["kind"] == "flow_point"],
            "resources": [p["code"] for p in view.points_by_edge.get(e.id, []) if p["kind"] == "resource"],
        }, f"edge-{e.id}"))
    return feature_collection(feats, version=view.version)


def check(session: Session, params: RoutingParams | None = None) -> dict[str, Any]:
    """Dangling ends and near misses, for mappers to fix the corridors."""
    params = params or routing_params()
    graph = build_graph(repo.corridor_lines(session), params.snap_m, params.max_edge_km * 1000.0, params.near_miss_m)
    return {
        "nodes": len(graph.nodes), "edges": len(graph.edges), "snap_m": params.snap_m,
        "dangling": [{"lon": round(n.lon, 5), "lat": round(n.lat, 5),
                      "corridor": next((e.corridor for e in graph.edges if n.id in (e.source, e.target)), None)}
                     for n in graph.dangling()],
        "gaps": [{"corridors": [g.corridor_a, g.corridor_b], "lon": round(g.lon, 5), "lat": round(g.lat, 5),
                  "distance_m": round(g.distance_m), "joined": g.joined} for g in graph.gaps],
    }


# --- places ---------------------------------------------------------------------------------------


def resolve(session: Session, view: NetworkView, value: str, field: str, params: RoutingParams) -> Place:
    """A flow point code, a P-code area or ``lon,lat`` as a point on the network."""
    if not view.edges:
        raise NotFound("the corridor network is empty: no corridor is mapped yet")
    value = (value or "").strip()
    m = _LONLAT.match(value)
    if m:
        lon, lat = float(m.group(1)), float(m.group(2))
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise ValidationFailed([{"field": field, "message": f"{value!r}: expected lon,lat in degrees"}])
        return _located(session, value, f"the point {lon:g},{lat:g}", Point(lon, lat), field, params)
    fp = repo.flow_point(session, value)
    if fp is not None:
        label = f"{fp['name']} ({fp['code']})" if fp["name"] and fp["name"] != fp["code"] else fp["code"]
        if fp["edge_id"] is not None:
            return Place(value, label, int(fp["edge_id"]), float(fp["fraction"]))
        return _located(session, value, label, shapely.from_wkb(bytes(fp["wkb"])), field, params)
    area = repo.admin_area(session, value)
    if area is not None and area["wkb"] is not None:
        return _located(session, value, f"{area['name']} ({area['pcode']})", shapely.from_wkb(bytes(area["wkb"])),
                        field, params)
    raise ValidationFailed([{"field": field, "message": f"unknown place {value!r}: expected a flow point code, "
                                                        "a P-code of a mapped area or lon,lat"}])


def _located(session: Session, given: str, label: str, geom, field: str, params: RoutingParams) -> Place:
    hit = repo.locate(session, geom)
    if hit is None:
        raise NotFound("the corridor network is empty: no corridor is mapped yet")
    if hit["distance_m"] > params.attach_max_m:
        raise ValidationFailed([{"field": field, "message": f"{label} is {hit['distance_m'] / 1000:.0f} km from the "
                                 f"nearest corridor (at most {params.attach_max_m / 1000:.0f} km)"}])
    return Place(given, label, int(hit["edge_id"]), float(hit["fraction"]))


def corridor_ends(session: Session, view: NetworkView, corridor: str, flow_point: str | None,
                  params: RoutingParams) -> tuple[Place, Place] | None:
    """Where herds on ``corridor`` (at ``flow_point`` when given, else at its start) were
    going: the corridor's far end in its drawn (descent) direction, or its start when they
    already are at that end. None when the corridor is not on the network."""
    own = sorted(e.id for e in view.edges.values() if e.corridor == corridor)
    if not own:
        return None
    first, last = own[0], own[-1]
    start = Place(corridor, f"start of corridor {corridor}", first, 0.0)
    end = Place(corridor, f"end of corridor {corridor}", last, 1.0)
    if flow_point:
        try:
            here = resolve(session, view, flow_point, "flow_point", params)
        except (NotFound, ValidationFailed):
            here = None
        if here is not None:
            return (here, start) if here.edge == last else (here, end)
    return start, end


# --- the day's closures -------------------------------------------------------------------------


def closures(session: Session, view: NetworkView, at: datetime, params: RoutingParams
             ) -> tuple[dict[int, list[Blocker]], dict[int, list[Blocker]]]:
    """(closed, near): per edge id, what closes it and what slows it at ``at``."""
    closed: dict[int, list[Blocker]] = {}
    near: dict[int, list[Blocker]] = {}
    reach = max(params.penalty_buffer_m, params.hazard_buffer_m, params.conflict_buffer_m)
    found = [("hazard", r, params.hazard_buffer_m) for r in repo.hazards_near(session, at, params.hazard_kinds, reach)]
    found += [("conflict", r, params.conflict_buffer_m)
              for r in repo.conflicts_near(session, at, params.conflict_days, params.conflict_kinds, reach)]
    for kind, r, buffer in found:
        e = view.edges.get(r["edge_id"])
        if e is None:
            continue
        b = Blocker(kind, str(r["ref"]), "both", {"kind": r["kind"], "severity": r["severity"],
                                                   "corridor": e.corridor, "description": r["description"]})
        if r["distance_m"] <= buffer:
            closed.setdefault(e.id, []).append(b)
        elif r["distance_m"] <= params.penalty_buffer_m:
            near.setdefault(e.id, []).append(b)
    shut = repo.closed_corridors(session)
    for e in view.edges.values():
        if e.corridor in shut:
            closed.setdefault(e.id, []).append(Blocker("closed_corridor", e.corridor, "both", {"reason": shut[e.corridor]}))
    for p in view.points:
        if p["kind"] == "flow_point" and not p["active"]:
            closed.setdefault(p["edge_id"], []).append(Blocker("closed_flow_point", p["code"], "both", {}))
    entries = [CalendarEntry(c["corridor_code"], c["country"], c["direction"], c["opens"], c["closes"],
                             c["effective_from"], c["source"] or "") for c in repo.calendars(session)]
    info = repo.corridor_info(session)
    on: date = at.astimezone(UTC).date()
    cal = calendar_blockers(view.edges.values(), entries, {c: v["countries"] for c, v in info.items()}, on)
    for eid, bs in cal.items():
        closed.setdefault(eid, []).extend(bs)
    return closed, near


# --- routes ---------------------------------------------------------------------------------------


def _paths(session: Session, view: NetworkView, costs: Mapping[int, tuple[float, float]], a: Place, b: Place,
           k: int) -> list[Path]:
    repo.load_costs(session, {i: c for i, c in costs.items()
                              if c[0] != view.edges[i].length_m or c[1] != view.edges[i].length_m})
    rows = repo.ksp(session, (a.edge, a.fraction), (b.edge, b.fraction), k)
    out = []
    for path_rows in split_paths(rows):
        steps = steps_of(path_rows, view.edges, (a.edge, a.fraction), (b.edge, b.fraction))
        out.append(describe_path(steps, float(path_rows[-1]["agg_cost"]), view.edges, view.geometries,
                                 view.points_by_edge))
    return out


def _blocker_json(b: Blocker) -> dict[str, Any]:
    data = {"kind": b.kind, "ref": b.ref, "direction": b.direction, "detail": dict(b.detail)}
    return {**data, "text": {"en": blocker_text(data, "en"), "fr": blocker_text(data, "fr")}}


def find_routes(session: Session, frm: str, to: str, *, k: int = 3, at: datetime | None = None,
                species: str | None = None, params: RoutingParams | None = None) -> dict[str, Any]:
    """Up to ``k`` open routes, best first, as a GeoJSON FeatureCollection (see README)."""
    params = params or routing_params()
    errors = []
    if not 1 <= k <= params.max_k:
        errors.append({"field": "k", "message": f"expected 1 to {params.max_k}, got {k}"})
    species = species or params.default_species
    if species not in params.walking_km_per_day:
        errors.append({"field": "species", "message": f"expected one of {', '.join(params.walking_km_per_day)}"})
    if errors:
        raise ValidationFailed(errors)
    at = at or datetime.now(UTC)
    view = network(session, params)
    a = resolve(session, view, frm, "from", params)
    b = resolve(session, view, to, "to", params)
    if (a.edge, round(a.fraction, 6)) == (b.edge, round(b.fraction, 6)):
        raise ValidationFailed([{"field": "to", "message": f"{b.label} is where the route starts ({a.label})"}])
    return routes_between(session, view, a, b, k=k, at=at, species=species, params=params)


def routes_between(session: Session, view: NetworkView, a: Place, b: Place, *, k: int, at: datetime, species: str,
                   params: RoutingParams) -> dict[str, Any]:
    base = _paths(session, view, unobstructed(view.edges.values()), a, b, max(k, 3))
    if not base:
        raise NotFound(f"{a.label} and {b.label} are not connected by the corridor network "
                       "(see `ttt network check` for gaps between corridors)", code="no_route")
    closed, near = closures(session, view, at, params)
    for e in {a.edge, b.edge}:  # herds already stand where they start: the way out is slow, not shut
        if closed.get(e):
            near.setdefault(e, []).extend(closed.pop(e))
    found = _paths(session, view, edge_costs(view.edges.values(), closed, near, params.penalty_factor), a, b, k)
    # what closes the usual ways (the shortest few with nothing closed), shortest first
    blocking, seen = [], set()
    for usual in base:
        for x in blockers_on(((s.edge, s.forward) for s in usual.steps), closed):
            if x.key not in seen:
                seen.add(x.key)
                blocking.append(_blocker_json(x))
    if not found:
        raise NoOpenRoute(f"No open route from {a.label} to {b.label} on {at.date().isoformat()}: "
                          + ("; ".join(x["text"]["en"] for x in blocking) or "every way is closed"), blocking)
    kmd = params.walking_km_per_day[species]
    info = repo.corridor_info(session)
    shortest = base[0].length_m
    feats = []
    for rank, p in enumerate(found, start=1):
        feats.append(feature(p.geometry, _route_props(session, p, rank, shortest, kmd, species, blocking, closed, near,
                                                      info), f"route-{rank}"))
    return feature_collection(feats, unobstructed_km=round(shortest / 1000.0, 1), at=at.isoformat(),
                              species=species, walking_km_per_day=kmd, network_version=view.version,
                              **{"from": a.label, "to": b.label})


def _route_props(session: Session, p: Path, rank: int, shortest_m: float, kmd: float, species: str,
                 blocking: list[dict[str, Any]], closed, near, info) -> dict[str, Any]:
    km = p.length_m / 1000.0
    detour = (p.length_m - shortest_m) / 1000.0
    on_route = {(x.kind, x.ref) for x in blockers_on(((s.edge, s.forward) for s in p.steps), closed)}
    crossed = [_blocker_json(x) for x in blockers_on(((s.edge, s.forward) for s in p.steps), near)]
    resources = [{"code": r["code"], "name": r["name"], "kind": r["resource_kind"], "km_from_start": round(r["at_m"] / 1000, 1)}
                 for r in p.points if r["kind"] == "resource"]
    fps = [f["code"] for f in p.points if f["kind"] == "flow_point"]
    areas = repo.areas_crossed(session, p.geometry, fps) if p.geometry is not None else []
    countries = sorted({a["pcode"][:2].upper() for a in areas}
                       | {c for code in p.corridors for c in info.get(code, {}).get("countries", [])})
    props = {
        "rank": rank,
        "length_km": round(km, 1),
        "detour_km": round(max(detour, 0.0), 1),
        "detour_pct": round(100.0 * max(detour, 0.0) * 1000.0 / shortest_m, 1) if shortest_m > 0 else 0.0,
        "walking_days": round(km / kmd, 1),
        "extra_walking_days": round(max(detour, 0.0) / kmd, 1),
        "species": species,
        "corridors": p.corridors,
        "corridor_names": {c: info.get(c, {}).get("name") or c for c in p.corridors},
        "main_corridor": max(p.corridor_m, key=p.corridor_m.get) if p.corridor_m else None,
        "flow_points": [{"code": f["code"], "name": f["name"], "km_from_start": round(f["at_m"] / 1000, 1)}
                        for f in p.points if f["kind"] == "flow_point"],
        "resources": resources,
        "resources_count": {k: sum(1 for r in resources if r["kind"] == k) for k in RESOURCE_KINDS_COUNTED},
        "hazards_avoided": [b for b in blocking if (b["kind"], b["ref"]) not in on_route],
        "hazards_crossed": crossed,
        "areas": [{"pcode": a["pcode"], "name": a["name"], "level": a["level"]} for a in areas],
        "countries": countries,
    }
    props["text"] = {"en": alternative_sentence(props, "en"), "fr": alternative_sentence(props, "fr")}
    return props


__all__ = ["NetworkView", "NoOpenRoute", "Place", "check", "closures", "corridor_ends", "find_routes", "graph_geojson",
           "network", "resolve", "routes_between"]
