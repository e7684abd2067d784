"""Architecture boundaries, declared once in pyproject.toml and enforced by import-linter:
one layers contract (core < corridors < alerts < entry points) and the pure-modules contract."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONTRACTS = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]["contracts"]


def _contract(kind: str) -> dict:
    (found,) = [c for c in CONTRACTS if c["type"] == kind]
    return found


def _layer_modules() -> set[str]:
    return {m.strip() for layer in _contract("layers")["layers"] for m in layer.replace("|", ":").split(":")}


def test_every_ttt_module_has_a_layer():
    """A new module of the ttt package must be placed: core (bottom layer) or entry point (top)."""
    children = {f"ttt.{p.stem}" for p in (ROOT / "ttt").glob("*.py") if p.stem != "__init__"}
    children |= {f"ttt.{p.parent.name}" for p in (ROOT / "ttt").glob("*/__init__.py")}
    assert children - _layer_modules() == set()


def test_modules_named_in_contracts_exist():
    named = _layer_modules() | set(_contract("forbidden")["source_modules"])
    missing = [m for m in sorted(named) if importlib.util.find_spec(m) is None]
    assert missing == []


def test_import_linter_contracts_hold_including_indirect_imports():
    """import-linter follows indirect imports too (e.g. corridors -> ttt.x -> alerts)."""
    exe = Path(sys.executable).with_name("lint-imports")
    exe = str(exe) if exe.exists() else shutil.which("lint-imports")
    assert exe, "import-linter is a dev dependency; install with pip install -e '.[dev]'"
    run = subprocess.run([exe, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-2000:]
    assert "0 broken" in run.stdout
