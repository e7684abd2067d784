"""EARLY and LATE movements, and movements out of season.

Against the calendar: a herd moving in a direction more than ``tolerance_days`` before the
window of that direction opens is EARLY, more than ``tolerance_days`` after it closes is
LATE, as long as it is within ``near_days`` of the window; further away no window explains
it and it is UNEXPECTED (out of season) instead. Moving a herd's date anywhere inside the
window (tolerance included) can therefore never make it early or late.

Against history (see :func:`history_status`): the onset and end of flows at the point in
earlier seasons, firing when more herds than the usual tail pass beyond them. Needs
``min_seasons`` earlier seasons and ``min_observations`` herds, else the point has no
history to judge by.

One finding per rule, place (flow point, else corridor), direction and window occurrence
(calendar) or season (history): herds that keep arriving early update that alert.
"""

from __future__ import annotations

import numpy as np

from alerts.rules import timegrid, windows
from alerts.rules.config import Rule
from alerts.rules.context import Context, factorize, fmt_int, group_rows, label_day
from alerts.rules.model import DESCENT, MOVEMENT_NAMES, RETURN, Finding
from ttt.facts import corridor_place, fp_place

DIR_FR = {"descent": "descente", "return": "remontée"}


def _days(d: np.ndarray) -> np.ndarray:
    return d.astype("datetime64[D]").astype(np.int64)


def calendar_status(ctx: Context, tolerance_days: float, near_days: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(days_early, days_late, out_of_season) per row; days are 0 when not early/late."""
    opens, closes, has_cal = windows.resolve(ctx)
    day = timegrid.day_index(ctx.obs.observed_at)
    known_win = ~np.isnat(opens)
    o = np.where(known_win, _days(np.where(known_win, opens, np.datetime64(0, "D"))), 0)
    c = np.where(known_win, _days(np.where(known_win, closes, np.datetime64(0, "D"))), 0)
    before = np.where(known_win, o - day, 0)
    after = np.where(known_win, day - c, 0)
    moving = np.isin(ctx.obs.movement, (DESCENT, RETURN)) & ctx.known
    early = np.where(moving & known_win & (before > tolerance_days) & (before <= near_days), before, 0)
    late = np.where(moving & known_win & (after > tolerance_days) & (after <= near_days), after, 0)
    out = moving & has_cal & (~known_win | (before > near_days) | (after > near_days))
    return early, late, out


def _quantile(sorted_x: np.ndarray, q: float) -> float:
    """np.quantile's default (linear) on sorted data, without its per-call overhead."""
    pos = q * (len(sorted_x) - 1)
    lo = int(np.floor(pos))
    hi = min(lo + 1, len(sorted_x) - 1)
    return float(sorted_x[lo] + (sorted_x[hi] - sorted_x[lo]) * (pos - lo))


def _history_order(ctx: Context):
    """Moving herds at flow points sorted by (point, direction, season, time of season);
    shared by every history rule of a run (the sort is the expensive part)."""
    if "_history_order" in ctx.__dict__:
        return ctx.__dict__["_history_order"]
    obs = ctx.obs
    rows = np.flatnonzero(ctx.known & (obs.flow_point >= 0) & np.isin(obs.movement, (DESCENT, RETURN)))
    out = None
    if rows.size:
        s0 = int(ctx.season[rows].min())
        n_s = int(ctx.season[rows].max()) - s0 + 1
        key = (obs.flow_point[rows].astype(np.int64) * 3 + obs.movement[rows]) * n_s + (ctx.season[rows] - s0)
        order = np.lexsort((ctx.season_offset[rows], key))
        rows = rows[order]
        out = (rows, key[order], ctx.season_offset[rows], n_s)
    ctx.__dict__["_history_order"] = out
    return out


def history_status(ctx: Context, rule: Rule) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(days beyond the usual onset/end, hit, info index) per row, for one history rule.

    For each flow point, direction and season: earlier seasons give the onset (the
    ``onset_quantile`` of the herds' time of season), the end (``end_quantile``) and the
    typical season total (median herds per season). Herds more than ``tolerance_days``
    before the onset (EARLY) or after the end (LATE) are counted; the rule fires when they
    are at least as many as normally pass in that tail (quantile x typical total, and at
    least ``min_herds``). So the ordinary tail of a season never fires, a shifted season
    does. A herd shortly after the season boundary that is nearer the previous season's end
    than the next onset is a late herd, not an early one.
    """
    p = rule.params
    obs = ctx.obs
    n = len(obs)
    days = np.zeros(n)
    hit = np.zeros(n, dtype=bool)
    info = np.full(n, -1, dtype=np.int64)
    ctx.__dict__.setdefault("_history_info", {})[rule.id] = infos = []
    sorted_rows = _history_order(ctx)
    if sorted_rows is None:
        return days, hit, info
    rows, key, off, n_s = sorted_rows
    early = rule.type == "early"
    year = 365.25
    for k in np.unique(key[ctx.in_range[rows]]):
        s_rel = int(k % n_s)
        i0 = np.searchsorted(key, k - s_rel, "left")
        i1 = np.searchsorted(key, k, "left")
        i2 = np.searchsorted(key, k, "right")
        if i1 - i0 < p["min_observations"]:
            continue
        per_season = np.bincount((key[i0:i1] - (k - s_rel)).astype(np.int64))
        per_season = per_season[per_season > 0]
        if per_season.size < p["min_seasons"]:
            continue
        sample = np.sort(off[i0:i1])
        onset = _quantile(sample, p["onset_quantile"])
        end = _quantile(sample, p["end_quantile"])
        typical = float(np.median(per_season))
        cur = off[i1:i2]
        before = onset - cur
        after = cur - end
        wrapped = cur + year - end  # lateness if the herd belongs to the previous season's tail
        is_late_wrap = (before > 0) & (wrapped < before)
        if early:
            d = np.where((before > p["tolerance_days"]) & ~is_late_wrap, before, 0.0)
            tail = p["onset_quantile"]
        else:
            d = np.where(after > p["tolerance_days"], after,
                         np.where(is_late_wrap & (wrapped > p["tolerance_days"]), wrapped, 0.0))
            tail = 1.0 - p["end_quantile"]
        beyond = d > 0
        needed = max(float(p["min_herds"]), tail * typical)
        cur_rows = rows[i1:i2]
        if beyond.sum() < needed or not ctx.in_range[cur_rows[beyond]].any():
            continue
        days[cur_rows[beyond]] = d[beyond]
        hit[cur_rows[beyond]] = True
        info[cur_rows[beyond]] = len(infos)
        infos.append({"onset_day": round(onset, 1), "end_day": round(end, 1), "typical_season_herds": typical,
                      "seasons": int(per_season.size), "needed": needed})
    return days, hit, info


def evaluate_timing(ctx: Context, rule: Rule) -> list[Finding]:
    p = rule.params
    mask = ctx.scope_mask(rule) & ctx.in_range
    if p["against"] == "calendar":
        early, late, _ = calendar_status(ctx, p["tolerance_days"], p["near_days"])
        days = early if rule.type == "early" else late
        hit = mask & (days > 0)
        opens, closes, _ = windows.resolve(ctx)
        occ = _days(np.where(np.isnat(opens), np.datetime64(0, "D"), opens))
        return _group(ctx, rule, hit, days.astype(float), occ, opens, closes, None)
    days, hit, info = history_status(ctx, rule)
    # a herd's group is its season, so every herd of a firing group is evidence (even older
    # ones: the count is what fires); the finding needs one herd in the evaluated range
    return _group(ctx, rule, hit & ctx.scope_mask(rule), days, ctx.season, None, None, info)


def _group(ctx: Context, rule: Rule, hit: np.ndarray, days: np.ndarray, occurrence: np.ndarray,
           opens, closes, history) -> list[Finding]:
    rows = np.flatnonzero(hit)
    if rows.size == 0:
        return []
    obs = ctx.obs
    by_fp = obs.flow_point[rows] >= 0
    place = np.where(by_fp, obs.flow_point[rows], obs.corridor[rows] + len(ctx.snapshot.flow_points) + 1)
    uniq, inv = factorize(place, obs.movement[rows], occurrence[rows])
    members = group_rows(inv, uniq.shape[1])
    findings = []
    nfp = len(ctx.snapshot.flow_points)
    for j in range(uniq.shape[1]):
        sel = rows[members[j]]
        pl, mv, occ = (int(x) for x in uniq[:, j])
        if pl < nfp:
            fp, corridor = ctx.fp_code(pl), ctx.fp_corridor_code(pl)
            place_key, name, geom = fp_place(fp), fp, ctx.fp_geometry(pl)
        else:
            ci = pl - nfp - 1
            fp, corridor = None, ctx.corridor_code(ci)
            place_key, name, geom = corridor_place(corridor), corridor or "?", ctx.corridor_geometry(ci)
        direction = MOVEMENT_NAMES[mv]
        worst = float(days[sel].max())
        animals = float(obs.animals[sel].sum())
        sev = rule.severity(worst if rule.severity.on == "days" else animals)
        start, end = int(ctx.t_s[sel].min()), int(ctx.t_s[sel].max())
        early = rule.type == "early"
        if history is None:
            o, c = str(opens[sel[0]]), str(closes[sel[0]])
            label = f"{direction}:{o}"
            baseline = {"kind": "calendar", "opens": o, "closes": c}
            threshold = {"tolerance_days": rule.params["tolerance_days"], "near_days": rule.params["near_days"]}
            ref_en, ref_fr = (f"window opens {o}", f"ouverture le {o}") if early else (f"window closed {c}", f"fermeture le {c}")
        else:
            h = ctx.__dict__["_history_info"][rule.id][int(history[sel[0]])]
            season = occ
            b = h["onset_day"] if early else h["end_day"]
            ref_date = label_day(int(timegrid.season_start_s(season, ctx.rules.season_start) + b * timegrid.DAY_S))[:10]
            label = f"{direction}:season{season}"
            baseline = {"kind": "history", "onset_day" if early else "end_day": b, "usual_date": ref_date,
                        "typical_season_herds": h["typical_season_herds"], "seasons": h["seasons"]}
            threshold = {"tolerance_days": rule.params["tolerance_days"], "herds_beyond": h["needed"]}
            ref_en, ref_fr = (f"usual onset {ref_date}", f"début habituel le {ref_date}") if early else (
                f"usual end {ref_date}", f"fin habituelle le {ref_date}")
        word_en = "Early" if early else "Late"
        word_fr = "précoce" if early else "tardive"
        headline = {
            "en": f"{word_en} {direction} at {name}: {len(sel)} herd(s), {fmt_int(animals)} animals, "
                  f"up to {worst:.0f} days {'before' if early else 'after'} ({ref_en})",
            "fr": f"{DIR_FR[direction].capitalize()} {word_fr} à {name} : {len(sel)} troupeau(x), "
                  f"{fmt_int(animals)} animaux, jusqu'à {worst:.0f} jours {'avant' if early else 'après'} ({ref_fr})",
        }
        findings.append(ctx.finding(
            rule, place=place_key, window_label=label, window_start_s=start, window_end_s=end,
            severity=sev, corridor=corridor, flow_point=fp, headline=headline,
            observed={"herds": int(len(sel)), "animals": animals, "max_days": worst}, baseline=baseline,
            threshold=threshold, rows=sel, geometry=geom, details={"direction": direction},
        ))
    return findings
