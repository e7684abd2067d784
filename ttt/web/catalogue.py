"""Every message id the console can show: what templates write literally, plus the values of
domain declarations shown through ``_()`` (roles, alert states, types...). The catalogue test
and ``python -m ttt.web.catalogue`` (which adds missing ids to each .po) both read this."""

from __future__ import annotations

import re
from pathlib import Path

from alerts.alerts.models import ALERT_SEVERITIES, ALERT_STATUSES, ALERT_TYPES
from ttt.users import ROLES
from ttt.web import i18n
from ttt.web.views import ADMIN_SECTIONS, OUTCOME_MODES, VERIFICATION_STATES

TEMPLATES = Path(__file__).parent / "templates"
_CALL = re.compile(r"""_\(\s*(["'])(.+?)\1""")
OTHER = ("descent", "return", "day", "week", "month", "season", "corridor", "flow monitoring point",
         "created", "updated", "acknowledged", "resolved", "reopened", "escalated", "confirmed", "dismissed",
         "verification", "reminder", "closed")


def message_ids() -> set[str]:
    ids: set[str] = set()
    for path in TEMPLATES.glob("*.html"):
        ids.update(m.group(2) for m in _CALL.finditer(path.read_text(encoding="utf-8")))
    ids.update(ROLES, ALERT_STATUSES, ALERT_TYPES, ALERT_SEVERITIES, ADMIN_SECTIONS, OUTCOME_MODES,
               VERIFICATION_STATES, OTHER)
    return ids


def missing(lang: str) -> set[str]:
    return message_ids() - set(i18n.catalogue(lang))


if __name__ == "__main__":  # pragma: no cover - a maintainer's tool
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po, write_po

    for lang in i18n.languages():
        path = i18n.LOCALES / lang / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"
        if not path.exists():
            continue
        with path.open("rb") as fh:
            cat: Catalog = read_po(fh, locale=lang)
        for mid in sorted(message_ids()):
            if mid not in cat:
                cat.add(mid, "")
        with path.open("wb") as fh:
            write_po(fh, cat, width=100, sort_output=True)
        print(lang, len(missing(lang)), "missing")
