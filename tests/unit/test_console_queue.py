"""The console's alert queue: what waits for a decision first, newest change first inside a group."""

from ttt.web.views import queue_order


def alert(n, *, held=False, verification="confirmed", status="open", severity="moderate", at="2026-01-01T00:00:00+00:00"):
    return {"id": n, "held": held, "verification": verification, "status": status, "severity": severity, "updated_at": at}


def test_held_reports_then_unverified_then_open_then_done_newest_first_inside():
    items = [
        alert(1, status="resolved", at="2026-01-05T00:00:00+00:00"),
        alert(2, at="2026-01-01T00:00:00+00:00"),
        alert(3, at="2026-01-03T00:00:00+00:00"),
        alert(4, verification="new", at="2026-01-02T00:00:00+00:00"),
        alert(5, held=True, verification="new", at="2025-12-01T00:00:00+00:00"),
        alert(6, severity="extreme", at="2025-12-02T00:00:00+00:00"),
    ]
    assert [a["id"] for a in queue_order(items)] == [5, 4, 6, 3, 2, 1]
