"""Hazard feed use cases: the feeds as data (create, read, change, delete, scoped like the
geodata), pulling one feed now or every feed that is due, and each feed's status.

A pull records how it went on the feed (last success, last error, counts, the publisher's
validators for the next conditional request, when to pull next). A failed pull backs off:
the next attempt comes after min(every, 5 min) x 2^(failures - 1), at most max(every, 6 h).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from corridors.feeds import repository as repo
from corridors.feeds.fetch import TIMEOUT_S, Fetched, FetchFailed, fetch, refusal
from corridors.feeds.models import HazardFeed
from corridors.feeds.pull import FeedProblem, Fetcher, PullReport, apply_items, read_payload
from corridors.feeds.readers.common import FormatError
from corridors.feeds.schemas import FeedIn, FeedOut, FeedPatch, FeedStatus, _check_options
from ttt.errors import Conflict, NotFound, ValidationFailed
from ttt.users import Principal

log = logging.getLogger("ttt.feeds")


# --- feeds as data -----------------------------------------------------------------------------


def _visible(user: Principal, feed: HazardFeed) -> bool:
    """Users with scopes see (and edit) the feeds whose area lies in their scopes."""
    return user.unrestricted or (bool(feed.area_pcodes) and all(user.in_scope(p) for p in feed.area_pcodes))


def _check_area(session: Session, user: Principal, bbox: list[float] | None, pcodes: list[str]) -> None:
    errors = []
    unknown = sorted(set(pcodes) - repo.known_pcodes(session, pcodes))
    if unknown:
        errors.append({"field": "area.pcodes", "message": f"unknown P-code(s): {', '.join(unknown)}"})
    if bbox and pcodes:
        errors.append({"field": "area", "message": "give a bbox or P-codes, not both"})
    if not user.unrestricted:
        if not pcodes:
            errors.append({"field": "area.pcodes", "message": f"your account covers {', '.join(user.scopes)} only: "
                                                              "give the P-codes this feed is for"})
        outside = [p for p in pcodes if not user.in_scope(p)]
        if outside:
            errors.append({"field": "area.pcodes", "message": f"outside your areas ({', '.join(user.scopes)}): "
                                                              f"{', '.join(outside)}"})
    if errors:
        raise ValidationFailed(errors)


def _check_url(url: str) -> None:
    reason = refusal(url)
    if reason:
        raise ValidationFailed([{"field": "url", "message": reason}])


def get_feed(session: Session, user: Principal, feed_id: int, for_update: bool = False) -> HazardFeed:
    feed = repo.get(session, feed_id, for_update=for_update)
    if feed is None or not _visible(user, feed):
        raise NotFound(f"no hazard feed {feed_id}")
    return feed


def create_feed(session: Session, user: Principal, body: FeedIn) -> HazardFeed:
    area = body.area
    _check_area(session, user, area.bbox if area else None, area.pcodes if area else [])
    _check_url(body.url)
    secret = body.credential.get_secret_value().strip() if body.credential else ""
    feed = HazardFeed(
        name=body.name.strip(), kind=body.kind, url=body.url, credential=secret or None,
        area_bbox=area.bbox if area else None, area_pcodes=area.pcodes if area else [],
        every_minutes=body.every_minutes, enabled=body.enabled, hazard_kind=body.hazard_kind,
        kind_map=dict(body.kind_map), severity_map=dict(body.severity_map), expire_hours=body.expire_hours,
        options=dict(body.options), created_by=user.name, failures=0,
    )
    return repo.add(session, feed)


def patch_feed(session: Session, user: Principal, feed_id: int, body: FeedPatch) -> HazardFeed:
    feed = get_feed(session, user, feed_id, for_update=True)
    given = body.model_fields_set
    if "area" in given:
        area = body.area
        _check_area(session, user, area.bbox if area else None, area.pcodes if area else [])
        feed.area_bbox, feed.area_pcodes = (area.bbox, area.pcodes) if area else (None, [])
    if body.url is not None:
        _check_url(body.url)
    if "credential" in given:
        secret = body.credential.get_secret_value().strip() if body.credential else ""
        feed.credential = secret or None
    if "options" in given:
        try:
            _check_options(feed.kind, body.options or {})
        except ValueError as exc:
            raise ValidationFailed([{"field": "options", "message": str(exc)}]) from None
        feed.options = dict(body.options or {})
    for name in ("name", "url", "every_minutes", "enabled", "hazard_kind", "kind_map", "severity_map", "expire_hours"):
        if name in given:
            value = getattr(body, name)
            if value is None and name in ("name", "url", "every_minutes", "enabled"):
                raise ValidationFailed([{"field": name, "message": "cannot be removed"}])
            setattr(feed, name, value if value is not None or name in ("hazard_kind", "expire_hours") else {})
    if "every_minutes" in given or "enabled" in given:
        feed.next_pull_at = None  # due now under the new schedule
    feed.updated_at = datetime.now(UTC)
    session.flush()
    return feed


def delete_feed(session: Session, user: Principal, feed_id: int) -> None:
    """The feed goes; its hazards stay (with their source text) as hand-kept hazards."""
    repo.delete(session, get_feed(session, user, feed_id, for_update=True))


def list_feeds(session: Session, user: Principal, *, limit: int, offset: int) -> tuple[list[HazardFeed], int]:
    rows, _ = repo.list_feeds(session)
    visible = [f for f in rows if _visible(user, f)]
    return visible[offset:offset + limit], len(visible)


def feed_out(session: Session, feeds: list[HazardFeed], now: datetime | None = None) -> list[FeedOut]:
    counts = repo.hazard_counts(session, [f.id for f in feeds], now or datetime.now(UTC))
    out = []
    for f in feeds:
        n, active = counts.get(f.id, (0, 0))
        area = None
        if f.area_bbox or f.area_pcodes:
            area = {"bbox": list(f.area_bbox) if f.area_bbox else None, "pcodes": list(f.area_pcodes or [])}
        out.append(FeedOut(
            id=f.id, name=f.name, kind=f.kind, url=f.url, has_credential=bool(f.credential), area=area,
            every_minutes=f.every_minutes, enabled=f.enabled, hazard_kind=f.hazard_kind, kind_map=f.kind_map or {},
            severity_map=f.severity_map or {}, expire_hours=f.expire_hours, options=f.options or {},
            status=FeedStatus(
                last_attempt_at=f.last_attempt_at, last_success_at=f.last_success_at, last_error=f.last_error,
                last_error_at=f.last_error_at, failures_in_a_row=f.failures or 0, next_pull_at=f.next_pull_at,
                last_counts=f.last_report, hazards=n, active_hazards=active),
            created_by=f.created_by, created_at=f.created_at, updated_at=f.updated_at,
        ))
    return out


# --- pulling --------------------------------------------------------------------------------------


def backoff(every_minutes: int, failures: int) -> timedelta:
    base = min(every_minutes, 5)
    return timedelta(minutes=min(base * 2 ** max(failures - 1, 0), max(every_minutes, 360)))


def pull_feed(session: Session, feed: HazardFeed, *, now: datetime | None = None,
              fetcher: Fetcher = fetch) -> PullReport:
    """Pull one feed now and record the outcome on it; a publisher's failure is a report
    with ``outcome`` failed (never an exception). The caller commits."""
    now = now or datetime.now(UTC)
    _lock(session, feed.id)
    report = PullReport(feed=feed.id, pulled_at=now)
    feed.last_attempt_at = now
    timeout_s = float((feed.options or {}).get("timeout_s") or TIMEOUT_S)
    try:
        fetched = fetcher(feed.url, credential=feed.credential, etag=feed.etag, last_modified=feed.last_modified,
                          timeout_s=timeout_s)
        if fetched.status == 304:
            report.outcome = "not_modified"
        else:
            result = read_payload(feed, fetched, fetcher, timeout_s)
            with session.begin_nested():
                apply_items(session, feed, result, report)
            feed.etag, feed.last_modified = fetched.etag, fetched.last_modified
    except (FetchFailed, FormatError, FeedProblem) as exc:
        return _failed(feed, report, str(exc), now)
    except Exception as exc:  # a bug or a database refusal: this feed only
        log.exception("pulling hazard feed %s failed", feed.id)
        return _failed(feed, report, f"the pull failed inside ttt ({type(exc).__name__}); see the server log", now)
    feed.last_success_at, feed.failures, feed.last_report = now, 0, report.counts()
    feed.next_pull_at = now + timedelta(minutes=feed.every_minutes)
    session.flush()
    log.info("hazard feed %s pulled: %s", feed.id, {k: v for k, v in report.counts().items() if k != "refused_examples"})
    return report


def load_payload(session: Session, feed: HazardFeed, data: bytes, *, now: datetime | None = None) -> PullReport:
    """Read a document already at hand as if it had just been pulled (the demo's sample; a
    file a publisher sent by other means). Links it names are not followed."""

    def offline(url: str, **_: Any) -> Fetched:
        if url == feed.url:
            return Fetched(200, data)
        raise FetchFailed("not fetched: the document was loaded from a file")

    return pull_feed(session, feed, now=now, fetcher=offline)


def _failed(feed: HazardFeed, report: PullReport, reason: str, now: datetime) -> PullReport:
    report.outcome, report.error = "failed", reason
    report.created, report.updated, report.ended = [], [], []
    feed.failures = (feed.failures or 0) + 1
    feed.last_error, feed.last_error_at = reason, now
    feed.last_report = report.counts() | {"error": reason}
    feed.next_pull_at = now + backoff(feed.every_minutes, feed.failures)
    log.warning("hazard feed %s: %s (failure %d in a row)", feed.id, reason, feed.failures)
    return report


def _lock(session: Session, feed_id: int) -> None:
    if not repo.try_lock(session, feed_id):
        raise Conflict(f"hazard feed {feed_id} is being pulled right now; try again in a moment")


def pull(session: Session, user: Principal, feed_id: int, *, fetcher: Fetcher = fetch) -> PullReport:
    _lock(session, feed_id)  # before the row lock: a second pull is told at once, not made to wait
    return pull_feed(session, get_feed(session, user, feed_id, for_update=True), fetcher=fetcher)


def pull_due(session_scope: Callable[[], Any], *, now: datetime | None = None, only: int | None = None,
             every_enabled: bool = False, fetcher: Fetcher = fetch,
             on_feed: Callable[[int, PullReport], None] | None = None) -> list[PullReport]:
    """Pull every enabled feed that is due (``every_enabled``: due or not; ``only``: that
    feed), each in its own transaction: one broken feed never stops the others."""
    now = now or datetime.now(UTC)
    with session_scope() as s:
        if only is not None:
            ids = [only]
        else:
            ids = repo.enabled_feed_ids(s) if every_enabled else repo.due_feed_ids(s, now)
    reports = []
    for feed_id in ids:
        try:
            with session_scope() as s:
                _lock(s, feed_id)
                feed = repo.get(s, feed_id, for_update=True)
                if feed is None:
                    raise NotFound(f"no hazard feed {feed_id}")
                report = pull_feed(s, feed, now=now, fetcher=fetcher)
        except (Conflict, NotFound) as exc:
            report = PullReport(feed=feed_id, outcome="failed", error=str(exc), pulled_at=now)
        reports.append(report)
        if on_feed:
            on_feed(feed_id, report)
    return reports
