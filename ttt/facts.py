"""Domain facts, each declared once: every other module imports them from here.

Pure data and tiny pure functions (no database, no web), so the rules, the statistics, the
ingestion parsers, the models and the API all read the same species, herder groups,
severities, TLU factors, season start and place keys. ``tests/unit/test_facts_once.py``
fails when a second literal copy of one of these appears in the code.
"""

from __future__ import annotations

from types import MappingProxyType

# --- species -------------------------------------------------------------------------------
# Contract names, in the order of the API, of the observation columns and of every numpy
# column of counts (rules, statistics).
SPECIES: tuple[str, ...] = ("cattle", "sheep", "goats", "camels", "donkeys", "horses", "other")

# What a person reads, per language (plural common nouns, lower case; capitalise at the start
# of a sentence). Every species has a name in every language we write in.
LANGUAGES: tuple[str, ...] = ("fr", "en", "ar")
SPECIES_NAMES: MappingProxyType[str, MappingProxyType[str, str]] = MappingProxyType({
    "en": MappingProxyType({"cattle": "cattle", "sheep": "sheep", "goats": "goats", "camels": "camels",
                            "donkeys": "donkeys", "horses": "horses", "other": "other animals"}),
    "fr": MappingProxyType({"cattle": "bovins", "sheep": "ovins", "goats": "caprins", "camels": "camelins",
                            "donkeys": "asins", "horses": "équins", "other": "autres animaux"}),
    "ar": MappingProxyType({"cattle": "أبقار", "sheep": "أغنام", "goats": "ماعز", "camels": "إبل",
                            "donkeys": "حمير", "horses": "خيول", "other": "حيوانات أخرى"}),
})
ANIMALS_WORD: MappingProxyType[str, str] = MappingProxyType({"en": "animals", "fr": "animaux", "ar": "حيوانات"})


def species_name(species: str, language: str = "en") -> str:
    """The name a reader sees for a contract species name (English when the language is unknown)."""
    names = SPECIES_NAMES.get(language) or SPECIES_NAMES["en"]
    return names.get(species, species)


def species_list_name(species: tuple[str, ...] | list[str] | None, language: str = "en", sep: str = "/") -> str:
    """``bovins/camelins`` for a list of species; the word for "animals" when none is given."""
    if not species:
        return ANIMALS_WORD.get(language, ANIMALS_WORD["en"])
    return sep.join(species_name(s, language) for s in species)


# --- herders -------------------------------------------------------------------------------
# Herders with the herd, by sex and age (boys and girls are under 18).
HERDER_GROUPS: tuple[str, ...] = ("men", "women", "boys", "girls")

# Per-herd count columns of an observation: species then herder groups.
COUNT_COLUMNS: tuple[str, ...] = SPECIES + HERDER_GROUPS

# --- severities ----------------------------------------------------------------------------
# Lowest first; the order is the order of gravity (CAP 1.2 severity words).
SEVERITIES: tuple[str, ...] = ("minor", "moderate", "severe", "extreme")


def severity_rank(severity: str | None) -> int:
    """Position in SEVERITIES (minor=0 .. extreme=3); unknown values rank lowest (-1), never crash."""
    try:
        return SEVERITIES.index((severity or "").lower())
    except ValueError:
        return -1


# --- alert types ---------------------------------------------------------------------------
# Prevention alerts about movements, resting on counted herds...
MOVEMENT_ALERT_TYPES: tuple[str, ...] = ("mass", "early", "late", "unexpected")
# ...what the rules find (those and hazards)...
FINDING_TYPES: tuple[str, ...] = (*MOVEMENT_ALERT_TYPES, "hazard")
# ...and every alert type, with the events key informants report.
ALERT_TYPES: tuple[str, ...] = (*FINDING_TYPES, "event")


# --- movements -----------------------------------------------------------------------------
DIRECTIONS: tuple[str, ...] = ("descent", "return")  # southward descent, northward return
MOVEMENTS: tuple[str, ...] = ("descent", "return", "unknown")

# --- Tropical Livestock Units (FAO/ILCA, 1 TLU = 250 kg) ------------------------------------
# "other" has no published factor: it counts 0 TLU (the animals are still counted as animals)
# unless a deployment sets one (TTT_TLU_FACTORS for statistics, defaults.tlu_factors in the
# rules file). Statistics and rules used to disagree here (0.1 against 0.0).
TLU_FACTORS: MappingProxyType[str, float] = MappingProxyType({
    "cattle": 0.7, "sheep": 0.1, "goats": 0.1, "camels": 1.0, "donkeys": 0.5, "horses": 0.8, "other": 0.0,
})

# --- seasons -------------------------------------------------------------------------------
# A transhumance season starts on 1 August, in the rains, while herds are still on the northern
# pastures and before any descent: a departure in September (an early one) belongs to the season
# it opens, and the return (May-July) closes it. A season is named by the years it spans:
# 2025-08-01..2026-07-31 is "2025-26". Statistics (TTT_SEASON_START) and the rules (the rules
# file's defaults.season_start) both default to it, so "2025-26" means one range everywhere.
SEASON_START: str = "08-01"
SEASON_START_MD: tuple[int, int] = (8, 1)

# --- place keys ----------------------------------------------------------------------------
# An alert's place: a flow point, a corridor or a country (quotas), written "<kind>:<code>".
# Dedup, suppression, chunking and incidents compare these strings.
PLACE_KINDS: tuple[str, ...] = ("fp", "corridor", "country")


def place_key(kind: str, code: str | None) -> str:
    """``fp:ML-FP01``, ``corridor:ML-C01``, ``country:TG`` (codes as stored; countries are ISO alpha-2)."""
    if kind not in PLACE_KINDS:
        raise ValueError(f"place kind {kind!r}: expected one of {', '.join(PLACE_KINDS)}")
    return f"{kind}:{code}"


def fp_place(code: str | None) -> str:
    return place_key("fp", code)


def corridor_place(code: str | None) -> str:
    return place_key("corridor", code)


def country_place(code: str | None) -> str:
    return place_key("country", code)


def split_place(key: str) -> tuple[str, str]:
    """``("fp", "ML-FP01")`` from ``"fp:ML-FP01"``; ValueError for anything else."""
    kind, sep, code = key.partition(":")
    if not sep or kind not in PLACE_KINDS or not code:
        raise ValueError(f"place {key!r}: expected '<kind>:<code>' with kind one of {', '.join(PLACE_KINDS)}")
    return kind, code
