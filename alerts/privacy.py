"""What of an alert's people and words each reader sees (pure; locations: ttt.location_policy).

People's names and contacts (who acknowledged through a link: a name and an e-mail or
phone; who reported an event; the reporter's free text) are shown to admins only. Every
other reader (analysts, partners, enumerators, and every message pushed out) sees an
organisation or a role instead, and the evidence without the reporter's name and words.
"""

from __future__ import annotations

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
