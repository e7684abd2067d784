"""OASIS Common Alerting Protocol 1.2 documents and an Atom feed of them.

Source: OASIS CAP v1.2 (docs.oasis-open.org/emergency/cap/v1.2), its XSD (shipped in
tests/data/CAP-v1.2.xsd) and the CAP 1.2 Atom feed practice (each entry links its CAP
document with ``type="application/cap+xml"``). The XSD enforces element order, so elements
are appended in exactly the order of the schema's sequences. Points that bite:

- ``sent``/``effective``/``expires`` are ``YYYY-MM-DDThh:mm:ss+00:00``: no fractions, no ``Z``;
- ``polygon`` is ``lat,lon`` pairs (not GeoJSON's lon,lat), at least 4, first = last;
  ``circle`` is ``lat,lon radiusKm``;
- a changed alert is a new message with ``msgType`` Update, a resolved one a Cancel, and
  both carry ``references``: space-separated ``sender,identifier,sent`` of earlier messages,
  which is why identifiers and senders may contain neither spaces nor commas.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from lxml import etree
from shapely.geometry import (
    GeometryCollection,
    LineString,
    MultiLineString,
    MultiPoint,
    MultiPolygon,
    Point,
    Polygon,
)
from shapely.geometry.base import BaseGeometry

from alerts.delivery.message import AlertMessage
from alerts.delivery.render import render_parts
from ttt.facts import MOVEMENT_ALERT_TYPES
from ttt.geo import buffer_m
from ttt.i18n import languages as catalogue_languages

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
ATOM_NS = "http://www.w3.org/2005/Atom"
CAP_MEDIA_TYPE = "application/cap+xml"
ATOM_MEDIA_TYPE = "application/atom+xml"
_FORBIDDEN = re.compile(r"[\s,<&]")

SEVERITY = {"minor": "Minor", "moderate": "Moderate", "severe": "Severe", "extreme": "Extreme"}
# What each kind of alert is about, in CAP's category list (CAP 1.2 section 3.2.2).
CATEGORY = {"mass": ("Safety",), "early": ("Safety",), "late": ("Safety",), "unexpected": ("Safety",),
            "hazard": ("Safety",), "event": ("Security",)}
KIND_CATEGORY = {"bushfire": "Fire", "flood": "Met", "drought": "Env", "disease": "Health",
                 "insecurity": "Security", "conflict": "Security", "cattle_rustling": "Security",
                 "kidnapping": "Security", "natural_disaster": "Geo", "crop_destruction": "Env"}
ADM_LEVEL_NAME = "ADM{level}_PCODE"
class CapError(ValueError):
    """A CAP document that cannot be built from this alert, with the reason."""


def cap_time(value: datetime) -> str:
    """``2026-11-24T08:30:00+00:00``: UTC, whole seconds, explicit offset."""
    if value.tzinfo is None:
        raise CapError(f"CAP times must be timezone-aware, got {value!r}")
    return value.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%S+00:00")


@dataclass(frozen=True)
class CapOptions:
    """Who sends, and how a deployment wants its geometry and validity expressed."""

    sender: str = "ttt@localhost"
    sender_name: str = "TTT - Transhumance Tracking Tool"
    identifier_prefix: str = "urn:ttt:alert"
    status: str = "Actual"  # Exercise on training servers, Test in tests
    scope: str = "Public"
    languages: tuple[str, ...] = field(default_factory=catalogue_languages)  # one <info> per catalogue
    language_tags: dict[str, str] = field(default_factory=dict)  # e.g. {"fr": "fr-ML"}; default: the code
    valid_for: timedelta = timedelta(hours=72)
    point_radius_km: float = 5.0
    line_buffer_km: float = 5.0
    public_url: str = "http://127.0.0.1:8000"

    def __post_init__(self) -> None:
        for name in ("sender", "identifier_prefix"):
            if _FORBIDDEN.search(getattr(self, name)):
                raise CapError(f"CAP {name} '{getattr(self, name)}' may not contain spaces, commas, '<' or '&'")


@dataclass(frozen=True)
class CapRef:
    """One earlier message, as ``references`` names it."""

    sender: str
    identifier: str
    sent: datetime

    def text(self) -> str:
        return f"{self.sender},{self.identifier},{cap_time(self.sent)}"


def cap_identifier(alert_id: int | str, version: int, options: CapOptions = CapOptions()) -> str:
    ident = f"{options.identifier_prefix}:{alert_id}:v{version}"
    if _FORBIDDEN.search(ident):
        raise CapError(f"alert id '{alert_id}' would make an invalid CAP identifier")
    return ident


def msg_type(message: AlertMessage) -> str:
    """Cancel only for a false alarm (dismissed); an alert that ended (resolved, closed) is an
    Update whose responseType is AllClear; any later version an Update."""
    if message.verification == "dismissed" or message.event == "dismissed":
        return "Cancel"
    return "Alert" if message.version == 1 else "Update"


def _over(message: AlertMessage) -> bool:
    return msg_type(message) == "Cancel" or message.status == "resolved" or message.event in ("resolved", "closed")


def earlier_refs(message: AlertMessage, sent_by_version: dict[int, datetime],
                 options: CapOptions = CapOptions()) -> list[CapRef]:
    """References to every earlier version we know the send time of."""
    return [CapRef(options.sender, cap_identifier(message.id, v, options), sent)
            for v, sent in sorted(sent_by_version.items()) if v < message.version]


def _urgency(message: AlertMessage) -> str:
    if _over(message):
        return "Past"
    return "Immediate" if message.type in ("hazard", "event") else "Expected"


def _certainty(message: AlertMessage) -> str:
    # movement alerts rest on counted herds; a reported event is possible on one report, likely
    # with one independent corroboration, observed with two or once confirmed
    if message.type in MOVEMENT_ALERT_TYPES or message.verification == "confirmed":
        return "Observed"
    if message.type == "event":
        return ("Possible", "Likely", "Observed")[min(message.corroborations, 2)]
    return "Likely"


def _categories(message: AlertMessage) -> list[str]:
    cats = list(CATEGORY.get(message.type, ("Other",)))
    extra = KIND_CATEGORY.get(message.kind or "")
    if extra and extra not in cats:
        cats.append(extra)
    return cats


def _latlon(x: float, y: float) -> str:
    return f"{y:.5f},{x:.5f}"


def _polygon_text(poly: Polygon) -> str:
    ring = list(poly.exterior.coords)
    if ring[0] != ring[-1]:
        ring.append(ring[0])
    if len(ring) < 4:
        raise CapError("a CAP polygon needs at least 4 points")
    return " ".join(_latlon(x, y) for x, y, *_ in ring)


def geometry_to_area(geom: BaseGeometry | None, options: CapOptions = CapOptions()) -> tuple[list[str], list[str]]:
    """(polygons, circles) in CAP syntax. Lines (corridors) become a buffer in metres;
    points a circle; polygon holes cannot be said in CAP and are dropped (area grows)."""
    polygons: list[str] = []
    circles: list[str] = []
    if geom is None or geom.is_empty:
        return polygons, circles
    if isinstance(geom, Polygon):
        polygons.append(_polygon_text(geom))
    elif isinstance(geom, Point):
        circles.append(f"{_latlon(geom.x, geom.y)} {options.point_radius_km:g}")
    elif isinstance(geom, (LineString, MultiLineString)):
        buffered = buffer_m(geom, options.line_buffer_km * 1000.0)
        p, c = geometry_to_area(buffered, options)
        polygons += p
        circles += c
    elif isinstance(geom, (MultiPolygon, MultiPoint, GeometryCollection)):
        for part in geom.geoms:
            p, c = geometry_to_area(part, options)
            polygons += p
            circles += c
    else:
        raise CapError(f"cannot express a {geom.geom_type} as a CAP area")
    return polygons, circles


def _sub(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    el = etree.SubElement(parent, f"{{{CAP_NS}}}{name}")
    if text is not None:
        el.text = text
    return el


def build_cap(message: AlertMessage, options: CapOptions = CapOptions(), *,
              references: Sequence[CapRef] = (), sent: datetime | None = None) -> etree._Element:
    """The ``<alert>`` element for one version of an alert (order as in the XSD)."""
    kind = msg_type(message)
    if kind != "Alert" and not references:
        # CAP requires references on Update/Cancel; without history, point at version 1
        first_sent = message.created_at or message.updated_at
        references = [CapRef(options.sender, cap_identifier(message.id, 1, options), first_sent)]
    sent_at = sent or message.updated_at
    root = etree.Element(f"{{{CAP_NS}}}alert", nsmap={None: CAP_NS})
    _sub(root, "identifier", cap_identifier(message.id, message.version, options))
    _sub(root, "sender", options.sender)
    _sub(root, "sent", cap_time(sent_at))
    _sub(root, "status", options.status)
    _sub(root, "msgType", kind)
    _sub(root, "scope", options.scope)
    if kind == "Cancel":
        _sub(root, "note", "Fausse alerte / false alarm")
    if kind != "Alert":
        _sub(root, "references", " ".join(r.text() for r in references))
    polygons, circles = geometry_to_area(message.geometry, options)
    for lang in options.languages:
        parts = render_parts(message, lang)
        info = _sub(root, "info")
        _sub(info, "language", options.language_tags.get(lang, lang))
        for cat in _categories(message):
            _sub(info, "category", cat)
        _sub(info, "event", parts["type_label"])
        _sub(info, "responseType", "AllClear" if _over(message) else "Monitor")
        _sub(info, "urgency", _urgency(message))
        _sub(info, "severity", SEVERITY.get(message.severity, "Unknown"))
        _sub(info, "certainty", _certainty(message))
        code = _sub(info, "eventCode")
        _sub(code, "valueName", "TTT_ALERT_TYPE")
        _sub(code, "value", message.type)
        _sub(info, "effective", cap_time(sent_at))
        if not _over(message) and options.valid_for:
            _sub(info, "expires", cap_time(sent_at + options.valid_for))
        _sub(info, "senderName", options.sender_name)
        _sub(info, "headline", parts["title"][:160])  # the state word first: "FAUSSE ALERTE : ..."
        _sub(info, "description", f"{parts['what']}\n{parts['where']}\n{parts['evidence']}")
        _sub(info, "instruction", parts["action"])
        if message.url:
            _sub(info, "web", message.url)
        for name, value in _parameters(message):
            param = _sub(info, "parameter")
            _sub(param, "valueName", name)
            _sub(param, "value", value)
        area = _sub(info, "area")
        _sub(area, "areaDesc", parts["where"])
        for poly in polygons:
            _sub(area, "polygon", poly)
        for circle in circles:
            _sub(area, "circle", circle)
        for place in message.places:
            geocode = _sub(area, "geocode")
            _sub(geocode, "valueName", ADM_LEVEL_NAME.format(level=place.level) if place.level is not None else "PCODE")
            _sub(geocode, "value", place.pcode)
    return root


def _parameters(message: AlertMessage) -> Iterable[tuple[str, str]]:
    yield "TTT_ALERT_ID", str(message.id)
    yield "TTT_ALERT_VERSION", str(message.version)
    if message.corridor_code:
        yield "TTT_CORRIDOR", message.corridor_code
    if message.flow_point_code:
        yield "TTT_FLOW_POINT", message.flow_point_code
    if message.window_start:
        yield "TTT_WINDOW_START", cap_time(message.window_start)
    if message.window_end:
        yield "TTT_WINDOW_END", cap_time(message.window_end)
    ev = message.evidence
    for key in ("rule", "rule_version", "observed", "unit", "threshold", "baseline"):
        value = ev.get(key)
        if value not in (None, ""):
            # machine-readable: JSON (numbers, objects), never a Python repr
            yield f"TTT_{key.upper()}", value if isinstance(value, str) else json.dumps(value, ensure_ascii=False,
                                                                                        sort_keys=True)


def cap_bytes(message: AlertMessage, options: CapOptions = CapOptions(), *,
              references: Sequence[CapRef] = (), sent: datetime | None = None) -> bytes:
    return etree.tostring(build_cap(message, options, references=references, sent=sent),
                          xml_declaration=True, encoding="UTF-8", pretty_print=True)


@dataclass(frozen=True)
class FeedEntry:
    message: AlertMessage
    cap_url: str


def build_feed(entries: Sequence[FeedEntry], *, feed_url: str, title: str = "TTT - alertes de transhumance",
               language: str = "fr", options: CapOptions = CapOptions(), updated: datetime | None = None) -> bytes:
    """An Atom feed (RFC 4287) of recent alerts; each entry links its CAP document."""
    def sub(parent, name, text=None, **attrs):
        el = etree.SubElement(parent, f"{{{ATOM_NS}}}{name}", **attrs)
        if text is not None:
            el.text = text
        return el

    feed = etree.Element(f"{{{ATOM_NS}}}feed", nsmap={None: ATOM_NS})
    feed.set("{http://www.w3.org/XML/1998/namespace}lang", language)
    sub(feed, "id", feed_url)
    sub(feed, "title", title)
    newest = max((e.message.updated_at for e in entries), default=None)
    sub(feed, "updated", cap_time(updated or newest or datetime.now(UTC)))
    sub(feed, "link", rel="self", href=feed_url, type=ATOM_MEDIA_TYPE)
    author = sub(feed, "author")
    sub(author, "name", options.sender_name)
    for entry in entries:
        m = entry.message
        parts = render_parts(m, language)
        item = sub(feed, "entry")
        sub(item, "id", cap_identifier(m.id, m.version, options))
        sub(item, "title", parts["title"])
        sub(item, "updated", cap_time(m.updated_at))
        if m.created_at:
            sub(item, "published", cap_time(m.created_at))
        sub(item, "summary", f"{parts['what']} {parts['where']}. {parts['evidence']}")
        sub(item, "category", term=m.type)
        sub(item, "category", term=m.severity, scheme="urn:ttt:severity")
        sub(item, "category", term=m.event, scheme="urn:ttt:change", label=parts["event_label"])
        if m.verification != "new":
            sub(item, "category", term=m.verification, scheme="urn:ttt:verification")
        sub(item, "link", rel="alternate", type=CAP_MEDIA_TYPE, href=entry.cap_url)
        if m.url:  # the signed alert page: readable without an account
            sub(item, "link", rel="related", type="text/html", href=m.url)
    return etree.tostring(feed, xml_declaration=True, encoding="UTF-8", pretty_print=True)
