"""The scheduler's job for hazard feeds: every minute, pull the feeds that are due (each on
its own schedule, failed ones after their backoff). Runs in the scheduler leader only."""

from __future__ import annotations

from corridors.feeds.service import pull_due
from ttt.db import session_scope


def pull_due_job() -> int:
    """Pull every due feed; returns how many were pulled (failures are in each feed's status)."""
    return len(pull_due(session_scope))
