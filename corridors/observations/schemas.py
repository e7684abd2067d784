"""The observation contract: one flow-monitoring record as clients send it.

Every ingestion path (JSON batches, ODK Collect/OpenRosa, KoBoToolbox, CSV) turns its input
into the same raw dict shape and validates it here, so a record means the same thing whichever
way it arrived. Pure: pydantic only, no database, no HTTP.

Validation is per record: :func:`validate_records` never lets one bad record affect another, and
reports every problem as ``{"field": "counts.cattle", "message": "..."}`` with a dotted path and
a message saying what was expected.
"""

from __future__ import annotations

import hashlib
import math
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from corridors.geometry import COMPASS_16
from corridors.geometry import parse_direction as parse_heading
from ttt.errors import ValidationFailed
from ttt.facts import HERDER_GROUPS as HERDERS
from ttt.facts import SPECIES
from ttt.i18n import N_, Text

#: The 16 compass points, canonical English names (parsing lives in corridors.geometry, which
#: also knows French abbreviations such as SO/ONO and words such as "sud-ouest").
COMPASS_NAMES: tuple[str, ...] = tuple(COMPASS_16)


#: Why a record with no animals is refused (a herd of 0 animals is not a herd).
NO_ANIMALS = N_("no animals counted: expected at least one count above 0 in cattle, sheep, goats, camels, "
                "donkeys, horses or other; to say that no herd passed, send a zero report")


class FlowType(StrEnum):
    entering = "entering"
    leaving = "leaving"
    transit = "transit"
    internal = "internal"


#: French labels and common spellings accepted for flow_type (CSV exports, French forms).
FLOW_TYPE_ALIASES = {
    "entrant": "entering", "entree": "entering", "entrée": "entering", "in": "entering",
    "sortant": "leaving", "sortie": "leaving", "out": "leaving",
    "interne": "internal",
}

_FLOW_VALUES = frozenset(("entering", "leaving", "transit", "internal"))
_TRUE = {"true", "yes", "y", "1", "oui", "o", "vrai", "on"}
_FALSE = {"false", "no", "n", "0", "non", "faux", "off"}


@dataclass(frozen=True)
class ValidationOptions:
    """Limits that deployments tune; passed as pydantic validation context."""

    max_count: int = 100_000  #: per species per record
    max_herders: int = 10_000  #: per category per record
    clock_skew: timedelta = timedelta(minutes=10)  #: how far in the future a device clock may be
    earliest: datetime | None = datetime(2000, 1, 1, tzinfo=UTC)  #: older dates are typos
    now: datetime | None = None  #: fixed "now" for tests; None = the wall clock


DEFAULT_OPTIONS = ValidationOptions()


def _opts(info: ValidationInfo) -> ValidationOptions:
    try:
        return info.context["options"]  # type: ignore[index]
    except (TypeError, KeyError):
        return DEFAULT_OPTIONS


_WHOLE = N_("expected a whole number {what} from 0 to {limit}, got {got}")
_EXAMPLE_TIME = "2026-02-03T07:15:00+00:00"
ANIMALS, PEOPLE = Text("of animals"), Text("of people")  # said whole: "d'animaux", "de personnes"


def _whole_number(value: Any, limit: int, what: str) -> int:
    """Accept 120, 120.0, "120", " 120 "; refuse booleans, fractions, negatives, huge values."""
    if type(value) is int and 0 <= value <= limit:  # the common cases first (hot path)
        return value
    if type(value) is str and value.isdigit() and value.isascii() and int(value) <= limit:
        return int(value)  # "120" from CSV, KoBo and OpenRosa
    if value is None or (isinstance(value, str) and not value.strip()):
        return 0
    if isinstance(value, bool):
        raise ValueError(Text("expected a whole number {what} from 0 to {limit}, got a boolean", what=what,
                              limit=limit))
    n: float
    if isinstance(value, int | float):
        n = value
    elif isinstance(value, str):
        try:
            n = float(value.strip().replace(",", "."))
        except ValueError:
            raise ValueError(Text(_WHOLE, what=what, limit=limit, got=repr(value))) from None
    else:
        raise ValueError(Text(_WHOLE, what=what, limit=limit, got=type(value).__name__))
    if not math.isfinite(n) or n != int(n):
        raise ValueError(Text(_WHOLE, what=what, limit=limit, got=repr(value)))
    if n < 0:
        raise ValueError(Text("expected a whole number {what} from 0 to {limit}, got {got} (negative)", what=what,
                              limit=limit, got=repr(value)))
    if n > limit:
        raise ValueError(Text("expected a whole number {what} from 0 to {limit}, got {got} (above the limit)",
                              what=what, limit=limit, got=repr(value)))
    return int(n)


class Counts(BaseModel):
    """Animals per species; a species left out counts as 0."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cattle: int = 0
    sheep: int = 0
    goats: int = 0
    camels: int = 0
    donkeys: int = 0
    horses: int = 0
    other: int = 0

    @field_validator(*SPECIES, mode="before")
    @classmethod
    def _count(cls, v: Any, info: ValidationInfo) -> int:
        return _whole_number(v, _opts(info).max_count, ANIMALS)

    @property
    def total(self) -> int:
        return sum(getattr(self, s) for s in SPECIES)


class Herders(BaseModel):
    """People moving with the herd (boys/girls: under 18)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    men: int = 0
    women: int = 0
    boys: int = 0
    girls: int = 0

    @field_validator(*HERDERS, mode="before")
    @classmethod
    def _count(cls, v: Any, info: ValidationInfo) -> int:
        return _whole_number(v, _opts(info).max_herders, PEOPLE)


class Location(BaseModel):
    """A GPS position in CRS84 order (lon, lat), as in GeoJSON."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)

    @field_validator("lon", "lat", mode="before")
    @classmethod
    def _number(cls, v: Any) -> Any:
        if isinstance(v, bool):
            raise ValueError(Text("expected a number in decimal degrees, got a boolean"))
        if isinstance(v, str):
            try:
                v = float(v.strip())
            except ValueError:
                raise ValueError(Text("expected a number in decimal degrees, got {got}", got=repr(v))) from None
        if isinstance(v, float) and not math.isfinite(v):
            raise ValueError(Text("expected a finite number in decimal degrees"))
        return v

    @model_validator(mode="after")
    def _not_null_island(self) -> Location:
        if self.lon == 0 and self.lat == 0:
            raise ValueError(Text("expected a GPS position; 0,0 means the device had no fix"))
        return self


def parse_direction(value: Any) -> float | None:
    """Compass point (English or French), a word such as "sud-ouest", or degrees -> degrees in
    [0, 360); None when absent. One parser for every source: corridors.geometry's."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return parse_heading(value)
    except ValidationFailed as exc:
        raise ValueError(exc.errors[0]["message"]) from None


def _bool(v: Any) -> Any:
    if v is None or v is True or v is False:
        return v
    if isinstance(v, int) and v in (0, 1):
        return bool(v)
    if isinstance(v, str):
        s = v.strip().lower()
        if not s:
            return None
        if s in _TRUE:
            return True
        if s in _FALSE:
            return False
    raise ValueError(Text("expected true or false (yes/no, oui/non), got {got}", got=repr(v)))


def strip_uuid_prefix(v: Any) -> Any:
    """Strip ODK's "uuid:" prefix; pydantic's own (fast) parser does the rest."""
    if type(v) is str and v[:5].lower() == "uuid:":
        return v[5:]
    return v


def observed_at_input(v: Any) -> Any:
    if isinstance(v, date) and not isinstance(v, datetime):
        raise ValueError(Text("expected a date and time with a timezone offset, got a date only"))
    if isinstance(v, str) and v.strip().endswith("Z"):
        return v.strip()[:-1] + "+00:00"
    return v


def check_observed_at(v: datetime, opts: ValidationOptions) -> datetime:
    """A count's time: with an offset, not in the future (beyond the clock skew), not absurdly old."""
    if v.tzinfo is None or v.utcoffset() is None:
        raise ValueError(Text("expected a date and time with a timezone offset, e.g. {example}", example=_EXAMPLE_TIME))
    now = opts.now or datetime.now(UTC)
    if v > now + opts.clock_skew:
        raise ValueError(Text("is in the future ({when} is after {now}); check the device's date and time",
                              when=v.isoformat(), now=now.isoformat(timespec="seconds")))
    if opts.earliest is not None and v < opts.earliest:
        raise ValueError(Text("expected a date after {earliest}, got {got}", earliest=opts.earliest.date().isoformat(),
                              got=v.isoformat()))
    return v.astimezone(UTC)


class FieldRecordIn(BaseModel):
    """What every record a field team sends (a count or a zero report) validates alike: its id
    (ODK's ``uuid:`` prefix dropped), its time (a timezone, not in the future) and its notes."""

    @field_validator("id", mode="before", check_fields=False)
    @classmethod
    def _id(cls, v: Any) -> Any:
        return strip_uuid_prefix(v)

    @field_validator("notes", mode="before", check_fields=False)
    @classmethod
    def _notes(cls, v: Any) -> Any:
        return "" if v is None else v

    @field_validator("observed_at", mode="before", check_fields=False)
    @classmethod
    def _observed_at_type(cls, v: Any) -> Any:
        return observed_at_input(v)

    @field_validator("observed_at", check_fields=False)
    @classmethod
    def _observed_at(cls, v: datetime, info: ValidationInfo) -> datetime:
        return check_observed_at(v, _opts(info))


class ObservationIn(FieldRecordIn):
    """One flow-monitoring record (the contract: extend, never rename)."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    id: uuid.UUID
    flow_point: str | None = Field(default=None, max_length=64)
    observed_at: datetime
    location: Location | None = None
    direction: str | float | None = None
    counts: Counts = Field(default_factory=Counts, validate_default=True)
    herders: Herders = Field(default_factory=Herders)
    origin: str | None = Field(default=None, max_length=200)
    destination: str | None = Field(default=None, max_length=200)
    flow_type: FlowType | None = None
    reason: str | None = Field(default=None, max_length=200)
    cross_border: bool | None = None
    has_certificate: bool | None = None
    already_counted: bool = False
    notes: str = Field(default="", max_length=4000)
    #: the id of the record this one replaces (an edit: ODK/KoBo ``meta/deprecatedID``)
    replaces: uuid.UUID | None = None

    @field_validator("replaces", mode="before")
    @classmethod
    def _replaces(cls, v: Any) -> Any:
        return strip_uuid_prefix(v)

    @field_validator("counts")
    @classmethod
    def _some_animals(cls, v: Counts) -> Counts:
        if v.total == 0:
            raise ValueError(Text(NO_ANIMALS))
        return v

    @field_validator("flow_point", "origin", "destination", "reason", mode="before")
    @classmethod
    def _blank_is_none(cls, v: Any) -> Any:
        if isinstance(v, str) and not v.strip():
            return None
        return v

    @field_validator("direction", mode="before")
    @classmethod
    def _direction(cls, v: Any) -> Any:
        if type(v) is str and v in COMPASS_16:  # the common case, no parsing
            return v
        deg = parse_direction(v)
        if deg is None:
            return None
        if isinstance(v, str) and any(ch.isalpha() for ch in v):
            return COMPASS_NAMES[int(round(deg / 22.5)) % 16]  # French SO, "sud-ouest" -> SW
        return deg

    @field_validator("flow_type", mode="before")
    @classmethod
    def _flow_type(cls, v: Any) -> Any:
        if type(v) is str and v in _FLOW_VALUES:
            return v
        if isinstance(v, str):
            s = v.strip().lower()
            if not s:
                return None
            s = FLOW_TYPE_ALIASES.get(s, s)
            if s not in FlowType.__members__:
                raise ValueError(Text("expected one of entering, leaving, transit, internal, got {got}", got=repr(v)))
            return s
        return v

    @field_validator("cross_border", "has_certificate", mode="before")
    @classmethod
    def _optional_bool(cls, v: Any) -> Any:
        return _bool(v)

    @field_validator("already_counted", mode="before")
    @classmethod
    def _already_counted(cls, v: Any) -> Any:
        b = _bool(v)
        return False if b is None else b

    @model_validator(mode="after")
    def _where(self) -> ObservationIn:
        if self.flow_point is None and self.location is None:
            raise ValueError(Text("expected a flow_point code, or a location when there is none"))
        if self.replaces is not None and self.replaces == self.id:
            raise ValueError(Text("replaces names this record itself; expected the id of the record it corrects"))
        return self

    @property
    def heading(self) -> float | None:
        """Direction of travel in degrees clockwise from north, or None."""
        return parse_direction(self.direction)

def _s(v: Any) -> str:
    return "\x00" if v is None else str(v)


def content_hash(obs: ObservationIn) -> str:
    """SHA-256 of the canonical content: same id + same hash = duplicate; different = conflict.

    Every field that matters (id, place, time, location to 1e-7 degree, heading, counts,
    herders, origin, destination, flow type, reason, the three flags, notes) in a fixed order,
    joined with a unit separator (None as NUL): deterministic and cheap on the ingest hot path.
    """
    loc = obs.location
    c, h = obs.counts, obs.herders
    parts = [
        str(obs.id), _s(obs.flow_point), obs.observed_at.astimezone(UTC).isoformat(),
        "\x00" if loc is None else f"{round(loc.lon, 7)!r},{round(loc.lat, 7)!r}",
        _s(obs.heading),
        f"{c.cattle},{c.sheep},{c.goats},{c.camels},{c.donkeys},{c.horses},{c.other}",
        f"{h.men},{h.women},{h.boys},{h.girls}",
        _s(obs.origin), _s(obs.destination), _s(None if obs.flow_type is None else obs.flow_type.value),
        _s(obs.reason), _s(obs.cross_border), _s(obs.has_certificate), _s(obs.already_counted), obs.notes,
    ]
    if obs.replaces is not None:  # appended only when set: hashes of earlier records stay the same
        parts.append("replaces=" + str(obs.replaces))
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- errors


def _dotted(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc if p not in ("function-after", "function-before"))


_TOP_FIELDS = tuple(ObservationIn.model_fields)


def _message(err: Mapping[str, Any]) -> str:
    """A human message that says what was expected, from one pydantic error."""
    typ = err.get("type", "")
    msg = str(err.get("msg", ""))
    ctx = err.get("ctx") or {}
    loc = err.get("loc", ())
    name = str(loc[-1]) if loc else ""
    if typ == "value_error":
        cause = ctx.get("error")
        if isinstance(cause, ValueError) and cause.args and isinstance(cause.args[0], Text):
            return cause.args[0]  # keeps its msgid: said again in the enumerator's language
        return msg.removeprefix("Value error, ")
    if typ == "missing":
        if name == "flow_point":
            return Text("is required: expected the code of the flow point the zero report is for")
        if name == "observed_at":
            return Text("is required: expected the date and time of the count with a timezone offset")
        if name == "id":
            return Text("is required: expected a UUID made by the device")
        return Text("is required")
    if typ == "extra_forbidden":
        parent = loc[-2] if len(loc) >= 2 else None
        allowed = {"counts": SPECIES, "herders": HERDERS, "location": ("lon", "lat")}.get(
            str(parent), _TOP_FIELDS
        )
        return Text("unknown field; expected one of {fields}", fields=", ".join(allowed))
    if typ in ("greater_than_equal", "less_than_equal") and name in ("lon", "lat"):
        if name == "lon":
            return Text("expected longitude from -180 to 180, got {got}", got=repr(err.get("input")))
        return Text("expected latitude from -90 to 90, got {got}", got=repr(err.get("input")))
    if typ == "string_too_long":
        return Text("expected at most {n} characters", n=ctx.get("max_length"))
    if typ.startswith("datetime") or name == "observed_at":
        return Text("expected a date and time with a timezone offset, e.g. {example}, got {got}", example=_EXAMPLE_TIME,
                    got=repr(err.get("input")))
    if typ == "model_type" or typ == "dict_type":
        what = {"counts": "an object of species counts", "herders": "an object of herder counts",
                "location": 'an object {"lon": ..., "lat": ...}'}.get(name, "an object")
        return f"expected {what}"
    if typ in ("string_type",):
        return "expected text"
    if typ == "bool_type" or typ == "bool_parsing":
        return Text("expected true or false")
    if typ == "uuid_type" or typ == "uuid_parsing":
        return Text("expected a UUID made by the device, e.g. {example}, got {got}",
                    example="6f1c2a9e-1b0e-4c1a-9a51-2f0c3d9e7b11", got=repr(err.get("input")))
    return msg


def errors_from(exc: ValidationError) -> list[dict[str, str]]:
    """Pydantic errors -> ``[{"field": "counts.cattle", "message": "..."}]``."""
    out: list[dict[str, str]] = []
    for err in exc.errors(include_url=False):
        path = _dotted(tuple(err.get("loc", ())))
        out.append({"field": path or "record", "message": _message(err)})
    return out


@dataclass
class RecordResult:
    """Outcome of validating one raw record; ``observation`` is None when it was rejected."""

    index: int
    id: str | None
    observation: Any = None  # ObservationIn, or a ZeroReportIn (corridors.observations.zero_reports)
    errors: list[dict[str, str]] = field(default_factory=list)
    hash: str | None = None

    @property
    def ok(self) -> bool:
        return self.observation is not None


def _raw_id(raw: Any) -> str | None:
    if isinstance(raw, Mapping):
        v = raw.get("id")
        if v is not None:
            s = str(v).strip()
            return s[5:] if s.lower().startswith("uuid:") else s
    return None


def nul_fields(raw: Mapping[str, Any], prefix: str = "") -> list[str]:
    """Paths of the values (and keys) of a record holding a NUL character."""
    out = []
    for k, v in raw.items():
        name = f"{prefix}{k}"
        if (isinstance(k, str) and "\0" in k) or (isinstance(v, str) and "\0" in v):
            out.append(name.replace("\0", "\\u0000"))
        elif isinstance(v, Mapping):
            out += nul_fields(v, name + ".")
        elif isinstance(v, list):
            out += [f"{name}.{i}" for i, x in enumerate(v) if isinstance(x, str) and "\0" in x]
    return out


def validate_record(
    raw: Any, index: int = 0, options: ValidationOptions | None = None
) -> RecordResult:
    """Validate one raw dict; never raises for bad input."""
    rid = _raw_id(raw)
    if not isinstance(raw, Mapping):
        return RecordResult(index, None, errors=[{"field": "record", "message": Text("expected a JSON object")}])
    nul = nul_fields(raw)
    if nul:  # PostgreSQL text cannot hold NUL: refuse this record, keep the others
        return RecordResult(index, rid if isinstance(rid, str) and "\0" not in rid else None,
                            errors=[{"field": f, "message": Text("contains a NUL character (code 0); remove it")} for f in nul])
    if "zero_report" in raw:
        from corridors.observations import zero_reports

        if zero_reports.is_zero_report(raw):
            return zero_reports.validate_zero_report(raw, index, options or DEFAULT_OPTIONS)
        raw = {k: v for k, v in raw.items() if k != "zero_report"}  # "no": an ordinary count
    try:
        obs = ObservationIn.model_validate(raw, context={"options": options or DEFAULT_OPTIONS})
    except ValidationError as exc:
        return RecordResult(index, rid, errors=errors_from(exc))
    return RecordResult(index, str(obs.id), observation=obs, hash=content_hash(obs))


def validate_records(
    raws: Iterable[Any], options: ValidationOptions | None = None
) -> list[RecordResult]:
    """Validate each raw record on its own; the result list has one entry per input, in order."""
    opts = options or DEFAULT_OPTIONS
    if opts.now is None:
        opts = ValidationOptions(**{**opts.__dict__, "now": datetime.now(UTC)})
    return [validate_record(raw, i, opts) for i, raw in enumerate(raws)]


def dedupe_within_batch(results: list[RecordResult]) -> dict[int, str]:
    """Repeated ids inside one batch: later copies are 'duplicate' (same hash) or 'conflict'.

    Returns {index: status} for the later copies only; the first valid copy stays in play.
    """
    first: dict[str, str] = {}
    verdict: dict[int, str] = {}
    for r in results:
        if not r.ok or r.id is None or r.hash is None:
            continue
        seen = first.get(r.id)
        if seen is None:
            first[r.id] = r.hash
        else:
            verdict[r.index] = "duplicate" if seen == r.hash else "conflict"
    return verdict
