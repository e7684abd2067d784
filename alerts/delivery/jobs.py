"""The periodic work of delivery, as plain functions the scheduler (or a test) calls.

Each job opens its own transaction(s) and returns what it did; none of them raises for a
single bad row (the dispatcher records failures as attempts).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from alerts.delivery import repository as repo
from alerts.delivery.dispatcher import DispatchConfig, Dispatcher
from alerts.delivery.message import SEVERITIES, severity_rank
from alerts.delivery.outbox import enqueue
from alerts.delivery.settings import DeliverySettings, backoff_policy, build_registry, get_delivery_settings
from ttt.config import get_settings
from ttt.db import session_factory, session_scope

logger = logging.getLogger("ttt.delivery.jobs")


def build_dispatcher(settings=None, ds: DeliverySettings | None = None) -> Dispatcher:
    settings = settings or get_settings()
    ds = ds or get_delivery_settings()
    config = DispatchConfig(
        secret_key=settings.secret_key.get_secret_value(), public_url=settings.public_url,
        policy=backoff_policy(ds), ack_ttl=timedelta(days=ds.ack_ttl_days), batch=ds.delivery_batch,
        concurrency=ds.delivery_concurrency,
    )
    return Dispatcher(session_factory(), build_registry(settings, ds), config)


def escalate_unacknowledged(session: Session, *, now: datetime | None = None,
                            ds: DeliverySettings | None = None) -> list[int]:
    """Severe alerts nobody acknowledged within N hours go to the next tier (a new version,
    told to every tier up to the new one). Returns the escalated alert ids."""
    ds = ds or get_delivery_settings()
    now = now or datetime.now(UTC)
    floor = severity_rank(ds.escalation_min_severity)
    severities = [s for s in SEVERITIES if severity_rank(s) >= floor]
    due = repo.alerts_due_for_escalation(session, older_than=now - timedelta(hours=ds.escalation_after_h),
                                         severities=severities, max_tier=ds.escalation_max_tier)
    for alert in due:
        alert.escalation_tier = (alert.escalation_tier or 1) + 1
        alert.version = (alert.version or 1) + 1
        alert.updated_at = now
        alert.history = [*(alert.history or []), {
            "at": now.isoformat(), "by": "ttt", "change": "escalated",
            "note": f"not acknowledged within {ds.escalation_after_h:g} h: tier {alert.escalation_tier}"}]
        enqueue(session, alert, "escalated", now=now, settings=ds)
        logger.info("alert %s not acknowledged within %g h: escalated to tier %d",
                    alert.id, ds.escalation_after_h, alert.escalation_tier)
    return [a.id for a in due]


def escalate_job() -> list[int]:
    with session_scope() as session:
        return escalate_unacknowledged(session)


def cleanup_job(*, now: datetime | None = None, ds: DeliverySettings | None = None) -> int:
    """Forget finished deliveries (and their attempts) older than the retention period."""
    ds = ds or get_delivery_settings()
    cutoff = (now or datetime.now(UTC)) - timedelta(days=ds.delivery_retention_days)
    with session_scope() as session:
        removed = repo.delete_finished_before(session, cutoff)
    if removed:
        logger.info("cleanup: %d finished deliveries older than %s removed", removed, cutoff.date())
    return removed
