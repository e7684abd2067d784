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
notice row, in the subscription's language (gettext catalogues, ``ttt.i18n``), with no
acknowledgement link (nothing to acknowledge). See docs/DELIVERY.md.
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
from ttt.i18n import translator

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


def _as_date(value: Any) -> date | None:
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
        resumed_on=_as_date(d.get("resumed_on")), closed_at=row["closed_at"], url=f"{public_url}/api/v1/quality/notices?open=true",
    )


# --- texts (gettext: ttt.i18n, catalogues in locales/) ----------------------------------------


def _place(n: NoticeMessage) -> str:
    return f"{n.flow_point_name} ({n.flow_point_code})" if n.flow_point_name else n.flow_point_code


def _day(t, value: date | None) -> str:
    return t.day(value) if value else "?"


def notice_texts(n: NoticeMessage, language: str | None) -> tuple[str, list[str]]:
    """Subject and paragraphs of a notice in ``language``."""
    t = translator(language)
    place = _place(n)
    if n.event == "gap_closed":
        subject = t.gettext("[TTT] Reports resumed: {place}", place=place)
        first = t.gettext("Reports from the flow monitoring point {place} resumed on {day}.",
                          place=place, day=_day(t, n.resumed_on))
        if n.last_report:
            first += " " + t.gettext("The last report before the gap was on {day}.", day=_day(t, n.last_report))
        paragraphs = [first + " " + t.gettext("The data-gap notice is closed."),
                      t.gettext("The days without a report stay unknown in the statistics (not zero): if the "
                                "enumerator can still send them, or report \"no herd passed\" for them, please ask.")]
    else:
        days = t.num(n.days_without)
        subject = t.gettext("[TTT] Data gap: no report from {place} for {days} days", place=place, days=days)
        first = t.gettext("No report has come from the flow monitoring point {place} for {days} days.",
                          place=place, days=days)
        if n.last_report:
            first += " " + t.gettext("Last report: {day}.", day=_day(t, n.last_report))
        if n.expected_days_per_week:
            first += " " + t.gettext("It usually reports {per_week} days a week, so more than {allowed} days "
                                     "without a report is unusual.", per_week=t.num(n.expected_days_per_week, 1),
                                     allowed=t.num(n.allowed_days))
        paragraphs = [first, t.gettext("Silence is not calm: herds may be passing uncounted, and the alerts cannot "
                                       "see them. Please check with the enumerator (phone, credit, the form, their "
                                       "safety) and ask for the missing reports, or for \"no herd passed\" on the "
                                       "days nothing passed.")]
    paragraphs.append(t.gettext("This is a notice for data managers, not an alert: authorities and partners do "
                                "not receive it."))
    if n.url:
        paragraphs.append(t.gettext("Open data-gap notices: {url}", url=n.url))
    paragraphs.append("--\n" + t.gettext("Notice no. {number}, opened {when}.", number=n.notice_id,
                                         when=t.when(n.opened_at))
                      + "\n" + t.gettext("You receive this message because you have a staff subscription to TTT."))
    return subject, paragraphs


def render_notice(n: NoticeMessage, language: str):
    """Subject, text and HTML of a notice in the recipient's language."""
    from alerts.delivery.render import EmailContent

    t = translator(language)
    subject, paragraphs = notice_texts(n, t.language)
    html = "".join(f"<p>{escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs)
    return EmailContent(subject=subject, text="\n\n".join(paragraphs) + "\n",
                        html=f'<!doctype html><html lang="{t.language}" dir="{t.direction}"><body>{html}</body></html>')


def render_notice_sms(n: NoticeMessage, language: str, *, max_parts: int = 2, fold: bool = True) -> str:
    from alerts.delivery.sms_text import fit_sms

    t = translator(language)
    if n.event == "gap_closed":
        text = t.gettext("TTT: reports resumed at {place} on {day}.", place=_place(n), day=_day(t, n.resumed_on))
    else:
        text = t.gettext("TTT data gap: no report from {place} for {days} days (last: {day}). Check with the "
                         "enumerator.", place=_place(n), days=t.num(n.days_without), day=_day(t, n.last_report))
    return fit_sms([text], max_parts=max_parts, fold=fold)


def notice_webhook_payload(n: NoticeMessage, language: str, *, event_id: str | None = None) -> dict[str, Any]:
    content = render_notice(n, language)
    return {"type": f"notice.{n.event}", "id": event_id, "timestamp": n.updated_at.astimezone(UTC).isoformat(),
            "language": translator(language).language,
            "data": {**n.to_dict(), "subject": content.subject, "text": content.text}}


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
