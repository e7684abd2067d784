"""Each domain fact is declared once (ttt/facts.py); a second literal copy in the code fails here.

A copy is a tuple, list or set literal holding three or more members of a declared fact
(species, herder groups, severities, alert types), or a dict literal keyed by species whose
values repeat a declared table (TLU factors, species names). Tests, migrations (frozen
history) and the declaration itself are not searched.
"""

from __future__ import annotations

import ast
from pathlib import Path

import yaml

from ttt import facts

ROOT = Path(__file__).resolve().parents[2]
SEARCHED = ("ttt", "corridors", "alerts", "bench")
SETS = {
    "SPECIES": set(facts.SPECIES),
    "HERDER_GROUPS": set(facts.HERDER_GROUPS),
    "SEVERITIES": set(facts.SEVERITIES),
    "ALERT_TYPES": set(facts.ALERT_TYPES),
    "MOVEMENTS": set(facts.MOVEMENTS),
}
TABLES = {"TLU_FACTORS": dict(facts.TLU_FACTORS),
          **{f"SPECIES_NAMES[{lang}]": dict(names) for lang, names in facts.SPECIES_NAMES.items()}}


def _strings(node: ast.AST) -> list[str]:
    elts = getattr(node, "elts", [])
    return [e.value for e in elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]


def copies_in(source: str, where: str = "<text>") -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            members = set(_strings(node))
            for name, fact in SETS.items():
                if len(members & fact) >= 3:
                    found.append(f"{where}:{node.lineno} repeats {name}: {sorted(members & fact)}")
        elif isinstance(node, ast.Dict):
            pairs = {k.value: v.value for k, v in zip(node.keys, node.values, strict=True)
                     if isinstance(k, ast.Constant) and isinstance(v, ast.Constant)}
            for name, table in TABLES.items():
                same = [k for k in pairs if k in table and pairs[k] == table[k]]
                if len(same) >= 3:
                    found.append(f"{where}:{node.lineno} repeats {name}: {sorted(same)}")
    return found


def test_no_second_copy_of_a_declared_fact_in_the_code():
    found = []
    for top in SEARCHED:
        for path in sorted((ROOT / top).rglob("*.py")):
            if path == ROOT / "ttt" / "facts.py":
                continue
            found += copies_in(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    assert found == [], "import these from ttt.facts instead:\n" + "\n".join(found)


def test_the_checker_finds_copies():
    assert copies_in('S = ("cattle", "sheep", "goats")')
    assert copies_in('SEV = ["minor", "moderate", "severe", "extreme"]')
    assert copies_in('T = {"cattle": 0.7, "sheep": 0.1, "camels": 1.0}')
    assert copies_in('FR = {"cattle": "bovins", "sheep": "ovins", "goats": "caprins"}')
    assert not copies_in('COLOURS = {"cattle": "#0072B2", "sheep": "#E69F00", "goats": "#009E73"}')
    assert not copies_in('PAIR = ("cattle", "camels")')


def test_every_species_has_a_name_in_every_language():
    for lang in facts.LANGUAGES:
        assert set(facts.SPECIES_NAMES[lang]) == set(facts.SPECIES), lang
    assert facts.species_name("donkeys", "fr") == "asins"
    assert facts.species_list_name(("cattle", "camels"), "fr") == "bovins/camelins"
    assert facts.species_list_name(None, "fr") == "animaux"


def test_shipped_rules_file_takes_the_declared_defaults():
    """The rules file may override the TLU factors and the season start; the shipped one does not."""
    from alerts.rules.config import DEFAULT_RULES_FILE, load_rules

    raw = yaml.safe_load(DEFAULT_RULES_FILE.read_text(encoding="utf-8"))
    defaults = raw.get("defaults") or {}
    assert "tlu_factors" not in defaults and "season_start" not in defaults
    rules = load_rules()
    assert dict(rules.tlu_factors) == dict(facts.TLU_FACTORS)
    assert rules.season_start == facts.SEASON_START_MD


def test_statistics_and_rules_share_one_season_and_one_tlu_table():
    from corridors.stats.periods import SeasonStart
    from corridors.stats.tlu import TLUFactors
    from ttt.config import Settings

    settings = Settings()
    assert SeasonStart.parse(settings.season_start) == SeasonStart() == SeasonStart(*facts.SEASON_START_MD)
    assert TLUFactors.from_mapping(settings.tlu_factors).as_dict() == dict(facts.TLU_FACTORS)


def test_place_keys():
    assert facts.fp_place("ML-FP01") == "fp:ML-FP01"
    assert facts.corridor_place("ML-C01") == "corridor:ML-C01"
    assert facts.country_place("TG") == "country:TG"
    assert facts.split_place("corridor:ML-C01") == ("corridor", "ML-C01")
