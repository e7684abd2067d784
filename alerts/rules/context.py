"""What every rule needs besides its parameters: derived columns computed once per run,
scope masks, and the one way to build a Finding (key, headline, evidence)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

import numpy as np
from shapely.geometry.base import BaseGeometry

from alerts.rules import timegrid
from alerts.rules.config import Rule, RuleSet
from alerts.rules.model import Evidence, Finding, Observations, Snapshot, to_utc

MAX_EVIDENCE_IDS = 500  # an alert lists at most this many observation ids (the latest ones)


@dataclass(eq=False)
class Context:
    """A run of the rules over one snapshot, for findings in (since, now]."""

    snapshot: Snapshot
    rules: RuleSet
    now_s: int
    since_s: int
    _masks: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def obs(self) -> Observations:
        return self.snapshot.observations

    @cached_property
    def t_s(self) -> np.ndarray:
        return timegrid.seconds(self.obs.observed_at)

    @cached_property
    def known(self) -> np.ndarray:
        """Rows that exist as of ``now`` (a backtest never peeks at the future)."""
        return self.t_s <= self.now_s

    @cached_property
    def in_range(self) -> np.ndarray:
        """Rows whose own time is in the evaluated range (since, now]."""
        return self.known & (self.t_s > self.since_s)

    @cached_property
    def tlu(self) -> np.ndarray:
        f = np.array([self.rules.tlu_factors.get(s, 0.0) for s in self.obs.species])
        return self.obs.animals @ f

    @cached_property
    def season(self) -> np.ndarray:
        return timegrid.season_year(self.obs.observed_at, self.rules.season_start)

    @cached_property
    def season_offset(self) -> np.ndarray:
        return timegrid.season_offset_days(self.obs.observed_at, self.rules.season_start)

    @cached_property
    def countries(self) -> tuple[str, ...]:
        names = {fp.country for fp in self.snapshot.flow_points if fp.country}
        for c in self.snapshot.corridors:
            names.update(c.countries)
        return tuple(sorted(n.upper() for n in names))

    @cached_property
    def country(self) -> np.ndarray:
        """Country index of each row: its flow point's, else its corridor's first (-1 none)."""
        idx = {c: i for i, c in enumerate(self.countries)}
        fp_c = np.array(
            [idx.get((f.country or "").upper(), -1) for f in self.snapshot.flow_points] + [-1], dtype=np.int32
        )
        co_c = np.array(
            [idx.get(c.countries[0].upper(), -1) if c.countries else -1 for c in self.snapshot.corridors] + [-1],
            dtype=np.int32,
        )
        by_fp = fp_c[self.obs.flow_point]  # -1 indexes the trailing -1
        by_co = co_c[self.obs.corridor]
        return np.where(by_fp >= 0, by_fp, by_co)

    def scope_mask(self, rule: Rule) -> np.ndarray:
        """Rows this rule looks at: inside its scope, outside the scopes of rules overriding it."""
        if rule.id in self._masks:
            return self._masks[rule.id]
        mask = self._in_scope(rule) & self.known
        for other in self.rules.rules:
            if rule.id in other.overrides:
                mask &= ~self._in_scope(other)
        self._masks[rule.id] = mask
        return mask

    def _in_scope(self, rule: Rule) -> np.ndarray:
        n = len(self.obs)
        if rule.scope.kind == "everywhere":
            return np.ones(n, dtype=bool)
        if rule.scope.kind == "country":
            code = rule.scope.value.upper()
            if code not in self.countries:
                return np.zeros(n, dtype=bool)
            return self.country == self.countries.index(code)
        codes = [i for i, c in enumerate(self.snapshot.corridors) if c.code == rule.scope.value]
        return np.isin(self.obs.corridor, codes) if codes else np.zeros(n, dtype=bool)

    def corridor_in_scope(self, rule: Rule, ci: int) -> bool:
        """Whether a corridor (by index) is inside a rule's scope (for place-level rules)."""
        c = self.snapshot.corridors[ci]
        if rule.scope.kind == "corridor":
            ok = c.code == rule.scope.value
        elif rule.scope.kind == "country":
            ok = rule.scope.value.upper() in {x.upper() for x in c.countries}
        else:
            ok = True
        for other in self.rules.rules:
            if rule.id not in other.overrides:
                continue
            if other.scope.kind == "everywhere" or (other.scope.kind == "corridor" and c.code == other.scope.value) or (
                other.scope.kind == "country" and other.scope.value.upper() in {x.upper() for x in c.countries}
            ):
                ok = False
        return ok

    # --- places -------------------------------------------------------------------------

    def fp_code(self, i: int) -> str | None:
        return self.snapshot.flow_points[i].code if i >= 0 else None

    def corridor_code(self, i: int) -> str | None:
        return self.snapshot.corridors[i].code if i >= 0 else None

    def fp_corridor_code(self, i: int) -> str | None:
        return self.corridor_code(self.snapshot.flow_points[i].corridor) if i >= 0 else None

    def fp_geometry(self, i: int) -> BaseGeometry | None:
        return self.snapshot.flow_points[i].location if i >= 0 else None

    def corridor_geometry(self, i: int) -> BaseGeometry | None:
        return self.snapshot.corridors[i].geometry if i >= 0 else None

    # --- findings -----------------------------------------------------------------------

    def finding(
        self,
        rule: Rule,
        *,
        place: str,
        window_label: str,
        window_start_s: int,
        window_end_s: int,
        severity: str,
        corridor: str | None,
        flow_point: str | None,
        headline: Mapping[str, str],
        observed: Any,
        baseline: Any,
        threshold: Any,
        rows: np.ndarray,
        geometry: BaseGeometry | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> Finding:
        """A finding with its dedup key ``rule|place|window`` and the evidence rows' ids."""
        rows = np.asarray(rows)
        if rows.dtype == bool:
            rows = np.flatnonzero(rows)
        order = np.argsort(self.t_s[rows], kind="stable")
        rows = rows[order]
        extra = dict(details or {})
        if len(rows) > MAX_EVIDENCE_IDS:
            extra["observations_total"] = int(len(rows))
            rows = rows[-MAX_EVIDENCE_IDS:]
        ids = tuple(_id_text(x) for x in self.obs.id[rows])
        return Finding(
            rule=rule.id,
            type=rule.type,
            severity=severity,
            corridor=corridor,
            flow_point=flow_point,
            window_start=_dt(window_start_s),
            window_end=_dt(window_end_s),
            headline=dict(headline),
            dedup_key=f"{rule.id}|{place}|{window_label}",
            place=place,
            evidence=Evidence(
                rule=rule.id,
                rule_version=self.rules.version,
                observed=_plain(observed),
                baseline=_plain(baseline),
                threshold=_plain(threshold),
                observations=ids,
                details={k: _plain(v) for k, v in extra.items()},
            ),
            geometry=geometry,
            suppress_hours=rule.suppress_hours,
        )


DENSE_KEYS = 5_000_000  # below this many possible keys, group by table lookup instead of sorting


def factorize(*cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows of integer columns and each row's group: like
    ``np.unique(np.stack(cols), axis=1, return_inverse=True)``, but through one int64 key,
    and without any sort when the key space is small (a table lookup is linear)."""
    cols64 = [np.asarray(c, dtype=np.int64) for c in cols]
    n = len(cols64[0])
    if n == 0:
        return np.zeros((len(cols64), 0), dtype=np.int64), np.zeros(0, dtype=np.int64)
    key = np.zeros(n, dtype=np.int64)
    bounds = []
    size = 1
    for c in cols64:
        lo = int(c.min())
        span = int(c.max()) - lo + 1
        key = key * span + (c - lo)
        bounds.append((lo, span))
        size *= span
    if size <= max(DENSE_KEYS, 0):
        present = np.bincount(key, minlength=size) > 0
        uniq = np.flatnonzero(present)
        lookup = np.full(size, -1, dtype=np.int64)
        lookup[uniq] = np.arange(len(uniq))
        inverse = lookup[key]
    else:
        uniq, inverse = np.unique(key, return_inverse=True)
    out = []
    rest = uniq
    for lo, span in reversed(bounds):
        out.append(rest % span + lo)
        rest = rest // span
    return np.stack(out[::-1]), inverse.ravel()


def group_rows(inverse: np.ndarray, n_groups: int) -> list[np.ndarray]:
    """Positions belonging to each group id (from ``np.unique(..., return_inverse=True)``)."""
    inverse = np.asarray(inverse).ravel()
    order = np.argsort(inverse, kind="stable")
    bounds = np.searchsorted(inverse[order], np.arange(n_groups + 1))
    return [order[bounds[j]:bounds[j + 1]] for j in range(n_groups)]


def _id_text(x: Any) -> str:
    """An observation id as text; raw 16-byte UUIDs (as loaded by binary COPY) in UUID form."""
    if isinstance(x, np.void) and x.dtype.itemsize == 16:
        return str(uuid.UUID(bytes=x.tobytes()))
    return str(x)


def _dt(secs: int) -> datetime:
    return to_utc(np.datetime64(int(secs), "s"))


def _plain(v: Any) -> Any:
    """JSON-ready numbers: numpy scalars to Python, floats rounded to 2 decimals."""
    if isinstance(v, Mapping):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float):
        if v != v:  # NaN
            return None
        return int(v) if v.is_integer() else round(v, 2)
    return v


def label_day(secs: int) -> str:
    """A window label from its start: 2025-10-03T00:00Z."""
    return np.datetime_as_string(np.datetime64(int(secs), "s"), unit="m") + "Z"


def fmt_int(v: float) -> str:
    """12 345 (thin-space free, readable in SMS) for both languages."""
    return f"{round(v):,}".replace(",", " ")
