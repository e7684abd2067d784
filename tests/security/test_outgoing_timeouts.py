"""Every outgoing call has a timeout: a receiver that accepts the connection and then says
nothing (a dead gateway behind a NAT) costs one bounded attempt, retried later, never a
dispatcher thread stuck forever."""

from __future__ import annotations

import socket
import threading

from alerts.delivery.channels.http import post


def test_a_silent_webhook_receiver_times_out_into_a_retry():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept_and_say_nothing():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                accepted.append(conn)
            except OSError:
                continue

    t = threading.Thread(target=accept_and_say_nothing, daemon=True)
    t.start()
    try:
        url = f"http://127.0.0.1:{server.getsockname()[1]}/hook"
        outcome = post(url, content=b"{}", headers={"content-type": "application/json"}, timeout_s=0.5)
    finally:
        stop.set()
        t.join(timeout=5)
        for c in accepted:
            c.close()
        server.close()
    assert accepted, "the receiver never saw the connection"
    assert outcome.status == "retryable"
    assert "timeout" in outcome.error
