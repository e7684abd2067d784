"""Words about routes, in French and English (one place, ready to move into a catalogue).

Names come before codes; numbers are written the way each language writes them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

KIND = {
    "bushfire": ("bushfire", "feu de brousse"), "flood": ("flood", "inondation"), "drought": ("drought", "sécheresse"),
    "disease": ("animal disease", "épizootie"), "insecurity": ("insecurity", "insécurité"),
    "conflict": ("conflict", "conflit"), "cattle_rustling": ("cattle rustling", "vol de bétail"),
    "kidnapping": ("kidnapping", "enlèvement"), "other": ("hazard", "danger"),
}
DIRECTION = {"descent": ("descent", "descente"), "return": ("return", "remontée")}


def _num(value: float, language: str) -> str:
    text = f"{round(value):,}"
    return text.replace(",", "\u202f") if language == "fr" else text


def blocker_text(b: Mapping[str, Any], language: str) -> str:
    """One thing that closes the way, e.g. 'bushfire (severe) on corridor BF-C01'."""
    fr = language == "fr"
    kind, ref, detail = b["kind"], b["ref"], b.get("detail") or {}
    if kind in ("hazard", "conflict"):
        en_word, fr_word = KIND.get(str(detail.get("kind")), KIND["other"])
        what = fr_word if fr else en_word
        where = detail.get("corridor")
        if where:
            return f"{what} sur le couloir {where}" if fr else f"{what} on corridor {where}"
        return what
    if kind == "closed_corridor":
        reason = f" ({detail['reason']})" if detail.get("reason") else ""
        return (f"couloir {ref} fermé{reason}" if fr else f"corridor {ref} closed{reason}")
    if kind == "closed_flow_point":
        return f"point de passage {ref} fermé" if fr else f"flow point {ref} closed"
    en_dir, fr_dir = DIRECTION.get(b.get("direction", ""), ("movement", "mouvement"))
    opens, closes = _day(detail.get("opens"), language), _day(detail.get("closes"), language)
    return (f"{fr_dir} fermée sur le couloir {ref} par le calendrier (ouverte du {opens} au {closes})" if fr
            else f"{en_dir} closed on corridor {ref} by the calendar (open {opens} – {closes})")


_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _day(month_day: Any, language: str) -> str:
    """'01-31' -> '31/01' (fr) or '31 Jan' (en)."""
    try:
        month, day = (int(x) for x in str(month_day).split("-"))
        return f"{day:02d}/{month:02d}" if language == "fr" else f"{day} {_MONTHS_EN[month - 1]}"
    except (ValueError, IndexError):
        return str(month_day)


def alternative_sentence(alt: Mapping[str, Any], language: str) -> str:
    """'Itinéraire de remplacement : couloir X via Y, +42 km, environ 3 jours de marche en
    plus, 4 points d'eau' (and the English equivalent) for one route of the routes API."""
    fr = language == "fr"
    names = alt.get("corridor_names") or {}
    main = alt.get("main_corridor")
    via = [names.get(c, c) for c in alt.get("corridors", []) if c != main]
    where = names.get(main, main) if main else None
    text = ("Itinéraire de remplacement : " if fr else "Alternative route: ")
    if where:
        text += f"couloir {where}" if fr else f"corridor {where}"
        if via:
            text += f" via {', '.join(via)}"
    detour = float(alt.get("detour_km") or 0.0)
    text += f", +{_num(detour, language)} km"
    extra_days = math.ceil(float(alt.get("extra_walking_days") or 0.0))
    if extra_days > 0:
        text += (f", environ {extra_days} jour{'s' if extra_days > 1 else ''} de marche en plus" if fr
                 else f", about {extra_days} more day{'s' if extra_days > 1 else ''} of walking")
    water = int((alt.get("resources_count") or {}).get("water_point", 0))
    if fr:
        text += ", aucun point d'eau connu" if water == 0 else f", {water} point{'s' if water > 1 else ''} d'eau"
    else:
        text += ", no known water point" if water == 0 else f", {water} water point{'s' if water > 1 else ''}"
    return text


def no_route_sentence(blockers: list[Mapping[str, Any]], language: str) -> str:
    fr = language == "fr"
    if not blockers:
        return "Aucun itinéraire ouvert." if fr else "No open route."
    told = (" ; " if fr else "; ").join(blocker_text(b, language) for b in blockers[:4])
    return (f"Aucun itinéraire de remplacement ouvert : {told}." if fr else f"No open alternative route: {told}.")


__all__ = ["alternative_sentence", "blocker_text", "no_route_sentence"]
