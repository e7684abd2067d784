"""Delivery under faults: the SMTP server and a webhook receiver are down (nothing listening
on their port) and come back; meanwhile two dispatchers run side by side. Every alert
reaches every recipient exactly once, none is lost, none is sent twice.

Real servers (aiosmtpd, http.server) on real sockets; the dispatcher's clock is injected so
the retry schedule is followed without sleeping.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from alerts.delivery.channels import ChannelRegistry, EmailChannel, EmailConfig, WebhookChannel
from alerts.delivery.channels.webhook import generate_secret
from alerts.delivery.models import DeliveryAttempt
from alerts.delivery.outbox import enqueue
from tests.channel_servers import SmtpSink, free_port
from tests.integration.delivery_factories import (
    DS,
    T0,
    Clock,
    deliveries,
    dispatcher,
    make_alert,
    make_subscription,
)

pytestmark = pytest.mark.fault


@contextmanager
def webhook_on(port: int):
    got: list[dict] = []
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            with lock:
                got.append({"id": self.headers.get("webhook-id"), "body": body})
            self.send_response(200)
            self.send_header("content-length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args):
            """Keep test output quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    try:
        yield got
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def smtp_on(port: int):
    sink = SmtpSink(port=port)
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


def _run_in_parallel(workers) -> None:
    barrier = threading.Barrier(len(workers))

    def run(d):
        barrier.wait()
        d.run_once()

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)


def test_receivers_down_then_back_get_everything_exactly_once_with_two_dispatchers(session):
    smtp_port, hook_port = free_port(), free_port()
    for i in range(3):
        make_subscription(session, name=f"prefet {i}", channel="email", address=f"prefet{i}@example.org")
        make_subscription(session, name=f"ngo {i}", channel="webhook", address=f"http://127.0.0.1:{hook_port}/hook",
                          secret=generate_secret(), language="en")
    alerts = [make_alert(session) for _ in range(2)]
    for a in alerts:
        enqueue(session, a, "created", now=T0, settings=DS)
    session.commit()
    expected = len(deliveries(session))
    assert expected == 12

    registry = ChannelRegistry([EmailChannel(EmailConfig(host="127.0.0.1", port=smtp_port, timeout_s=5)),
                                WebhookChannel()])
    clock = Clock(T0)
    workers = [dispatcher(registry, clock, concurrency=3), dispatcher(registry, clock, concurrency=3)]

    _run_in_parallel(workers)  # both receivers down: connection refused
    rows = deliveries(session)
    assert {r.status for r in rows} == {"pending"}, [(r.status, r.last_error) for r in rows]
    assert all(r.attempts == 1 for r in rows)  # each tried once, by one dispatcher only

    with smtp_on(smtp_port) as sink, webhook_on(hook_port) as hooks:
        for _ in range(10):
            rows = deliveries(session)
            pending = [r for r in rows if r.status == "pending"]
            if not pending:
                break
            clock.now = max(clock.now, max(r.next_attempt_at for r in pending))  # all due again
            _run_in_parallel(workers)
        _run_in_parallel(workers)  # nothing left: a further round sends nothing
    rows = deliveries(session)
    assert {r.status for r in rows} == {"sent"}, [(r.status, r.attempts, r.last_error, str(r.next_attempt_at), str(clock.now)) for r in rows if r.status != "sent"]
    assert len(sink.messages) == 6  # 3 prefects x 2 alerts, once each
    assert sorted(to for _, tos in sink.envelopes for to in tos) == sorted(
        f"prefet{i}@example.org" for i in range(3) for _ in alerts)
    assert len(hooks) == 6 and len({h["id"] for h in hooks}) == 6  # no webhook-id twice
    attempts = session.scalars(select(DeliveryAttempt)).all()
    assert sum(1 for a in attempts if a.outcome == "ok") == expected
