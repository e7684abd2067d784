"""The public default secret key signs nothing outside tests: without TTT_SECRET_KEY a random
key is made on first run, kept in a private file and reused by every process; the default
given explicitly is refused."""

from __future__ import annotations

import stat

import pytest

from ttt.config import DEFAULT_SECRET_KEY, Settings


@pytest.mark.parametrize("environment", ["development", "production"])
def test_a_random_key_is_generated_once_and_kept_outside_git(environment, tmp_path, monkeypatch):
    monkeypatch.delenv("TTT_SECRET_KEY", raising=False)
    monkeypatch.setenv("TTT_ENVIRONMENT", environment)
    monkeypatch.setenv("TTT_SECRET_FILE", str(tmp_path / "secret"))
    first = Settings().secret_key.get_secret_value()
    assert first != DEFAULT_SECRET_KEY and len(first) >= 48
    assert Settings().secret_key.get_secret_value() == first  # the next process signs with the same key
    assert stat.S_IMODE((tmp_path / "secret").stat().st_mode) == 0o600


def test_the_public_default_is_refused_outside_tests(tmp_path, monkeypatch):
    monkeypatch.setenv("TTT_SECRET_FILE", str(tmp_path / "secret"))
    for environment in ("development", "production"):
        monkeypatch.setenv("TTT_ENVIRONMENT", environment)
        monkeypatch.setenv("TTT_SECRET_KEY", DEFAULT_SECRET_KEY)
        with pytest.raises(ValueError, match="public default"):
            Settings()
    monkeypatch.setenv("TTT_ENVIRONMENT", "test")
    assert Settings().secret_key.get_secret_value() == DEFAULT_SECRET_KEY


def test_the_generated_key_file_is_ignored_by_git():
    from pathlib import Path

    assert ".ttt-secret" in (Path(__file__).parents[2] / ".gitignore").read_text().split()
