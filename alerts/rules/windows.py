"""Per-observation calendar windows, resolved with ``corridors.calendars`` (one source of
truth for which window is in force, corridor before country, wrapped windows).

The calendar lookup runs once per distinct (corridor, country, direction, day), not per
herd: a season at 500 points is ~1M herds but only tens of thousands of such keys.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import date

import numpy as np

from alerts.rules import timegrid
from alerts.rules.context import Context, factorize
from alerts.rules.model import DESCENT, MOVEMENT_NAMES, RETURN
from corridors.calendars import window_in_force

NAT = np.datetime64("NaT", "D")


def resolve(ctx: Context) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(opens, closes, has_calendar) per row.

    ``opens``/``closes`` are the dates (datetime64[D]) of the occurrence of the window of
    the row's direction that contains its day, else the nearest one; NaT when no window of
    that direction is in force (or the movement is unknown). ``has_calendar`` says whether
    any window (either direction) applies to the row's place: without one, "out of season"
    cannot be judged.

    ``window_in_force`` only changes when some entry becomes effective, so it is asked once
    per (corridor, country, direction, effective epoch); ``dates_around`` once per window
    and day.
    """
    cached = ctx.__dict__.get("_windows")
    if cached is not None:
        return cached
    obs = ctx.obs
    n = len(obs)
    opens = np.full(n, NAT)
    closes = np.full(n, NAT)
    has_cal = np.zeros(n, dtype=bool)
    entries = tuple(ctx.snapshot.calendars)
    rows = np.flatnonzero(ctx.known & np.isin(obs.movement, (DESCENT, RETURN)))
    if entries and rows.size:
        epoch_starts = sorted({e.effective_from for e in entries})
        day = timegrid.day_index(obs.observed_at[rows])
        # corridors without a calendar of their own share their country's windows
        own = {e.corridor for e in entries if e.corridor}
        corridor_key = np.array([i if c.code in own else -1 for i, c in enumerate(ctx.snapshot.corridors)] + [-1])
        uniq, inverse = factorize(corridor_key[obs.corridor[rows]], ctx.country[rows], obs.movement[rows], day)
        u_open = np.full(uniq.shape[1], NAT)
        u_close = np.full(uniq.shape[1], NAT)
        u_has = np.zeros(uniq.shape[1], dtype=bool)
        windows: dict[tuple, tuple] = {}
        around: dict[tuple, tuple[date, date]] = {}
        epoch0 = date(1970, 1, 1).toordinal()
        for j in range(uniq.shape[1]):
            ci, ki, mv, d = (int(x) for x in uniq[:, j])
            on = date.fromordinal(epoch0 + d)
            key = (ci, ki, mv, bisect_right(epoch_starts, on))
            if key not in windows:
                corridor = ctx.snapshot.corridors[ci].code if ci >= 0 else None
                country = ctx.countries[ki] if ki >= 0 else None
                windows[key] = (window_in_force(entries, corridor, country, MOVEMENT_NAMES[mv], on),
                                window_in_force(entries, corridor, country, MOVEMENT_NAMES[3 - mv], on))
            win, other = windows[key]
            u_has[j] = win is not None or other is not None
            if win is not None:
                wk = (win.opens, win.closes, d)
                if wk not in around:
                    around[wk] = win.dates_around(on)
                o, c = around[wk]
                u_open[j] = np.datetime64(o, "D")
                u_close[j] = np.datetime64(c, "D")
        opens[rows] = u_open[inverse]
        closes[rows] = u_close[inverse]
        has_cal[rows] = u_has[inverse]
    ctx.__dict__["_windows"] = (opens, closes, has_cal)
    return opens, closes, has_cal
