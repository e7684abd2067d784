"""Response shapes of the statistics API (documentation in OpenAPI; the service builds plain
dicts of exactly this shape so big series are not validated twice)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Animals(BaseModel):
    cattle: int
    sheep: int
    goats: int
    camels: int
    donkeys: int
    horses: int
    other: int
    total: int


class Herders(BaseModel):
    men: int
    women: int
    boys: int
    girls: int
    total: int


class Movement(BaseModel):
    """Animals (head) by direction of movement."""

    descent: int
    return_: int = Field(alias="return")
    unknown: int


class FiguresOut(BaseModel):
    observations: int = Field(description="herds counted")
    animals: Animals
    tlu: float = Field(description="tropical livestock units (250 kg), configurable factors")
    herders: Herders
    movement: Movement


_DAYS_REPORTED = ("days with a counted herd or a zero report (\"no herd passed\"); other days are unknown, "
                  "so averages per day divide by this")


class PeriodOut(FiguresOut):
    period_start: str
    period_end: str = Field(description="last day of the period inside the asked range")
    days_reported: int = Field(description=_DAYS_REPORTED)


class TotalsOut(FiguresOut):
    days_reported: int = Field(description=_DAYS_REPORTED)


class PreviousOut(FiguresOut):
    from_: str = Field(alias="from")
    to: str


class Change(BaseModel):
    absolute: float
    percent: float | None = Field(description="null when the previous value is 0")


class SeriesOut(BaseModel):
    """One of corridor / flow_point / area is set."""

    corridor: str | None = None
    flow_point: str | None = None
    area: str | None = None
    name: str | None = None
    interval: str
    from_: str = Field(alias="from")
    to: str
    seasons: list[str]
    species: list[str] | None
    direction: str | None
    day_boundary: str = "UTC"
    tlu_factors: dict[str, float]
    restricted_to_scope: bool
    flow_points: list[str] | None = None
    series: list[PeriodOut]
    totals: TotalsOut
    previous_season: PreviousOut | None = None
    change: dict | None = Field(None, description="same shape as totals; each leaf {absolute, percent}")


class RankItem(FiguresOut):
    rank: int
    corridor: str | None = None
    flow_point: str | None = None
    name: str
    previous_season: FiguresOut | None = None
    change: dict | None = None


class RankingOut(BaseModel):
    from_: str = Field(alias="from")
    to: str
    by: str
    items: list[RankItem]
    total: int
    next: str | None
