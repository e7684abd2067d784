"""One pull of one feed: fetch (conditionally), read with the feed's reader, and bring the
feed's hazards up to date, keeping each hazard's provenance.

- The same data pulled twice changes nothing (same source id and version: untouched).
- A new version changes the hazard in place (same row, so HAZARD alerts follow it).
- A CAP Update replaces the hazard its ``references`` name; a Cancel ends it.
- FIRMS fire areas keep their hazard while they grow: a new area overlapping an active
  area of the same feed is that area.
- A GDACS event no longer listed ends when the pull notices.
- Records outside the feed's area are skipped; malformed records are refused and reported.
The caller commits (the feed's status is written in the same transaction).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import yaml
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry
from sqlalchemy.orm import Session

from corridors.feeds import repository as repo
from corridors.feeds.fetch import Fetched, FetchFailed
from corridors.feeds.models import HazardFeed
from corridors.feeds.readers import acled, cap, firms, gdacs
from corridors.feeds.readers.common import FormatError, Item, ReadResult
from corridors.geodata.models import Hazard
from ttt.config import get_settings

RECENT = timedelta(days=30)  # hazards looked at beyond those a pull names (fires, CAP chains)


class FeedProblem(Exception):
    """The feed's own settings prevent a pull (said in its status)."""


PUBLISHERS = {"firms_csv": "NASA FIRMS", "gdacs_geojson": "GDACS", "cap_feed": "CAP", "acled_csv": "ACLED"}
MAX_CAP_MESSAGES = 200
Fetcher = Callable[..., Fetched]


@dataclass
class PullReport:
    feed: int
    outcome: str = "pulled"
    error: str | None = None
    pulled_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    records: int = 0
    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    ended: list[int] = field(default_factory=list)
    unchanged: int = 0
    skipped: int = 0
    refused: list[dict[str, Any]] = field(default_factory=list)

    def counts(self) -> dict[str, Any]:
        return {"outcome": self.outcome, "records": self.records, "created": len(self.created),
                "updated": len(self.updated), "ended": len(self.ended), "unchanged": self.unchanged,
                "skipped": self.skipped, "refused": len(self.refused), "refused_examples": self.refused[:20]}

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ("feed", "outcome", "error", "pulled_at", "records", "created", "updated",
                                              "ended", "unchanged", "skipped", "refused")}


def conflict_rules() -> acled.ConflictRules:
    """The ``feeds.acled`` section of the rules file in use (``TTT_RULES_FILE``), else the
    built-in rules (the shipped rules file repeats them)."""
    path = get_settings().rules_file
    if not path or not os.path.exists(path):
        return acled.ConflictRules()
    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    return acled.parse_conflict_rules(((data.get("feeds") or {}) if isinstance(data, dict) else {}).get("acled"))


# --- reading -----------------------------------------------------------------------------------


def read_payload(feed: HazardFeed, fetched: Fetched, fetcher: Fetcher, timeout_s: float) -> ReadResult:
    opts = feed.options or {}
    if feed.kind == "firms_csv":
        return firms.read_firms(fetched.body, firms.options_from(opts, feed.severity_map, feed.hazard_kind,
                                                                 feed.expire_hours))
    if feed.kind == "gdacs_geojson":
        types = tuple(t.upper() for t in opts["event_types"]) if opts.get("event_types") else None
        return gdacs.read_gdacs(fetched.body, gdacs.GdacsOptions(
            kind_map=feed.kind_map, severity_map=feed.severity_map, event_types=types,
            point_radius_km=float(opts.get("point_radius_km", 25.0))))
    if feed.kind == "acled_csv":
        return acled.read_acled(fetched.body, acled.AcledOptions(
            rules=conflict_rules(), radius_km=opts.get("radius_km"), lifetime_hours=feed.expire_hours))
    return _read_cap(feed, fetched, fetcher, timeout_s)


def _read_cap(feed: HazardFeed, fetched: Fetched, fetcher: Fetcher, timeout_s: float) -> ReadResult:
    options = cap.CapOptions(kind_map=feed.kind_map, severity_map=feed.severity_map,
                             languages=tuple(feed.options.get("languages") or ("fr", "en")))
    root = cap.parse_xml(fetched.body)
    if cap.is_cap(root):
        return cap.read_cap_documents([("message", root)], options)
    inline, links = cap.index_entries(root)
    documents: list[tuple[str, Any]] = [(f"inline message {i + 1}", el) for i, el in enumerate(inline)]
    failed = ReadResult()
    limit = int(feed.options.get("max_messages") or MAX_CAP_MESSAGES)
    for link in links[-limit:]:
        try:
            doc = fetcher(link, credential=feed.credential, timeout_s=timeout_s, base=feed.url)
            documents.append((link, cap.parse_xml(doc.body)))
        except (FetchFailed, FormatError) as exc:
            failed.records += 1
            failed.refuse(link, str(exc))
    result = cap.read_cap_documents(documents, options)
    result.records += failed.records
    result.refused = failed.refused + result.refused
    return result


# --- applying -----------------------------------------------------------------------------------


def _area_filter(session: Session, feed: HazardFeed) -> tuple[BaseGeometry | None, str | None]:
    """(the feed's area, or None for everywhere; a reason when the area cannot be used)."""
    if feed.area_bbox:
        return box(*feed.area_bbox), None
    if feed.area_pcodes:
        area = repo.area_of_pcodes(session, feed.area_pcodes)
        if area is None:
            return None, f"the feed's area ({', '.join(feed.area_pcodes)}) has no admin boundaries loaded"
        return area, None
    return None, None


def _geocoded(session: Session, item: Item) -> BaseGeometry | None:
    pcodes = [v.split("=", 1)[1] for v in item.geocodes if "pcode" in v.split("=", 1)[0].lower().replace("-", "")]
    return repo.area_of_pcodes(session, pcodes)


def _cap_sent(version: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(version.rsplit(",", 1)[1]) if version else None
    except (IndexError, ValueError):
        return None


def _chain_key(version: str | None) -> str | None:
    return "cap:" + version.rsplit(",", 1)[0] if version and version.count(",") >= 2 else None


def _same(h: Hazard, item: Item, geometry: BaseGeometry, kind: str, ends: datetime | None) -> bool:
    old = repo_shape(h)
    return (h.kind == kind and h.severity == item.severity and h.starts_at == item.starts_at and h.ends_at == ends
            and (h.description or "") == item.description and old is not None and old.equals_exact(geometry, 1e-7))


def repo_shape(h: Hazard) -> BaseGeometry | None:
    from geoalchemy2.shape import to_shape

    return None if h.geom is None else to_shape(h.geom)


def _active(h: Hazard, now: datetime) -> bool:
    return h.ends_at is None or h.ends_at > now


class Applier:
    """Brings one feed's hazards up to date with the items of one pull."""

    def __init__(self, session: Session, feed: HazardFeed, report: PullReport, now: datetime,
                 items: list[Item]) -> None:
        self.session, self.feed, self.report, self.now = session, feed, report, now
        # the hazards these items name, and the recent ones (growing fires, CAP chains, GDACS)
        since = min([now, *(i.starts_at for i in items)]) - RECENT  # recent for the data, also old data
        self.hazards = repo.hazards_of(session, feed.id, {i.source_id for i in items} | {
            r for i in items for r in i.references}, recent_since=since)
        self.shapes: dict[int, BaseGeometry | None] = {}
        self.by_source = {h.source_id: h for h in self.hazards if h.source_id}
        self.by_chain = {_chain_key(h.source_version): h for h in self.hazards if _chain_key(h.source_version)}
        self.seen: set[str] = set()
        self.matched: set[int] = set()  # fire areas already given to an area of this pull
        self.area, self.area_problem = _area_filter(session, feed)
        self.label = f"{feed.name} ({PUBLISHERS[feed.kind]})"

    def target(self, item: Item) -> Hazard | None:
        h = self.by_source.get(item.source_id)
        if h is None:
            for ref in item.references:
                h = self.by_source.get(ref) or self.by_chain.get(ref)
                if h is not None:
                    break
        if h is None and self.feed.kind == "firms_csv" and item.geometry is not None:
            for other in self.hazards:  # a growing fire area keeps its hazard
                shape = self.shape(other)
                if (other.id not in self.matched and _active(other, item.starts_at) and shape is not None
                        and shape.intersects(item.geometry)):
                    h = other
                    break
        if h is not None and h.id is not None:
            self.matched.add(h.id)
        return h

    def shape(self, h: Hazard) -> BaseGeometry | None:
        if h.id not in self.shapes:
            self.shapes[h.id] = repo_shape(h)
        return self.shapes[h.id]

    def apply(self, item: Item) -> None:
        h = self.target(item)
        if h is not None and h.source_id:
            self.seen.add(h.source_id)
        self.seen.add(item.source_id)
        if h is not None and self.feed.kind == "cap_feed":
            sent = _cap_sent(h.source_version)
            if sent is not None and item.sent is not None and item.sent <= sent:
                self.report.unchanged += 1  # an older message of the chain: already applied
                return
        if item.action == "end":
            return self._end(h, item)
        if h is not None and h.source_version == item.version:
            self.report.unchanged += 1
            return
        geometry = item.geometry if item.geometry is not None else _geocoded(self.session, item)
        if geometry is None:
            where = ", ".join(item.geocodes) or "none"
            self.report.refused.append({"record": item.source_id, "source_id": item.source_id,
                                        "reason": f"no polygon or circle, and no geocode naming a known P-code ({where})"})
            return
        if self.area_problem or (self.area is not None and not self.area.intersects(geometry)):
            self.report.skipped += 1
            return
        if h is not None and self.feed.kind == "firms_csv" and self.shape(h) is not None:
            # a fire area is everything detected since it began, until it has been quiet
            # for its N hours (a rolling FIRMS window dropping old detections shrinks nothing)
            geometry = self.shape(h).union(geometry)
            ends = max(h.ends_at, item.ends_at) if h.ends_at and item.ends_at else item.ends_at
            item = replace(item, starts_at=min(h.starts_at, item.starts_at), ends_at=ends)
        kind = self.feed.hazard_kind or item.kind
        ends = item.ends_at
        if ends is None and self.feed.kind == "cap_feed" and self.feed.expire_hours:
            ends = item.starts_at + timedelta(hours=self.feed.expire_hours)
        if h is None:
            return self._create(item, geometry, kind, ends)
        was_active = _active(h, self.now)
        if _same(h, item, geometry, kind, ends):
            repo.relabel(self.session, h, item.version)  # same content, new label: nothing to follow
            if _chain_key(item.version):
                self.by_chain[_chain_key(item.version)] = h
            self.report.unchanged += 1
            return
        self._write(h, item, geometry, kind, ends)
        self.shapes[h.id] = geometry
        (self.report.ended if was_active and not _active(h, self.now) else self.report.updated).append(h.id)

    def _write(self, h: Hazard, item: Item, geometry: BaseGeometry, kind: str, ends: datetime | None) -> None:
        h.kind, h.severity, h.starts_at, h.ends_at = kind, item.severity, item.starts_at, ends
        h.geom = repo.geom_value(geometry)
        h.description, h.source = item.description, self.label
        h.source_version, h.pulled_at, h.updated_at = item.version, self.now, self.now
        if _chain_key(item.version):
            self.by_chain[_chain_key(item.version)] = h
        self.session.flush()

    def _create(self, item: Item, geometry: BaseGeometry, kind: str, ends: datetime | None) -> None:
        h = Hazard(feed_id=self.feed.id, source_id=item.source_id, created_at=self.now)
        self.session.add(h)
        self._write(h, item, geometry, kind, ends)
        self.hazards.append(h)
        self.by_source[item.source_id] = h
        self.matched.add(h.id)
        self.report.created.append(h.id)

    def _end(self, h: Hazard | None, item: Item) -> None:
        if h is None:
            self.report.skipped += 1  # cancels a message we never received
            return
        if h.source_version == item.version or not _active(h, item.ends_at or self.now):
            self.report.unchanged += 1
            return
        h.ends_at = max(item.ends_at or self.now, h.starts_at)
        h.source_version, h.pulled_at, h.updated_at = item.version, self.now, self.now
        self.by_chain[_chain_key(item.version)] = h
        self.session.flush()
        self.report.ended.append(h.id)

    def end_unlisted(self) -> None:
        """GDACS lists current events: an active event no longer listed has ended."""
        for h in self.hazards:
            if h.source_id and h.source_id not in self.seen and _active(h, self.now):
                h.ends_at = max(self.now, h.starts_at)
                h.pulled_at, h.updated_at = self.now, self.now
                h.description = (h.description or "") + " (no longer listed by GDACS)"
                self.report.ended.append(h.id)
        self.session.flush()


def apply_items(session: Session, feed: HazardFeed, result: ReadResult, report: PullReport) -> None:
    report.records += result.records
    report.refused.extend(result.refused)
    report.skipped += len(result.skipped)
    applier = Applier(session, feed, report, report.pulled_at, result.items)
    if applier.area_problem:
        raise FeedProblem(applier.area_problem)
    for item in result.items:
        applier.apply(item)
    if feed.kind == "gdacs_geojson":
        # an event refused this time (a malformed feature) is not an event that ended
        applier.seen |= {r["source_id"] for r in result.refused if r.get("source_id")}
        applier.end_unlisted()
