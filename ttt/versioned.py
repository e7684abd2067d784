"""A cache entry that stays as long as what it was built from is unchanged."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")
_lock = threading.Lock()


def versioned(cache: dict[Hashable, tuple[Any, Any]], key: Hashable, version: Any, build: Callable[[], T]) -> T:
    """``cache[key]``'s value while it was built at ``version``; else ``build()``, kept for next
    time. Threads asking at once wait for one build rather than each building their own."""
    with _lock:
        hit = cache.get(key)
        if hit is not None and hit[0] == version:
            return hit[1]
        value = build()
        cache[key] = (version, value)
        return value
