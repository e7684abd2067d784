"""What happens to an alert after it is raised, per alert type, as data (the ``lifecycle``
section of the rules file): who hears it when, when it comes back, when it ends.

- ``delivery``: ``immediate`` (told at once, can be dismissed later) or
  ``after_confirmation`` (told only once an analyst or admin confirms it);
- ``reopen_factor``: a resolved or dismissed alert stays closed under more of the same; a
  finding at least this many times its figure at closing (or of a higher severity) reopens it;
- ``auto_close_hours``: hours after the condition ended (window over, hazard ended; at the
  earliest after the alert was raised) before an alert nobody resolved is closed with an
  "all clear" (null: never);
- ``remind_after_hours``: a confirmed alert nobody resolved reminds its recipients this often;
- ``late_after_hours``: an alert about events older than this when raised (a history load, a
  phone offline for weeks) is recorded but goes to the daily digest, marked late;
- ``incidents``: types whose findings about the same herds (shared observations, overlapping
  windows) form one alert, e.g. a flow point's mass movement and the corridor's it causes;
- ``corroboration_km`` / ``corroboration_hours``: how near an independent report of the same
  kind must be to corroborate an event alert.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ttt.facts import ALERT_TYPES

TYPES = ALERT_TYPES
DELIVERY = ("immediate", "after_confirmation")


@dataclass(frozen=True)
class TypePolicy:
    delivery: str = "immediate"
    reopen_factor: float = 1.5
    auto_close_hours: float | None = 48.0
    remind_after_hours: float | None = 24.0

    def as_dict(self) -> dict[str, Any]:
        return {"delivery": self.delivery, "reopen_factor": self.reopen_factor,
                "auto_close_hours": self.auto_close_hours, "remind_after_hours": self.remind_after_hours}


_DEFAULT_TYPES = {t: TypePolicy() for t in TYPES} | {
    "event": TypePolicy(delivery="after_confirmation", auto_close_hours=None, remind_after_hours=24.0),
}


@dataclass(frozen=True)
class Lifecycle:
    types: Mapping[str, TypePolicy] = field(default_factory=lambda: dict(_DEFAULT_TYPES))
    late_after_hours: float | None = 168.0
    incidents: tuple[str, ...] = ("mass",)
    corroboration_km: float = 10.0
    corroboration_hours: float = 24.0

    def of(self, alert_type: str) -> TypePolicy:
        return self.types.get(alert_type) or TypePolicy()

    def as_dict(self) -> dict[str, Any]:
        return {"types": {t: p.as_dict() for t, p in sorted(self.types.items())},
                "late_after_hours": self.late_after_hours, "incidents": list(self.incidents),
                "corroboration_km": self.corroboration_km, "corroboration_hours": self.corroboration_hours}


def _num(v: Any, *, optional: bool = False) -> bool:
    if v is None:
        return optional
    return isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0


def parse_lifecycle(raw: Any, err) -> Lifecycle:
    """The ``lifecycle`` section (missing keys take the defaults); problems go to ``err``."""
    if raw is None:
        return Lifecycle()
    if not isinstance(raw, Mapping):
        err("lifecycle", "expected a mapping")
        return Lifecycle()
    known = ("types", "late_after_hours", "incidents", "corroboration_km", "corroboration_hours")
    for key in raw:
        if key not in known:
            err(f"lifecycle.{key}", f"unknown key; expected one of {', '.join(known)}")
    types = dict(_DEFAULT_TYPES)
    raw_types = raw.get("types") or {}
    if not isinstance(raw_types, Mapping):
        err("lifecycle.types", "expected a mapping alert type -> settings")
        raw_types = {}
    for t, spec in raw_types.items():
        where = f"lifecycle.types.{t}"
        if t not in TYPES:
            err(where, f"unknown alert type; expected one of {', '.join(TYPES)}")
            continue
        if not isinstance(spec, Mapping):
            err(where, "expected a mapping")
            continue
        base = types[t].as_dict()
        for key, value in spec.items():
            if key not in base:
                err(f"{where}.{key}", f"unknown key; expected one of {', '.join(base)}")
            elif key == "delivery" and value not in DELIVERY:
                err(f"{where}.delivery", f"expected one of {', '.join(DELIVERY)}, got {value!r}")
            elif key == "reopen_factor" and not (_num(value) and value >= 1):
                err(f"{where}.reopen_factor", f"expected a number >= 1, got {value!r}")
            elif key in ("auto_close_hours", "remind_after_hours") and not _num(value, optional=True):
                err(f"{where}.{key}", f"expected null or a number of hours >= 0, got {value!r}")
            else:
                base[key] = float(value) if isinstance(value, int) and not isinstance(value, bool) else value
        types[t] = TypePolicy(**base)
    late = raw.get("late_after_hours", Lifecycle.late_after_hours)
    if not _num(late, optional=True):
        err("lifecycle.late_after_hours", f"expected null or a number of hours >= 0, got {late!r}")
        late = Lifecycle.late_after_hours
    incidents = raw.get("incidents", list(Lifecycle.incidents))
    if not isinstance(incidents, list) or any(t not in TYPES for t in incidents):
        err("lifecycle.incidents", f"expected a list of alert types from {', '.join(TYPES)}, got {incidents!r}")
        incidents = list(Lifecycle.incidents)
    out: dict[str, float] = {}
    for key in ("corroboration_km", "corroboration_hours"):
        v = raw.get(key, getattr(Lifecycle, key))
        if not _num(v):
            err(f"lifecycle.{key}", f"expected a number >= 0, got {v!r}")
            v = getattr(Lifecycle, key)
        out[key] = float(v)
    return Lifecycle(types, None if late is None else float(late), tuple(incidents), **out)
