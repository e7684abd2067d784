"""Wake-ups through PostgreSQL ``LISTEN/NOTIFY``: work starts when there is work, polling
stays as the safety net.

Statement-level triggers (migration 0015) ``NOTIFY`` a channel when a transaction queues
observations for the rules or changes what can raise an alert (``ttt_rules``: rule_queue,
hazards, calendars) and when it writes delivery rows (``ttt_outbox``: new alerts, updates,
escalations, verifications, resolutions all reach recipients through them). PostgreSQL
delivers a notification only when the transaction commits, and folds identical ones of one
transaction into one, so a listener never wakes for work it cannot see yet.

:class:`Listener` holds one autocommit connection of its own, gathers the notifications of
a short moment (a burst of 100 uploads is one wake-up), and calls each channel's callback
once. A lost connection is reopened; anything missed meanwhile is found by the next poll.
:class:`Wakeable` wraps a job so a wake-up during a run makes exactly one more run after it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping

import psycopg

logger = logging.getLogger("ttt.wakeups")

RULES = "ttt_rules"  # observations queued, hazards or calendars changed: evaluate
OUTBOX = "ttt_outbox"  # delivery rows written: dispatch
GATHER_S = 0.1  # notifications this close together are one wake-up


class Wakeable:
    """A job that can be woken: ``wake()`` while it runs makes it run once more at the end
    (however many wake-ups came); ``wake()`` while idle returns True (start it now)."""

    def __init__(self, fn: Callable[[], object]) -> None:
        self.fn = fn
        self._lock = threading.Lock()
        self._running = False
        self._again = False
        self.__name__ = getattr(fn, "__name__", "wakeable")

    def wake(self) -> bool:
        with self._lock:
            self._again = True
            return not self._running

    def __call__(self) -> None:
        with self._lock:
            self._running = True
        try:
            while True:
                with self._lock:
                    self._again = False
                self.fn()
                with self._lock:
                    if not self._again:
                        self._running = False
                        return
        except BaseException:
            with self._lock:
                self._running = False
            raise


class Listener(threading.Thread):
    """``LISTEN`` on the given channels and call ``callbacks[channel]()`` once per burst."""

    def __init__(self, url: str, callbacks: Mapping[str, Callable[[], None]], retry_s: float = 5.0) -> None:
        super().__init__(name="ttt-listen", daemon=True)
        self.url = url
        self.callbacks = dict(callbacks)
        self.retry_s = retry_s
        self.stopping = threading.Event()
        self.listening = threading.Event()

    def stop(self) -> None:
        self.stopping.set()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                with psycopg.connect(self.url, autocommit=True, connect_timeout=5) as conn:
                    for channel in self.callbacks:
                        conn.execute(f"LISTEN {channel}")
                    self.listening.set()
                    logger.info("listening for %s", ", ".join(self.callbacks))
                    self._serve(conn)
            except Exception as exc:  # the database restarted or is unreachable: polling covers the gap
                self.listening.clear()
                if not self.stopping.is_set():
                    logger.warning("wake-ups paused (%s: %s); retrying in %g s", type(exc).__name__, exc, self.retry_s)
                    self.stopping.wait(self.retry_s)

    def _serve(self, conn: psycopg.Connection) -> None:
        while not self.stopping.is_set():
            got = {n.channel for n in conn.notifies(timeout=1.0, stop_after=1)}
            if not got:
                continue
            got |= {n.channel for n in conn.notifies(timeout=GATHER_S)}  # the rest of the burst
            for channel in sorted(got):
                try:
                    self.callbacks[channel]()
                except Exception:
                    logger.exception("wake-up of %s failed", channel)
