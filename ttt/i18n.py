"""Every text a person reads comes from one gettext catalogue per language (``locales/``).

Messages are written in English in the code (``t.gettext("...")``, ``t.ngettext(...)``,
``{% trans %}`` in templates) and translated in ``locales/<lang>/LC_MESSAGES/ttt.po``,
managed with Babel: ``make messages`` extracts and updates, ``make install`` compiles
the ``.mo`` files. A deployment adds a language by adding a catalogue: the languages
offered are the catalogues found, nothing else to change. A ``.po`` newer than its
``.mo`` (or with none: a fresh clone before ``make install``) is compiled in memory,
so a catalogue edit is never silently ignored.

Numbers and dates are written per language by Babel (CLDR): 7,000 in English, 7 000 in
French; Arabic pages are right to left.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, tzinfo
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

DOMAIN = "ttt"
# beside the packages in a checkout (editable install); in the working directory of an image
LOCALES_DIR = next((d for d in (Path(__file__).resolve().parent.parent / "locales", Path.cwd() / "locales")
                    if d.is_dir()), Path(__file__).resolve().parent.parent / "locales")
SOURCE_LANGUAGE = "en"  # the language the msgids are written in
DEFAULT_LANGUAGE = "fr"  # what a recipient with no language set reads


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark, translate later"
    """Mark a string for extraction where it is declared; translate it where it is shown."""
    return message


@lru_cache(maxsize=1)
def languages() -> tuple[str, ...]:
    """The languages we have a catalogue for (default language first)."""
    found = sorted(p.parent.parent.name for p in LOCALES_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    return tuple(sorted(found, key=lambda code: (code != DEFAULT_LANGUAGE, code != SOURCE_LANGUAGE, code)))


def language_or_default(language: str | None) -> str:
    """One of our catalogues: ``fr-ML``, ``FR``, ``ar_TD`` map onto fr, fr, ar; unknown -> English."""
    if not language:
        return DEFAULT_LANGUAGE
    code = language.replace("_", "-").split("-")[0].lower()
    return code if code in languages() else SOURCE_LANGUAGE


@cache
def translations(language: str) -> Translations:
    """The compiled catalogue of ``language`` (compiled in memory when the .mo is missing or stale)."""
    lang = language_or_default(language)
    folder = LOCALES_DIR / lang / "LC_MESSAGES"
    po, mo = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as fh:
            return Translations(fh, domain=DOMAIN)
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=lang, domain=DOMAIN)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(buf, domain=DOMAIN)


class Translator:
    """gettext for one language plus its number and date formats."""

    def __init__(self, language: str | None, zone: tzinfo = UTC) -> None:
        self.language = language_or_default(language)
        self.locale = Locale.parse(self.language)
        self.zone = zone
        self._t = translations(self.language)

    def gettext(self, message: str, **params: Any) -> str:
        text = self._t.gettext(message)
        return text.format(**params) if params else text

    def ngettext(self, singular: str, plural: str, n: int, **params: Any) -> str:
        return self._t.ngettext(singular, plural, n).format(n=self.num(n), **params)

    def num(self, value: Any, decimals: int = 0) -> str:
        """7000 -> '7,000' (en), '7 000' (fr); None -> '?'."""
        if value is None:
            return "?"
        try:
            number = float(value)
        except (TypeError, ValueError):
            return str(value)
        pattern = "#,##0" + ("." + "#" * decimals if decimals else "")
        return format_decimal(round(number, decimals) if decimals else round(number), format=pattern,
                              locale=self.locale)

    def about(self, value: Any) -> str:
        """A rounded count for people: 7,012 -> 7,000; 633 -> 630; 47 -> 47; 12,437 -> 12,400."""
        if value is None:
            return "?"
        n = float(value)
        if abs(n) < 100:
            return self.num(n)
        digits = len(str(int(abs(n))))
        step = 10 ** (digits - (2 if digits < 5 else 3))
        return self.num(round(n / step) * step)

    def when(self, value: Any) -> str:
        """A date-time in the deployment's zone, written the language's way."""
        if value is None:
            return "?"
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value)
            except ValueError:
                return value
        if isinstance(value, datetime):
            value = value if value.tzinfo else value.replace(tzinfo=UTC)
            zone_name = getattr(self.zone, "key", None) or str(self.zone)
            text = format_datetime(value, "d MMM y, HH:mm", tzinfo=self.zone, locale=self.locale)
            return f"{text} ({'UTC' if zone_name in ('UTC', 'Etc/UTC') else zone_name})"
        if isinstance(value, date):
            return self.day(value)
        return str(value)

    def day(self, value: Any) -> str:
        if isinstance(value, str):
            try:
                value = date.fromisoformat(value[:10])
            except ValueError:
                return value
        if isinstance(value, datetime):
            value = value.astimezone(self.zone).date()
        return format_date(value, "d MMMM y", locale=self.locale)

    @property
    def direction(self) -> str:
        """``rtl`` for Arabic pages, ``ltr`` otherwise (the HTML ``dir`` attribute)."""
        return "rtl" if self.locale.character_order == "right-to-left" else "ltr"


@lru_cache(maxsize=16)
def translator(language: str | None) -> Translator:
    return Translator(language)


class Text(str):
    """A message in English that remembers its msgid and parameters, so it can be said again
    in the reader's language (``say``): a validation error is made once, in the validator,
    and an enumerator whose phone is in French reads it in French. Parameters may be Texts."""

    msgid: str
    params: dict[str, Any]

    def __new__(cls, msgid: str, **params: Any) -> Text:
        text = super().__new__(cls, msgid.format(**params) if params else msgid)
        text.msgid, text.params = msgid, params
        return text

    def __reduce__(self):  # copies and pickles keep the msgid
        return (_text, (self.msgid, self.params))

    def in_language(self, language: str | None) -> str:
        params = {k: say(v, language) for k, v in self.params.items()}
        return translator(language).gettext(self.msgid, **params)


def _text(msgid: str, params: dict[str, Any]) -> Text:
    return Text(msgid, **params)


def say(message: Any, language: str | None) -> Any:
    """``message`` in ``language`` when it is a :class:`Text`; anything else unchanged."""
    return message.in_language(language) if isinstance(message, Text) else message


def from_accept_language(header: str | None) -> str:
    """The first language of an Accept-Language header we have a catalogue for (else English)."""
    for part in (header or "").split(","):
        code = part.split(";")[0].strip().replace("_", "-").split("-")[0].lower()
        if code in languages():
            return code
    return SOURCE_LANGUAGE
