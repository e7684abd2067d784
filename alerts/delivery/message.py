"""What a recipient is told about an alert, decoupled from the database model.

Channels, templates and the CAP builder only ever see an :class:`AlertMessage`, so they can
be tested without a database and keep working when the alert table changes shape. The
outbox builds one message per alert version (``message_from_mapping``) and stores that
snapshot, so a retry hours later sends exactly what the first attempt would have sent.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from ttt.facts import ALERT_TYPES, SEVERITIES, severity_rank  # noqa: F401 - re-exported
from ttt.geo import to_geojson
from ttt.jsonkit import plain

EVENTS: tuple[str, ...] = ("created", "updated", "escalated", "resolved", "reopened", "confirmed", "dismissed",
                           "reminder", "closed")
"""What happened to the alert that makes it worth telling someone (each has its own wording
in :mod:`alerts.delivery.words`; ``test`` is worded too but never queued)."""

HEARS: tuple[str, ...] = ("new", "update", "verification", "resolution")
"""The kinds of change a subscription may choose to hear (``Subscription.hears``)."""

EVENT_HEARD_AS: dict[str, str | None] = {
    "created": "new", "reopened": "new", "updated": "update", "escalated": "update", "reminder": "update",
    "confirmed": "verification", "resolved": "resolution", "closed": "resolution",
    "dismissed": None,  # a false alarm is told to everyone who was told the alert
}


@dataclass(frozen=True)
class Place:
    """An administrative area touched by the alert: OCHA P-code (text) and its name."""

    pcode: str
    name: str | None = None
    level: int | None = None  # admin level (0 country, 1 region...) when the gazetteer knows it


@dataclass(frozen=True)
class AlertMessage:
    """One version of one alert, as told to recipients.

    ``version`` increases every time the alert changes (escalation, resolution, new
    evidence); a recipient gets each version at most once. ``headline`` and ``evidence_text``
    map a language code (``fr``, ``en``) to text; missing languages fall back to the other.
    """

    id: int | str
    version: int
    updated_at: datetime
    type: str
    severity: str
    status: str = "open"  # open | acknowledged | escalated | resolved
    event: str = "created"  # one of EVENTS, or "test" for a channel check
    created_at: datetime | None = None
    corridor_code: str | None = None
    corridor_name: str | None = None
    flow_point_code: str | None = None
    flow_point_name: str | None = None
    places: tuple[Place, ...] = ()
    headline: Mapping[str, str] = field(default_factory=dict)
    evidence: Mapping[str, Any] = field(default_factory=dict)
    geometry: BaseGeometry | None = None
    window_start: datetime | None = None
    window_end: datetime | None = None
    kind: str | None = None  # hazard kind (bushfire, flood...) or event kind (conflict...)
    ack_url: str | None = None  # this recipient's signed alert page (acknowledge, report back)
    url: str | None = None  # a page anyone holding the message may open (same signed page when sent)
    verification: str = "new"  # new | verifying | confirmed | dismissed
    corroborations: int = 0  # independent reports of the same event beyond the first
    late: bool = False  # raised from a history load: about events long past
    reopened_from: int | str | None = None

    def __post_init__(self) -> None:
        if self.updated_at.tzinfo is None:
            raise ValueError(f"alert {self.id}: updated_at must be timezone-aware (got {self.updated_at!r})")
        if self.version < 1:
            raise ValueError(f"alert {self.id}: version must be >= 1 (got {self.version})")

    @property
    def pcodes(self) -> tuple[str, ...]:
        return tuple(p.pcode for p in self.places)

    @property
    def severity_rank(self) -> int:
        return severity_rank(self.severity)

    def headline_in(self, language: str) -> str:
        """The headline in ``language``, else in any language we have, else a neutral one."""
        if self.headline.get(language):
            return self.headline[language]
        for text in self.headline.values():
            if text:
                return text
        return f"{self.type} alert {self.id}"

    def for_recipients(self) -> AlertMessage:
        """The copy that may leave ttt (e-mail, SMS, webhooks, CAP, Atom, pages): geometry
        generalised to whole grid cells, no reporter's name or words (location and people
        policies: ttt.location_policy, alerts.privacy). Idempotent."""
        from alerts.privacy import evidence_for, reporter_text
        from ttt.location_policy import recipient_geometry

        headline = self.headline
        if self.type == "event":  # written by a reporter: one line, no links (older rows too)
            headline = {k: reporter_text(v, 400) for k, v in self.headline.items()}
        return dataclasses.replace(self, geometry=recipient_geometry(self.geometry), headline=headline,
                                   evidence=evidence_for(None, dict(self.evidence)))

    def with_ack_url(self, ack_url: str | None) -> AlertMessage:
        """A copy carrying one recipient's signed page link (also its "details" link)."""
        return dataclasses.replace(self, ack_url=ack_url, url=ack_url or self.url)

    # --- snapshot: what the outbox stores as JSON --------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready snapshot (times ISO 8601, geometry GeoJSON)."""

        def iso(value: datetime | None) -> str | None:
            return value.astimezone(UTC).isoformat() if value else None

        return {
            "id": self.id,
            "version": self.version,
            "updated_at": iso(self.updated_at),
            "created_at": iso(self.created_at),
            "type": self.type,
            "severity": self.severity,
            "status": self.status,
            "event": self.event,
            "corridor_code": self.corridor_code,
            "corridor_name": self.corridor_name,
            "flow_point_code": self.flow_point_code,
            "flow_point_name": self.flow_point_name,
            "places": [dataclasses.asdict(p) for p in self.places],
            "headline": dict(self.headline),
            "evidence": plain(self.evidence),
            "geometry": to_geojson(self.geometry),
            "window_start": iso(self.window_start),
            "window_end": iso(self.window_end),
            "kind": self.kind,
            "url": self.url,
            "verification": self.verification,
            "corroborations": self.corroborations,
            "late": self.late,
            "reopened_from": self.reopened_from,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AlertMessage:
        """Rebuild a message from :meth:`to_dict` output (names the bad field on failure)."""
        return message_from_mapping(data)


def message_from_mapping(data: Mapping[str, Any]) -> AlertMessage:
    """Build a message from a plain mapping, raising ValueError that names the field."""
    ident = data.get("id", "?")

    def need(key: str) -> Any:
        if data.get(key) in (None, ""):
            raise ValueError(f"alert {ident}: field '{key}' is required")
        return data[key]

    def when(key: str, required: bool = False) -> datetime | None:
        value = need(key) if required else data.get(key)
        if value is None or isinstance(value, datetime):
            return value
        try:
            parsed = datetime.fromisoformat(str(value))
        except ValueError as exc:
            raise ValueError(f"alert {ident}: field '{key}' must be an ISO 8601 date-time, got {value!r}") from exc
        if parsed.tzinfo is None:
            raise ValueError(f"alert {ident}: field '{key}' must carry a UTC offset, got {value!r}")
        return parsed

    geometry = data.get("geometry")
    if geometry is not None and not isinstance(geometry, BaseGeometry):
        try:
            geometry = shape(geometry)
        except Exception as exc:  # shapely raises several types for bad GeoJSON
            raise ValueError(f"alert {ident}: field 'geometry' is not a GeoJSON geometry: {exc}") from exc
    places = tuple(
        p if isinstance(p, Place) else Place(pcode=str(p["pcode"]), name=p.get("name"), level=p.get("level"))
        for p in data.get("places") or ()
    )
    return AlertMessage(
        id=need("id"),
        version=int(need("version")),
        updated_at=when("updated_at", required=True),  # type: ignore[arg-type]
        created_at=when("created_at"),
        type=str(need("type")),
        severity=str(need("severity")),
        status=str(data.get("status") or "open"),
        event=str(data.get("event") or "created"),
        corridor_code=data.get("corridor_code"),
        corridor_name=data.get("corridor_name"),
        flow_point_code=data.get("flow_point_code"),
        flow_point_name=data.get("flow_point_name"),
        places=places,
        headline=dict(data.get("headline") or {}),
        evidence=dict(data.get("evidence") or {}),
        geometry=geometry,
        window_start=when("window_start"),
        window_end=when("window_end"),
        kind=data.get("kind") or data.get("hazard_kind") or data.get("event_kind"),
        ack_url=data.get("ack_url"),
        url=data.get("url"),
        verification=str(data.get("verification") or "new"),
        corroborations=int(data.get("corroborations") or 0),
        late=bool(data.get("late")),
        reopened_from=data.get("reopened_from"),
    )
