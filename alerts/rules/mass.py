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

from collections.abc import Callable

import numpy as np

from alerts.rules import timegrid
from alerts.rules.config import Rule
from alerts.rules.context import Context, factorize, fmt_int, label_day
from alerts.rules.model import Finding
from ttt.facts import corridor_place, country_place, fp_place, species_list_name

_LEVEL_NAMES = {
    "flow_point": ("flow point", "point de suivi"),
    "corridor": ("corridor", "corridor"),
}


def measure(ctx: Context, rule: Rule) -> np.ndarray:
    """Per-row value the rule sums: animals (of the chosen species) or TLU."""
    species = rule.params["species"]
    key = ("_measure", rule.params["measure"], species)
    if key not in ctx.__dict__:
        weights = np.array([
            (ctx.rules.tlu_factors.get(s, 0.0) if rule.params["measure"] == "tlu" else 1.0)
            if species is None or s in species else 0.0
            for s in ctx.obs.species
        ])
        ctx.__dict__[key] = ctx.obs.animals @ weights
    return ctx.__dict__[key]


def evaluate_mass(ctx: Context, rule: Rule) -> list[Finding]:
    if rule.params["quota"] is not None:
        return _quota(ctx, rule)
    level = rule.params["level"]
    found = _candidates(ctx, rule)
    if found is None:
        return []
    rows, inverse, g_place, g_w, totals, cand, w_s = found
    p = rule.params
    g_start = g_w * w_s
    places, g_local = np.unique(g_place, return_inverse=True)
    zeros = known_zero_windows(ctx, level, places, w_s)
    w0 = min([int(g_w.min())] + [int(z.min()) for z in zeros if z.size])
    span = int(g_w.max()) - w0 + 1
    # one dense row of window totals per place (NaN = nobody counted, unknown; 0 = the
    # enumerator reported no herd, a known zero): baselines are gathers
    dense = np.full((len(places), span), np.nan)
    for i, z in enumerate(zeros):
        z = z[z - w0 < span]
        dense[i, z - w0] = 0.0
    dense[g_local, g_w - w0] = totals
    fired: list[tuple[int, float, dict]] = []
    for chunk in np.array_split(cand, max(1, len(cand) // 20_000 + 1)):
        if chunk.size == 0:
            continue
        thr, base = _thresholds(dense, g_local[chunk], g_w[chunk], g_start[chunk], w0, w_s,
                                ctx.rules.season_start, p)
        for j in np.flatnonzero(totals[chunk] > thr):
            fired.append((int(chunk[j]), float(thr[j]), base(j)))
    if not fired:
        return []
    members = _members(inverse, [g for g, _, _ in fired], len(g_place))
    findings = []
    for g, thr, baseline in fired:
        start = int(g_start[g])
        findings.append(_finding(ctx, rule, level, int(g_place[g]), start, start + w_s, float(totals[g]),
                                 thr, baseline, rows[members[g]]))
    return findings


def known_zero_windows(ctx: Context, level: str, places: np.ndarray, w_s: int) -> list[np.ndarray]:
    """Per place (flow point or corridor index), the windows known to hold no herd: every day
    they touch was reported "no herd passed" (for a corridor, by each of its flow points)."""
    zero_days = ctx.snapshot.zero_days
    if not zero_days:
        return [np.zeros(0, dtype=np.int64) for _ in places]
    if level == "flow_point":
        day_sets = [zero_days.get(int(p)) for p in places]
    else:
        points: dict[int, list[int]] = {}
        for i, fp in enumerate(ctx.snapshot.flow_points):
            points.setdefault(fp.corridor, []).append(i)
        day_sets = []
        for p in places:
            sets = [zero_days.get(i) for i in points.get(int(p), [])]
            common = None if not sets or any(x is None for x in sets) else sets[0]
            for x in sets[1:] if common is not None else []:
                common = np.intersect1d(common, x)
            day_sets.append(common)
    out = []
    for days in day_sets:
        if days is None or days.size == 0:
            out.append(np.zeros(0, dtype=np.int64))
            continue
        days = np.unique(days.astype(np.int64))
        first = np.unique(np.concatenate([days // w_s, (days + timegrid.DAY_S - 1) // w_s]))
        ok = [w for w in first if _all_known(days, int(w) * w_s, int(w) * w_s + w_s)]
        out.append(np.array(ok, dtype=np.int64))
    return out


def _all_known(days: np.ndarray, start: int, end: int) -> bool:
    """Whether every UTC day touching [start, end) is in ``days`` (sorted day starts)."""
    d0 = start - start % timegrid.DAY_S
    need = np.arange(d0, end, timegrid.DAY_S)
    return bool(np.isin(need, days).all())


def _candidates(ctx: Context, rule: Rule):
    """Window totals per place and the candidate windows (reaching into (since, now], over
    the floor): (rows, group of each row, group place, group window, totals, candidates,
    window seconds), or None when there is no candidate."""
    level = rule.params["level"]
    if level == "country":
        raise ValueError(f"rule {rule.id}: level 'country' needs a quota")
    mask = ctx.scope_mask(rule)
    if level == "flow_point":
        place = ctx.obs.flow_point
    else:
        place = ctx.obs.corridor
        mask = mask & ~ctx.obs.already_counted
    rows = np.flatnonzero(mask & (place >= 0))
    if rows.size == 0:
        return None
    w_s = int(round(rule.params["window_hours"] * 3600))
    widx = timegrid.window_index(ctx.obs.observed_at[rows], w_s)
    (g_place, g_w), inverse = factorize(place[rows], widx)
    totals = np.bincount(inverse, weights=measure(ctx, rule)[rows], minlength=len(g_place))
    g_start = g_w * w_s
    cand = np.flatnonzero((g_start + w_s > ctx.since_s) & (g_start <= ctx.now_s) & (totals > rule.params["floor"]))
    if cand.size == 0:
        return None
    return rows, inverse, g_place, g_w, totals, cand, w_s


def candidate_windows(ctx: Context, rule: Rule) -> tuple[np.ndarray, np.ndarray]:
    """(place, window start in epoch seconds) of every window over the floor reaching into
    (since, now]; places are flow point or corridor indexes, by the rule's level. The only
    places and windows where the rule can fire, whatever the baseline: exact as long as the
    snapshot holds every row of those windows."""
    found = _candidates(ctx, rule)
    if found is None:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    _, _, g_place, g_w, _, cand, w_s = found
    return g_place[cand], g_w[cand] * w_s


def baseline_spans(rule: Rule, window_starts: np.ndarray, season_start: tuple[int, int],
                   first_season: int) -> list[tuple[int, int]]:
    """The time spans (epoch seconds, inclusive) holding every window the baselines of these
    candidate windows read: the trailing days, and the same time of season +- the tolerance
    in each earlier season back to the one before ``first_season`` (its +- tolerance may
    reach into ``first_season``)."""
    p = rule.params
    w_s = int(round(p["window_hours"] * 3600))
    tol_s = int(p["season_tolerance_days"] * timegrid.DAY_S)
    trail_s = int(np.ceil(p["trailing_days"] * timegrid.DAY_S / w_s)) * w_s
    spans = []
    for start in sorted({int(x) for x in window_starts}):
        spans.append((start - trail_s, start + w_s))
        season = int(timegrid.season_year(np.array([start], dtype="datetime64[s]"), season_start)[0])
        offset = start - int(timegrid.season_start_s(season, season_start))
        for earlier in range(season - 1, first_season - 2, -1):
            centre = int(timegrid.season_start_s(earlier, season_start)) + offset
            spans.append((centre - tol_s - w_s, centre + tol_s + w_s))
    return spans


def _members(inverse: np.ndarray, groups: list[int], n_groups: int) -> dict[int, np.ndarray]:
    """Positions of the rows of a few groups, without sorting every row."""
    mark = np.zeros(n_groups, dtype=bool)
    mark[groups] = True
    sel = np.flatnonzero(mark[inverse])
    order = sel[np.argsort(inverse[sel], kind="stable")]
    bounds = np.searchsorted(inverse[order], groups, "left"), np.searchsorted(inverse[order], groups, "right")
    return {g: order[a:b] for g, a, b in zip(groups, *bounds, strict=True)}


def _thresholds(dense: np.ndarray, pl: np.ndarray, w: np.ndarray, start: np.ndarray, w0: int, w_s: int,
                season_start: tuple[int, int], p) -> tuple[np.ndarray, Callable[[int], dict]]:
    """Thresholds of candidate windows, all at once, and each one's baseline description."""
    span = dense.shape[1]
    tol_s = p["season_tolerance_days"] * timegrid.DAY_S
    half = int(np.ceil(tol_s / w_s))
    season = timegrid.season_year(start.astype("datetime64[s]"), season_start)
    offset = start - timegrid.season_start_s(season, season_start)
    parts = []
    back = 1
    while True:  # each earlier season, back to the first one with a window in the data
        earlier = season - back
        centre = timegrid.season_start_s(earlier, season_start) + offset
        lo = np.ceil((centre - tol_s) / w_s).astype(np.int64)
        hi = np.floor((centre + tol_s) / w_s).astype(np.int64)
        if int(hi.max()) < w0:
            break
        idx = lo[:, None] + np.arange(2 * half + 1)[None, :]
        ok = (idx <= hi[:, None]) & (idx < w[:, None]) & (idx >= w0)
        parts.append(np.where(ok, dense[pl[:, None], np.clip(idx - w0, 0, span - 1)], np.nan))
        back += 1
    seasonal = np.concatenate(parts, axis=1) if parts else np.full((len(pl), 0), np.nan)
    trail_w = int(np.ceil(p["trailing_days"] * timegrid.DAY_S / w_s))
    idx = w[:, None] - np.arange(1, trail_w + 1)[None, :]
    trailing = np.where(idx >= w0, dense[pl[:, None], np.clip(idx - w0, 0, span - 1)], np.nan)
    n_s = np.isfinite(seasonal).sum(axis=1)
    n_t = np.isfinite(trailing).sum(axis=1)
    use_s = n_s >= p["min_samples"]
    use_t = ~use_s & (n_t >= p["min_samples"])
    med = np.full(len(pl), np.nan)
    mad = np.full(len(pl), np.nan)
    for use, sample in ((use_s, seasonal), (use_t, trailing)):
        if use.any():
            x = sample[use]
            m = np.nanmedian(x, axis=1)
            med[use] = m
            mad[use] = np.nanmedian(np.abs(x - m[:, None]), axis=1) * p["mad_scale"]
    thr = np.where(use_s | use_t, np.maximum(p["floor"], med + p["k"] * mad), float(p["floor"]))
    def base(i: int) -> dict:
        if use_s[i] or use_t[i]:
            return {"kind": "same_time_earlier_seasons" if use_s[i] else "trailing_days",
                    "median": float(med[i]), "mad": float(mad[i]), "samples": int(n_s[i] if use_s[i] else n_t[i])}
        return {"kind": "none", "median": None, "mad": None, "samples": 0}

    return thr, base


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
        name, geom, place = fp, ctx.fp_geometry(pl), fp_place(fp)
    else:
        fp, corridor = None, ctx.corridor_code(pl)
        name, geom, place = corridor, ctx.corridor_geometry(pl), corridor_place(corridor)
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
        what, quoi_fr = species_list_name(p["species"], "en"), species_list_name(p["species"], "fr")
        season_start = int(timegrid.season_start_s(season, ctx.rules.season_start))
        headline = {
            "en": f"Season quota exceeded in {country}: {fmt_int(observed)} {what} counted since "
                  f"{label_day(season_start)[:10]} (quota {fmt_int(p['quota'])})",
            "fr": f"Quota de saison dépassé ({country}) : {fmt_int(observed)} {quoi_fr} comptés depuis le "
                  f"{label_day(season_start)[:10]} (quota {fmt_int(p['quota'])})",
        }
        findings.append(ctx.finding(
            rule, place=country_place(country), window_label=f"season:{season}",
            window_start_s=season_start, window_end_s=last_s, severity=sev, corridor=None,
            flow_point=None, headline=headline, observed=observed,
            baseline={"kind": "quota", "crossed_at": label_day(crossed_s)}, threshold=float(p["quota"]),
            rows=sel[over[0]:], details={"measure": p["measure"], "ratio": round(ratio, 2)},
        ))
    return findings
