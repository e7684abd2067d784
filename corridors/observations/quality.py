"""Automatic quality flags of a counted herd, with the reason a data manager reads.

Pure: each check takes the record and the few facts the repository gathered (the point's
position, its usual herd sizes, a matching herd upstream) and returns flags. A flagged herd
still counts in statistics and rules (it is marked in alert evidence); only a reviewer's
"rejected" takes it out. Every limit is a setting (``TTT_QA_LIMITS``), never a constant in code.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

#: Flag codes, in the order they are reported.
FLAGS = ("replaces_unknown", "implausible_herd", "outside_distribution", "gps_far_from_point",
         "device_clock", "already_counted", "counted_upstream")


@dataclass(frozen=True)
class QaLimits:
    """Thresholds of the automatic flags (override any of them with TTT_QA_LIMITS)."""

    animals_per_herder: float = 1000.0  #: more animals than this per herder (or with no herder at all)
    iqr_fence: float = 6.0  #: flag a herd above q3 + fence x IQR of the point's recent herds,
    times_median: float = 10.0  #: and above this many times their median,
    min_herds: int = 20  #: when the point has at least this many herds to compare with
    gps_km: float = 5.0  #: GPS this far from the named flow point
    clock_ahead_minutes: float = 2.0  #: observed after it was received (device clock ahead)
    clock_behind_days: float = 90.0  #: observed this long before it was received
    upstream_days: float = 10.0  #: walking time within which the same herd may be seen upstream (0: no check)

    @classmethod
    def from_mapping(cls, values: dict[str, Any] | None) -> QaLimits:
        known = {f.name for f in fields(cls)}
        unknown = set(values or {}) - known
        if unknown:
            raise ValueError(f"unknown QA limits {sorted(unknown)}; expected some of {sorted(known)}")
        return cls(**{k: type(getattr(cls, k))(v) for k, v in (values or {}).items()})


def flag(code: str, reason: str) -> dict[str, str]:
    return {"code": code, "reason": reason}


def _km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance (haversine, mean Earth radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(min(1.0, a)))


def herd_flags(
    *,
    animals: int,
    herders: int,
    observed_at: datetime,
    received_at: datetime,
    already_counted: bool,
    gps: tuple[float, float] | None,
    point: tuple[float, float] | None,
    point_code: str | None,
    distribution: tuple[int, float, float, float] | None,
    upstream: tuple[str, datetime] | None,
    limits: QaLimits,
    device: bool = True,
) -> list[dict[str, str]]:
    """The automatic flags of one herd (empty when nothing looks odd). ``device``: the record
    came straight from a phone (OpenRosa, KoBo), so its clock can be judged; a CSV or JSON load
    of last season's counts is legitimately old."""
    out: list[dict[str, str]] = []
    if herders == 0 and animals > limits.animals_per_herder:
        out.append(flag("implausible_herd", f"{animals} animals with no herder recorded"))
    elif herders and animals / herders > limits.animals_per_herder:
        out.append(flag("implausible_herd", f"{animals} animals for {herders} herder(s): more than "
                                            f"{limits.animals_per_herder:g} animals per herder"))
    if distribution is not None:
        n, q1, median, q3 = distribution
        fence = max(q3 + limits.iqr_fence * max(q3 - q1, 1.0), limits.times_median * median)
        if n >= limits.min_herds and animals > fence:
            out.append(flag("outside_distribution", f"{animals} animals, far above the usual herd at "
                                                    f"{point_code} (half of its last {n} herds had "
                                                    f"{q1:g} to {q3:g} animals)"))
    if gps is not None and point is not None:
        km = _km(gps[0], gps[1], point[0], point[1])
        if km > limits.gps_km:
            out.append(flag("gps_far_from_point", f"GPS position {km:.1f} km from flow point {point_code}"))
    ahead = observed_at - received_at
    if not device:
        pass
    elif ahead > timedelta(minutes=limits.clock_ahead_minutes):
        out.append(flag("device_clock", f"counted {_duration(ahead)} after the server received it: "
                                        "the device clock is probably ahead"))
    elif received_at - observed_at > timedelta(days=limits.clock_behind_days):
        out.append(flag("device_clock", f"counted {(received_at - observed_at).days} days before it was "
                                        "received: check the device date"))
    if already_counted:
        out.append(flag("already_counted", "the enumerator marked this herd as already counted at another point"))
    elif upstream is not None:
        code, when = upstream
        out.append(flag("counted_upstream", f"a herd with the same origin, destination and animals was counted "
                                            f"at {code} on {when:%Y-%m-%d %H:%M} UTC"))
    return out


def _duration(d: timedelta) -> str:
    minutes = int(d.total_seconds() // 60)
    if minutes < 120:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // 1440} days"
