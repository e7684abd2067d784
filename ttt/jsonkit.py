"""Plain JSON from Python values: one converter for evidence, OGC documents and database payloads.

Mappings become objects with text keys, sequences and sets become arrays, datetimes and dates
ISO 8601 text, numpy scalars numbers, anything else unknown (UUIDs, decimals) its text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Any


def iso(value: date | datetime) -> str:
    return value.isoformat()


def plain(obj: Any, when: Callable[[date | datetime], str] = iso) -> Any:
    """``obj`` as plain JSON data; ``when`` writes datetimes and dates (default ``isoformat``)."""
    if isinstance(obj, (str, int, float, bool)) or obj is None:
        return obj
    if isinstance(obj, Mapping):
        return {str(k): plain(v, when) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)) or (
        isinstance(obj, Sequence) and not isinstance(obj, (str, bytes))
    ):
        return [plain(v, when) for v in obj]
    if isinstance(obj, (datetime, date)):
        return when(obj)
    if hasattr(obj, "item") and callable(obj.item):  # numpy scalar
        return obj.item()
    return str(obj)
