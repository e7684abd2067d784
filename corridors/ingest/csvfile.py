"""CSV (plain or HXL-tagged) flow counts -> raw observation dicts, streamed row by row.

Plain headers are the JSON names, flat (``cattle``, ``lon``) or dotted (``counts.cattle``,
``location.lon``). HXL files (hxlstandard.org 1.0) have a hashtag row right after the header;
the tags then decide: ``#meta+id``, ``#date``, ``#loc+code`` (flow point), ``#geo+lat``,
``#geo+lon``, ``#geo+coord`` ("lat,lon"), ``#indicator+num+cattle`` (any tag whose attributes
name a species or herder group), ``+origin`` / ``+dest`` codes, and ``#x_<json name>`` for the
rest. Columns that map to nothing are reported, never silently mistaken for data.

Row numbers are spreadsheet line numbers (the header is row 1), so an error report points at
the line an analyst sees in Excel or LibreOffice.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from corridors.observations.schemas import HERDERS, SPECIES

_TOP = (
    "id", "flow_point", "observed_at", "direction", "origin", "destination", "flow_type",
    "reason", "cross_border", "has_certificate", "already_counted", "notes", "replaces",
    "zero_report", "period_from", "period_to",
)
_ALIASES = {
    "lon": "location.lon", "longitude": "location.lon", "lng": "location.lon",
    "lat": "location.lat", "latitude": "location.lat",
    "location": "location", "geopoint": "location",
    "date": "observed_at", "instanceid": "id", "meta/instanceid": "id", "_uuid": "id",
}


def plain_target(header: str) -> str | None:
    """Plain header -> dotted target (``counts.cattle``), or None when it means nothing to us."""
    h = header.strip().lower().lstrip("\ufeff")
    if not h:
        return None
    if h in _ALIASES:
        return _ALIASES[h]
    last = h.rsplit("/", 1)[-1]
    for prefix, names in (("counts.", SPECIES), ("herders.", HERDERS), ("location.", ("lon", "lat"))):
        if h.startswith(prefix) and h[len(prefix):] in names:
            return h
    if last in SPECIES:
        return f"counts.{last}"
    if last in HERDERS:
        return f"herders.{last}"
    if last in _TOP:
        return last
    if last in _ALIASES:
        return _ALIASES[last]
    return None


def hxl_target(tagspec: str) -> str | None:
    """HXL hashtag with attributes -> dotted target, or None."""
    s = tagspec.strip().lower().replace(" ", "")
    if not s.startswith("#"):
        return None
    tag, *attrs = s[1:].split("+")
    a = set(attrs)
    if tag.startswith("x_") and tag[2:] in _TOP:
        return tag[2:]
    if tag == "meta" and "id" in a:
        return "id"
    if tag == "date":
        return "observed_at"
    if tag == "geo":
        if "lat" in a:
            return "location.lat"
        if "lon" in a:
            return "location.lon"
        if "coord" in a:
            return "location.coord"
    if "origin" in a:
        return "origin"
    if "dest" in a or "destination" in a:
        return "destination"
    if tag == "loc" and "code" in a:
        return "flow_point"
    for sp in SPECIES:
        if sp in a:
            return f"counts.{sp}"
    for hd in HERDERS:
        if hd in a:
            return f"herders.{hd}"
    return None


def _is_hashtag_row(row: list[str]) -> bool:
    cells = [c.strip() for c in row if c.strip()]
    return bool(cells) and all(c.startswith("#") for c in cells)


@dataclass
class CsvRow:
    """One data row: its spreadsheet row number and the raw observation dict built from it."""

    row: int
    raw: dict[str, Any]
    ignored: list[str] = field(default_factory=list)  # headers of the filled cells nothing reads


@dataclass
class CsvLayout:
    """How the columns were understood: targets per column, HXL or not, ignored headers."""

    targets: list[str | None]
    hxl: bool
    ignored: list[str] = field(default_factory=list)
    first_data_row: int = 2


class CsvFormatError(ValueError):
    """The file cannot be read as a table of observations at all (no header, no id column)."""


def _set(d: dict[str, Any], dotted: str, value: str) -> None:
    head, _, rest = dotted.partition(".")
    if rest:
        d.setdefault(head, {})[rest] = value
    else:
        d[head] = value


def _row_to_raw(cells: list[str], targets: list[str | None]) -> dict[str, Any]:
    raw: dict[str, Any] = {}
    for value, target in zip(cells, targets, strict=False):
        if target is None:
            continue
        v = value.strip()
        if v == "":
            continue
        if target == "location.coord":  # HXL "lat,lon"
            lat, _, lon = v.partition(",")
            raw["location"] = {"lat": lat.strip(), "lon": lon.strip()}
        elif target == "location":  # ODK geopoint text "lat lon alt acc"
            parts = v.split()
            raw["location"] = {"lat": parts[0], "lon": parts[1] if len(parts) > 1 else None}
        else:
            _set(raw, target, v)
    return raw


def _sniff_delimiter(line: str) -> str:
    counts = {d: line.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


CSV_FIELD_LIMIT = 64 << 20  # above any accepted body (TTT_MAX_BODY_BYTES)


def read_csv(lines: Iterable[str]) -> tuple[CsvLayout, Iterator[CsvRow]]:
    """Stream a CSV (text lines, e.g. an open file): returns the layout and a row iterator.

    The delimiter is sniffed from the header (``,``, ``;`` as in French Excel, or tab).
    """
    it = iter(lines)
    try:
        first = next(it)
    except StopIteration:
        raise CsvFormatError("the file is empty; expected a header row") from None
    first = first.lstrip("\ufeff")
    delim = _sniff_delimiter(first)
    # a field beyond csv's 128 KiB default must not end the whole file: the record's own
    # validation refuses what is too long (notes: 4,000 characters), the other rows are kept
    csv.field_size_limit(max(csv.field_size_limit(), CSV_FIELD_LIMIT))
    reader = csv.reader(_chain(first, it), delimiter=delim)
    header = next(reader)
    targets = [plain_target(h) for h in header]
    rows = reader
    hxl = False
    buffered: list[str] | None = None
    try:
        second = next(reader)
    except StopIteration:
        second = None
    if second is not None and _is_hashtag_row(second):
        hxl = True
        tags = second + [""] * (len(header) - len(second))
        targets = [hxl_target(t) or (plain_target(h) if not t.strip() else None)
                   for h, t in zip(header, tags, strict=False)]
    elif second is not None:
        buffered = second
    ignored = [h for h, t in zip(header, targets, strict=False) if t is None and h.strip()]
    if "id" not in targets:
        raise CsvFormatError(
            "no id column; expected a column 'id' (or HXL #meta+id) holding each record's UUID"
        )
    seen: dict[str, int] = {}
    for i, t in enumerate(targets):
        if t is None:
            continue
        if t in seen:
            raise CsvFormatError(
                f"columns {seen[t] + 1} and {i + 1} both map to {t!r}; expected one column per field"
            )
        seen[t] = i
    layout = CsvLayout(targets, hxl, ignored, first_data_row=3 if hxl else 2)

    unread = [(i, h) for i, (h, t) in enumerate(zip(header, targets, strict=False)) if t is None and h.strip()]

    def row(n: int, cells: list[str]) -> CsvRow:
        return CsvRow(n, _row_to_raw(cells, targets),
                      [h for i, h in unread if i < len(cells) and cells[i].strip()] if unread else [])

    def gen() -> Iterator[CsvRow]:
        n = layout.first_data_row
        if buffered is not None:
            if any(c.strip() for c in buffered):
                yield row(n, buffered)
            n += 1
        for cells in rows:
            if any(c.strip() for c in cells):
                yield row(n, cells)
            n += 1

    return layout, gen()


def _chain(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest
