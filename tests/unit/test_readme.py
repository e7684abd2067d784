"""README stays true: every setting is in the configuration table, both quick-start commands lead."""

from __future__ import annotations

from pathlib import Path

from alerts.delivery.settings import DeliverySettings
from ttt.config import Settings

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented():
    names = [f"TTT_{n.upper()}" for cls in (Settings, DeliverySettings) for n in cls.model_fields]
    missing = [n for n in names if f"`{n}`" not in README]
    assert missing == []


def test_quick_start_shows_make_run_and_make_test_first():
    quick = README.split("## Quick start", 1)[1].split("##", 1)[0]
    assert "make run" in quick and "make test" in quick
    assert README.index("## Quick start") < README.index("## Configuration")
