"""MASS: too many animals through one place in one window, or over a national quota.

Threshold = max(floor, median + k * MAD) of the same place's window totals:
- first choice, the same time of season (+- ``season_tolerance_days``) in earlier seasons;
- else the trailing ``trailing_days`` before the window;
- else (fewer than ``min_samples`` windows) the floor alone.
Only windows with at least one counted herd are samples (a day nobody counted is unknown,
not zero). The baseline only ever uses windows that end before the window tested, so a
backtest sees exactly what the live engine would have seen.

Levels: ``flow_point`` (the herds counted at a point), ``corridor`` (all points of a
corridor, herds flagged already counted upstream left out), ``country`` with ``quota``
(season-to-date total over the quota; e.g. Togo's 50,000 cattle).
"""

from __future__ import annotations

import numpy as np

from alerts.rules import timegrid
from alerts.rules.config import Rule
from alerts.rules.context import Context, fmt_int, label_day
from alerts.rules.model import Finding

_LEVEL_NAMES = {
    "flow_point": ("flow point", "point de suivi"),
    "corridor": ("corridor", "corridor"),
}


def measure(ctx: Context, rule: Rule) -> np.ndarray:
    """Per-row value the rule sums: animals (of the chosen species) or TLU."""
    species = rule.params["species"]
    cols = [i for i, s in enumerate(ctx.obs.species) if species is None or s in species]
    if rule.params["measure"] == "tlu":
        f = np.array([ctx.rules.tlu_factors.get(ctx.obs.species[i], 0.0) for i in cols])
        return ctx.obs.animals[:, cols] @ f
    return ctx.obs.animals[:, cols].sum(axis=1).astype(np.float64)


def robust_threshold(samples: np.ndarray, floor: float, k: float, mad_scale: float) -> tuple[float, float, float]:
    """(median, scaled MAD, threshold) of window totals: max(floor, median + k * MAD)."""
    med = float(np.median(samples))
    mad = float(np.median(np.abs(samples - med))) * mad_scale
    return med, mad, max(floor, med + k * mad)


def evaluate_mass(ctx: Context, rule: Rule) -> list[Finding]:
    if rule.params["quota"] is not None:
        return _quota(ctx, rule)
    level = rule.params["level"]
    if level == "country":
        raise ValueError(f"rule {rule.id}: level 'country' needs a quota")
    mask = ctx.scope_mask(rule)
    if level == "flow_point":
        place = ctx.obs.flow_point
    else:
        place = ctx.obs.corridor
        mask = mask & ~ctx.obs.already_counted
    mask = mask & (place >= 0)
    rows = np.flatnonzero(mask)
    if rows.size == 0:
        return []
    p = rule.params
    w_s = int(round(p["window_hours"] * 3600))
    value = measure(ctx, rule)[rows]
    widx = timegrid.window_index(ctx.obs.observed_at[rows], w_s)
    w0 = int(widx.min())
    span = int(widx.max()) - w0 + 1
    key = place[rows].astype(np.int64) * span + (widx - w0)
    keys, inverse = np.unique(key, return_inverse=True)
    totals = np.bincount(inverse, weights=value, minlength=len(keys))
    g_place = keys // span
    g_w = keys % span + w0
    g_start = g_w * w_s
    g_end = g_start + w_s
    # windows ending after `since` and starting before `now`, already over the floor
    cand = np.flatnonzero((g_end > ctx.since_s) & (g_start <= ctx.now_s) & (totals > p["floor"]))
    if cand.size == 0:
        return []
    tol_s = p["season_tolerance_days"] * timegrid.DAY_S
    trail_w = int(np.ceil(p["trailing_days"] * timegrid.DAY_S / w_s))
    by_group = np.argsort(inverse, kind="stable")
    group_start = np.searchsorted(inverse[by_group], np.arange(len(keys) + 1))
    first_season = int(timegrid.season_year(np.array([ctx.obs.observed_at[rows].min()]), ctx.rules.season_start)[0])
    findings = []
    for g in cand:
        pl, w, start = int(g_place[g]), int(g_w[g]), int(g_start[g])
        base = keys[g] - (w - w0)  # key of window w0 at this place
        # same time of season in earlier seasons
        season = int(timegrid.season_year(np.array([start], dtype="datetime64[s]"), ctx.rules.season_start)[0])
        offset = start - int(timegrid.season_start_s(season, ctx.rules.season_start))
        earlier = np.arange(first_season, season)
        parts = []
        if earlier.size:
            centres = timegrid.season_start_s(earlier, ctx.rules.season_start) + offset
            lo = np.ceil((centres - tol_s) / w_s).astype(np.int64)
            hi = np.floor((centres + tol_s) / w_s).astype(np.int64)
            for a, b in zip(lo, hi, strict=True):
                a, b = max(int(a), w0), min(int(b), w - 1)  # never the window itself or later
                if b < a:
                    continue
                i0 = np.searchsorted(keys, base + (a - w0), "left")
                i1 = np.searchsorted(keys, base + (b - w0), "right")
                if i1 > i0:
                    parts.append(totals[i0:i1])
        seasonal = np.concatenate(parts) if parts else np.empty(0)
        if seasonal.size >= p["min_samples"]:
            kind, samples = "same_time_earlier_seasons", seasonal
        else:
            i0 = np.searchsorted(keys, base + max(w - trail_w - w0, 0), "left")
            i1 = np.searchsorted(keys, keys[g], "left")
            samples = totals[i0:i1]
            kind = "trailing_days" if samples.size >= p["min_samples"] else "none"
        if kind == "none":
            med = mad = None
            threshold = float(p["floor"])
        else:
            med, mad, threshold = robust_threshold(samples, p["floor"], p["k"], p["mad_scale"])
        observed = float(totals[g])
        if observed <= threshold:
            continue
        in_group = rows[by_group[group_start[g]:group_start[g + 1]]]
        findings.append(_finding(ctx, rule, level, pl, start, start + w_s, observed, threshold,
                                 {"kind": kind, "median": med, "mad": mad, "samples": int(samples.size) if kind != "none" else 0},
                                 in_group))
    return findings


def _finding(ctx: Context, rule: Rule, level: str, pl: int, start: int, end: int, observed: float,
             threshold: float, baseline: dict, rows: np.ndarray) -> Finding:
    p = rule.params
    unit_en = "TLU" if p["measure"] == "tlu" else "animals"
    unit_fr = "UBT" if p["measure"] == "tlu" else "animaux"
    hours = p["window_hours"]
    ratio = observed / threshold if threshold > 0 else float("inf")
    sev = rule.severity(ratio if rule.severity.on == "ratio" else observed)
    if level == "flow_point":
        fp, corridor = ctx.fp_code(pl), ctx.fp_corridor_code(pl)
        name, geom, place = fp, ctx.fp_geometry(pl), f"fp:{fp}"
    else:
        fp, corridor = None, ctx.corridor_code(pl)
        name, geom, place = corridor, ctx.corridor_geometry(pl), f"corridor:{corridor}"
    en_level, fr_level = _LEVEL_NAMES[level]
    headline = {
        "en": f"Mass movement at {en_level} {name}: {fmt_int(observed)} {unit_en} in {hours:g} h "
              f"(threshold {fmt_int(threshold)})",
        "fr": f"Mouvement massif au {fr_level} {name} : {fmt_int(observed)} {unit_fr} en {hours:g} h "
              f"(seuil {fmt_int(threshold)})",
    }
    return ctx.finding(
        rule, place=place, window_label=label_day(start), window_start_s=start, window_end_s=end,
        severity=sev, corridor=corridor, flow_point=fp, headline=headline, observed=observed,
        baseline=baseline, threshold=threshold, rows=rows, geometry=geom,
        details={"measure": p["measure"], "window_hours": hours, "ratio": round(ratio, 2)},
    )


def _quota(ctx: Context, rule: Rule) -> list[Finding]:
    """Season-to-date total per country over ``quota``: one finding per country and season."""
    p = rule.params
    mask = ctx.scope_mask(rule) & (ctx.country >= 0) & ~ctx.obs.already_counted
    rows = np.flatnonzero(mask)
    if rows.size == 0:
        return []
    value = measure(ctx, rule)[rows]
    order = np.lexsort((ctx.t_s[rows], ctx.season[rows], ctx.country[rows]))
    rows, value = rows[order], value[order]
    group = ctx.country[rows].astype(np.int64) * 10_000 + ctx.season[rows]
    findings = []
    for g in np.unique(group):
        sel = rows[group == g]
        cum = np.cumsum(value[group == g])
        over = np.flatnonzero(cum > p["quota"])
        if over.size == 0:
            continue
        crossed_s = int(ctx.t_s[sel[over[0]]])
        last_s = int(ctx.t_s[sel[-1]])
        if last_s <= ctx.since_s:
            continue
        country = ctx.countries[int(ctx.country[sel[0]])]
        season = int(ctx.season[sel[0]])
        observed = float(cum[-1])
        ratio = observed / p["quota"] if p["quota"] else float("inf")
        sev = rule.severity(ratio if rule.severity.on == "ratio" else observed)
        what = "/".join(p["species"]) if p["species"] else "animals"
        quoi = {"cattle": "bovins", "sheep": "ovins", "goats": "caprins", "camels": "camelins"}
        quoi_fr = "/".join(quoi.get(s, s) for s in p["species"]) if p["species"] else "animaux"
        season_start = int(timegrid.season_start_s(season, ctx.rules.season_start))
        headline = {
            "en": f"Season quota exceeded in {country}: {fmt_int(observed)} {what} counted since "
                  f"{label_day(season_start)[:10]} (quota {fmt_int(p['quota'])})",
            "fr": f"Quota de saison dépassé ({country}) : {fmt_int(observed)} {quoi_fr} comptés depuis le "
                  f"{label_day(season_start)[:10]} (quota {fmt_int(p['quota'])})",
        }
        findings.append(ctx.finding(
            rule, place=f"country:{country}", window_label=f"season:{season}",
            window_start_s=season_start, window_end_s=last_s, severity=sev, corridor=None,
            flow_point=None, headline=headline, observed=observed,
            baseline={"kind": "quota", "crossed_at": label_day(crossed_s)}, threshold=float(p["quota"]),
            rows=sel[over[0]:], details={"measure": p["measure"], "ratio": round(ratio, 2)},
        ))
    return findings
