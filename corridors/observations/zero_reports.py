"""Zero reports: "on duty, no herds passed" at a flow point, for whole UTC days.

Without them a day nobody counted and a day nobody passed look the same. A zero report makes
its days *known zeros*; days with neither a count nor a zero report stay *unknown*. Pure:
the contract (pydantic) and its content hash; storage is in the repository.

A record is a zero report when it carries ``"zero_report": true`` (JSON), the form's
``zero_report`` answer "yes", or a CSV column ``zero_report`` = yes/oui/1. It covers the UTC
day of ``observed_at`` unless ``period_from`` / ``period_to`` (dates, inclusive) say more.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pydantic import (
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from corridors.observations.schemas import (
    Counts,
    FieldRecordIn,
    Herders,
    Location,
    RecordResult,
    ValidationOptions,
    _bool,
    errors_from,
    strip_uuid_prefix,
)
from ttt.i18n import Text

#: The longest period one zero report may cover (a week's sheet, or a month at most).
MAX_DAYS = 31


def is_zero_report(raw: Any) -> bool:
    """Whether a raw record asks to be read as a zero report (yes/true/1/oui)."""
    if not isinstance(raw, dict) or "zero_report" not in raw:
        return False
    try:
        return bool(_bool(raw.get("zero_report")))
    except ValueError:
        return False


class ZeroReportIn(FieldRecordIn):
    """One zero report. Answers a form may send empty or 0 (counts, herders, position) are
    allowed, never used; a count above 0 contradicts the report and is refused."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    id: uuid.UUID
    zero_report: bool
    flow_point: str = Field(max_length=64)
    observed_at: datetime
    period_from: date | None = None
    period_to: date | None = None
    notes: str = Field(default="", max_length=4000)
    location: Location | None = None
    counts: Counts = Field(default_factory=Counts)
    herders: Herders = Field(default_factory=Herders)

    @field_validator("zero_report", mode="before")
    @classmethod
    def _yes(cls, v: Any) -> Any:
        return _bool(v)

    @field_validator("flow_point", mode="before")
    @classmethod
    def _code(cls, v: Any) -> Any:
        if v is None or (isinstance(v, str) and not v.strip()):
            raise ValueError(Text("is required: a zero report is for one flow point; expected its code"))
        return v

    @model_validator(mode="after")
    def _period(self) -> ZeroReportIn:
        if self.counts.total:
            raise ValueError(Text("a zero report says no herd passed, but it counts animals; send the herd as a count "
                                  "instead"))
        first, last = self.days
        if last < first:
            raise ValueError(Text("period_to ({last}) is before period_from ({first})", last=last, first=first))
        if (last - first).days + 1 > MAX_DAYS:
            raise ValueError(Text("a zero report covers at most {n} days, got {got}", n=MAX_DAYS,
                                  got=(last - first).days + 1))
        if last > self.observed_at.astimezone(UTC).date():
            raise ValueError(Text("period_to ({last}) is after the report was made ({made}); report a day once it is over",
                                  last=last, made=self.observed_at.date()))
        return self

    @property
    def days(self) -> tuple[date, date]:
        """First and last UTC day covered (inclusive)."""
        day = self.observed_at.astimezone(UTC).date()
        first = self.period_from or (self.period_to if self.period_to and self.period_to < day else day)
        return first, self.period_to or (day if first <= day else first)


def zero_report_hash(z: ZeroReportIn) -> str:
    first, last = z.days
    parts = ["zero", str(z.id), z.flow_point.upper(), z.observed_at.astimezone(UTC).isoformat(),
             first.isoformat(), last.isoformat(), z.notes]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def validate_zero_report(raw: Any, index: int, options: ValidationOptions) -> RecordResult:
    """Validate one raw zero report; never raises for bad input."""
    rid = raw.get("id")
    rid = None if rid is None else str(strip_uuid_prefix(str(rid).strip()))
    try:
        z = ZeroReportIn.model_validate(raw, context={"options": options})
    except ValidationError as exc:
        return RecordResult(index, rid, errors=errors_from(exc))
    return RecordResult(index, str(z.id), observation=z, hash=zero_report_hash(z))


def day_range(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


__all__ = ["MAX_DAYS", "ZeroReportIn", "day_range", "is_zero_report", "validate_zero_report", "zero_report_hash"]
