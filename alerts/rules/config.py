"""Rules as data: load, validate and version a rule set (YAML or a mapping).

Every number the engine uses comes from here, so staff can tune thresholds and replay a
season (backtest) without touching code. A rule set's ``version`` is a hash of its
validated content (not of the file bytes): comments and key order do not change it, any
parameter does, and every alert records the version that raised it.

Validation reports every problem at once with its location (``rules[2].params.k``) and
what was expected, as :class:`ttt.errors.ValidationFailed`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from alerts.rules.lifecycle import Lifecycle, parse_lifecycle
from alerts.rules.model import SEVERITIES, SPECIES
from alerts.rules.params import PARAMS, SEVERITY_ON, Params, parse_params
from corridors.feeds.readers.acled import RulesError, parse_conflict_rules
from corridors.network.params import parse_routing
from ttt.errors import ValidationFailed
from ttt.facts import SEASON_START_MD, TLU_FACTORS

DEFAULT_RULES_FILE = Path(__file__).with_name("default.yaml")

@dataclass(frozen=True)
class SeverityMap:
    """Severity from one number: the highest level whose minimum the value reaches.

    ``levels`` maps severity -> minimum (ascending). Below every minimum the lowest level
    given applies. For hazards the result never goes below the hazard's own severity.
    """

    on: str
    levels: tuple[tuple[str, float], ...]

    def __call__(self, value: float) -> str:
        chosen = self.levels[0][0]
        for name, minimum in self.levels:
            if value >= minimum:
                chosen = name
        return chosen

    def as_dict(self) -> dict[str, Any]:
        return {"on": self.on, "levels": dict(self.levels)}


@dataclass(frozen=True)
class Scope:
    """Where a rule applies: everywhere, one country (ISO alpha-2) or one corridor code."""

    kind: str  # everywhere | country | corridor
    value: str | None = None

    def __str__(self) -> str:
        return self.kind if self.value is None else f"{self.kind}:{self.value}"


@dataclass(frozen=True)
class Rule:
    id: str
    type: str
    params: Mapping[str, Any]
    severity: SeverityMap
    suppress_hours: float
    scope: Scope
    overrides: tuple[str, ...] = ()
    description: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "description": self.description,
            "params": dict(self.params),
            "severity": self.severity.as_dict(),
            "suppress_hours": self.suppress_hours,
            "scope": str(self.scope),
            "overrides": list(self.overrides),
        }


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]
    tlu_factors: Mapping[str, float]
    season_start: tuple[int, int]  # (month, day) a season starts, e.g. (8, 1)
    version: str
    source: str = "<mapping>"
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)
    history_seasons: int = 3  # incremental runs compare with at most this many earlier seasons
    lifecycle: Lifecycle = field(default_factory=Lifecycle)  # after the alert (alerts.rules.lifecycle)

    def get(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "source": self.source,
            "defaults": {
                "tlu_factors": dict(self.tlu_factors),
                "season_start": f"{self.season_start[0]:02d}-{self.season_start[1]:02d}",
                "history_seasons": self.history_seasons,
            },
            "rules": [r.as_dict() for r in self.rules],
            "lifecycle": self.lifecycle.as_dict(),
        }


def load_rules(path: str | Path | None = None) -> RuleSet:
    """Read and validate a YAML rule set; ``None`` means the shipped default.yaml."""
    p = Path(path) if path else DEFAULT_RULES_FILE
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValidationFailed([{"field": "rules_file", "message": f"cannot read {p}: {exc.strerror}"}]) from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValidationFailed([{"field": "rules_file", "message": f"{p} is not valid YAML: {exc}"}]) from exc
    return parse_rules(data, source=str(p))


def parse_rules(data: Any, source: str = "<mapping>") -> RuleSet:
    """Validate a rule set given as plain data; every problem is reported with its path."""
    errors: list[dict[str, Any]] = []

    def err(where: str, message: str) -> None:
        errors.append({"field": where, "message": message})

    if not isinstance(data, Mapping):
        raise ValidationFailed([{"field": "rules_file", "message": f"expected a mapping with 'rules', got {type(data).__name__}"}])
    for key in data:
        if key not in ("defaults", "rules", "routing", "feeds", "lifecycle"):
            err(str(key), "unknown top-level key; expected 'defaults', 'rules', 'routing', 'feeds' and 'lifecycle'")
    try:  # routing parameters (corridors.network) live in the same file
        parse_routing(data.get("routing"))
    except ValidationFailed as exc:
        errors.extend(exc.errors)
    _check_feeds(data.get("feeds"), err)
    defaults = data.get("defaults") or {}
    tlu, season_start = _parse_defaults(defaults, err)
    history_seasons = defaults.get("history_seasons", 3) if isinstance(defaults, Mapping) else 3
    if isinstance(history_seasons, bool) or not isinstance(history_seasons, int) or not 1 <= history_seasons <= 50:
        err("defaults.history_seasons", f"expected a whole number of seasons from 1 to 50, got {history_seasons!r}")
        history_seasons = 3

    raw_rules = data.get("rules")
    rules: list[Rule] = []
    if not isinstance(raw_rules, list) or not raw_rules:
        err("rules", "expected a non-empty list of rules")
        raw_rules = []
    seen: set[str] = set()
    where_of: dict[int, int] = {}  # position in `rules` -> position in the file
    for i, r in enumerate(raw_rules):
        rule = _parse_rule(r, f"rules[{i}]", err)
        if rule is None:
            continue
        if rule.id in seen:
            err(f"rules[{i}].id", f"duplicate rule id {rule.id!r}")
        seen.add(rule.id)
        where_of[len(rules)] = i
        rules.append(rule)
    for j, rule in enumerate(rules):
        for o in rule.overrides:
            if o not in seen:
                err(f"rules[{where_of[j]}].overrides", f"overrides unknown rule {o!r}")
    lifecycle = parse_lifecycle(data.get("lifecycle"), err)
    if errors:
        raise ValidationFailed(errors)
    canonical = {
        "defaults": {"tlu_factors": tlu, "season_start": list(season_start), "history_seasons": history_seasons},
        "rules": [r.as_dict() for r in rules],
    }
    if "lifecycle" in data:  # a rule set without the section keeps the version it always had
        canonical["lifecycle"] = lifecycle.as_dict()
    digest = hashlib.sha256(json.dumps(canonical, sort_keys=True, default=str).encode()).hexdigest()
    return RuleSet(tuple(rules), tlu, season_start, digest[:12], source, canonical, history_seasons, lifecycle)


def _check_feeds(feeds: Any, err) -> None:
    """The ``feeds`` section (which feed records become hazards) is read by the feed pulls;
    here it is only checked, so a bad rules file is refused as a whole."""
    if feeds is None:
        return
    if not isinstance(feeds, Mapping):
        err("feeds", "expected a mapping with 'acled'")
        return
    for key in feeds:
        if key != "acled":
            err(f"feeds.{key}", "unknown feed section; expected 'acled'")
    try:
        parse_conflict_rules(feeds.get("acled"))
    except RulesError as exc:
        for e in exc.errors:
            err(e["field"], e["message"])


def _parse_defaults(defaults: Any, err) -> tuple[dict[str, float], tuple[int, int]]:
    tlu = dict(TLU_FACTORS)
    season_start = SEASON_START_MD
    if not isinstance(defaults, Mapping):
        err("defaults", "expected a mapping")
        return tlu, season_start
    for key in defaults:
        if key not in ("tlu_factors", "season_start", "history_seasons"):
            err(f"defaults.{key}", "unknown key; expected tlu_factors, season_start or history_seasons")
    factors = defaults.get("tlu_factors")
    if factors is not None:
        if not isinstance(factors, Mapping):
            err("defaults.tlu_factors", "expected a mapping species -> factor")
        else:
            for sp, f in factors.items():
                if sp not in SPECIES:
                    err(f"defaults.tlu_factors.{sp}", f"unknown species; expected one of {', '.join(SPECIES)}")
                elif not _is_num(f) or f < 0:
                    err(f"defaults.tlu_factors.{sp}", f"expected a number >= 0, got {f!r}")
                else:
                    tlu[sp] = float(f)
    ss = defaults.get("season_start")
    if ss is not None:
        md = _month_day(ss)
        if md is None:
            err("defaults.season_start", f"expected 'MM-DD' such as '08-01', got {ss!r}")
        else:
            season_start = md
    return tlu, season_start


def _parse_rule(r: Any, where: str, err) -> Rule | None:
    if not isinstance(r, Mapping):
        err(where, f"expected a mapping, got {type(r).__name__}")
        return None
    allowed = {"id", "type", "description", "params", "severity", "suppress_hours", "scope", "overrides", "enabled"}
    for key in r:
        if key not in allowed:
            err(f"{where}.{key}", f"unknown key; expected one of {', '.join(sorted(allowed))}")
    rid = r.get("id")
    ok = True
    if not isinstance(rid, str) or not rid.strip() or "|" in rid:
        err(f"{where}.id", f"expected a non-empty text without '|', got {rid!r}")
        ok = False
    rtype = r.get("type")
    if rtype not in PARAMS:
        err(f"{where}.type", f"expected one of {', '.join(PARAMS)}, got {rtype!r}")
        return None
    params = _parse_params(r.get("params") or {}, PARAMS[rtype], f"{where}.params", err)
    severity = _parse_severity(r.get("severity"), rtype, f"{where}.severity", err)
    sh = r.get("suppress_hours", 0)
    if not _is_num(sh) or not 0 <= sh <= 8784:
        err(f"{where}.suppress_hours", f"expected a number of hours >= 0 and at most 8784 (a year), got {sh!r}")
        sh = 0
    scope = _parse_scope(r.get("scope", "everywhere"), f"{where}.scope", err)
    overrides = r.get("overrides") or []
    if isinstance(overrides, str):
        overrides = [overrides]
    if not isinstance(overrides, list) or not all(isinstance(o, str) for o in overrides):
        err(f"{where}.overrides", f"expected a rule id or a list of rule ids, got {overrides!r}")
        overrides = []
    if r.get("enabled", True) is False or not ok or severity is None:
        return None
    return Rule(
        id=rid, type=rtype, params=params, severity=severity, suppress_hours=float(sh),
        scope=scope, overrides=tuple(overrides), description=str(r.get("description", "")).strip(),
    )


def _parse_params(raw: Any, model: type[Params], where: str, err) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        err(where, "expected a mapping of parameters")
        raw = {}
    params, problems = parse_params(model, dict(raw))
    for name, message in problems:
        err(f"{where}.{name}", message)
    return params


def _parse_severity(raw: Any, rtype: str, where: str, err) -> SeverityMap | None:
    if raw is None:
        raw = {"levels": {"moderate": 0}}
    if not isinstance(raw, Mapping):
        err(where, "expected a mapping with 'on' and 'levels'")
        return None
    on = raw.get("on", SEVERITY_ON[rtype][0])
    if on not in SEVERITY_ON[rtype]:
        err(f"{where}.on", f"for a {rtype} rule expected one of {', '.join(SEVERITY_ON[rtype])}, got {on!r}")
    levels = raw.get("levels")
    if not isinstance(levels, Mapping) or not levels:
        err(f"{where}.levels", "expected a mapping severity -> minimum value, e.g. {moderate: 1, severe: 1.5}")
        return None
    pairs: list[tuple[str, float]] = []
    for name, minimum in levels.items():
        if name not in SEVERITIES:
            err(f"{where}.levels.{name}", f"unknown severity; expected one of {', '.join(SEVERITIES)}")
            return None
        if not _is_num(minimum):
            err(f"{where}.levels.{name}", f"expected a number, got {minimum!r}")
            return None
        pairs.append((name, float(minimum)))
    pairs.sort(key=lambda p: SEVERITIES.index(p[0]))
    if any(b[1] < a[1] for a, b in zip(pairs, pairs[1:], strict=False)):
        err(f"{where}.levels", "minimums must not decrease as severity increases")
    return SeverityMap(on, tuple(pairs))


def _parse_scope(raw: Any, where: str, err) -> Scope:
    if raw in (None, "everywhere"):
        return Scope("everywhere")
    if isinstance(raw, str) and ":" in raw:
        kind, _, value = raw.partition(":")
        if kind in ("country", "corridor") and value.strip():
            return Scope(kind, value.strip())
    if isinstance(raw, Mapping) and len(raw) == 1:
        ((kind, value),) = raw.items()
        if kind in ("country", "corridor") and isinstance(value, str) and value.strip():
            return Scope(kind, value.strip())
    err(where, f"expected 'everywhere', 'country:XX' or 'corridor:CODE', got {raw!r}")
    return Scope("everywhere")


def _month_day(value: Any) -> tuple[int, int] | None:
    if not isinstance(value, str) or len(value) != 5 or value[2] != "-":
        return None
    try:
        m, d = int(value[:2]), int(value[3:])
    except ValueError:
        return None
    days = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
    if not 1 <= m <= 12 or not 1 <= d <= days[m - 1]:
        return None
    return m, d


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)
