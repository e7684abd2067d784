"""The dispatcher: claims due deliveries, sends them, records every attempt, retries later.

Each send is bracketed by two short transactions, and no transaction (nor pooled
connection) is held while the receiver answers:

1. **claim**: lock one due delivery (``FOR UPDATE SKIP LOCKED``, so any number of
   dispatchers work side by side), give up on it without sending when it is older than the
   maximum age (first attempt included), else record the attempt (outcome ``sending``) and
   lease the row (``next_attempt_at`` moved past the longest send), and commit;
2. **send**, outside any transaction;
3. **record**: the attempt's outcome and the delivery's new state (sent, retry at the
   backoff time, failed), committed.

If the process or the database dies between 1 and 3, the attempt stays on record (shown as
``unknown`` once the delivery is claimed again) and the delivery is retried when its lease
ends, not at once: delivery is **at-least-once**, and only the sends in flight at the
fault can arrive twice. Receivers drop such a duplicate on the stable ``webhook-id`` /
``Message-ID`` (the delivery id).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from alerts.delivery import repository as repo
from alerts.delivery.ack import ack_url, make_token
from alerts.delivery.backoff import BackoffPolicy, next_attempt_at
from alerts.delivery.channels import ChannelRegistry, Envelope, Outcome
from alerts.delivery.message import AlertMessage
from alerts.delivery.models import Delivery
from alerts.delivery.notices import notice_message

logger = logging.getLogger("ttt.delivery.dispatcher")


@dataclass
class DispatchReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    superseded: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, other: DispatchReport) -> None:
        with self.lock:
            self.sent += other.sent
            self.retrying += other.retrying
            self.failed += other.failed
            self.superseded += other.superseded

    @property
    def handled(self) -> int:
        return self.sent + self.retrying + self.failed + self.superseded


@dataclass(frozen=True)
class DispatchConfig:
    secret_key: str
    public_url: str
    policy: BackoffPolicy = BackoffPolicy()
    ack_ttl: timedelta = timedelta(days=14)
    batch: int = 200
    concurrency: int = 1
    worker: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")
    lease: timedelta = timedelta(minutes=2)  # longer than any channel's timeout: no second sender meanwhile


class Dispatcher:
    def __init__(self, sessions: sessionmaker[Session], registry: ChannelRegistry, config: DispatchConfig,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.sessions = sessions
        self.registry = registry
        self.config = config
        self.clock = clock

    # --- public ---------------------------------------------------------------------

    def run_once(self) -> DispatchReport:
        """Send what is due now, up to ``batch`` deliveries, with ``concurrency`` workers."""
        report = DispatchReport()
        budget = [self.config.batch]
        budget_lock = threading.Lock()

        def take() -> bool:
            with budget_lock:
                if budget[0] <= 0:
                    return False
                budget[0] -= 1
                return True

        def worker() -> None:
            while take():
                one = self.dispatch_one()
                if one is None:
                    return
                report.add(one)

        if self.config.concurrency <= 1:
            worker()
        else:
            with ThreadPoolExecutor(self.config.concurrency, thread_name_prefix="ttt-dispatch") as pool:
                for future in [pool.submit(worker) for _ in range(self.config.concurrency)]:
                    future.result()
        if report.handled:
            logger.info("dispatch: %d sent, %d to retry, %d failed, %d superseded",
                        report.sent, report.retrying, report.failed, report.superseded)
        return report

    def dispatch_one(self) -> DispatchReport | None:
        """Claim, send and record one delivery (or one digest); None when nothing is due."""
        report = DispatchReport()
        with self.sessions() as session, session.begin():
            now = self.clock()
            delivery = repo.claim_next_due(session, now)
            if delivery is None:
                return None
            repo.settle_unfinished_attempts(session, [delivery.id])
            newer = repo.newer_version_queued(session, delivery)
            if newer is not None:
                delivery.status = "superseded"
                delivery.last_error = f"superseded by version {newer}"
                report.superseded += 1
                return report
            group = [delivery]
            if delivery.mode == "digest":
                group += repo.claim_digest_companions(session, delivery, now)
                repo.settle_unfinished_attempts(session, [d.id for d in group[1:]])
            group = [d for d in group if not self._too_old(d, now, report)]
            if not group:
                return report
            try:
                envelope, channel = self._prepare(session, group, now)
            except Exception as exc:  # a bug in one delivery must not stop the others
                logger.exception("delivery %s could not be prepared", delivery.id)
                envelope, channel = None, Outcome.retry(f"internal error: {type(exc).__name__}: {exc}")
            attempts = {d.id: self._start_attempt(session, d, now) for d in group}
            lead_id = delivery.id
        started = time.monotonic()
        outcome = channel if isinstance(channel, Outcome) else self._send(channel, envelope, lead_id)
        duration_ms = int((time.monotonic() - started) * 1000)
        with self.sessions() as session, session.begin():
            for d in repo.deliveries_by_id(session, list(attempts)).values():
                self._record(session, d, attempts[d.id], outcome, now, duration_ms, report)
        return report

    # --- internals ------------------------------------------------------------------

    def _messages(self, session: Session, group: list[Delivery]) -> list[AlertMessage]:
        if group[0].notice_id is not None:  # a data-gap notice: told from its row, nothing to acknowledge
            return [notice_message(session, group[0].notice_id, group[0].event, self.config.public_url)]  # type: ignore[list-item]
        payloads = repo.message_payloads(session, [(d.alert_id, d.alert_version) for d in group])
        messages = []
        for d in group:
            payload = payloads.get((d.alert_id, d.alert_version))
            if payload is None:
                raise LookupError(f"delivery {d.id}: no stored message for alert {d.alert_id} version {d.alert_version}")
            token = make_token(self.config.secret_key, alert_id=d.alert_id, version=d.alert_version,
                               delivery_id=d.id, now=self.clock(), ttl=self.config.ack_ttl)
            messages.append(AlertMessage.from_dict(payload).for_recipients().with_ack_url(ack_url(self.config.public_url, token)))
        return messages

    def _too_old(self, d: Delivery, now: datetime, report: DispatchReport) -> bool:
        """Give up, without sending, on a delivery older than the maximum age (checked before
        every send, the first included: an alert about herds long gone is no warning)."""
        born = self._born(d)
        if now < born + self.config.policy.max_age:
            return False
        d.status = "failed"
        too_old = (f"{_hours(now - born)} old, beyond the maximum age of {_hours(self.config.policy.max_age)} "
                   "(TTT_DELIVERY_MAX_AGE_H)")
        d.last_error = (f"gave up after {d.attempts} attempt(s) ({d.last_error}): {too_old}" if d.attempts
                        else f"never sent: {too_old}")
        report.failed += 1
        logger.warning("delivery %s failed for good: %s", d.id, d.last_error)
        return True

    @staticmethod
    def _born(d: Delivery) -> datetime:
        """When a delivery starts ageing: an immediate one when raised, a digest when first due."""
        if d.mode == "digest":
            return d.first_attempt_at or d.next_attempt_at
        return d.created_at

    def _prepare(self, session: Session, group: list[Delivery], now: datetime):
        """The envelope and the channel, or an Outcome when there is nothing to send to."""
        lead = group[0]
        sub = repo.get_subscription(session, lead.subscription_id)
        if sub is None or not sub.active:
            return None, Outcome.fail("the subscription was deleted or deactivated")
        messages = self._messages(session, group)
        channel = self.registry.get(sub.channel)
        envelope = Envelope(
            delivery_id=str(lead.id), address=sub.address, language=sub.language,
            messages=tuple(messages), secret=sub.secret,
            digest_day=now.date() if lead.mode == "digest" else None,
        )
        return envelope, channel

    def _start_attempt(self, session: Session, d: Delivery, now: datetime) -> int:
        """Record the attempt before sending, and lease the row for the time of the send."""
        d.attempts += 1
        if d.first_attempt_at is None:
            d.first_attempt_at = now
        d.next_attempt_at = now + self.config.lease
        return repo.add_attempt(session, delivery_id=d.id, at=now, outcome="sending", worker=self.config.worker)

    @staticmethod
    def _send(channel, envelope: Envelope, delivery_id: int) -> Outcome:
        try:
            return channel.send(envelope)
        except Exception as exc:  # a bug in one channel must not stop the others
            logger.exception("delivery %s could not be sent", delivery_id)
            return Outcome.retry(f"internal error: {type(exc).__name__}: {exc}")

    def _record(self, session: Session, d: Delivery, attempt_id: int, outcome: Outcome, now: datetime,
                duration_ms: int, report: DispatchReport) -> None:
        repo.finish_attempt(session, attempt_id, outcome=outcome.status, status_code=outcome.status_code,
                            response_excerpt=outcome.response_excerpt, error=outcome.error, duration_ms=duration_ms)
        if outcome.ok:
            d.status, d.sent_at, d.last_error, d.provider_id = "sent", now, None, outcome.provider_id
            report.sent += 1
            return
        d.last_error = outcome.error
        retry_at = None
        if outcome.status == "retryable":
            # an immediate alert ages from when it was raised; a digest from when it was first due
            born = self._born(d)
            retry_at = next_attempt_at(born, d.attempts, now, self.config.policy)
            if retry_at is not None and outcome.retry_after_s:
                # honour the receiver's Retry-After, but never past the maximum age
                asked = now + timedelta(seconds=outcome.retry_after_s)
                retry_at = max(retry_at, min(asked, born + self.config.policy.max_age))
        if retry_at is None:
            d.status = "failed"
            if outcome.status == "retryable":
                d.last_error = f"gave up after {d.attempts} attempt(s) within {self.config.policy.max_age}: {outcome.error}"
            report.failed += 1
            logger.warning("delivery %s failed for good: %s", d.id, d.last_error)
        else:
            d.next_attempt_at = retry_at
            report.retrying += 1
            logger.info("delivery %s: attempt %d did not go through (%s); next try at %s", d.id, d.attempts,
                        outcome.error, retry_at.isoformat(timespec="seconds"))


def _hours(delta: timedelta) -> str:
    return f"{delta.total_seconds() / 3600:.1f} h"
