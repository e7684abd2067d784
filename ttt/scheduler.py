"""The scheduler: evaluate rules, dispatch deliveries, daily digest, escalation, cleanup.

Runs in ``ttt scheduler`` or inside ``ttt serve`` (one worker). Any number of processes may
run it: only the one holding a PostgreSQL advisory lock (session-level, on a dedicated
autocommit connection, so no transaction stays open while it leads) does the work, so two
schedulers never double-send; when the leader dies its connection closes, the lock is
released, and another process takes over at its next leadership check (every few seconds).
Evaluation and dispatch run when PostgreSQL says there is work (``ttt.wakeups``: LISTEN/
NOTIFY) and at their intervals as a safety net. Every job catches and logs its own failures
and simply runs again at its next tick: a mail server or database hiccup is never fatal to
the process. ``ttt scheduler`` logs like the API (``ttt.logging``: format, timestamps,
redaction), with leader changes and what each run did.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from ttt.db import get_engine, session_scope
from ttt.runtime import tune_gc
from ttt.wakeups import OUTBOX, RULES, Listener, Wakeable

logger = logging.getLogger("ttt.scheduler")
LEADER_CHECK_S = 3.0


class LeaderLock:
    """Session-level ``pg_try_advisory_lock`` held on a connection of our own."""

    def __init__(self, engine: Engine, key: int) -> None:
        self.engine = engine
        self.key = key
        self._conn: Connection | None = None
        self._lock = threading.Lock()
        self._waiting_said = False

    @property
    def is_leader(self) -> bool:
        return self._conn is not None

    def check(self) -> bool:
        """Keep or try to take the leadership; a broken connection means we lost it."""
        with self._lock:
            if self._conn is not None:
                try:
                    self._conn.execute(text("SELECT 1"))
                    return True
                except Exception:  # the connection died with our lock
                    logger.warning("scheduler lost its database connection: no longer the leader")
                    self._drop()
            try:
                # autocommit: the session-level lock needs no transaction, and none stays open
                conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
                got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}).scalar())
            except Exception as exc:
                logger.warning("scheduler cannot reach the database for its leader lock: %s", exc)
                return False
            if got:
                self._conn = conn
                self._waiting_said = False
                logger.info("this process is now the scheduler leader (advisory lock %d)", self.key)
                return True
            conn.close()
            if not self._waiting_said:
                logger.info("another process leads the scheduler (advisory lock %d): standing by", self.key)
                self._waiting_said = True
            return False

    def release(self) -> None:
        with self._lock:
            if self._conn is not None:
                try:
                    self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
                    logger.info("scheduler leadership released (advisory lock %d)", self.key)
                except Exception:
                    pass
                self._drop()

    def _drop(self) -> None:
        try:
            if self._conn is not None:
                self._conn.invalidate()
                self._conn.close()
        except Exception:
            pass
        self._conn = None


def _evaluate_rules() -> Any:
    """Run the rules engine over what arrived since the last run."""
    from alerts.runner import engine

    with session_scope() as session:
        result = engine.evaluate_now(session)
    if result.observations or result.created or result.updated:
        logger.info("evaluate: %d observations, %d alerts created, %d updated",
                    result.observations, len(result.created), len(result.updated))
    return result


class SchedulerHandle:
    """What ``start_scheduler`` returns: ``shutdown()`` stops the jobs and releases the lock."""

    def __init__(self, scheduler: BackgroundScheduler, leader: LeaderLock,
                 wakeable: dict[str, Wakeable] | None = None) -> None:
        self.scheduler = scheduler
        self.leader = leader
        self.wakeable = wakeable or {}
        self.listener: Listener | None = None

    def wake(self, job_id: str) -> None:
        """Run the job now (or once more right after the run in progress)."""
        if self.wakeable[job_id].wake() and self.leader.is_leader:
            self.scheduler.modify_job(job_id, next_run_time=datetime.now(UTC))

    def listen(self, url: str) -> Listener:
        """Wake evaluation and dispatch on PostgreSQL notifications (``ttt.wakeups``)."""
        self.listener = Listener(url, {RULES: lambda: self.wake("evaluate"), OUTBOX: lambda: self.wake("dispatch")})
        self.listener.start()
        return self.listener

    def shutdown(self, wait: bool = False) -> None:
        try:
            if self.listener is not None:
                self.listener.stop()
            self.scheduler.shutdown(wait=wait)
        finally:
            self.leader.release()


def _guarded(name: str, leader: LeaderLock, fn: Callable[[], Any]) -> Callable[[], None]:
    def run() -> None:
        if not leader.is_leader:
            return
        try:
            fn()
        except Exception:
            logger.exception("scheduled job %r failed; it will run again at its next tick", name)

    run.__name__ = f"ttt_{name}"
    return run


def build_scheduler(settings, *, leader: LeaderLock | None = None) -> SchedulerHandle:
    """The scheduler with every job, not started (tests start it themselves)."""
    from alerts.delivery.jobs import build_dispatcher, cleanup_job, escalate_job
    from alerts.delivery.settings import get_delivery_settings

    ds = get_delivery_settings()
    leader = leader or LeaderLock(get_engine(), ds.scheduler_lock_key)
    dispatcher = build_dispatcher(settings, ds)
    scheduler = BackgroundScheduler(
        timezone=UTC, job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
    )
    scheduler.add_job(leader.check, IntervalTrigger(seconds=LEADER_CHECK_S), id="leader",
                      next_run_time=datetime.now(UTC))
    wakeable = {"evaluate": Wakeable(_guarded("evaluate", leader, _evaluate_rules)),
                "dispatch": Wakeable(_guarded("dispatch", leader, dispatcher.run_once))}
    scheduler.add_job(wakeable["evaluate"], IntervalTrigger(seconds=settings.evaluate_interval_s), id="evaluate")
    scheduler.add_job(wakeable["dispatch"], IntervalTrigger(seconds=settings.dispatch_interval_s), id="dispatch")
    digest = ds.digest_at
    scheduler.add_job(_guarded("digest", leader, dispatcher.run_once),
                      CronTrigger(hour=digest.hour, minute=digest.minute, timezone=ds.zone), id="digest")
    scheduler.add_job(_guarded("escalate", leader, escalate_job), IntervalTrigger(seconds=60), id="escalate")
    scheduler.add_job(_guarded("cleanup", leader, cleanup_job), IntervalTrigger(hours=6), id="cleanup")
    from corridors.feeds.jobs import pull_due_job

    scheduler.add_job(_guarded("feeds", leader, pull_due_job), IntervalTrigger(seconds=60), id="feeds")
    from alerts.delivery.notices import data_gap_job  # the check, and data managers told

    scheduler.add_job(_guarded("data_gaps", leader, data_gap_job), IntervalTrigger(hours=1), id="data_gaps")
    return SchedulerHandle(scheduler, leader, wakeable)


def start_scheduler(settings) -> SchedulerHandle:
    """Start the jobs in background threads of this process."""
    handle = build_scheduler(settings)
    handle.scheduler.start()
    handle.listen(get_engine().url.set(drivername="postgresql").render_as_string(hide_password=False))
    logger.info("scheduler started: evaluate every %gs and dispatch every %gs at the latest, at once when "
                "PostgreSQL notifies new work", settings.evaluate_interval_s, settings.dispatch_interval_s)
    return handle


def run_forever(settings) -> None:
    """``ttt scheduler``: run until SIGINT/SIGTERM, then release the leader lock."""
    from ttt.logging import configure_logging

    configure_logging(settings)
    handle = start_scheduler(settings)
    tune_gc()  # a rules run allocates like an ingest: see ttt.runtime
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        stop.wait()
    finally:
        handle.shutdown(wait=True)
        logger.info("scheduler stopped")
