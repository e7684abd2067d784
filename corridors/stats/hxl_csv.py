"""CSV exports with an HXL hashtag row (hxlstandard.org/standard/1_0final).

Layout: a human header row, then one row of HXL hashtags, then data, so HDX, the HXL Proxy,
libhxl and spreadsheets all read the same file. Core tags where they exist (`#date`,
`#adm1+code`, `#loc+code`, `#indicator+num+cattle`, `#population+m+adults`); custom `#x_` tags
where HXL 1.0 has none (observations, TLU, movement direction, season). Previous-season
columns carry the `+previous` attribute.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from corridors.stats.aggregate import Figures, Summary
from corridors.stats.periods import SeasonStart, shift_previous_season
from corridors.stats.tlu import HERDER_GROUPS, MOVEMENTS, SPECIES
from ttt.facts import species_name

SPECIES_LABELS = {s: species_name(s, "en").capitalize() for s in SPECIES}
HERDER_TAGS = {"men": "+m+adults", "women": "+f+adults", "boys": "+m+children", "girls": "+f+children"}


@dataclass(frozen=True)
class Column:
    header: str
    tag: str


def place_column(kind: str, code: str) -> Column:
    """Column naming the place a table is about: a corridor, a flow point or an admin area.

    Admin areas take their level from the P-code (ISO alpha-2 + 2 digits per level):
    "ML" is the country, "ML05" an adm1, "ML0506" an adm2.
    """
    if kind == "corridor":
        return Column("Corridor", "#loc+corridor+code")
    if kind == "flow_point":
        return Column("Flow monitoring point", "#loc+fmp+code")
    if kind == "area":
        level = max(0, (len(code) - 2) // 2)
        if level == 0:
            return Column("Country P-code", "#country+code")
        return Column(f"Admin {level} P-code", f"#adm{level}+code")
    raise ValueError(f"place kind {kind!r}: expected corridor, flow_point or area")


def figure_columns() -> list[Column]:
    cols = [Column("Observations (herds counted)", "#x_observations+num")]
    cols += [Column(f"{SPECIES_LABELS[s]} (head)", f"#indicator+num+{s}") for s in SPECIES]
    cols.append(Column("All animals (head)", "#indicator+num+total"))
    cols.append(Column("Tropical livestock units (TLU, 250 kg)", "#x_tlu+num"))
    cols += [Column(f"Herders: {g}", f"#population+herders{HERDER_TAGS[g]}") for g in HERDER_GROUPS]
    cols.append(Column("Herders: total", "#population+herders+total"))
    cols += [Column(f"Animals moving: {m} (head)", f"#x_movement+num+{m}") for m in MOVEMENTS]
    return cols


def figure_values(f: Figures) -> list[Any]:
    return ([f.observations] + [f.animals[s] for s in SPECIES] + [f.animals["total"], f.tlu]
            + [f.herders[g] for g in HERDER_GROUPS] + [f.herders["total"]] + [f.movement[m] for m in MOVEMENTS])


DAYS_REPORTED_COLUMN = Column("Days reported (a count or a zero report)", "#x_days_reported+num")

PREVIOUS_COLUMNS = [
    Column("Previous season: observations", "#x_observations+num+previous"),
    Column("Previous season: all animals (head)", "#indicator+num+total+previous"),
    Column("Previous season: TLU", "#x_tlu+num+previous"),
    Column("Change in animals (%)", "#x_change+pct+total"),
]


def _previous_values(cur: Figures, prev: Figures | None) -> list[Any]:
    if prev is None:
        return ["", "", "", ""]
    base = prev.animals["total"]
    pct = "" if base == 0 else round(100.0 * (cur.animals["total"] - base) / base, 1)
    return [prev.observations, prev.animals["total"], prev.tlu, pct]


def write_table(columns: Sequence[Column], rows: Sequence[Sequence[Any]]) -> str:
    """Header row, HXL hashtag row, data rows; RFC 4180 line endings."""
    for i, row in enumerate(rows):
        if len(row) != len(columns):
            raise ValueError(f"CSV row {i}: {len(row)} values for {len(columns)} columns")
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([c.header for c in columns])
    writer.writerow([c.tag for c in columns])
    writer.writerows(["" if v is None else v for v in row] for row in rows)
    return buf.getvalue()


def series_csv(
    summary: Summary,
    *,
    place_kind: str,
    place_code: str,
    season: SeasonStart | None = None,
    previous: Summary | None = None,
    days_reported: Sequence[int] | None = None,
) -> str:
    """One row per period. With `previous`, each period also carries the same period of the
    previous season (matched by shifting its start back one season). With `days_reported`
    (one per period), a column tells the days a count or a zero report came in: the other
    days are unknown, not zero."""
    season = season or SeasonStart()
    columns = [Column("Period start", "#date+start"), Column("Period end", "#date+end"),
               Column("Season", "#x_season"), place_column(place_kind, place_code), *figure_columns()]
    if days_reported is not None:
        if len(days_reported) != len(summary.series):
            raise ValueError(f"days_reported: {len(days_reported)} values for {len(summary.series)} periods")
        columns.append(DAYS_REPORTED_COLUMN)
    prev_by_start: dict = {}
    if previous is not None:
        columns += PREVIOUS_COLUMNS
        prev_by_start = {p.period_start: p.figures for p in previous.series}
    rows = []
    for p in summary.series:
        row = [p.period_start.isoformat(), p.period_end.isoformat(), season.season_name(p.period_start),
               place_code, *figure_values(p.figures)]
        if days_reported is not None:
            row.append(days_reported[len(rows)])
        if previous is not None:
            row += _previous_values(p.figures, prev_by_start.get(shift_previous_season(p.period_start, summary.interval)))
        rows.append(row)
    return write_table(columns, rows)


def ranking_csv(
    ranked: Sequence[tuple[str, Figures]],
    *,
    place_kind: str,
    first: Any,
    last: Any,
    previous: dict[str, Figures] | None = None,
) -> str:
    """One row per place (corridor, flow point), in ranking order."""
    columns = [Column("Rank", "#x_rank+num"), Column("From", "#date+start"), Column("To", "#date+end"),
               place_column(place_kind, ""), *figure_columns()]
    if previous is not None:
        columns += PREVIOUS_COLUMNS
    rows = []
    for i, (code, fig) in enumerate(ranked, start=1):
        row = [i, str(first), str(last), code, *figure_values(fig)]
        if previous is not None:
            row += _previous_values(fig, previous.get(code))
        rows.append(row)
    return write_table(columns, rows)

