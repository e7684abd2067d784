"""UNEXPECTED movements: off the corridor, out of season, at a closed place, or with an
origin, destination or species never seen at that point in earlier seasons.

Grouping keeps one alert per situation, not per herd:
- off corridor, out of season, closed: per place (flow point, else corridor, else
  "off-network") and window (24 h by default; suppression merges consecutive days);
- novel origin/destination/species: per flow point, value and season.
"Never seen" needs a history: at least ``min_history`` herds at the point in earlier
seasons; a new point is not flagged for everything it sees.
"""

from __future__ import annotations

import numpy as np
import shapely

from alerts.rules import timegrid
from alerts.rules.config import Rule
from alerts.rules.context import DENSE_KEYS, Context, factorize, fmt_int, group_rows, label_day
from alerts.rules.model import MOVEMENT_NAMES, Finding
from alerts.rules.timing import DIR_FR, calendar_status
from ttt.facts import corridor_place, fp_place, species_name

_TEXT = {
    "off_corridor": ("Herds off the mapped corridor near {name}", "Troupeaux hors du corridor balisé près de {name}"),
    "out_of_season": ("{dir_en} out of season at {name}: no {dir_en_l} window open or near",
                      "{dir_fr} hors saison à {name} : aucune fenêtre de {dir_fr_l} ouverte ou proche"),
    "closed": ("Herds at closed {what_en} {name}", "Troupeaux sur {what_fr} fermé {name}"),
    "novel_origin": ("New origin {value} at {name}, never seen in earlier seasons",
                     "Nouvelle provenance {value} à {name}, jamais vue les saisons précédentes"),
    "novel_destination": ("New destination {value} at {name}, never seen in earlier seasons",
                          "Nouvelle destination {value} à {name}, jamais vue les saisons précédentes"),
    "novel_species": ("Species {value} at {name}, never seen in earlier seasons",
                      "Espèce {value} à {name}, jamais vue les saisons précédentes"),
}


def evaluate_unexpected(ctx: Context, rule: Rule) -> list[Finding]:
    check = rule.params["check"]
    mask = ctx.scope_mask(rule) & ctx.in_range
    if check in ("novel_origin", "novel_destination", "novel_species"):
        return _novel(ctx, rule, mask)
    obs = ctx.obs
    extra: dict = {}
    if check == "off_corridor":
        tol = np.array([c.tolerance_m for c in ctx.snapshot.corridors] + [rule.params["tolerance_m"]])
        too_far = np.nan_to_num(obs.distance_m, nan=0.0) > tol[obs.corridor]
        hit = mask & (obs.off_corridor | too_far)
    elif check == "out_of_season":
        _, _, out = calendar_status(ctx, 0, rule.params["near_days"])
        hit = mask & out
    elif check == "closed":
        fp_closed = np.array([not f.active for f in ctx.snapshot.flow_points] + [False])
        co_closed = np.array([c.status == "closed" for c in ctx.snapshot.corridors] + [False])
        hit = mask & (fp_closed[obs.flow_point] | co_closed[obs.corridor])
    else:  # pragma: no cover - the config validates checks
        raise ValueError(f"unknown check {check!r}")
    rows = np.flatnonzero(hit)
    if rows.size == 0:
        return []
    w_s = int(round(rule.params["window_hours"] * 3600))
    nfp = len(ctx.snapshot.flow_points)
    place = np.where(obs.flow_point[rows] >= 0, obs.flow_point[rows],
                     np.where(obs.corridor[rows] >= 0, obs.corridor[rows] + nfp, -1))
    direction = obs.movement[rows] if check == "out_of_season" else np.zeros(rows.size, dtype=np.int8)
    uniq, inv = factorize(place, direction, timegrid.window_index(obs.observed_at[rows], w_s))
    findings = []
    for j, members in enumerate(group_rows(inv, uniq.shape[1])):
        sel = rows[members]
        pl, mv, w = (int(x) for x in uniq[:, j])
        fp, corridor, place_key, name, geom, what = _place(ctx, pl, sel)
        start = w * w_s
        animals = float(obs.animals[sel].sum())
        if animals < rule.params["min_animals"]:
            continue
        sev = rule.severity(animals if rule.severity.on == "animals" else float(len(sel)))
        d = MOVEMENT_NAMES[mv]
        en, fr = _TEXT[check]
        fields = {
            "name": name, "what_en": "flow point" if what == "fp" else "corridor",
            "what_fr": "le point de suivi" if what == "fp" else "le corridor",
            "dir_en": d.capitalize(), "dir_en_l": d, "dir_fr": DIR_FR.get(d, d).capitalize(),
            "dir_fr_l": DIR_FR.get(d, d),
        }
        tail_en = f": {len(sel)} herd(s), {fmt_int(animals)} animals"
        tail_fr = f" : {len(sel)} troupeau(x), {fmt_int(animals)} animaux"
        headline = {"en": en.format(**fields) + tail_en, "fr": fr.format(**fields) + tail_fr}
        if check == "off_corridor":
            dist = obs.distance_m[sel]
            observed = {"herds": int(len(sel)), "animals": animals,
                        "max_distance_m": float(np.nanmax(dist)) if np.isfinite(dist).any() else None}
            baseline, threshold = None, {"tolerance_m": _tolerance(ctx, rule, pl)}
            geom = shapely.multipoints(np.column_stack([obs.lon[sel], obs.lat[sel]])) if np.isfinite(obs.lon[sel]).all() else geom
        elif check == "out_of_season":
            observed = {"herds": int(len(sel)), "animals": animals}
            baseline, threshold = {"kind": "calendar"}, {"near_days": rule.params["near_days"]}
        else:
            observed = {"herds": int(len(sel)), "animals": animals}
            baseline, threshold = {"status": "closed"}, None
        label = f"{d}:{label_day(start)}" if check == "out_of_season" else label_day(start)
        findings.append(ctx.finding(
            rule, place=place_key, window_label=label, window_start_s=start, window_end_s=start + w_s,
            severity=sev, corridor=corridor, flow_point=fp, headline=headline, observed=observed,
            baseline=baseline, threshold=threshold, rows=sel, geometry=geom, details={"check": check, **extra},
        ))
    return findings


def _tolerance(ctx: Context, rule: Rule, pl: int) -> float:
    nfp = len(ctx.snapshot.flow_points)
    ci = ctx.snapshot.flow_points[pl].corridor if 0 <= pl < nfp else (pl - nfp if pl >= nfp else -1)
    return ctx.snapshot.corridors[ci].tolerance_m if ci >= 0 else rule.params["tolerance_m"]


def _place(ctx: Context, pl: int, sel: np.ndarray):
    """(flow point, corridor, place key, display name, geometry, 'fp'|'corridor'|'none')."""
    nfp = len(ctx.snapshot.flow_points)
    if 0 <= pl < nfp:
        fp = ctx.fp_code(pl)
        return fp, ctx.fp_corridor_code(pl), fp_place(fp), fp, ctx.fp_geometry(pl), "fp"
    if pl >= nfp:
        co = ctx.corridor_code(pl - nfp)
        return None, co, corridor_place(co), co, ctx.corridor_geometry(pl - nfp), "corridor"
    return None, None, "off-network", "?", None, "none"


def _novel(ctx: Context, rule: Rule, mask: np.ndarray) -> list[Finding]:
    """Values seen at a flow point for the first time this season, when it has a history."""
    obs = ctx.obs
    check = rule.params["check"]
    at_fp = ctx.known & (obs.flow_point >= 0)
    # value per (row, column): origin, destination, or each species with animals > 0
    if check == "novel_species":
        r, v = np.nonzero(obs.animals > 0)
        keep = at_fp[r]
        r, v = r[keep], v[keep]
        names = obs.species
    else:
        col = obs.origin if check == "novel_origin" else obs.destination
        r = np.flatnonzero(at_fp & (col >= 0))
        v = col[r]
        names = obs.places
    if r.size == 0:
        return []
    fp = obs.flow_point[r].astype(np.int64)
    season = ctx.season[r].astype(np.int64)
    # first season each (point, value) was seen: a table lookup when small, else by sorting
    n_fp, n_v = len(ctx.snapshot.flow_points), len(names) + 1
    if n_fp * n_v <= DENSE_KEYS:
        seen = np.zeros((n_fp, n_v), dtype=bool)  # seen in a season before the one at hand
        novel = np.zeros(len(r), dtype=bool)
        order = np.argsort(season, kind="stable")
        bounds = np.flatnonzero(np.diff(season[order])) + 1
        for part in np.split(order, bounds):
            novel[part] = ~seen[fp[part], v[part]]
            seen[fp[part], v[part]] = True
    else:
        upv, pv_inv = np.unique(fp * n_v + v, return_inverse=True)
        pv_inv = pv_inv.ravel()
        order = np.argsort(pv_inv, kind="stable")
        starts = np.searchsorted(pv_inv[order], np.arange(len(upv)))
        novel = np.minimum.reduceat(season[order], starts)[pv_inv] == season
    # herds counted at the point in earlier seasons
    hist_rows = np.flatnonzero(at_fp)
    s0 = int(ctx.season[hist_rows].min())
    n_s = int(ctx.season[hist_rows].max()) - s0 + 1
    hk = obs.flow_point[hist_rows].astype(np.int64) * n_s + (ctx.season[hist_rows] - s0)
    counts = np.bincount(hk, minlength=len(ctx.snapshot.flow_points) * n_s).reshape(-1, n_s)
    earlier = np.cumsum(counts, axis=1) - counts  # herds before each season
    history = earlier[fp, season - s0]
    hit = novel & (history >= rule.params["min_history"]) & mask[r]
    if not hit.any():
        return []
    r, v, fp, season = r[hit], v[hit], fp[hit], season[hit]
    uniq, inv = factorize(fp, v, season)
    findings = []
    for j, members in enumerate(group_rows(inv, uniq.shape[1])):
        sel = r[members]
        pl, val, s = (int(x) for x in uniq[:, j])
        code = ctx.fp_code(pl)
        value = names[val]
        animals = float(obs.animals[sel].sum())
        if animals < rule.params["min_animals"]:
            continue
        sev = rule.severity(animals if rule.severity.on == "animals" else float(len(sel)))
        en, fr = _TEXT[check]
        value_fr = species_name(value, "fr") if check == "novel_species" else value
        headline = {
            "en": en.format(name=code, value=value) + f": {len(sel)} herd(s), {fmt_int(animals)} animals",
            "fr": fr.format(name=code, value=value_fr) + f" : {len(sel)} troupeau(x), {fmt_int(animals)} animaux",
        }
        start, end = int(ctx.t_s[sel].min()), int(ctx.t_s[sel].max())
        findings.append(ctx.finding(
            rule, place=fp_place(code), window_label=f"{value}:season{s}", window_start_s=start,
            window_end_s=end, severity=sev, corridor=ctx.fp_corridor_code(pl), flow_point=code,
            headline=headline, observed={"value": value, "herds": int(len(sel)), "animals": animals},
            baseline={"kind": "earlier_seasons", "herds_seen": int(earlier[pl, s - s0])},
            threshold={"min_history": rule.params["min_history"]}, rows=sel, geometry=ctx.fp_geometry(pl),
            details={"check": check},
        ))
    return findings
