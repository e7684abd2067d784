"""Architecture boundaries: corridors never imports alerts; pure modules import no web/DB."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PURE = ["alerts/rules", "corridors/geometry.py", "corridors/calendars.py",
        "corridors/stats/aggregate.py", "corridors/stats/periods.py", "corridors/stats/tlu.py",
        "corridors/stats/hxl_csv.py", "corridors/stats/charts.py", "corridors/observations/schemas.py",
        "corridors/observations/placement.py", "corridors/ingest/openrosa.py", "corridors/ingest/digest.py",
        "corridors/ingest/kobo.py", "corridors/ingest/csvfile.py"]
WEB_OR_DB = ("fastapi", "starlette", "sqlalchemy", "geoalchemy2", "psycopg")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _files(rel: str) -> list[Path]:
    p = ROOT / rel
    if p.is_dir():
        return sorted(p.rglob("*.py"))
    return [p] if p.exists() else []


def test_corridors_never_imports_alerts():
    offenders = [
        f"{f.relative_to(ROOT)} imports {m}"
        for f in _files("corridors") for m in _imports(f) if m == "alerts" or m.startswith("alerts.")
    ]
    assert offenders == []


def test_pure_modules_import_no_web_or_database():
    missing = [rel for rel in PURE if not _files(rel)]
    assert missing == [], "pure modules listed here must exist (update the list when moving them)"
    files = [f for rel in PURE for f in _files(rel)]
    offenders = [
        f"{f.relative_to(ROOT)} imports {m}"
        for f in files for m in _imports(f) if m.split(".")[0] in WEB_OR_DB
    ]
    assert offenders == []


def test_the_checker_sees_a_forbidden_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from sqlalchemy import select\nimport alerts.rules\n")
    assert {"sqlalchemy", "alerts.rules"} <= _imports(bad)


def test_import_linter_contracts_hold_including_indirect_imports():
    """import-linter follows indirect imports too (e.g. corridors -> ttt.x -> alerts)."""
    import shutil
    import subprocess
    import sys

    exe = Path(sys.executable).with_name("lint-imports")
    exe = str(exe) if exe.exists() else shutil.which("lint-imports")
    assert exe, "import-linter is a dev dependency; install with pip install -e '.[dev]'"
    run = subprocess.run([exe, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-2000:]
    assert "0 broken" in run.stdout
