"""Tropical Livestock Units (TLU): one TLU is a 250 kg animal.

Default factors are FAO/ILCA: camel 1.0, cattle 0.7, horse 0.8,
mule 0.7, donkey 0.5, sheep 0.1, goat 0.1. Studies differ (Ethiopian work uses camel 1.25 and
sheep/goat 0.13), so factors are data passed in, never constants buried in the arithmetic.
The species, herder groups and default factors are declared in ``ttt.facts``.

TLU sums are computed in integer thousandths of a TLU (factors are taken to 0.001), so a
total is exact and the same whatever the order of summation: series, totals and an
independent check over raw rows agree to the last digit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from ttt.facts import HERDER_GROUPS, MOVEMENTS, SPECIES, TLU_FACTORS

__all__ = ["FAO_ILCA_FACTORS", "HERDER_GROUPS", "MOVEMENTS", "SPECIES", "TLUFactors", "normalise_species"]

FAO_ILCA_FACTORS: dict[str, float] = dict(TLU_FACTORS)

# Singular and French spellings seen in forms and settings, mapped to contract names.
_ALIASES = {
    "cow": "cattle", "cows": "cattle", "bovins": "cattle", "bovin": "cattle",
    "sheep": "sheep", "ovins": "sheep", "mouton": "sheep", "moutons": "sheep",
    "goat": "goats", "caprins": "goats", "chevre": "goats", "chevres": "goats",
    "camel": "camels", "camelins": "camels", "dromadaire": "camels", "dromadaires": "camels",
    "donkey": "donkeys", "asins": "donkeys", "ane": "donkeys", "anes": "donkeys",
    "horse": "horses", "equins": "horses", "cheval": "horses", "chevaux": "horses",
    "mule": "other", "mules": "other", "autres": "other", "autre": "other",
}


def normalise_species(name: str) -> str:
    """Return the contract name for a species spelling, or raise ValueError naming it."""
    key = name.strip().lower()
    if key in SPECIES:
        return key
    if key in _ALIASES:
        return _ALIASES[key]
    raise ValueError(f"unknown species {name!r}: expected one of {', '.join(SPECIES)}")


@dataclass(frozen=True)
class TLUFactors:
    """TLU factor per species; build from settings with `TLUFactors.from_mapping`."""

    factors: Mapping[str, float] = field(default_factory=lambda: dict(FAO_ILCA_FACTORS))

    def __post_init__(self) -> None:
        for name, value in self.factors.items():
            if name not in SPECIES:
                raise ValueError(f"TLU factor for unknown species {name!r}: expected one of {', '.join(SPECIES)}")
            if not (isinstance(value, (int, float)) and value >= 0):
                raise ValueError(f"TLU factor for {name!r} must be a number >= 0, got {value!r}")

    @classmethod
    def from_mapping(cls, overrides: Mapping[str, float] | None = None) -> TLUFactors:
        """FAO/ILCA factors with `overrides` applied (species spellings are normalised)."""
        merged = dict(FAO_ILCA_FACTORS)
        for name, value in (overrides or {}).items():
            try:
                value = float(value)
            except (TypeError, ValueError):
                raise ValueError(f"TLU factor for {name!r} must be a number, got {value!r}") from None
            merged[normalise_species(name)] = value
        return cls(merged)

    def factor(self, species: str) -> float:
        return float(self.factors.get(species, 0.0))

    def milli(self, species: str) -> int:
        """Factor in thousandths of a TLU (exact integer arithmetic)."""
        return int(round(self.factor(species) * 1000))

    def milli_vector(self) -> np.ndarray:
        """Factors in thousandths as an int64 vector in `SPECIES` order, for matrix products."""
        cached = self.__dict__.get("_milli")
        if cached is None:
            cached = np.array([self.milli(s) for s in SPECIES], dtype=np.int64)
            cached.flags.writeable = False
            object.__setattr__(self, "_milli", cached)
        return cached

    def tlu(self, animals: Mapping[str, int]) -> float:
        """TLU of a species->count mapping (a herd, a period, a total), exact to 0.001."""
        return sum(self.milli(s) * int(animals.get(s, 0)) for s in SPECIES) / 1000

    def as_dict(self) -> dict[str, float]:
        return {s: self.factor(s) for s in SPECIES}
