"""Architecture boundaries: corridors never imports alerts; pure modules import no web/DB."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PURE = ["alerts/rules", "corridors/stats/compute.py", "corridors/geometry.py", "corridors/calendars.py",
        "corridors/stats/series.py"]
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
    files = [f for rel in PURE for f in _files(rel)]
    assert files, "the pure modules should exist"
    offenders = [
        f"{f.relative_to(ROOT)} imports {m}"
        for f in files for m in _imports(f) if m.split(".")[0] in WEB_OR_DB
    ]
    assert offenders == []


def test_the_checker_sees_a_forbidden_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from sqlalchemy import select\nimport alerts.rules\n")
    assert {"sqlalchemy", "alerts.rules"} <= _imports(bad)
