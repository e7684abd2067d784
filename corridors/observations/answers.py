"""What the observation endpoints answer, as pydantic models (documented in /openapi.json)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ttt.http.schemas import Number, Open


class ItemOut(Open):
    """One input record's outcome, in input order; rejected records carry ``code`` and ``errors``."""

    id: str | None
    status: str = Field(description="accepted, duplicate or rejected")


class BatchOut(Open):
    accepted: int
    duplicate: int
    rejected: int
    results: list[ItemOut]


class CsvReportOut(Open):
    accepted: int
    duplicate: int
    rejected: int
    hxl: bool
    ignored_columns: list[str]
    rows: list[dict[str, Any]] = Field(description="rows not accepted, with their row number and errors")


class ObservationOut(Open):
    id: str
    flow_point: str | None
    observed_at: str
    location: dict[str, Number | None]
    movement: str | None
    counts: dict[str, int]
    herders: dict[str, int]
    source: str
    received_at: str
