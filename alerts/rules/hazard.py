"""HAZARD: an active hazard where herds are, or ahead of them.

- ``corridor``: the hazard intersects a corridor's buffer (``buffer_m``, default the
  corridor's own tolerance) and herds used that corridor in the ``lookback_days`` before
  some moment the hazard was active. One finding per hazard and corridor.
- ``ahead``: the hazard lies within ``ahead_km`` ahead of herds along their heading
  (or, without a heading, along their corridor in their direction of movement: the line
  is drawn in descent direction). One finding per hazard and place.
Severity: the hazard's own severity, raised by the animals exposed (never lowered).
All distances in metres in the hazard's UTM zone (``ttt.geo``).
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import LineString
from shapely.ops import substring

from alerts.rules.config import Rule
from alerts.rules.context import Context, fmt_int, group_rows, label_day
from alerts.rules.model import DESCENT, RETURN, SEVERITIES, Finding, Hazard, to_dt64
from ttt.facts import corridor_place, fp_place
from ttt.geo import buffer_m, to_metric, transformer

KIND_FR = {"bushfire": "feu de brousse", "flood": "inondation", "drought": "sécheresse",
           "disease": "épizootie", "insecurity": "insécurité", "conflict": "conflit", "other": "danger"}
SEV_FR = {"minor": "mineur", "moderate": "modéré", "severe": "grave", "extreme": "extrême"}


def _active_rows(ctx: Context, h: Hazard, lookback_s: int) -> np.ndarray:
    """Rows observed in the lookback before some active moment of the hazard in (since, now]."""
    start = int(to_dt64(h.starts).astype(np.int64))
    end = min(int(to_dt64(h.ends).astype(np.int64)) if h.ends else ctx.now_s, ctx.now_s)
    if end < ctx.since_s or start > ctx.now_s or end < start:  # whole seconds: keep the boundary
        return np.zeros(len(ctx.obs), dtype=bool)
    t = ctx.t_s
    return ctx.known & (t >= start - lookback_s) & (t <= end) & (t + lookback_s > ctx.since_s)


def _severity(rule: Rule, h: Hazard, animals: float) -> str:
    exposure = rule.severity(animals)
    base = h.severity if h.severity in SEVERITIES else "moderate"
    return max(base, exposure, key=SEVERITIES.index)


def evaluate_hazard(ctx: Context, rule: Rule) -> list[Finding]:
    p = rule.params
    kinds = p["kinds"]
    lookback_s = int(p["lookback_days"] * 86_400)
    findings: list[Finding] = []
    scope = ctx.scope_mask(rule)
    for h in ctx.snapshot.hazards:
        if kinds is not None and h.kind not in kinds:
            continue
        active = _active_rows(ctx, h, lookback_s) & scope
        if not active.any():
            continue
        if p["check"] == "corridor":
            findings.extend(_on_corridor(ctx, rule, h, active))
        else:
            findings.extend(_ahead(ctx, rule, h, active))
    return findings


def _corridor_buffers(ctx: Context, buffer: float | None) -> list:
    cache = ctx.__dict__.setdefault("_buffers", {})
    if buffer not in cache:
        cache[buffer] = [
            buffer_m(c.geometry, buffer if buffer is not None else c.tolerance_m) if c.geometry is not None else None
            for c in ctx.snapshot.corridors
        ]
    return cache[buffer]


def _on_corridor(ctx: Context, rule: Rule, h: Hazard, active: np.ndarray) -> list[Finding]:
    out = []
    buffers = _corridor_buffers(ctx, rule.params["buffer_m"])
    for ci, buf in enumerate(buffers):
        if buf is None or not ctx.corridor_in_scope(rule, ci) or not buf.intersects(h.geometry):
            continue
        rows = np.flatnonzero(active & (ctx.obs.corridor == ci))
        if rows.size == 0:
            continue
        code = ctx.corridor_code(ci)
        out.append(_finding(ctx, rule, h, rows, place=corridor_place(code), corridor=code, flow_point=None,
                            where_en=f"on corridor {code}", where_fr=f"sur le corridor {code}",
                            geometry=h.geometry.intersection(buf)))
    return out


def _ahead(ctx: Context, rule: Rule, h: Hazard, active: np.ndarray) -> list[Finding]:
    obs = ctx.obs
    d_m = rule.params["ahead_km"] * 1000.0
    # a cheap box in degrees first (a degree is at least ~111 km of latitude and, below 75
    # degrees of latitude, ~28 km of longitude), then metres in the hazard's UTM zone
    minx, miny, maxx, maxy = h.geometry.bounds
    dlat = d_m / 110_000.0 + 0.01
    dlon = d_m / (111_320.0 * max(np.cos(np.radians(max(abs(miny), abs(maxy)) + dlat)), 0.25)) + 0.01
    rows = np.flatnonzero(active & (obs.lon >= minx - dlon) & (obs.lon <= maxx + dlon)
                          & (obs.lat >= miny - dlat) & (obs.lat <= maxy + dlat))
    if rows.size == 0:
        return []
    hz_m, epsg = to_metric(h.geometry)
    tr = transformer(4326, epsg)
    x, y = tr.transform(obs.lon[rows], obs.lat[rows])
    pts = shapely.points(x, y)
    near = shapely.distance(pts, hz_m) <= d_m
    rows, x, y, pts = rows[near], x[near], y[near], pts[near]
    if rows.size == 0:
        return []
    heading = obs.heading[rows]
    hit = np.zeros(rows.size, dtype=bool)
    has_heading = np.isfinite(heading)
    if has_heading.any():
        th = np.radians(heading[has_heading])
        xs, ys = x[has_heading], y[has_heading]
        coords = np.stack([np.column_stack([xs, ys]), np.column_stack([xs + d_m * np.sin(th), ys + d_m * np.cos(th)])], axis=1)
        rays = shapely.linestrings(coords)
        hit[has_heading] = shapely.intersects(rays, hz_m)
    for k in np.flatnonzero(~has_heading):
        ci = int(obs.corridor[rows[k]])
        mv = int(obs.movement[rows[k]])
        geom = ctx.corridor_geometry(ci)
        if geom is None or mv not in (DESCENT, RETURN) or geom.geom_type != "LineString":
            continue
        line = _metric_line(ctx, ci, epsg)
        s = line.project(pts[k])
        part = substring(line, s, s + d_m) if mv == DESCENT else substring(line, max(s - d_m, 0.0), s)
        hit[k] = part.intersects(hz_m) or pts[k].intersects(hz_m)
    rows = rows[hit]
    if rows.size == 0:
        return []
    nfp = len(ctx.snapshot.flow_points)
    place = np.where(obs.flow_point[rows] >= 0, obs.flow_point[rows],
                     np.where(obs.corridor[rows] >= 0, obs.corridor[rows] + nfp, -1))
    uniq, inv = np.unique(place, return_inverse=True)
    out = []
    for j, members in enumerate(group_rows(inv, len(uniq))):
        pl = int(uniq[j])
        sel = rows[members]
        if 0 <= pl < nfp:
            fp = ctx.fp_code(pl)
            corridor, key, en, fr = ctx.fp_corridor_code(pl), fp_place(fp), f"herds at {fp}", f"troupeaux à {fp}"
        elif pl >= nfp:
            fp, corridor = None, ctx.corridor_code(pl - nfp)
            key, en, fr = corridor_place(corridor), f"herds on corridor {corridor}", f"troupeaux du corridor {corridor}"
        else:
            fp = corridor = None
            key, en, fr = "off-network", "herds off the network", "troupeaux hors réseau"
        out.append(_finding(ctx, rule, h, sel, place=key, corridor=corridor, flow_point=fp,
                            where_en=f"within {rule.params['ahead_km']:g} km ahead of {en}",
                            where_fr=f"à moins de {rule.params['ahead_km']:g} km devant les {fr}",
                            geometry=h.geometry))
    return out


def _metric_line(ctx: Context, ci: int, epsg: int) -> LineString:
    cache = ctx.__dict__.setdefault("_metric_lines", {})
    if (ci, epsg) not in cache:
        cache[(ci, epsg)] = to_metric(ctx.corridor_geometry(ci), epsg)[0]
    return cache[(ci, epsg)]


def _finding(ctx: Context, rule: Rule, h: Hazard, rows: np.ndarray, *, place: str, corridor, flow_point,
             where_en: str, where_fr: str, geometry) -> Finding:
    animals = float(ctx.obs.animals[rows].sum())
    sev = _severity(rule, h, animals)
    start = int(to_dt64(h.starts).astype(np.int64))
    end = int(to_dt64(h.ends).astype(np.int64)) if h.ends else ctx.now_s
    kind_fr = KIND_FR.get(h.kind, h.kind)
    headline = {
        "en": f"{h.kind.capitalize()} ({h.severity}) {where_en}: {len(rows)} herd(s), "
              f"{fmt_int(animals)} animals exposed",
        "fr": f"{kind_fr.capitalize()} ({SEV_FR.get(h.severity, h.severity)}) {where_fr} : "
              f"{len(rows)} troupeau(x), {fmt_int(animals)} animaux exposés",
    }
    return ctx.finding(
        rule, place=f"hazard:{h.id}|{place}", window_label=label_day(start), window_start_s=start,
        window_end_s=max(end, start), severity=sev, corridor=corridor, flow_point=flow_point,
        headline=headline, observed={"herds": int(len(rows)), "animals": animals},
        baseline={"hazard": str(h.id), "kind": h.kind, "hazard_severity": h.severity},
        threshold={"lookback_days": rule.params["lookback_days"],
                   **({"ahead_km": rule.params["ahead_km"]} if rule.params["check"] == "ahead" else {})},
        rows=rows, geometry=geometry,
        details={"check": rule.params["check"], **({"hazard_version": h.version} if h.version else {})},
    )
