"""Data-gap notices for data managers, through the same outbox and dispatcher as alerts.

When the hourly check opens a notice (a flow point fell silent) or closes it (reports
resumed), one delivery row per matching *staff* subscription is written in the same
transaction, about the notice (``deliveries.notice_id``) rather than an alert; authority
and partner subscriptions never hear of notices. ``alert_version`` holds the notice's
step (1 opened, 2 closed), so the partial unique index tells each subscription each step
once, whoever runs the check and however often. A staff subscription watching corridors,
P-codes or an area hears about the points there; its alert types and minimum severity are
about alerts and do not apply. Notices go out at once, never in a digest.

The dispatcher sends them like alerts (locking, retries, attempts, the stable delivery id
as Message-ID / webhook-id / idempotency key); the message is built at send time from the
notice row, in the subscription's language, with no acknowledgement link (nothing to
acknowledge). See docs/DELIVERY.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from html import escape
from typing import Any

from geoalchemy2.shape import to_shape
from sqlalchemy.orm import Session

from alerts.delivery import repository as repo
from alerts.delivery.matching import AlertFacts, SubscriptionFilter, where_matches
from corridors.quality import repository as quality
from corridors.quality.service import GapRun, check_data_gaps
from ttt.config import get_settings

STEPS = {"gap_opened": 1, "gap_closed": 2}
"""Delivery event of each step of a notice, and the step number stored as ``alert_version``."""


@dataclass(frozen=True)
class NoticeMessage:
    """What a data manager is told about one step of one data-gap notice."""

    notice_id: int
    event: str  # gap_opened | gap_closed
    flow_point_code: str
    flow_point_name: str | None
    opened_at: datetime
    last_report: date | None = None
    days_without: int | None = None
    allowed_days: int | None = None
    expected_days_per_week: float | None = None
    resumed_on: date | None = None
    closed_at: datetime | None = None
    url: str | None = None
    ack_url: str | None = None  # nothing to acknowledge: always None
    is_notice: bool = True

    @property
    def id(self) -> str:
        """Names it in headers (``X-TTT-Alert-Ids``) without passing for an alert number."""
        return f"notice-{self.notice_id}"

    @property
    def updated_at(self) -> datetime:
        """When this step happened (stable across retries)."""
        return self.closed_at if self.event == "gap_closed" and self.closed_at else self.opened_at

    @property
    def version(self) -> int:
        return STEPS[self.event]

    def with_ack_url(self, ack_url: str | None) -> NoticeMessage:
        return self

    def to_dict(self) -> dict[str, Any]:
        return {"notice": self.notice_id, "event": self.event, "flow_point": self.flow_point_code,
                "flow_point_name": self.flow_point_name, "opened_at": self.opened_at.astimezone(UTC).isoformat(),
                "last_report": _iso(self.last_report), "days_without_report": self.days_without,
                "allowed_days": self.allowed_days, "expected_days_per_week": self.expected_days_per_week,
                "resumed_on": _iso(self.resumed_on), "url": self.url}


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def _day(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def notice_message(session: Session, notice_id: int, event: str, public_url: str | None = None) -> NoticeMessage:
    row = quality.notice(session, notice_id)
    if row is None:
        raise LookupError(f"data-gap notice {notice_id} no longer exists")
    d = row["details"] or {}
    public_url = (public_url or get_settings().public_url).rstrip("/")
    return NoticeMessage(
        notice_id=row["id"], event=event, flow_point_code=row["code"], flow_point_name=row["name"],
        opened_at=row["opened_at"], last_report=row["last_known_day"], days_without=d.get("days_without_report"),
        allowed_days=d.get("allowed_days"), expected_days_per_week=d.get("expected_days_per_week"),
        resumed_on=_day(d.get("resumed_on")), closed_at=row["closed_at"], url=f"{public_url}/api/v1/quality/notices?open=true",
    )


# --- texts -----------------------------------------------------------------------------------


def render_notice(n: NoticeMessage, language: str):
    """Subject, text and HTML of a notice in the recipient's language (templates notice_*)."""
    from alerts.delivery.render import EmailContent, _render

    subject = " ".join(_render("notice_subject.txt", language, n=n).split())
    text = _render("notice_body.txt", language, n=n).strip() + "\n"
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    html = "".join(f"<p>{escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs)
    return EmailContent(subject=subject, text=text, html=f"<!doctype html><html lang=\"{language}\"><body>{html}</body></html>")


def render_notice_sms(n: NoticeMessage, language: str, *, max_parts: int = 2, fold: bool = True) -> str:
    from alerts.delivery.render import _render
    from alerts.delivery.sms_text import fit_sms

    return fit_sms([" ".join(_render("notice_sms.txt", language, n=n).split())], max_parts=max_parts, fold=fold)


def notice_webhook_payload(n: NoticeMessage, language: str, *, event_id: str | None = None) -> dict[str, Any]:
    content = render_notice(n, language)
    return {"type": f"notice.{n.event}", "id": event_id, "timestamp": n.updated_at.astimezone(UTC).isoformat(),
            "language": language, "data": {**n.to_dict(), "subject": content.subject, "text": content.text}}


# --- outbox ----------------------------------------------------------------------------------


def enqueue_notice(session: Session, notice_id: int, event: str, *, now: datetime | None = None) -> int:
    """Write the deliveries of one step of a notice to the matching staff subscriptions, in the
    caller's transaction; returns how many new rows (a step already written is skipped)."""
    if event not in STEPS:
        raise ValueError(f"notice {notice_id}: event must be one of {', '.join(STEPS)}, got {event!r}")
    row = quality.notice(session, notice_id)
    if row is None:
        return 0
    now = now or datetime.now(UTC)
    facts = AlertFacts(type="data_gap", severity="minor", corridor_code=row["corridor_code"],
                       pcodes=tuple(row["pcodes"] or ()))
    subs = [s for s in repo.active_subscriptions(session) if s.kind == "staff" and s.reporter is None
            and where_matches(SubscriptionFilter(id=s.id, corridors=tuple(s.corridors or ()), pcodes=tuple(s.pcodes or ()),
                                                 area=to_shape(s.area) if s.area is not None else None), facts)]
    return repo.insert_deliveries(session, [
        {"alert_id": None, "notice_id": notice_id, "alert_version": STEPS[event], "subscription_id": s.id,
         "event": event, "mode": "immediate", "status": "pending", "attempts": 0, "created_at": now,
         "next_attempt_at": now} for s in subs])


def tell_data_gaps(session: Session, run: GapRun, *, now: datetime | None = None) -> int:
    """Deliveries for the notices a check opened and closed."""
    return (sum(enqueue_notice(session, i, "gap_opened", now=now) for i in run.opened_ids)
            + sum(enqueue_notice(session, i, "gap_closed", now=now) for i in run.closed_ids))


def data_gap_job(today: date | None = None) -> GapRun:
    """The scheduler's hourly check: notices opened and closed, and told, in one transaction."""
    from ttt.db import session_scope

    with session_scope() as session:
        run = check_data_gaps(session, today=today)
        tell_data_gaps(session, run)
        return run
