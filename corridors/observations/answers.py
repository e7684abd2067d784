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


class FlagOut(Open):
    code: str = Field(description="replaces_unknown, implausible_herd, outside_distribution, gps_far_from_point, "
                                  "device_clock, already_counted or counted_upstream")
    reason: str


class ReviewedOut(ObservationOut):
    review: str = Field(description="received, flagged, approved or rejected")
    flags: list[FlagOut]


class VersionOut(Open):
    id: str
    reason: str = Field(description="replaced (by an edit) or rejected")
    replaced_by: str | None
    archived_at: str
    observed_at: str | None
    counts: dict[str, int | None]


class HistoryOut(Open):
    id: str
    versions: list[VersionOut] = Field(description="earlier versions, oldest first")


class KoboPreviewItem(Open):
    form: list[str] = Field(default_factory=list, description="formhub/uuid and _xform_id_string of the submission")
    field_map: dict[str, str] = Field(default_factory=dict)
    record: dict[str, Any] = Field(default_factory=dict, description="the observation as it would be read")
    ignored: list[str] = Field(default_factory=list, description="fields nothing reads")
    valid: bool = False
    errors: list[dict[str, str]] = Field(default_factory=list)


class KoboPreviewOut(Open):
    submissions: list[KoboPreviewItem]


class KoboMapOut(Open):
    form: str | None
    field_map: dict[str, str]
