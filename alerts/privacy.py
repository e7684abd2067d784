"""What of an alert's people and words each reader sees (pure; locations: ttt.location_policy).

People's names and contacts (who acknowledged through a link: a name and an e-mail or
phone; who reported an event; the reporter's free text) are shown to admins only. Every
other reader (analysts, partners, enumerators, and every message pushed out) sees an
organisation or a role instead, and the evidence without the reporter's name and words.
"""

from __future__ import annotations

import re
from typing import Any

from ttt.location_policy import generalise_coordinates, sees_exact

PEOPLE_ROLES = frozenset({"admin"})
REPORTER_FIELDS = ("reported_by", "description")
ROLE_WORDS = {"admin": "administrator", "analyst": "analyst", "partner": "partner organisation",
              "enumerator": "enumerator"}


def sees_people(role: str | None) -> bool:
    return role in PEOPLE_ROLES


def role_label(role: str | None) -> str:
    return ROLE_WORDS.get(role or "", "ttt user")


def recipient_label(organisation: str | None, kind: str | None) -> str:
    """Who acknowledged through a link, as non-admins see it."""
    if organisation and organisation.strip():
        return organisation.strip()[:120]
    return f"alert recipient ({kind})" if kind else "alert recipient"


def actor(role: str | None, full: str | None, label: str | None) -> str | None:
    """The name of who acted (admins) or the organisation/role (everyone else)."""
    if full is None and label is None:
        return None
    return full if sees_people(role) else (label or "someone with access to the alert")


def evidence_for(role: str | None, evidence: dict[str, Any] | None) -> dict[str, Any]:
    """The evidence as ``role`` sees it: reporters' names and words for admins only, and any
    position in it generalised for the roles without exact locations."""
    evidence = dict(evidence or {})
    details = evidence.get("details")
    if isinstance(details, dict) and not sees_people(role):
        details = {k: v for k, v in details.items() if k not in REPORTER_FIELDS}
        evidence["details"] = details
    for key in REPORTER_FIELDS:
        if not sees_people(role):
            evidence.pop(key, None)
    if not sees_exact(role):
        evidence = generalise_coordinates(evidence)
    return evidence


# --- reporters' words in official messages -----------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]+")
_SCHEME = re.compile(r"(?i)\b([a-z][a-z0-9+.-]{1,15})://")
_DOMAIN = re.compile(r"(?i)\b((?:[a-z0-9-]+\.)+)([a-z]{2,24})\b")
REPORTER_TEXT_MAX = 300


def reporter_text(text: str | None, limit: int = REPORTER_TEXT_MAX) -> str:
    """A reporter's words made safe to quote in official e-mails and SMS: no control
    characters or line breaks (no forged lines), no link a mail client or phone would make
    clickable (``http://x.org`` -> ``http[:]//x[.]org``, addresses too), one line, bounded."""
    text = " ".join(_CONTROL.sub(" ", text or "").split())
    text = _SCHEME.sub(lambda m: f"{m.group(1)}[:]//", text)
    text = _DOMAIN.sub(lambda m: m.group(1).replace(".", "[.]") + m.group(2), text)
    return text.replace("@", " [at] ")[:limit].strip()


def quoted(words: str, language: str = "en") -> str:
    """The reporter's words marked as theirs."""
    return f"« {words} »" if language == "fr" else f"“{words}”"
