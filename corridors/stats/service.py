"""Statistics use cases: resolve the place and the caller's scope, read rollups, aggregate,
compare with the previous season, render JSON / CSV (HXL) / PNG / SVG.

Scope: analysts and admins see everything. A partner with P-code scopes sees only figures
from flow points whose most specific P-code lies inside a scope; a corridor or area that is
only partly inside is cut to that part (`restricted_to_scope: true`), one with no point
inside is refused. Counts without a flow point (GPS-only herds) are outside every scope.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy.orm import Session

from corridors.stats import repository
from corridors.stats.aggregate import (
    RANK_BY,
    Figures,
    Summary,
    compare,
    rank,
    summarise,
    totals_by_key,
    zero_figures,
)
from corridors.stats.charts import render_series_chart
from corridors.stats.hxl_csv import ranking_csv, series_csv
from corridors.stats.periods import INTERVALS, SeasonStart, period_starts, previous_season_range
from corridors.stats.tlu import MOVEMENTS, TLUFactors, normalise_species
from ttt.config import get_settings
from ttt.errors import Forbidden, NotFound, ValidationFailed
from ttt.users import Principal

MAX_PERIODS = 4000
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2199, 12, 31)
_MIN_DAYS = {"day": 1, "week": 7, "month": 28, "season": 365}
FORMATS = ("json", "csv", "png", "svg")
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "png": "image/png", "svg": "image/svg+xml"}
PCODE_RE = re.compile(r"^[A-Za-z]{2}[A-Za-z0-9]{0,18}$")


@lru_cache(maxsize=4)
def _config(season_start: str, factors: tuple) -> tuple[SeasonStart, TLUFactors]:
    return SeasonStart.parse(season_start), TLUFactors.from_mapping(dict(factors))


def config() -> tuple[SeasonStart, TLUFactors]:
    """Season start and TLU factors from settings (TTT_SEASON_START, TTT_TLU_FACTORS)."""
    s = get_settings()
    return _config(s.season_start, tuple(sorted(s.tlu_factors.items())))


@dataclass(frozen=True)
class StatsQuery:
    first: dt.date | None = None
    last: dt.date | None = None
    interval: str = "month"
    species: tuple[str, ...] | None = None
    direction: str | None = None
    compare: str | None = None

    @classmethod
    def build(cls, first=None, last=None, interval="month", species: Sequence[str] | None = None,
              direction=None, compare=None) -> StatsQuery:
        """Validate raw parameters; every problem is reported with its parameter name."""
        errors = []
        names: list[str] = []
        for item in species or []:
            for name in (p for p in item.split(",") if p.strip()):
                try:
                    names.append(normalise_species(name))
                except ValueError as exc:
                    errors.append({"field": "species", "message": str(exc)})
        if interval not in INTERVALS:
            errors.append({"field": "interval", "message": f"expected one of {', '.join(INTERVALS)}, got {interval!r}"})
        if direction is not None and direction not in MOVEMENTS:
            errors.append({"field": "direction", "message": f"expected one of {', '.join(MOVEMENTS)}, got {direction!r}"})
        if compare not in (None, "previous"):
            errors.append({"field": "compare", "message": f"expected 'previous', got {compare!r}"})
        for name, value in (("from", first), ("to", last)):
            if value is not None and not (EARLIEST <= value <= LATEST):
                errors.append({"field": name, "message": f"{value} is outside {EARLIEST}..{LATEST}"})
        if first and last and last < first:
            errors.append({"field": "to", "message": f"'to' ({last}) is before 'from' ({first})"})
        if errors:
            raise ValidationFailed(errors)
        return cls(first, last, interval, tuple(dict.fromkeys(names)) or None, direction, compare)

    def resolved(self, season: SeasonStart, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
        """[from, to]; by default the current season up to today (UTC)."""
        today = today or dt.datetime.now(dt.UTC).date()
        last = self.last or (today if not self.first else max(today, self.first))
        first = self.first or season.season_start(last)
        if last < first:
            raise ValidationFailed([{"field": "to", "message": f"'to' ({last}) is before 'from' ({first})"}])
        return first, last


@dataclass
class SeriesResult:
    kind: str  # corridor | flow_point | area
    code: str
    name: str | None
    query: StatsQuery
    summary: Summary
    previous: Summary | None
    restricted: bool
    flow_points: list[str] | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    known_days: list[dt.date] = field(default_factory=list)  # days with a count or a zero report


@dataclass
class RankingResult:
    first: dt.date
    last: dt.date
    by: str
    ranked: list[tuple[str, Figures]]
    names: dict[str, str]
    previous: dict[str, Figures] | None
    previous_range: tuple[dt.date, dt.date] | None
    query: StatsQuery
    level: str = "corridor"  # what is ranked: corridor | flow_point


def _restriction(user: Principal, points: list[repository.Place], what: str) -> tuple[list[int] | None, bool]:
    """Flow point ids a scoped partner may see (None = everything) and whether a scope applies."""
    if user.role in ("admin", "analyst") or user.unrestricted:
        return None, False
    allowed = [p.id for p in points if user.in_scope(p.pcode)]
    if not allowed:
        raise Forbidden(f"{what} has no flow point inside your P-code scope ({', '.join(user.scopes)})")
    return allowed, True


def _series(session: Session, q: StatsQuery, **where) -> tuple[Summary, Summary | None]:
    season, factors = config()
    first, last = q.resolved(season)
    # an upper bound first, so a century by day is refused without building it
    n = (last - first).days // _MIN_DAYS[q.interval] + 2
    if n > MAX_PERIODS:
        n = len(period_starts(first, last, q.interval, season)) if n < 2 * MAX_PERIODS else n
    if n > MAX_PERIODS:
        raise ValidationFailed([{"field": "interval", "message":
                                 f"more than {MAX_PERIODS} {q.interval} periods from {first} to {last}: use a longer interval"}])
    kw = {"season": season, "factors": factors, "species": q.species, "direction": q.direction}
    # whole months can be read from the monthly rollups when no bucket splits a month
    days_out = where.pop("known_days", None)
    where = {**where, "direction": q.direction, "use_months": q.interval == "month" or (q.interval == "season" and season.day == 1)}
    summary = summarise(repository.daily_rows(session, first, last, **where), first, last, q.interval, **kw)
    if days_out is not None:  # the caller asked for them (series results report days_reported)
        days_out.extend(repository.known_days(session, first, last, corridor_id=where.get("corridor_id"),
                                              flow_point_ids=where.get("flow_point_ids")))
    previous = None
    if q.compare == "previous":
        pf, pl = previous_season_range(first, last, q.interval)
        previous = summarise(repository.daily_rows(session, pf, pl, **where), pf, pl, q.interval, **kw)
    return summary, previous


def corridor_stats(session: Session, user: Principal, code: str, q: StatsQuery) -> SeriesResult:
    place = repository.corridor_by_code(session, code)
    if place is None:
        raise NotFound(f"no corridor with code {code!r}")
    allowed, restricted = _restriction(user, repository.flow_points(session, corridor_id=place.id), f"corridor {code}")
    days: list[dt.date] = []
    summary, previous = _series(session, q, corridor_id=place.id, flow_point_ids=allowed, known_days=days)
    return SeriesResult("corridor", place.code, place.name, q, summary, previous, restricted, known_days=days)


def flow_point_stats(session: Session, user: Principal, code: str, q: StatsQuery) -> SeriesResult:
    place = repository.flow_point_by_code(session, code)
    if place is None:
        raise NotFound(f"no flow point with code {code!r}")
    _restriction(user, [place], f"flow point {code}")
    days: list[dt.date] = []
    summary, previous = _series(session, q, flow_point_ids=[place.id], known_days=days)
    return SeriesResult("flow_point", place.code, place.name, q, summary, previous, False,
                        extra={"corridor": place.corridor_code, "pcode": place.pcode}, known_days=days)


def area_stats(session: Session, user: Principal, pcode: str | None, q: StatsQuery) -> SeriesResult:
    if not pcode or not PCODE_RE.match(pcode):
        raise ValidationFailed([{"field": "pcode", "message":
                                 f"expected a P-code prefix: ISO alpha-2 country code then digits, e.g. ML or ML05; got {pcode!r}"}])
    pcode = pcode.upper()
    points = repository.flow_points(session, pcode_prefix=pcode)
    if not points:
        raise NotFound(f"no flow point has a P-code starting with {pcode!r}")
    allowed, restricted = _restriction(user, points, f"area {pcode}")
    ids = allowed if allowed is not None else [p.id for p in points]
    days: list[dt.date] = []
    summary, previous = _series(session, q, flow_point_ids=ids, known_days=days)
    codes = [p.code for p in points if p.id in set(ids)]
    return SeriesResult("area", pcode, None, q, summary, previous, restricted, flow_points=codes, known_days=days)


def corridor_ranking(session: Session, user: Principal, q: StatsQuery, by: str = "animals") -> RankingResult:
    return _ranking(session, user, q, by, "corridor")


def flow_point_ranking(session: Session, user: Principal, q: StatsQuery, by: str = "animals") -> RankingResult:
    """Flow points ranked over a period (partners: only points inside their scopes)."""
    return _ranking(session, user, q, by, "flow_point")


_LEVELS = {"corridor": (repository.corridor_totals, repository.corridor_names),
           "flow_point": (repository.flow_point_totals, repository.flow_point_names)}


def _ranking(session: Session, user: Principal, q: StatsQuery, by: str, level: str) -> RankingResult:
    totals_of, names_of = _LEVELS[level]
    if by not in RANK_BY:
        raise ValidationFailed([{"field": "by", "message": f"expected one of {', '.join(RANK_BY)}, got {by!r}"}])
    season, factors = config()
    first, last = q.resolved(season)
    allowed = None
    if user.role not in ("admin", "analyst") and not user.unrestricted:
        allowed = [p.id for p in repository.flow_points(session) if user.in_scope(p.pcode)]
    kw = {"factors": factors, "species": q.species, "direction": q.direction}

    def totals(a: dt.date, b: dt.date) -> dict[str, Figures]:
        if allowed == []:
            return {}
        return totals_by_key(totals_of(session, a, b, flow_point_ids=allowed, direction=q.direction), a, b, **kw)

    current = totals(first, last)
    previous, prev_range = None, None
    if q.compare == "previous":
        prev_range = previous_season_range(first, last, "season")
        previous = totals(*prev_range)
    ranked = rank(current, by)
    return RankingResult(first, last, by, ranked, names_of(session, [c for c, _ in ranked]),
                         previous, prev_range, q, level)


# ---------------------------------------------------------------------------- rendering

def _filters_json(q: StatsQuery, factors: TLUFactors) -> dict[str, Any]:
    return {"species": list(q.species) if q.species else None, "direction": q.direction,
            "day_boundary": "UTC", "tlu_factors": factors.as_dict()}


def series_json(r: SeriesResult) -> dict[str, Any]:
    season, factors = config()
    s = r.summary
    seasons = [season.season_name(d) for d in period_starts(s.first, s.last, "season", season)]
    out: dict[str, Any] = {r.kind: r.code}
    if r.name is not None:
        out["name"] = r.name
    out.update(r.extra)
    out.update({"interval": s.interval, "from": s.first.isoformat(), "to": s.last.isoformat(), "seasons": seasons,
                **_filters_json(r.query, factors), "restricted_to_scope": r.restricted})
    if r.flow_points is not None:
        out["flow_points"] = r.flow_points
    # days_reported: days with a count or a zero report; the others are unknown, so an average
    # per day divides by these, never by the calendar days
    out["series"] = [{**p.as_dict(), "days_reported": n} for p, n in zip(s.series, _days_per_period(r), strict=True)]
    out["totals"] = {**s.totals.as_dict(), "days_reported": len(r.known_days)}
    if r.previous is not None:
        out["previous_season"] = {**r.previous.totals.as_dict(), "from": r.previous.first.isoformat(),
                                  "to": r.previous.last.isoformat()}
        out["change"] = compare(s.totals, r.previous.totals)
    return out


def _days_in(days: list[dt.date], first: dt.date, last: dt.date) -> int:
    return bisect.bisect_right(days, last) - bisect.bisect_left(days, first)


def _days_per_period(r: SeriesResult) -> list[int]:
    """Days reported in each period of the series (JSON and CSV say the same)."""
    return [_days_in(r.known_days, p.period_start, p.period_end) for p in r.summary.series]


def ranking_json(r: RankingResult, limit: int, offset: int, next_url: str | None) -> dict[str, Any]:
    _, factors = config()
    items = []
    for i, (code, fig) in enumerate(r.ranked[offset:offset + limit], start=offset + 1):
        item = {"rank": i, r.level: code, "name": r.names.get(code, code), **fig.as_dict()}
        if r.previous is not None:
            prev = r.previous.get(code, zero_figures())
            item["previous_season"] = prev.as_dict()
            item["change"] = compare(fig, prev)
        items.append(item)
    out = {"from": r.first.isoformat(), "to": r.last.isoformat(), "by": r.by, **_filters_json(r.query, factors)}
    if r.previous_range:
        out["previous_season"] = {"from": r.previous_range[0].isoformat(), "to": r.previous_range[1].isoformat()}
    out.update({"items": items, "total": len(r.ranked), "next": next_url})
    return out


@dataclass(frozen=True)
class Rendered:
    body: bytes
    media_type: str
    filename: str


TITLES = {"corridor": "Corridor", "flow_point": "Flow monitoring point", "area": "Area"}


def render_series(r: SeriesResult, fmt: str) -> Rendered:
    """CSV (HXL) or chart bytes of a series result, with a descriptive file name."""
    season, _ = config()
    s = r.summary
    stem = f"ttt-stats-{r.kind.replace('_', '-')}-{r.code}-{s.first}-{s.last}-{s.interval}"
    if fmt == "csv":
        text = series_csv(s, place_kind=r.kind, place_code=r.code, season=season, previous=r.previous,
                          days_reported=_days_per_period(r))
        return Rendered(text.encode("utf-8"), MEDIA_TYPES["csv"], stem + ".csv")
    if fmt in ("png", "svg"):
        title = f"{TITLES[r.kind]} {r.code}" + (f" ({r.name})" if r.name and r.name != r.code else "")
        if r.query.species:
            title += f": {', '.join(r.query.species)}"
        if r.query.direction:
            title += f", {r.query.direction} only"
        if r.restricted:
            title += " [your scope only]"
        body = render_series_chart(s, title=title, fmt=fmt, previous=r.previous, season=season)
        return Rendered(body, MEDIA_TYPES[fmt], f"{stem}.{fmt}")
    raise ValidationFailed([{"field": "format", "message": f"expected one of {', '.join(FORMATS)}, got {fmt!r}"}])


def render_ranking(r: RankingResult, fmt: str) -> Rendered:
    if fmt != "csv":
        raise ValidationFailed([{"field": "format", "message": "the ranking is available as json or csv"}])
    text = ranking_csv(r.ranked, place_kind=r.level, first=r.first, last=r.last, previous=r.previous)
    slug = r.level.replace("_", "-")
    return Rendered(text.encode("utf-8"), MEDIA_TYPES["csv"], f"ttt-stats-{slug}-ranking-{r.first}-{r.last}.csv")

