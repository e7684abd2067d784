"""Use cases: completeness per flow point and period, and the data-gap check that opens a
notice when a point misses its expected reports and closes it when reports resume.

Notices are for data managers (``GET /api/v1/quality/notices``); they are not alerts, so
they never reach the authorities' and partners' subscriptions.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from corridors.quality import repository as repo
from corridors.quality.rhythm import completeness, rhythm, silence
from corridors.stats.service import config as stats_config
from ttt.errors import ValidationFailed
from ttt.users import Principal

log = logging.getLogger(__name__)
MAX_DAYS = 400


def _season_first(day: date) -> date:
    season, _ = stats_config()
    return season.season_start(day)


def flow_point_completeness(session: Session, user: Principal, first: date | None, last: date | None,
                            today: date | None = None) -> dict[str, Any]:
    """Per flow point over [first, last] (default: this season to yesterday): days reported
    (counts, zero reports), the rhythm expected, completeness, last report, open data gap."""
    today = today or datetime.now(UTC).date()
    last = last or today - timedelta(days=1)
    first = first or _season_first(last)
    if last < first:
        raise ValidationFailed([{"field": "to", "message": f"'to' ({last}) is before 'from' ({first})"}])
    if (last - first).days > MAX_DAYS:
        raise ValidationFailed([{"field": "from", "message": f"at most {MAX_DAYS} days at a time"}])
    season_first = min(first, _season_first(last))
    known = repo.reported_days(session, season_first, max(last, today))
    gaps = repo.open_notices(session)
    items = []
    for p in repo.points(session, user.scopes):
        counted, zero = known.get(p.id, (set(), set()))
        all_days = sorted(counted | zero)
        in_period = [d for d in all_days if first <= d <= last]
        r = rhythm(p.report_days_per_week, all_days, season_first, min(today, last + timedelta(days=1)))
        gap = gaps.get(p.id)
        items.append({
            "flow_point": p.code, "name": p.name,
            "days_in_period": (last - first).days + 1,
            "days_reported": len(in_period),
            "days_with_counts": sum(1 for d in in_period if d in counted),
            "zero_report_days": sum(1 for d in in_period if d in zero and d not in counted),
            "expected_days_per_week": r.days_per_week, "rhythm": r.source,
            "completeness": completeness(r, len(in_period), first, last),
            "last_report": max(all_days).isoformat() if all_days else None,
            "data_gap": None if gap is None else {"since": gap["opened_at"].isoformat(),
                                                  "last_report": _iso(gap["last_known_day"])},
        })
    return {"from": first.isoformat(), "to": last.isoformat(), "items": items}


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


@dataclass
class GapRun:
    opened: list[str] = field(default_factory=list)  # flow point codes
    closed: list[str] = field(default_factory=list)
    opened_ids: list[int] = field(default_factory=list)  # notice ids, for telling data managers
    closed_ids: list[int] = field(default_factory=list)


def check_data_gaps(session: Session, today: date | None = None) -> GapRun:
    """Open a data-gap notice for each point that went silent, close those whose reports resumed."""
    today = today or datetime.now(UTC).date()
    season_first = _season_first(today - timedelta(days=1))
    known = repo.reported_days(session, season_first - timedelta(days=60), today)
    gaps = repo.open_notices(session)
    run = GapRun()
    for p in repo.points(session):
        counted, zero = known.get(p.id, (set(), set()))
        days = sorted(counted | zero)
        gap = gaps.get(p.id)
        if gap is not None:
            after = [d for d in days if gap["last_known_day"] is None or d > gap["last_known_day"]]
            if after:
                repo.close_notice(session, gap["id"], {"resumed_on": min(after).isoformat()})
                run.closed.append(p.code)
                run.closed_ids.append(gap["id"])
            continue
        r = rhythm(p.report_days_per_week, days, season_first, today)
        s = silence(r, [d for d in days if d >= season_first], today)
        if s.silent:
            details = {"flow_point": p.code, "expected_days_per_week": r.days_per_week, "rhythm": r.source,
                       "days_without_report": s.days_without, "allowed_days": s.allowed,
                       "message": {"en": f"No report from {p.name} ({p.code}) for {s.days_without} days "
                                         f"(last: {s.last_day}); it usually reports {r.days_per_week:g} days a week. "
                                         "Silence is not calm: check with the enumerator.",
                                   "fr": f"Aucun rapport de {p.name} ({p.code}) depuis {s.days_without} jours "
                                         f"(dernier : {s.last_day}) ; il rapporte d'habitude {r.days_per_week:g} jours "
                                         "par semaine. Le silence n'est pas le calme : vérifiez avec l'enquêteur."}}
            notice_id = repo.open_notice(session, p.id, s.last_day, details)
            if notice_id is not None:
                run.opened.append(p.code)
                run.opened_ids.append(notice_id)
    if run.opened or run.closed:
        log.info("data gaps: opened %s, closed %s", run.opened, run.closed)
    return run


def list_notices(session: Session, user: Principal, open_only: bool, limit: int, offset: int) -> tuple[list[dict], int]:
    rows, total = repo.notices(session, open_only=open_only, scopes=user.scopes,
                               limit=limit, offset=offset)
    items = [{"id": r["id"], "kind": r["kind"], "flow_point": r["code"], "name": r["name"],
              "opened_at": r["opened_at"].isoformat(), "closed_at": r["closed_at"].isoformat() if r["closed_at"] else None,
              "last_report": _iso(r["last_known_day"]), "details": r["details"]} for r in rows]
    return items, total


def set_rhythm(session: Session, user: Principal, code: str, days_per_week: int | None) -> dict[str, Any]:
    """Set (or, with None, unset: learn it again) how many days a week a point should report."""
    from ttt.errors import NotFound

    if days_per_week is not None and not 1 <= days_per_week <= 7:
        raise ValidationFailed([{"field": "days_per_week", "message": f"expected 1 to 7, or null to learn it, got {days_per_week}"}])
    point = next((p for p in repo.points(session, user.scopes) if p.code.upper() == code.upper()), None)
    if point is None:
        raise NotFound(f"no active flow point {code!r} in your areas")
    repo.set_rhythm(session, point.id, days_per_week)
    return {"flow_point": point.code, "days_per_week": days_per_week}


def data_gap_job() -> GapRun:
    """The check alone, in its own transaction (the scheduler runs
    ``alerts.delivery.notices.data_gap_job``, which also tells data managers)."""
    from ttt.db import session_scope

    with session_scope() as session:
        return check_data_gaps(session)
