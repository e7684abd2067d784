"""Per-observation calendar windows, resolved with ``corridors.calendars`` (one source of
truth for which window is in force, corridor before country, wrapped windows).

The calendar lookup runs once per distinct (corridor, country, direction, day), not per
herd: a season at 500 points is ~1M herds but only tens of thousands of such keys.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from alerts.rules import timegrid
from alerts.rules.context import Context
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
    """
    cache = ctx.__dict__.setdefault("_windows", None)
    if cache is not None:
        return cache
    obs = ctx.obs
    n = len(obs)
    opens = np.full(n, NAT)
    closes = np.full(n, NAT)
    has_cal = np.zeros(n, dtype=bool)
    entries = tuple(ctx.snapshot.calendars)
    rows = np.flatnonzero(ctx.known & np.isin(obs.movement, (DESCENT, RETURN)))
    if not entries or rows.size == 0:
        ctx.__dict__["_windows"] = (opens, closes, has_cal)
        return opens, closes, has_cal
    day = timegrid.day_index(obs.observed_at[rows])
    cols = np.stack([obs.corridor[rows].astype(np.int64), ctx.country[rows].astype(np.int64),
                     obs.movement[rows].astype(np.int64), day])
    uniq, inverse = np.unique(cols, axis=1, return_inverse=True)
    inverse = inverse.ravel()
    u_open = np.full(uniq.shape[1], NAT)
    u_close = np.full(uniq.shape[1], NAT)
    u_has = np.zeros(uniq.shape[1], dtype=bool)
    for j in range(uniq.shape[1]):
        ci, ki, mv, d = (int(x) for x in uniq[:, j])
        corridor = ctx.snapshot.corridors[ci].code if ci >= 0 else None
        country = ctx.countries[ki] if ki >= 0 else None
        on = date.fromordinal(date(1970, 1, 1).toordinal() + d)
        win = window_in_force(entries, corridor, country, MOVEMENT_NAMES[mv], on)
        other = window_in_force(entries, corridor, country, MOVEMENT_NAMES[3 - mv], on)
        u_has[j] = win is not None or other is not None
        if win is not None:
            o, c = win.dates_around(on)
            u_open[j] = np.datetime64(o, "D")
            u_close[j] = np.datetime64(c, "D")
    opens[rows] = u_open[inverse]
    closes[rows] = u_close[inverse]
    has_cal[rows] = u_has[inverse]
    ctx.__dict__["_windows"] = (opens, closes, has_cal)
    return opens, closes, has_cal
