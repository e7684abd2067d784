"""Every catalogue translates every message the code and templates use (extracted now, from
the sources, the way ``make messages`` does), with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from ttt.i18n import LOCALES_DIR, languages

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"\{(\w*)\}")


def extracted() -> set[str | tuple[str, str]]:
    """Every msgid in the sources (babel.cfg), as `make messages` extracts them."""
    with (ROOT / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    ids: set = set()
    keywords = {**DEFAULT_KEYWORDS, "Text": None}  # as `make messages`: -k Text
    for _file, _line, message, _comments, _context in extract_from_dir(str(ROOT), method_map, options_map,
                                                                       keywords=keywords):
        ids.add(message if isinstance(message, str) else tuple(message[:2]))
    ids.discard("")
    return ids


def problems(catalog: Catalog, wanted: set) -> list[str]:
    """What a catalogue lacks: missing or empty messages, placeholders that differ."""
    out = []
    for msgid in sorted(wanted, key=str):
        message = catalog.get(msgid)
        if message is None or message.fuzzy:
            out.append(f"missing: {msgid!r}")
            continue
        strings = message.string if isinstance(message.string, (tuple, list)) else (message.string,)
        source = msgid if isinstance(msgid, str) else msgid[1]
        for text in strings:
            if not text:
                out.append(f"not translated: {msgid!r}")
            elif set(PLACEHOLDER.findall(text)) != set(PLACEHOLDER.findall(source)):
                out.append(f"placeholders differ in {msgid!r}: {text!r}")
    return out


@pytest.fixture(scope="module")
def wanted():
    ids = extracted()
    assert len(ids) > 100  # the extraction itself works
    return ids


@pytest.mark.parametrize("language", languages())
def test_catalogue_has_every_message(language, wanted):
    with (LOCALES_DIR / language / "LC_MESSAGES" / "ttt.po").open("rb") as fh:
        catalog = read_po(fh, locale=language)
    assert problems(catalog, wanted) == []


def test_a_missing_message_is_caught(wanted):
    with (LOCALES_DIR / "fr" / "LC_MESSAGES" / "ttt.po").open("rb") as fh:
        catalog = read_po(fh, locale="fr")
    catalog.delete("FALSE ALARM")
    catalog["Where"].string = ""
    catalog["{what} at {place}"].string = "{quoi} à {place}"
    found = problems(catalog, wanted)
    assert "missing: 'FALSE ALARM'" in found and "not translated: 'Where'" in found
    assert any(p.startswith("placeholders differ in '{what} at {place}'") for p in found)
