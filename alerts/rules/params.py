"""The parameters of each rule type, as pydantic models: names, defaults, allowed values.

``alerts.rules.config`` validates a rule's ``params`` with the model of its type and reports
every problem with its place (``rules[2].params.k``) and what was expected. Values keep the
type they were written with (24 stays 24, so a rule set's version hash does not move), lists
become tuples.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError, WithJsonSchema

from ttt.facts import SPECIES


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _check(test, expected: str, schema: dict[str, Any]):
    def validate(v: Any) -> Any:
        if not test(v):
            raise ValueError(f"expected {expected}, got {v!r}")
        return v

    return Annotated[Any, AfterValidator(validate), WithJsonSchema(schema)]


def _choice(*options: str):
    return _check(lambda v: v in options, f"one of {', '.join(options)}", {"enum": list(options)})


def _as_tuple(v: Any) -> Any:
    return tuple(v) if isinstance(v, list) else v


NonNegative = _check(lambda v: _is_num(v) and v >= 0, "a number >= 0", {"type": "number", "minimum": 0})
Positive = _check(lambda v: _is_num(v) and v > 0, "a number > 0", {"type": "number", "exclusiveMinimum": 0})
# windows and look-backs: bounded, so an extreme value is a clear error, not an overflow
MAX_HOURS, MAX_DAYS = 8784, 3660  # a (leap) year; ten years
Hours = _check(lambda v: _is_num(v) and 0 < v <= MAX_HOURS, f"a number of hours > 0 and at most {MAX_HOURS}",
               {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_HOURS})
Days = _check(lambda v: _is_num(v) and 0 < v <= MAX_DAYS, f"a number of days > 0 and at most {MAX_DAYS}",
              {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_DAYS})
DaysOrZero = _check(lambda v: _is_num(v) and 0 <= v <= MAX_DAYS, f"a number of days >= 0 and at most {MAX_DAYS}",
                    {"type": "number", "minimum": 0, "maximum": MAX_DAYS})
Whole = _check(lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 1, "a whole number >= 1",
               {"type": "integer", "minimum": 1})
Fraction = _check(lambda v: _is_num(v) and 0 <= v <= 1, "a number between 0 and 1",
                  {"type": "number", "minimum": 0, "maximum": 1})
OptionalNonNegative = _check(lambda v: v is None or (_is_num(v) and v >= 0), "null or a number >= 0",
                             {"type": ["number", "null"], "minimum": 0})
SpeciesList = Annotated[
    _check(lambda v: v is None or (isinstance(v, list) and all(s in SPECIES for s in v)),
           f"null or a list of species from {', '.join(SPECIES)}",
           {"type": ["array", "null"], "items": {"enum": list(SPECIES)}}),
    AfterValidator(_as_tuple),
]
NameList = Annotated[
    _check(lambda v: v is None or (isinstance(v, list) and all(isinstance(s, str) for s in v)),
           "null or a list of names", {"type": ["array", "null"], "items": {"type": "string"}}),
    AfterValidator(_as_tuple),
]


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MassParams(Params):
    """Animals (or TLU) in a window above max(floor, median + k*MAD), or above a national quota."""

    level: _choice("flow_point", "corridor", "country") = "flow_point"
    measure: _choice("animals", "tlu") = "animals"
    species: SpeciesList = None
    window_hours: Hours = 24.0
    floor: NonNegative = 2000.0
    k: NonNegative = 3.0
    mad_scale: Positive = 1.4826
    season_tolerance_days: DaysOrZero = 14.0
    trailing_days: Days = 28.0
    min_samples: Whole = 5
    quota: OptionalNonNegative = None


class TimingParams(Params):
    """Movement before a window opens (early) or after it closes (late), or against history."""

    against: _choice("calendar", "history") = "calendar"
    tolerance_days: DaysOrZero = 7.0
    near_days: DaysOrZero = 60.0
    onset_quantile: Fraction = 0.05
    end_quantile: Fraction = 0.95
    min_seasons: Whole = 1
    min_observations: Whole = 20
    min_herds: Whole = 3


class UnexpectedParams(Params):
    check: _choice("off_corridor", "out_of_season", "closed", "novel_origin", "novel_destination",
                   "novel_species") = "off_corridor"
    tolerance_m: Positive = 5000.0
    near_days: DaysOrZero = 60.0
    min_history: Whole = 20
    min_animals: NonNegative = 0.0
    window_hours: Hours = 24.0


class HazardParams(Params):
    check: _choice("corridor", "ahead") = "corridor"
    lookback_days: Days = 7.0
    buffer_m: OptionalNonNegative = None
    ahead_km: Positive = 50.0
    kinds: NameList = None


PARAMS: dict[str, type[Params]] = {
    "mass": MassParams,
    "early": TimingParams,
    "late": TimingParams,
    "unexpected": UnexpectedParams,
    "hazard": HazardParams,
}
# What a rule type's severity may be computed on (the first is the default).
SEVERITY_ON: dict[str, tuple[str, ...]] = {
    "mass": ("ratio", "observed"),
    "early": ("days", "animals"),
    "late": ("days", "animals"),
    "unexpected": ("animals", "count"),
    "hazard": ("animals",),
}


def parse_params(model: type[Params], raw: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """(every parameter with defaults filled in, [(parameter, problem)...])."""
    try:
        return model.model_validate(raw).model_dump(), []
    except ValidationError as exc:
        problems = []
        for e in exc.errors():
            where = ".".join(str(p) for p in e["loc"])
            if e["type"] == "extra_forbidden":
                message = f"unknown parameter; expected one of {', '.join(model.model_fields)}"
            elif e["type"] == "value_error":
                message = str(e["ctx"]["error"])
            else:
                message = e["msg"]
            problems.append((where, message))
        return {}, problems
