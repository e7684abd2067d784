"""Aggregate daily rows into the statistics contract: series, totals, rankings, comparisons.

Input is columnar (`DailyRows`: numpy arrays, one row per flow point x day x movement or any
coarser grouping), so the same code serves a handful of rollup rows or millions of raw
observations. Counts stay int64 all the way (exact); TLU is computed from the integer totals
of each period with integer milli-TLU factors, so a total never drifts from its parts.

Filters: `species` restricts animals, TLU and the movement split to those species (other
species read 0); `observations` and `herders` count every herd seen in the period, because a
herd of mixed species has one set of herders. `direction` keeps only rows of that movement.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from corridors.stats.periods import SeasonStart, bucket_index, period_starts
from corridors.stats.tlu import HERDER_GROUPS, MOVEMENTS, SPECIES, TLUFactors


@dataclass(frozen=True)
class DailyRow:
    """One day of counts at one flow point for one movement (descent/return/unknown)."""

    flow_point: str
    day: dt.date
    movement: str
    animals: Mapping[str, int] = field(default_factory=dict)
    herders: Mapping[str, int] = field(default_factory=dict)
    observations: int = 0
    corridor: str | None = None


@dataclass
class DailyRows:
    """Columnar daily rows: `days` datetime64[D], `movement` index into MOVEMENTS,
    `animals` (n, 7) and `herders` (n, 4) int64 in SPECIES / HERDER_GROUPS order,
    `observations` (n,), and optional `keys` (n,) to group by (corridor, flow point...)."""

    days: np.ndarray
    movement: np.ndarray
    animals: np.ndarray
    herders: np.ndarray
    observations: np.ndarray
    keys: np.ndarray | None = None

    def __post_init__(self) -> None:
        n = len(self.days)
        self.days = np.asarray(self.days, dtype="datetime64[D]")
        self.movement = np.asarray(self.movement, dtype=np.int64).reshape(n)
        self.animals = np.asarray(self.animals, dtype=np.int64).reshape(n, len(SPECIES))
        self.herders = np.asarray(self.herders, dtype=np.int64).reshape(n, len(HERDER_GROUPS))
        self.observations = np.asarray(self.observations, dtype=np.int64).reshape(n)
        if self.keys is not None:
            self.keys = np.asarray(self.keys, dtype=object).reshape(n)
        if n and (self.movement.min() < 0 or self.movement.max() >= len(MOVEMENTS)):
            raise ValueError(f"movement index out of range 0..{len(MOVEMENTS) - 1}")

    def __len__(self) -> int:
        return len(self.days)

    @classmethod
    def empty(cls) -> DailyRows:
        return cls(np.array([], dtype="datetime64[D]"), np.zeros(0), np.zeros((0, len(SPECIES))),
                   np.zeros((0, len(HERDER_GROUPS))), np.zeros(0))

    @classmethod
    def from_records(cls, rows: Iterable[DailyRow], key: str | None = None) -> DailyRows:
        """Build from `DailyRow`s; `key` names the attribute to group by ("corridor", "flow_point")."""
        rows = list(rows)
        movement = []
        for i, r in enumerate(rows):
            if r.movement not in MOVEMENTS:
                raise ValueError(f"row {i} ({r.flow_point} {r.day}): movement {r.movement!r}, expected one of {', '.join(MOVEMENTS)}")
            movement.append(MOVEMENTS.index(r.movement))
        return cls(
            days=np.array([r.day for r in rows], dtype="datetime64[D]"),
            movement=np.array(movement, dtype=np.int64),
            animals=np.array([[int(r.animals.get(s, 0)) for s in SPECIES] for r in rows], dtype=np.int64).reshape(len(rows), len(SPECIES)),
            herders=np.array([[int(r.herders.get(g, 0)) for g in HERDER_GROUPS] for r in rows], dtype=np.int64).reshape(len(rows), len(HERDER_GROUPS)),
            observations=np.array([r.observations for r in rows], dtype=np.int64),
            keys=np.array([getattr(r, key) for r in rows], dtype=object) if key else None,
        )

    def select(self, mask: np.ndarray) -> DailyRows:
        return DailyRows(self.days[mask], self.movement[mask], self.animals[mask], self.herders[mask],
                         self.observations[mask], None if self.keys is None else self.keys[mask])


@dataclass(frozen=True)
class Figures:
    """Counts for one period (or a total): the contract's series item without its date."""

    observations: int
    animals: dict[str, int]
    tlu: float
    herders: dict[str, int]
    movement: dict[str, int]

    def as_dict(self) -> dict[str, Any]:
        return {
            "observations": self.observations,
            "animals": dict(self.animals),
            "tlu": self.tlu,
            "herders": dict(self.herders),
            "movement": dict(self.movement),
        }


@dataclass(frozen=True)
class PeriodFigures:
    period_start: dt.date
    period_end: dt.date  # inclusive, clipped to the asked range
    figures: Figures

    def as_dict(self) -> dict[str, Any]:
        return {"period_start": self.period_start.isoformat(), "period_end": self.period_end.isoformat(),
                **self.figures.as_dict()}


@dataclass(frozen=True)
class Summary:
    interval: str
    first: dt.date
    last: dt.date
    series: list[PeriodFigures]
    totals: Figures


def species_mask(species: Sequence[str] | None) -> np.ndarray:
    """Boolean vector over SPECIES: all True when no filter is given."""
    if not species:
        return np.ones(len(SPECIES), dtype=bool)
    unknown = [s for s in species if s not in SPECIES]
    if unknown:
        raise ValueError(f"species {', '.join(map(repr, unknown))}: expected any of {', '.join(SPECIES)}")
    return np.array([s in species for s in SPECIES], dtype=bool)


def _filter(rows: DailyRows, first: dt.date, last: dt.date, direction: str | None) -> DailyRows:
    mask = (rows.days >= np.datetime64(first, "D")) & (rows.days <= np.datetime64(last, "D"))
    if direction is not None:
        if direction not in MOVEMENTS:
            raise ValueError(f"direction {direction!r}: expected one of {', '.join(MOVEMENTS)}")
        mask &= rows.movement == MOVEMENTS.index(direction)
    return rows.select(mask)


@dataclass
class _Sums:
    """Per-group integer sums, the only arithmetic on counts in this module."""

    animals: np.ndarray  # (g, 7)
    herders: np.ndarray  # (g, 4)
    observations: np.ndarray  # (g,)
    movement: np.ndarray  # (g, 3) animals of selected species by movement


def _accumulate(rows: DailyRows, group: np.ndarray, n_groups: int, smask: np.ndarray) -> _Sums:
    animals = np.zeros((n_groups, len(SPECIES)), dtype=np.int64)
    herders = np.zeros((n_groups, len(HERDER_GROUPS)), dtype=np.int64)
    observations = np.zeros(n_groups, dtype=np.int64)
    movement = np.zeros((n_groups, len(MOVEMENTS)), dtype=np.int64)
    if len(rows):
        selected = rows.animals * smask.astype(np.int64)
        np.add.at(animals, group, selected)
        np.add.at(herders, group, rows.herders)
        np.add.at(observations, group, rows.observations)
        np.add.at(movement, (group, rows.movement), selected.sum(axis=1))
    return _Sums(animals, herders, observations, movement)


def _figures(sums: _Sums, factors: TLUFactors) -> list[Figures]:
    """One Figures per group; numpy does the sums and TLU, Python only builds the dicts."""
    animals = sums.animals.tolist()
    herders = sums.herders.tolist()
    movement = sums.movement.tolist()
    observations = sums.observations.tolist()
    milli_tlu = (sums.animals @ factors.milli_vector()).tolist()
    out = []
    for i in range(len(observations)):
        a = dict(zip(SPECIES, animals[i], strict=True))
        a["total"] = sum(animals[i])
        h = dict(zip(HERDER_GROUPS, herders[i], strict=True))
        h["total"] = sum(herders[i])
        out.append(Figures(observations[i], a, milli_tlu[i] / 1000, h, dict(zip(MOVEMENTS, movement[i], strict=True))))
    return out


_ZERO = Figures(0, dict.fromkeys((*SPECIES, "total"), 0), 0.0, dict.fromkeys((*HERDER_GROUPS, "total"), 0),
                dict.fromkeys(MOVEMENTS, 0))


def zero_figures() -> Figures:
    """Figures of a place with nothing counted (a fresh copy: callers may keep it)."""
    return Figures(0, dict(_ZERO.animals), 0.0, dict(_ZERO.herders), dict(_ZERO.movement))


def summarise(
    rows: DailyRows,
    first: dt.date,
    last: dt.date,
    interval: str,
    *,
    season: SeasonStart | None = None,
    factors: TLUFactors | None = None,
    species: Sequence[str] | None = None,
    direction: str | None = None,
) -> Summary:
    """Series (one item per period overlapping [first, last], empty periods included, so a
    chart's time axis has no holes) and totals over [first, last] (inclusive)."""
    factors = factors or TLUFactors()
    smask = species_mask(species)
    starts = period_starts(first, last, interval, season)
    kept = _filter(rows, first, last, direction)
    idx = bucket_index(kept.days, starts)
    sums = _accumulate(kept, idx, len(starts), smask)
    ends = [s - dt.timedelta(days=1) for s in starts[1:]] + [last]
    series = [PeriodFigures(starts[i], min(ends[i], last), f) for i, f in enumerate(_figures(sums, factors))]
    total = _Sums(sums.animals.sum(axis=0, keepdims=True), sums.herders.sum(axis=0, keepdims=True),
                  sums.observations.sum(keepdims=True).reshape(1), sums.movement.sum(axis=0, keepdims=True))
    return Summary(interval, first, last, series, _figures(total, factors)[0])


def totals_by_key(
    rows: DailyRows,
    first: dt.date,
    last: dt.date,
    *,
    factors: TLUFactors | None = None,
    species: Sequence[str] | None = None,
    direction: str | None = None,
) -> dict[Any, Figures]:
    """Totals over [first, last] for each distinct `rows.keys` value (corridor, flow point...)."""
    if rows.keys is None:
        raise ValueError("totals_by_key needs rows built with keys")
    factors = factors or TLUFactors()
    smask = species_mask(species)
    kept = _filter(rows, first, last, direction)
    if not len(kept):
        return {}
    labels, inverse = np.unique(kept.keys.astype(str), return_inverse=True)
    sums = _accumulate(kept, inverse.reshape(-1), len(labels), smask)
    return {str(label): f for label, f in zip(labels.tolist(), _figures(sums, factors), strict=True)}


RANK_BY = ("animals", "tlu", "observations", "herders")


def rank(totals: Mapping[Any, Figures], by: str = "animals") -> list[tuple[Any, Figures]]:
    """Keys ordered by the chosen measure, largest first; ties broken by key for stable pages."""
    if by not in RANK_BY:
        raise ValueError(f"rank by {by!r}: expected one of {', '.join(RANK_BY)}")

    def measure(f: Figures) -> float:
        if by == "animals":
            return f.animals["total"]
        if by == "herders":
            return f.herders["total"]
        return getattr(f, by)

    return sorted(totals.items(), key=lambda kv: (-measure(kv[1]), str(kv[0])))


def change(current: float, previous: float) -> dict[str, float | None]:
    """Absolute and percent change; percent is None when the base is 0 (undefined, not infinite)."""
    absolute = current - previous
    if isinstance(current, float) or isinstance(previous, float):
        absolute = round(absolute, 3)
    percent = None if previous == 0 else round(100.0 * (current - previous) / previous, 1)
    return {"absolute": absolute, "percent": percent}


def compare(current: Figures, previous: Figures) -> dict[str, Any]:
    """Change from `previous` to `current`, shaped like the figures, each leaf {absolute, percent}."""
    return {
        "observations": change(current.observations, previous.observations),
        "animals": {k: change(v, previous.animals[k]) for k, v in current.animals.items()},
        "tlu": change(current.tlu, previous.tlu),
        "herders": {k: change(v, previous.herders[k]) for k, v in current.herders.items()},
        "movement": {k: change(v, previous.movement[k]) for k, v in current.movement.items()},
    }
