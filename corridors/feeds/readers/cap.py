"""OASIS CAP 1.2 messages, alone or listed in an Atom or RSS index.

Source: OASIS CAP v1.2 (its XSD is tests/data/CAP-v1.2.xsd) and the CAP Atom feed practice
(an entry links its message with ``type="application/cap+xml"``, or carries it inline).
- ``msgType`` Alert creates a hazard, Update (``references``: space-separated
  ``sender,identifier,sent`` triplets) replaces the one it references, Cancel ends it;
  Ack and Error are not hazards; only ``status`` Actual is read (Exercise, Test, System
  and Draft messages are skipped on purpose).
- ``<area>``: ``polygon`` is ``lat,lon`` pairs (first = last), ``circle`` is
  ``lat,lon radiusKm``, ``geocode`` a valueName/value pair (P-codes are resolved by the
  caller against the admin areas).
- Times are ``YYYY-MM-DDThh:mm:ss+hh:mm``; ``expires`` ends the hazard.
The hazard id is the sender and identifier of the first message of a chain; its version is
the ``sender,identifier,sent`` of the message that gave its current state.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lxml import etree
from shapely.geometry import Point, Polygon
from shapely.ops import unary_union

from corridors.feeds.readers.common import (
    HAZARD_KINDS,
    SEVERITIES,
    FormatError,
    Item,
    ReadResult,
    mapped,
    utc,
)
from ttt.geo import buffer_m

CAP_NAMESPACES = ("urn:oasis:names:tc:emergency:cap:1.2", "urn:oasis:names:tc:emergency:cap:1.1")
ATOM_NS = "http://www.w3.org/2005/Atom"
CAP_MEDIA_TYPES = ("application/cap+xml", "application/common-alerting-protocol+xml")
CAP_SEVERITY = {"extreme": "extreme", "severe": "severe", "moderate": "moderate", "minor": "minor"}
# CAP categories and event words (en, fr) -> hazard kinds; a feed's kind map comes first.
CATEGORY_KIND = {"fire": "bushfire", "health": "disease", "security": "insecurity"}
EVENT_WORDS = (("flood", "flood"), ("inond", "flood"), ("crue", "flood"), ("drought", "drought"),
               ("sécheresse", "drought"), ("secheresse", "drought"), ("fire", "bushfire"), ("feu", "bushfire"),
               ("incendie", "bushfire"), ("disease", "disease"), ("épizoot", "disease"), ("conflict", "conflict"))
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_blank_text=True)


@dataclass(frozen=True)
class CapOptions:
    kind_map: Mapping[str, str] | None = None  # event text or category -> hazard kind
    severity_map: Mapping[str, str] | None = None  # CAP severity -> severity (Unknown...)
    languages: tuple[str, ...] = ("fr", "en")


def parse_xml(data: bytes) -> Any:
    try:
        return etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise FormatError(f"not XML: {exc}") from None


def _local(el: Any) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _ns(el: Any) -> str | None:
    return etree.QName(el).namespace if isinstance(el.tag, str) else None


def is_cap(root: Any) -> bool:
    return _local(root) == "alert" and _ns(root) in CAP_NAMESPACES


def index_entries(root: Any) -> tuple[list[Any], list[str]]:
    """An Atom or RSS index -> (CAP messages carried inline, links to CAP messages)."""
    inline, links = [], []
    if _local(root) == "feed" and _ns(root) == ATOM_NS:
        for entry in root.iter(f"{{{ATOM_NS}}}entry"):
            found = [el for el in entry.iter() if is_cap(el)]
            if found:
                inline.extend(found)
                continue
            hrefs = entry.findall(f"{{{ATOM_NS}}}link")
            cap = [link.get("href") for link in hrefs if (link.get("type") or "").lower() in CAP_MEDIA_TYPES]
            alt = [link.get("href") for link in hrefs if link.get("rel", "alternate") == "alternate"]
            href = (cap or alt or [None])[0]
            if href:
                links.append(href.strip())
        return inline, links
    if _local(root) == "rss":
        for item in root.iter("item"):
            found = [el for el in item.iter() if is_cap(el)]
            if found:
                inline.extend(found)
                continue
            enclosure = next((e.get("url") for e in item.findall("enclosure")
                              if (e.get("type") or "").lower() in CAP_MEDIA_TYPES), None)
            link = item.findtext("link")
            href = enclosure or link
            if href:
                links.append(href.strip())
        return inline, links
    raise FormatError(f"not a CAP message nor an Atom/RSS index of them (root element <{_local(root)}>)")


def cap_time(raw: str | None, name: str) -> datetime | None:
    if raw is None or not raw.strip():
        return None
    s = raw.strip()
    try:
        dt = datetime.fromisoformat(s[:-1] + "+00:00" if s.endswith("Z") else s)
    except ValueError:
        raise ValueError(f"{name}: expected YYYY-MM-DDThh:mm:ss+hh:mm, got {raw!r}") from None
    if dt.tzinfo is None:
        raise ValueError(f"{name}: needs a UTC offset, got {raw!r}")
    return utc(dt)


def _pairs(text: str, name: str) -> list[tuple[float, float]]:
    out = []
    for pair in text.split():
        try:
            lat_s, lon_s = pair.split(",")
            lat, lon = float(lat_s), float(lon_s)
        except ValueError:
            raise ValueError(f"{name}: expected 'lat,lon' pairs, got {pair!r}") from None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ValueError(f"{name}: {pair!r} is not a latitude,longitude pair")
        out.append((lon, lat))
    return out


def area_geometry(info: Any, ns: str) -> tuple[Any, tuple[str, ...]]:
    """Union of an info's polygons and circles, and its geocodes (``valueName=value``)."""
    shapes, geocodes = [], []
    for area in info.findall(f"{{{ns}}}area"):
        for poly in area.findall(f"{{{ns}}}polygon"):
            ring = _pairs(poly.text or "", "polygon")
            if len(ring) < 4 or ring[0] != ring[-1]:
                raise ValueError("polygon: needs at least 4 'lat,lon' pairs, the first repeated last")
            p = Polygon(ring)
            shapes.append(p if p.is_valid else p.buffer(0))
        for circle in area.findall(f"{{{ns}}}circle"):
            parts = (circle.text or "").split()
            try:
                (lon, lat), radius = _pairs(parts[0], "circle")[0], float(parts[1])
            except (IndexError, ValueError):
                raise ValueError(f"circle: expected 'lat,lon radiusKm', got {circle.text!r}") from None
            if radius <= 0:
                raise ValueError(f"circle: radius must be > 0 km, got {radius:g}")
            shapes.append(buffer_m(Point(lon, lat), radius * 1000.0))
        for code in area.findall(f"{{{ns}}}geocode"):
            name, value = code.findtext(f"{{{ns}}}valueName"), code.findtext(f"{{{ns}}}value")
            if name and value:
                geocodes.append(f"{name.strip()}={value.strip()}")
    return (unary_union(shapes) if shapes else None), tuple(geocodes)


def _kind(info: Any, ns: str, kind_map: Mapping[str, str]) -> str:
    event = (info.findtext(f"{{{ns}}}event") or "").strip()
    categories = [(c.text or "").strip() for c in info.findall(f"{{{ns}}}category")]
    for key in (event, *categories):
        hit = mapped(key, kind_map, "", HAZARD_KINDS)
        if hit:
            return hit
    low = event.lower()
    for word, kind in EVENT_WORDS:
        if word in low:
            return kind
    for c in categories:
        if c.lower() in CATEGORY_KIND:
            return CATEGORY_KIND[c.lower()]
    return "other"


def _pick_info(infos: list[Any], ns: str, languages: tuple[str, ...]) -> Any:
    for lang in languages:
        for info in infos:
            if (info.findtext(f"{{{ns}}}language") or "en-US").lower().startswith(lang.lower()):
                return info
    return infos[0]


def read_message(root: Any, where: str, options: CapOptions, result: ReadResult) -> None:
    """One CAP ``<alert>`` -> an item (or a refusal, or a skip with the reason)."""
    result.records += 1
    ns = _ns(root)
    text = lambda name: (root.findtext(f"{{{ns}}}{name}") or "").strip()  # noqa: E731
    sender, identifier, status, msg_type = text("sender"), text("identifier"), text("status"), text("msgType")
    if not sender or not identifier:
        result.refuse(where, "identifier and sender are required")
        return
    source_id = f"cap:{sender},{identifier}"
    try:
        sent = cap_time(text("sent"), "sent")
    except ValueError as exc:
        result.refuse(where, str(exc), source_id)
        return
    if sent is None:
        result.refuse(where, "sent is required", source_id)
        return
    if status != "Actual":
        result.skip(where, f"status {status or '(none)'} is not an actual warning", source_id)
        return
    if msg_type not in ("Alert", "Update", "Cancel"):
        result.skip(where, f"msgType {msg_type or '(none)'} is not a warning", source_id)
        return
    refs = []
    for triplet in text("references").split():
        parts = triplet.split(",")
        if len(parts) != 3:
            result.refuse(where, f"references: expected sender,identifier,sent triplets, got {triplet!r}", source_id)
            return
        refs.append(f"cap:{parts[0]},{parts[1]}")
    if msg_type in ("Update", "Cancel") and not refs:
        result.refuse(where, f"a {msg_type} must name the messages it replaces in references", source_id)
        return
    version = f"{sender},{identifier},{text('sent')}"
    infos = root.findall(f"{{{ns}}}info")
    if msg_type == "Cancel":
        result.items.append(Item(source_id=source_id, version=version, kind="other", severity="moderate",
                                 geometry=None, starts_at=sent, ends_at=sent, description="Cancelled by the publisher",
                                 action="end", references=tuple(refs), sent=sent))
        return
    if not infos:
        result.refuse(where, "an Alert or Update needs an <info> block", source_id)
        return
    info = _pick_info(infos, ns, options.languages)
    it = lambda name: (info.findtext(f"{{{ns}}}{name}") or "").strip()  # noqa: E731
    try:
        geometry, geocodes = area_geometry(info, ns)
        starts = cap_time(it("onset"), "onset") or cap_time(it("effective"), "effective") or sent
        expires = cap_time(it("expires"), "expires")
    except ValueError as exc:
        result.refuse(where, str(exc), source_id)
        return
    if geometry is None and not geocodes:
        result.refuse(where, "no <area> with a polygon, circle or geocode", source_id)
        return
    severity = mapped(it("severity"), dict(CAP_SEVERITY, **(options.severity_map or {})), "moderate", SEVERITIES)
    headline = it("headline") or it("event") or "CAP warning"
    sender_name = it("senderName") or sender
    description = f"{headline} ({sender_name})"
    if it("description"):
        description += f": {it('description')}"
    if it("instruction"):
        description += f" Instruction: {it('instruction')}"
    result.items.append(Item(
        source_id=source_id, version=version, kind=_kind(info, ns, options.kind_map or {}), severity=severity,
        geometry=geometry, starts_at=starts, ends_at=max(expires, starts) if expires else None,
        description=description, references=tuple(refs), geocodes=geocodes, sent=sent,
    ))


def read_cap_documents(documents: list[tuple[str, Any]], options: CapOptions = CapOptions()) -> ReadResult:
    """Messages (``(where, parsed <alert> element)``) -> items in the order they were sent."""
    result = ReadResult()
    for where, root in documents:
        read_message(root, where, options, result)
    result.items.sort(key=lambda i: (i.sent or i.starts_at, i.version))
    return result
