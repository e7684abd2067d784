"""P-code scopes: one rule, written once in Python and once in SQL, side by side.

A user may be limited to areas given as P-code prefixes (hierarchical text: ``ML05`` covers
``ML0506`` and ``ML050601``). A P-code is in scope when it starts with one of the scopes,
letters compared without case; a user without scopes sees everywhere; an unknown place
(no P-code) is inside only for unscoped users. Every repository filters with
:func:`pcode_in_sql` and binds :func:`prefix_patterns`, so there is one SQL spelling.
"""

from __future__ import annotations

from collections.abc import Iterable


def in_scopes(pcode: str | None, scopes: Iterable[str]) -> bool:
    """Whether ``pcode`` lies inside one of ``scopes`` (no scopes = everywhere)."""
    scopes = tuple(scopes)
    if not scopes:
        return True
    if not pcode:
        return False
    code = pcode.upper()
    return any(code.startswith(s.upper()) for s in scopes)


def prefix_patterns(prefixes: Iterable[str]) -> list[str]:
    """LIKE patterns for P-code prefixes: upper case, wildcards escaped, then ``%``."""
    return [p.upper().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%" for p in prefixes]


def pcode_in_sql(*columns: str, param: str = "scopes") -> str:
    """SQL true when any of ``columns`` (P-code text columns or expressions) starts with one of
    the prefixes bound to ``:param`` (a text array made by :func:`prefix_patterns`)."""
    if not columns:
        raise ValueError("pcode_in_sql needs at least one column")
    tests = [f"upper({c}) LIKE ANY(CAST(:{param} AS text[]))" for c in columns]
    return tests[0] if len(tests) == 1 else "(" + " OR ".join(tests) + ")"


def pcodes_in_sql(jsonb_array: str, param: str = "scopes") -> str:
    """SQL true when any P-code of a JSONB array column (alerts' ``pcodes``) is in the scopes."""
    return (f"EXISTS (SELECT 1 FROM jsonb_array_elements_text(coalesce({jsonb_array}, '[]'::jsonb)) AS p(code) "
            f"WHERE {pcode_in_sql('p.code', param=param)})")


def meets_scopes(pcode: str | None, scopes: Iterable[str]) -> bool:
    """Whether ``pcode`` is inside the scopes or an area containing one of them (a country
    for a user scoped to one of its regions): what a scoped user's own place may name."""
    scopes = tuple(scopes)
    if in_scopes(pcode, scopes):
        return True
    return bool(pcode) and any(s.upper().startswith(pcode.upper()) for s in scopes)
