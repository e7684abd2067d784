"""Placeholder scheduler until the delivery work lands (owned by the delivery helper)."""

from __future__ import annotations

import threading


class _Noop:
    def shutdown(self, wait: bool = False) -> None:
        return None


def start_scheduler(settings) -> _Noop:
    return _Noop()


def run_forever(settings) -> None:
    threading.Event().wait()
