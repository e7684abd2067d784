"""What every reader returns: hazard items with the publisher's own id and version, and one
entry per record that could not be read (counted and reported, never a crash)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from shapely.geometry.base import BaseGeometry

from corridors.geodata.features import HAZARD_KINDS
from ttt.facts import SEVERITIES

__all__ = ["HAZARD_KINDS", "SEVERITIES", "FormatError", "Item", "ReadResult", "decode", "mapped", "short_hash", "utc"]


@dataclass(frozen=True)
class Item:
    """One hazard as the publisher describes it now.

    ``source_id`` is stable across versions (an event, a CAP message chain, a fire area);
    ``version`` changes when the publisher changes it. ``action`` ``end`` means the publisher
    ended it (a CAP Cancel): ``ends_at`` is then when. ``references`` (CAP Update/Cancel)
    name the earlier messages this one replaces; ``geocodes`` are P-codes to be resolved
    against the admin areas when the publisher gave no geometry.
    """

    source_id: str
    version: str
    kind: str
    severity: str
    geometry: BaseGeometry | None
    starts_at: datetime
    ends_at: datetime | None
    description: str
    action: str = "upsert"
    references: tuple[str, ...] = ()
    geocodes: tuple[str, ...] = ()
    sent: datetime | None = None  # when the publisher issued this version (CAP)


@dataclass
class ReadResult:
    """Items read, records refused (``{"record": where, "source_id": ..., "reason": ...}``),
    records skipped on purpose (not for us: filtered, exercises...) and records seen."""

    items: list[Item] = field(default_factory=list)
    refused: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    records: int = 0

    def refuse(self, record: str, reason: str, source_id: str | None = None) -> None:
        self.refused.append({"record": record, "source_id": source_id, "reason": reason})

    def skip(self, record: str, reason: str, source_id: str | None = None) -> None:
        self.skipped.append({"record": record, "source_id": source_id, "reason": reason})


class FormatError(ValueError):
    """The whole document is not in the expected format (not one bad record)."""


def short_hash(*parts: Any) -> str:
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:16]


def mapped(value: str | None, mapping: Mapping[str, str], default: str, allowed: tuple[str, ...]) -> str:
    """``value`` looked up in a user mapping (case-insensitive), else ``default``."""
    if value is not None:
        low = {str(k).strip().lower(): v for k, v in mapping.items()}
        hit = low.get(str(value).strip().lower())
        if hit in allowed:
            return hit
    return default


def utc(dt: datetime) -> datetime:
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def decode(data: bytes) -> str:
    """Text of a downloaded file: UTF-8 (with or without BOM), else Latin-1 (never fails)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")
