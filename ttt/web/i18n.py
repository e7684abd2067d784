"""Console languages: gettext catalogues (locales/<lang>/LC_MESSAGES/console.po), read with Babel.

Templates write English message ids (``_("Alerts")``); a deployment adds a language by adding
its catalogue. The choice is remembered in a cookie; the first visit follows Accept-Language.
"""

from __future__ import annotations

from functools import lru_cache

from babel.messages.pofile import read_po
from starlette.requests import Request

from ttt.i18n import LOCALES_DIR as LOCALES  # one locales/ tree, found as the recipients' catalogues are

DOMAIN = "console"
COOKIE = "ttt_lang"
DEFAULT = "fr"
RTL = {"ar"}
NAMES = {"fr": "Français", "en": "English", "ar": "العربية"}


@lru_cache
def languages() -> tuple[str, ...]:
    found = {p.parent.parent.name for p in LOCALES.glob(f"*/LC_MESSAGES/{DOMAIN}.po")}
    return tuple(sorted(found | {"en"}))


@lru_cache
def catalogue(lang: str) -> dict[str, str]:
    path = LOCALES / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.exists():
        return {}
    with path.open("rb") as fh:
        cat = read_po(fh, locale=lang)
    return {m.id: m.string for m in cat if m.id and m.string and not m.fuzzy}


def translator(lang: str):
    table = catalogue(lang)

    def _(message: str, **values: object) -> str:
        text = table.get(message, message)
        return text.format(**values) if values else text

    return _


def choose(request: Request) -> str:
    asked = request.query_params.get("lang") or request.cookies.get(COOKIE)
    if asked in languages():
        return asked
    for part in request.headers.get("accept-language", "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in languages():
            return code
    return DEFAULT if DEFAULT in languages() else "en"
