"""Routing parameters: the ``routing:`` section of the rules file (every number a setting).

The defaults below are [design] choices (shared DOMAIN.md, "Rerouting"): cattle walk about
15-20 km a day, camels more, small ruminants less; to calibrate with pastoral organisations.
``TTT_RULES_FILE`` may override any of them; the shipped ``alerts/rules/default.yaml``
repeats them (a test checks both agree).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

import yaml

from ttt.config import get_settings
from ttt.errors import ValidationFailed
from ttt.facts import SPECIES
from ttt.versioned import versioned

RESOURCE_KINDS_COUNTED = ("water_point", "rest_area", "veterinary_post")


@dataclass(frozen=True)
class RoutingParams:
    snap_m: float = 3000.0  # corridors passing within this distance are joined
    near_miss_m: float = 10000.0  # wider gaps up to this are reported to mappers
    max_edge_km: float = 5.0  # edges are cut into pieces of at most this length
    walking_km_per_day: Mapping[str, float] = field(default_factory=lambda: {
        "cattle": 17.0, "sheep": 12.0, "goats": 12.0, "camels": 25.0, "donkeys": 20.0, "horses": 25.0, "other": 12.0})
    default_species: str = "cattle"
    hazard_buffer_m: float = 2000.0  # an active hazard closes the edges within this distance
    hazard_kinds: tuple[str, ...] | None = None  # None: every kind
    conflict_days: float = 14.0  # conflict event alerts this recent close the way too
    conflict_buffer_m: float = 5000.0
    conflict_kinds: tuple[str, ...] = ("conflict", "cattle_rustling", "kidnapping")
    penalty_buffer_m: float = 15000.0  # edges this near a closure cost more ...
    penalty_factor: float = 0.5  # ... by this share of their length
    attach_max_m: float = 20000.0  # flow points and resources further than this are not on the network
    max_k: int = 10


_NUMBERS = ("snap_m", "near_miss_m", "max_edge_km", "hazard_buffer_m", "conflict_days", "conflict_buffer_m",
            "penalty_buffer_m", "penalty_factor", "attach_max_m")


def parse_routing(raw: Any, where: str = "routing") -> RoutingParams:
    """Validated parameters; every problem reported at once with its location."""
    if raw is None:
        return RoutingParams()
    errors: list[dict[str, str]] = []
    if not isinstance(raw, Mapping):
        raise ValidationFailed([{"field": where, "message": "expected a mapping"}])
    names = {f.name for f in fields(RoutingParams)}
    values: dict[str, Any] = {}
    for key, value in raw.items():
        loc = f"{where}.{key}"
        if key not in names:
            errors.append({"field": loc, "message": f"unknown key; expected one of {', '.join(sorted(names))}"})
        elif key in _NUMBERS:
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                errors.append({"field": loc, "message": f"expected a number >= 0, got {value!r}"})
            else:
                values[key] = float(value)
        elif key == "max_k":
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 50:
                errors.append({"field": loc, "message": f"expected a whole number 1-50, got {value!r}"})
            else:
                values[key] = value
        elif key == "walking_km_per_day":
            if not isinstance(value, Mapping) or not value:
                errors.append({"field": loc, "message": "expected a mapping species -> km per day"})
                continue
            for sp, km in value.items():
                if sp not in SPECIES:
                    errors.append({"field": f"{loc}.{sp}", "message": f"unknown species; expected one of {', '.join(SPECIES)}"})
                elif isinstance(km, bool) or not isinstance(km, (int, float)) or km <= 0:
                    errors.append({"field": f"{loc}.{sp}", "message": f"expected km per day > 0, got {km!r}"})
            values[key] = {str(k): float(v) for k, v in value.items() if isinstance(v, (int, float))}
        elif key == "default_species":
            values[key] = str(value)
        elif key in ("hazard_kinds", "conflict_kinds"):
            if value is None and key == "hazard_kinds":
                values[key] = None
            elif not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                errors.append({"field": loc, "message": "expected a list of kinds"})
            else:
                values[key] = tuple(value)
    params = replace(RoutingParams(), **values)
    if params.max_edge_km <= 0:
        errors.append({"field": f"{where}.max_edge_km", "message": "must be > 0"})
    if params.default_species not in params.walking_km_per_day:
        errors.append({"field": f"{where}.default_species",
                       "message": f"{params.default_species!r} has no walking_km_per_day"})
    if errors:
        raise ValidationFailed(errors)
    return params


_cache: dict = {}


def routing_params() -> RoutingParams:
    """The parameters of the rules file in force (``TTT_RULES_FILE``), else the defaults;
    re-read when the file changes."""
    path = get_settings().rules_file
    if not path:
        return RoutingParams()
    try:
        mtime = os.stat(path).st_mtime
    except OSError:
        return RoutingParams()

    def load() -> RoutingParams:
        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh) or {}
        return parse_routing(data.get("routing") if isinstance(data, Mapping) else None)

    return versioned(_cache, path, mtime, load)


__all__ = ["RESOURCE_KINDS_COUNTED", "RoutingParams", "parse_routing", "routing_params"]
