"""What the hazard-feed API takes and gives (pydantic): feeds in, feeds out with their pull
status (never the credential), and a pull's answer."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from corridors.feeds.readers.common import HAZARD_KINDS, SEVERITIES

FeedKind = Literal["firms_csv", "gdacs_geojson", "cap_feed", "acled_csv"]
HazardKind = Literal[HAZARD_KINDS]  # type: ignore[valid-type]
Severity = Literal[SEVERITIES]  # type: ignore[valid-type]

# options each kind of feed understands (all optional), with what they must be
OPTION_SPECS: dict[str, dict[str, str]] = {
    "firms_csv": {"min_confidence": "low, nominal or high", "buffer_m": "metres > 0", "merge_m": "metres > 0"},
    "gdacs_geojson": {"event_types": "a list of GDACS event types (FL, DR, WF...)", "point_radius_km": "km > 0"},
    "cap_feed": {"languages": "a list of language codes, preferred first", "max_messages": "a whole number 1-1000"},
    "acled_csv": {"radius_km": "km > 0", "event_alerts": "true to raise an event alert awaiting verification per event"},
}
COMMON_OPTIONS = {"timeout_s": "seconds, 1-300"}


def _http_url(v: str) -> str:
    if not v.strip().lower().startswith(("http://", "https://")):
        raise ValueError("expected an http:// or https:// URL")
    return v.strip()


class Area(BaseModel):
    """Where hazards are kept: a bbox (lon_min, lat_min, lon_max, lat_max) or P-codes."""

    model_config = ConfigDict(extra="forbid")
    bbox: list[float] | None = Field(None, min_length=4, max_length=4, examples=[[-6.0, 11.0, 3.0, 16.0]])
    pcodes: list[str] = Field(default_factory=list, examples=[["BF49", "NE006"]])

    @field_validator("bbox")
    @classmethod
    def _bbox(cls, v: list[float] | None) -> list[float] | None:
        if v is None:
            return v
        x0, y0, x1, y1 = v
        if not all(math.isfinite(c) for c in v) or not (-180 <= x0 < x1 <= 180 and -90 <= y0 < y1 <= 90):
            raise ValueError("expected lon_min, lat_min, lon_max, lat_max with min < max (degrees)")
        return v


def _check_options(kind: str, options: dict[str, Any]) -> dict[str, Any]:
    spec = {**OPTION_SPECS.get(kind, {}), **COMMON_OPTIONS}
    unknown = sorted(set(options) - set(spec))
    if unknown:
        raise ValueError(f"unknown option(s) {', '.join(unknown)} for {kind}; expected {', '.join(sorted(spec))}")
    for name, value in options.items():
        ok = True
        if name in ("buffer_m", "merge_m", "point_radius_km", "radius_km"):
            ok = isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value < 1e6
        elif name == "timeout_s":
            ok = isinstance(value, (int, float)) and not isinstance(value, bool) and 1 <= value <= 300
        elif name == "max_messages":
            ok = isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 1000
        elif name == "min_confidence":
            ok = value in ("low", "nominal", "high", "l", "n", "h")
        elif name == "event_alerts":
            ok = isinstance(value, bool)
        elif name in ("event_types", "languages"):
            ok = isinstance(value, list) and all(isinstance(x, str) and x.strip() for x in value)
        if not ok:
            raise ValueError(f"option {name}: expected {spec[name]}, got {value!r}")
    return options


class FeedIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(..., min_length=1, max_length=200, examples=["Sahel active fires (VIIRS)"])
    kind: FeedKind
    url: str = Field(..., min_length=8, max_length=2000, examples=[
        "https://firms.modaps.eosdis.nasa.gov/api/area/csv/{credential}/VIIRS_SNPP_NRT/-6,11,3,16/1"])
    credential: SecretStr | None = Field(None, description="Kept secret, never shown back. Put {credential} in the "
                                         "URL where it goes (FIRMS MAP_KEY), else it is sent as a bearer token.")
    area: Area | None = None
    every_minutes: int = Field(60, ge=5, le=10080)
    enabled: bool = True
    hazard_kind: HazardKind | None = Field(None, description="every hazard of this feed is of this kind")
    kind_map: dict[str, HazardKind] = Field(default_factory=dict, examples=[{"FL": "flood", "TC": "other"}])
    severity_map: dict[str, Severity] = Field(default_factory=dict, examples=[{"Green": "moderate"}])
    expire_hours: float | None = Field(None, gt=0, le=24 * 366)
    options: dict[str, Any] = Field(default_factory=dict)

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        return _http_url(v)

    @model_validator(mode="after")
    def _options(self) -> FeedIn:
        _check_options(self.kind, self.options)
        return self


class FeedPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(None, min_length=1, max_length=200)
    url: str | None = Field(None, min_length=8, max_length=2000)
    credential: SecretStr | None = Field(None, description="a new credential; an empty text removes it")
    area: Area | None = None
    every_minutes: int | None = Field(None, ge=5, le=10080)
    enabled: bool | None = None
    hazard_kind: HazardKind | None = None
    kind_map: dict[str, HazardKind] | None = None
    severity_map: dict[str, Severity] | None = None
    expire_hours: float | None = Field(None, gt=0, le=24 * 366)
    options: dict[str, Any] | None = None

    @field_validator("url")
    @classmethod
    def _url(cls, v: str | None) -> str | None:
        return None if v is None else _http_url(v)


class FeedStatus(BaseModel):
    last_attempt_at: datetime | None
    last_success_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    failures_in_a_row: int
    next_pull_at: datetime | None
    last_counts: dict[str, Any] | None
    hazards: int
    active_hazards: int


class FeedOut(BaseModel):
    id: int
    name: str
    kind: FeedKind
    url: str
    has_credential: bool
    area: Area | None
    every_minutes: int
    enabled: bool
    hazard_kind: str | None
    kind_map: dict[str, str]
    severity_map: dict[str, str]
    expire_hours: float | None
    options: dict[str, Any]
    status: FeedStatus
    created_by: str | None
    created_at: datetime
    updated_at: datetime


class FeedList(BaseModel):
    items: list[FeedOut]
    total: int
    next: str | None


class PullAnswer(BaseModel):
    """What one pull did. ``outcome``: pulled, not_modified (the publisher said nothing
    changed) or failed (``error`` says why; the feed status keeps it)."""

    feed: int
    outcome: Literal["pulled", "not_modified", "failed"]
    error: str | None = None
    pulled_at: datetime
    records: int = 0
    created: list[int] = Field(default_factory=list)
    updated: list[int] = Field(default_factory=list)
    ended: list[int] = Field(default_factory=list)
    unchanged: int = 0
    skipped: int = 0
    refused: list[dict[str, Any]] = Field(default_factory=list)
