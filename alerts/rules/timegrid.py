"""Seasons and fixed time windows over ``datetime64[s]`` arrays (vectorised).

Windows are tumbling and aligned on the Unix epoch (24 h windows start at 00:00 UTC), not
sliding: the same herds always fall in the same window, so a window has one stable identity
(its start) to deduplicate on, and a replay lands on the same alert.

A season is named by the year it starts in: with ``season_start`` (8, 1) the 2025 season
runs 2025-08-01 .. 2026-07-31, descent then return.
"""

from __future__ import annotations

import numpy as np

DAY_S = 86_400


def seconds(t: np.ndarray) -> np.ndarray:
    """Seconds since the epoch as int64."""
    return np.asarray(t, dtype="datetime64[s]").astype(np.int64)


def window_index(t: np.ndarray, window_s: int) -> np.ndarray:
    """Index of the tumbling window each instant falls in."""
    return np.floor_divide(seconds(t), window_s)


def season_year(t: np.ndarray, season_start: tuple[int, int]) -> np.ndarray:
    """The season (year it started) of each instant."""
    t = np.asarray(t, dtype="datetime64[s]")
    years = t.astype("datetime64[Y]").astype(np.int64) + 1970
    this_start = season_start_s(years, season_start)
    return np.where(seconds(t) >= this_start, years, years - 1)


def season_start_s(years: np.ndarray | int, season_start: tuple[int, int]) -> np.ndarray:
    """Epoch seconds of the start of the given seasons."""
    m, d = season_start
    y = np.asarray(years, dtype=np.int64) - 1970
    days = (y.astype("datetime64[Y]").astype("datetime64[M]") + (m - 1)).astype("datetime64[D]") + (d - 1)
    return days.astype("datetime64[s]").astype(np.int64)


def season_offset_days(t: np.ndarray, season_start: tuple[int, int]) -> np.ndarray:
    """Days (float) since the start of each instant's season: the "time of season"."""
    s = season_year(t, season_start)
    return (seconds(t) - season_start_s(s, season_start)) / DAY_S


def day_index(t: np.ndarray) -> np.ndarray:
    """Days since the epoch (UTC calendar day)."""
    return np.floor_divide(seconds(t), DAY_S)
