"""The API server freezes its startup objects and collects less often (ingestion speed)."""

from __future__ import annotations

import gc

from fastapi.testclient import TestClient

from ttt.api.app import create_app
from ttt.runtime import GC_THRESHOLDS


def test_starting_the_server_freezes_startup_objects_and_sets_the_thresholds():
    before = gc.get_threshold()
    try:
        with TestClient(create_app()):
            assert gc.get_threshold() == GC_THRESHOLDS
            assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
