"""Plain input and output data of the rules engine (no database, no web).

Observations are columns (numpy arrays), not objects: a season at 500 flow points is about
a million rows and every rule is a handful of vectorised operations over them. Places are
integer indexes into the snapshot's ``corridors`` / ``flow_points`` tuples (-1 = none),
origins and destinations indexes into ``places``, so grouping never sorts strings.

Times are ``datetime64[s]`` in UTC inside arrays and timezone-aware UTC ``datetime`` in
findings.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
from shapely.geometry.base import BaseGeometry

from ttt.facts import DIRECTIONS, FINDING_TYPES, SEVERITIES, SPECIES, severity_rank  # noqa: F401 - re-exported to the rules

# movement codes in Observations.movement
UNKNOWN, DESCENT, RETURN = 0, 1, 2
MOVEMENT_CODES: dict[str, int] = {"unknown": UNKNOWN, "descent": DESCENT, "return": RETURN}
MOVEMENT_NAMES: tuple[str, ...] = ("unknown", *DIRECTIONS)  # indexed by the codes above


def to_utc(value: datetime | date | np.datetime64) -> datetime:
    """A timezone-aware UTC datetime from a datetime (naive = UTC), date or datetime64."""
    if isinstance(value, np.datetime64):
        secs = int(value.astype("datetime64[s]").astype(np.int64))
        return datetime.fromtimestamp(secs, tz=UTC)
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


def to_dt64(value: datetime | date | np.datetime64) -> np.datetime64:
    """A ``datetime64[s]`` UTC instant (naive datetimes are taken as UTC)."""
    if isinstance(value, np.datetime64):
        return value.astype("datetime64[s]")
    return np.datetime64(int(to_utc(value).timestamp()), "s")


@dataclass(frozen=True)
class Corridor:
    """A corridor as the rules see it; ``geometry`` in EPSG:4326, drawn in descent direction."""

    code: str
    geometry: BaseGeometry | None = None
    tolerance_m: float = 5000.0
    status: str = "open"  # open | closed
    countries: tuple[str, ...] = ()


@dataclass(frozen=True)
class FlowPoint:
    """A flow monitoring point; ``active=False`` means closed to herds."""

    code: str
    corridor: int = -1  # index into Snapshot.corridors
    country: str | None = None  # ISO alpha-2 (adm0 P-code)
    active: bool = True
    location: BaseGeometry | None = None


@dataclass(frozen=True)
class Hazard:
    """An active or scheduled hazard; ``ends=None`` means still going."""

    id: Any
    kind: str
    severity: str
    geometry: BaseGeometry
    starts: datetime
    ends: datetime | None = None
    version: str = ""  # changes whenever the hazard changes (its alerts then follow it)


@dataclass(frozen=True, eq=False)
class Observations:
    """One row per counted herd, as columns of equal length.

    ``animals`` has one column per name in ``species``. ``origin`` / ``destination`` index
    ``places`` (-1 = not given). ``heading`` is degrees clockwise from north (NaN unknown).
    ``already_counted`` herds are left out of corridor totals (they were counted upstream).
    """

    id: np.ndarray
    observed_at: np.ndarray
    flow_point: np.ndarray
    corridor: np.ndarray
    animals: np.ndarray
    movement: np.ndarray
    off_corridor: np.ndarray
    distance_m: np.ndarray
    origin: np.ndarray
    destination: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    heading: np.ndarray
    already_counted: np.ndarray
    species: tuple[str, ...] = SPECIES
    places: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        n = len(self.id)
        for name in (
            "observed_at", "flow_point", "corridor", "movement", "off_corridor", "distance_m",
            "origin", "destination", "lon", "lat", "heading", "already_counted",
        ):
            if len(getattr(self, name)) != n:
                raise ValueError(f"observations column {name!r} has {len(getattr(self, name))} rows, expected {n}")
        if self.animals.shape != (n, len(self.species)):
            raise ValueError(
                f"observations column 'animals' has shape {self.animals.shape}, "
                f"expected ({n}, {len(self.species)}) (one column per species)"
            )

    def __len__(self) -> int:
        return len(self.id)

    def take(self, index: np.ndarray) -> Observations:
        """The rows selected by a boolean mask or integer index."""
        cols = {
            name: getattr(self, name)[index]
            for name in (
                "id", "observed_at", "flow_point", "corridor", "animals", "movement",
                "off_corridor", "distance_m", "origin", "destination", "lon", "lat",
                "heading", "already_counted",
            )
        }
        return Observations(**cols, species=self.species, places=self.places)

    @classmethod
    def empty(cls, species: tuple[str, ...] = SPECIES) -> Observations:
        return observations_from_records([], corridors=(), flow_points=(), species=species)


def observations_from_records(
    records: Iterable[Mapping[str, Any]],
    corridors: Sequence[Corridor],
    flow_points: Sequence[FlowPoint],
    species: tuple[str, ...] = SPECIES,
    places: Sequence[str] = (),
) -> Observations:
    """Columns from dict rows with codes as strings (tests, small loads).

    Keys: id, observed_at, flow_point (code), corridor (code; defaults to the flow point's),
    one key per species (or ``animals`` mapping), movement, off_corridor, distance_m, origin,
    destination, lon, lat, heading, already_counted. Unknown codes raise ValueError naming
    the record and field.
    """
    cidx = {c.code: i for i, c in enumerate(corridors)}
    fidx = {f.code: i for i, f in enumerate(flow_points)}
    vocab: dict[str, int] = {p: i for i, p in enumerate(places)}
    cols: dict[str, list[Any]] = {k: [] for k in (
        "id", "observed_at", "flow_point", "corridor", "animals", "movement", "off_corridor",
        "distance_m", "origin", "destination", "lon", "lat", "heading", "already_counted")}

    def place(value: Any) -> int:
        if value in (None, ""):
            return -1
        return vocab.setdefault(str(value), len(vocab))

    for n, r in enumerate(records):
        rid = r.get("id", n)
        fp = r.get("flow_point")
        if fp is not None and fp not in fidx:
            raise ValueError(f"observation {rid}: flow_point {fp!r} is not a known flow point")
        fpi = fidx[fp] if fp is not None else -1
        co = r.get("corridor")
        if co is not None and co not in cidx:
            raise ValueError(f"observation {rid}: corridor {co!r} is not a known corridor")
        coi = cidx[co] if co is not None else (flow_points[fpi].corridor if fpi >= 0 else -1)
        mv = r.get("movement", "unknown") or "unknown"
        if mv not in MOVEMENT_CODES:
            raise ValueError(f"observation {rid}: movement {mv!r}, expected descent, return or unknown")
        counts = r.get("animals") or {s: r.get(s, 0) for s in species}
        cols["id"].append(rid)
        cols["observed_at"].append(to_dt64(r["observed_at"]))
        cols["flow_point"].append(fpi)
        cols["corridor"].append(coi)
        cols["animals"].append([int(counts.get(s, 0) or 0) for s in species])
        cols["movement"].append(MOVEMENT_CODES[mv])
        cols["off_corridor"].append(bool(r.get("off_corridor", False)))
        cols["distance_m"].append(_f(r.get("distance_m")))
        cols["origin"].append(place(r.get("origin")))
        cols["destination"].append(place(r.get("destination")))
        cols["lon"].append(_f(r.get("lon")))
        cols["lat"].append(_f(r.get("lat")))
        cols["heading"].append(_f(r.get("heading")))
        cols["already_counted"].append(bool(r.get("already_counted", False)))
    n = len(cols["id"])
    ids = np.empty(n, dtype=object)
    ids[:] = cols["id"]
    return Observations(
        id=ids,
        observed_at=np.array(cols["observed_at"], dtype="datetime64[s]"),
        flow_point=np.array(cols["flow_point"], dtype=np.int32),
        corridor=np.array(cols["corridor"], dtype=np.int32),
        animals=np.array(cols["animals"], dtype=np.int64).reshape(n, len(species)),
        movement=np.array(cols["movement"], dtype=np.int8),
        off_corridor=np.array(cols["off_corridor"], dtype=bool),
        distance_m=np.array(cols["distance_m"], dtype=np.float64),
        origin=np.array(cols["origin"], dtype=np.int32),
        destination=np.array(cols["destination"], dtype=np.int32),
        lon=np.array(cols["lon"], dtype=np.float64),
        lat=np.array(cols["lat"], dtype=np.float64),
        heading=np.array(cols["heading"], dtype=np.float64),
        already_counted=np.array(cols["already_counted"], dtype=bool),
        species=tuple(species),
        places=tuple(sorted(vocab, key=vocab.__getitem__)),
    )


def _f(value: Any) -> float:
    return float("nan") if value is None else float(value)


@dataclass(frozen=True, eq=False)
class Snapshot:
    """Everything the rules look at, at one moment.

    ``calendars`` are the calendar entries as ``corridors.calendars`` understands them; they
    are resolved into per-observation windows by :mod:`alerts.rules.windows`.
    """

    observations: Observations
    corridors: tuple[Corridor, ...] = ()
    flow_points: tuple[FlowPoint, ...] = ()
    calendars: tuple[Any, ...] = ()
    hazards: tuple[Hazard, ...] = ()
    #: flow point index -> UTC day starts (epoch seconds) its enumerator reported "no herd
    #: passed": known zeros, unlike days nobody reported (unknown)
    zero_days: Mapping[int, np.ndarray] = field(default_factory=dict)


@dataclass(frozen=True)
class Evidence:
    """Why a finding was raised: enough for a field officer to check it by hand."""

    rule: str
    rule_version: str
    observed: Any
    baseline: Any
    threshold: Any
    observations: tuple[Any, ...] = ()
    details: Mapping[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "rule_version": self.rule_version,
            "observed": self.observed,
            "baseline": self.baseline,
            "threshold": self.threshold,
            "observations": [str(o) for o in self.observations],
            **({"details": dict(self.details)} if self.details else {}),
        }


@dataclass(frozen=True)
class Finding:
    """One rule firing for one place and one window; becomes or updates an Alert.

    ``dedup_key`` is ``rule|place|window``: the same trigger always yields the same key, so
    replaying data never makes a second alert. ``place`` is what suppression groups on.
    """

    rule: str
    type: str
    severity: str
    corridor: str | None
    flow_point: str | None
    window_start: datetime
    window_end: datetime
    headline: Mapping[str, str]
    dedup_key: str
    place: str
    evidence: Evidence
    geometry: BaseGeometry | None = None
    suppress_hours: float = 0.0

    @property
    def observation_ids(self) -> frozenset[str]:
        return frozenset(str(o) for o in self.evidence.observations)
