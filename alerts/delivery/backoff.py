"""When to try a failed delivery again: exponential backoff with jitter, up to a maximum age.

"Full jitter" (AWS Architecture Blog, *Exponential Backoff And Jitter*, 2015): the delay
is drawn uniformly in ``[base*factor**(n-1) * (1-jitter), base*factor**(n-1)]``, capped. Many
deliveries that failed together (a mail server down for hours) then come back spread out
instead of hammering it together. A delivery older than ``max_age`` is given up: an alert
about herds that passed two days ago is no longer an early warning.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class BackoffPolicy:
    base_s: float = 30.0
    factor: float = 2.0
    max_delay_s: float = 3600.0
    jitter: float = 0.5  # fraction of the delay that is random: 0 = none, 1 = full jitter
    max_age: timedelta = timedelta(hours=24)
    max_attempts: int | None = None

    def __post_init__(self) -> None:
        if self.base_s <= 0 or self.factor < 1 or self.max_delay_s < self.base_s:
            raise ValueError("backoff needs base_s > 0, factor >= 1 and max_delay_s >= base_s")
        if not 0 <= self.jitter <= 1:
            raise ValueError(f"backoff jitter must be within [0, 1], got {self.jitter}")


def delay_s(attempt: int, policy: BackoffPolicy = BackoffPolicy(), rng: random.Random | None = None) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (1 = the first attempt)."""
    if attempt < 1:
        raise ValueError(f"attempt numbers start at 1, got {attempt}")
    ceiling = min(policy.max_delay_s, policy.base_s * policy.factor ** (attempt - 1))
    low = ceiling * (1 - policy.jitter)
    return low + (ceiling - low) * (rng or random).random()


def next_attempt_at(first_created: datetime, attempt: int, now: datetime,
                    policy: BackoffPolicy = BackoffPolicy(), rng: random.Random | None = None) -> datetime | None:
    """When to retry after failed attempt ``attempt``, or None when it is time to give up."""
    if policy.max_attempts is not None and attempt >= policy.max_attempts:
        return None
    deadline = first_created + policy.max_age
    if now >= deadline:
        return None
    return min(now + timedelta(seconds=delay_s(attempt, policy, rng)), deadline)
