"""ACLED conflict events (CSV) picked out as farmer-herder conflict hazards.

Source: ACLED export columns ``event_id_cnty, event_date, year, time_precision,
disorder_type, event_type, sub_event_type, actor1, assoc_actor_1, inter1, actor2,
assoc_actor_2, inter2, interaction, civilian_targeting, iso, region, country, admin1,
admin2, admin3, location, latitude, longitude, geo_precision, source, source_scale, notes,
fatalities, tags, timestamp``. ``event_date`` is YYYY-MM-DD (exports also write
``12 September 2024``); ``timestamp`` is the Unix time of the row's last change, so it is
the version. Which events are farmer-herder conflict is data (the ``feeds.acled`` section
of the rules file): an event of a listed ``event_types`` whose actors or notes match.
Each kept event is a circle of ``radius_km`` around its point lasting ``lifetime_days``.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from shapely.geometry import Point

from corridors.feeds.readers.common import (
    HAZARD_KINDS,
    SEVERITIES,
    FormatError,
    Item,
    ReadResult,
    decode,
    utc,
)
from ttt.geo import buffer_m

REQUIRED = ("event_id_cnty", "event_date", "event_type", "latitude", "longitude")
ACTOR_COLUMNS = ("actor1", "assoc_actor_1", "actor2", "assoc_actor_2")


@dataclass(frozen=True)
class ConflictRules:
    """Which ACLED events are farmer-herder conflict (all comparisons case-insensitive)."""

    event_types: tuple[str, ...] = ("Battles", "Violence against civilians", "Riots")
    # ACLED names such actors "Pastoralists (Nigeria)", "Farmers (Burkina Faso)", "Fulani
    # Ethnic Militia (Mali)"; notes tell the rest (Clingendael's tagging criteria)
    actor_words: tuple[str, ...] = ("pastoralist", "herder", "farmer", "fulani", "peul")
    note_words: tuple[str, ...] = ("herder", "herdsm", "pastoralist", "transhuman", "grazing", "cattle", "livestock",
                                   "crop damage", "éleveur", "eleveur", "agriculteur", "bétail", "betail")
    radius_km: float = 10.0
    lifetime_days: float = 14.0
    kind: str = "conflict"
    severity_by_fatalities: tuple[tuple[str, int], ...] = (("minor", 0), ("moderate", 1), ("severe", 5), ("extreme", 20))

    def matches(self, row: Mapping[str, str]) -> str | None:
        """Why the event is farmer-herder conflict, or None."""
        if (row.get("event_type") or "").strip().lower() not in {t.lower() for t in self.event_types}:
            return None
        actors = " | ".join((row.get(c) or "") for c in ACTOR_COLUMNS).lower()
        for word in self.actor_words:
            if word.lower() in actors:
                return f"actor '{word}'"
        notes = (row.get("notes") or "").lower()
        for word in self.note_words:
            if word.lower() in notes:
                return f"notes mention '{word}'"
        return None

    def severity(self, fatalities: int) -> str:
        out = "minor"
        for name, floor in self.severity_by_fatalities:
            if fatalities >= floor and SEVERITIES.index(name) >= SEVERITIES.index(out):
                out = name
        return out


class RulesError(ValueError):
    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__("; ".join(f"{e['field']}: {e['message']}" for e in errors))
        self.errors = errors


def _words(value: Any, where: str, errors: list[dict[str, str]]) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, Sequence) or isinstance(value, str) or not all(isinstance(v, str) and v.strip() for v in value):
        errors.append({"field": where, "message": "expected a list of non-empty texts"})
        return ()
    return tuple(v.strip() for v in value)


def _positive(value: Any, default: float, where: str, errors: list[dict[str, str]]) -> float:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        errors.append({"field": where, "message": f"expected a positive number, got {value!r}"})
        return default
    return float(value)


def parse_conflict_rules(data: Any, where: str = "feeds.acled") -> ConflictRules:
    """The ``feeds.acled`` section of the rules file; every problem is listed with its path."""
    if data is None:
        return ConflictRules()
    errors: list[dict[str, str]] = []
    if not isinstance(data, Mapping):
        raise RulesError([{"field": where, "message": "expected a mapping"}])
    known = {"event_types", "actor_words", "note_words", "radius_km", "lifetime_days", "kind", "severity_by_fatalities"}
    for key in data:
        if key not in known:
            errors.append({"field": f"{where}.{key}", "message": f"unknown key; expected one of {', '.join(sorted(known))}"})
    base = ConflictRules()
    kind = data.get("kind", base.kind)
    if kind not in HAZARD_KINDS:
        errors.append({"field": f"{where}.kind", "message": f"expected one of {', '.join(HAZARD_KINDS)}"})
        kind = base.kind
    levels = data.get("severity_by_fatalities")
    sev = base.severity_by_fatalities
    if levels is not None:
        if not isinstance(levels, Mapping) or not all(k in SEVERITIES and isinstance(v, int) and v >= 0 for k, v in levels.items()):
            errors.append({"field": f"{where}.severity_by_fatalities",
                           "message": f"expected {{severity: minimum fatalities}} with severities {', '.join(SEVERITIES)}"})
        else:
            sev = tuple((k, int(v)) for k, v in levels.items())
    rules = ConflictRules(
        event_types=_words(data.get("event_types"), f"{where}.event_types", errors) or base.event_types,
        actor_words=_words(data.get("actor_words"), f"{where}.actor_words", errors) if "actor_words" in data
        else base.actor_words,
        note_words=_words(data.get("note_words"), f"{where}.note_words", errors) if "note_words" in data
        else base.note_words,
        radius_km=_positive(data.get("radius_km"), base.radius_km, f"{where}.radius_km", errors),
        lifetime_days=_positive(data.get("lifetime_days"), base.lifetime_days, f"{where}.lifetime_days", errors),
        kind=kind, severity_by_fatalities=sev,
    )
    if errors:
        raise RulesError(errors)
    return rules


def event_date(raw: str) -> datetime:
    s = raw.strip()
    for fmt in ("%Y-%m-%d", "%d %B %Y", "%d-%B-%Y", "%d/%m/%Y"):
        try:
            return utc(datetime.strptime(s, fmt))
        except ValueError:
            continue
    raise ValueError(f"event_date: expected YYYY-MM-DD, got {raw!r}")


@dataclass(frozen=True)
class AcledOptions:
    rules: ConflictRules = field(default_factory=ConflictRules)
    radius_km: float | None = None  # feed override
    lifetime_hours: float | None = None  # feed override (expiry)


def read_acled(data: bytes, options: AcledOptions = AcledOptions()) -> ReadResult:
    reader = csv.DictReader(io.StringIO(decode(data)))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise FormatError(f"not an ACLED events CSV: missing {', '.join(missing)}")
    reader.fieldnames = header
    rules = options.rules
    radius = options.radius_km or rules.radius_km
    lifetime = timedelta(hours=options.lifetime_hours) if options.lifetime_hours else timedelta(days=rules.lifetime_days)
    result = ReadResult()
    for n, row in enumerate(reader, start=2):
        result.records += 1
        eid = (row.get("event_id_cnty") or "").strip()
        where = f"line {n}"
        if not eid:
            result.refuse(where, "event_id_cnty is empty")
            continue
        source_id = f"acled:{eid}"
        why = rules.matches(row)
        if why is None:
            result.skip(where, "not a farmer-herder conflict event under the rules", source_id)
            continue
        try:
            lat, lon = float(row.get("latitude") or ""), float(row.get("longitude") or "")
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise ValueError
        except ValueError:
            result.refuse(where, f"latitude/longitude: expected numbers, got {row.get('latitude')!r}, {row.get('longitude')!r}", source_id)
            continue
        try:
            day = event_date(row.get("event_date") or "")
        except ValueError as exc:
            result.refuse(where, str(exc), source_id)
            continue
        raw_f = (row.get("fatalities") or "0").strip() or "0"
        if not raw_f.isdigit():
            result.refuse(where, f"fatalities: expected a whole number, got {raw_f!r}", source_id)
            continue
        fatalities = int(raw_f)
        place = ", ".join(p for p in (row.get("location"), row.get("admin2"), row.get("country")) if p)
        actors = " vs ".join(a for a in (row.get("actor1"), row.get("actor2")) if a)
        description = (f"{row.get('sub_event_type') or row.get('event_type')} at {place} on {day:%Y-%m-%d}"
                       f" ({actors}; {fatalities} killed). Picked out by {why}.")
        if row.get("notes"):
            description += f" ACLED notes: {row['notes'].strip()}"
        result.items.append(Item(
            source_id=source_id, version=(row.get("timestamp") or "").strip() or row.get("event_date", ""),
            kind=rules.kind, severity=rules.severity(fatalities),
            geometry=buffer_m(Point(lon, lat), radius * 1000.0), starts_at=day, ends_at=day + lifetime,
            description=description,
        ))
    return result
