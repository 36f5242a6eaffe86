"""The editor schemas of the ruleset and scenario files agree with the loaders.

Every bundled file validates; files the loader refuses (planted by mutating a bundled file)
are refused by the schema too; variations the loader accepts are accepted; the committed
`schemas/*.schema.json` are what `intervene schema` prints, and every bundled file names
its schema on its first line.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import pytest
import yaml

from intervene_rules.cli import main
from intervene_rules.errors import RulesetError, ScenarioError
from intervene_rules.fields import FACT_PREFIX, FIELDS, FieldSpec, fact_field
from intervene_rules.ruleset import load_ruleset
from intervene_rules.ruleset._yaml import parse
from intervene_rules.ruleset.ir import Op, ops_for
from intervene_rules.testing.scenarios import SUFFIX, load_scenarios
from intervene_rules.vocabulary import Stage
from intervene_rules.yaml_schemas import ruleset_schema, scenarios_schema

jsonschema = pytest.importorskip("jsonschema", reason="the schema checks need jsonschema (dev)")

ROOT = Path(__file__).resolve().parents[1]
RULESETS = ROOT / "rulesets"
SCHEMAS = ROOT / "schemas"
BASE = RULESETS / "federal-baseline.yaml"

Data = dict[str, Any]


def _bundled() -> list[Path]:
    if not RULESETS.is_dir():
        pytest.skip(f"{RULESETS} is not here (tests run from a clone of the repository)")
    return sorted(RULESETS.glob("*.yaml"))


def _plain(value: Any) -> Any:
    """YAML data as an editor's language server sees it (a date is a string)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _read(path: Path) -> Data:
    doc, issues = parse(path.read_bytes(), path.name)
    assert doc is not None and not issues
    data: Data = doc.data
    return data


def _errors(schema: Data, data: Data) -> list[str]:
    validator = jsonschema.Draft202012Validator(schema)
    return [
        f"{list(e.absolute_path)}: {e.message[:120]}" for e in validator.iter_errors(_plain(data))
    ]


_RULESET = ruleset_schema()
_SCENARIOS = scenarios_schema()


def test_the_schemas_are_valid_draft_2020_12() -> None:
    for schema in (_RULESET, _SCENARIOS):
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_every_bundled_file_validates() -> None:
    files = _bundled()
    assert any(f.name.endswith(SUFFIX) for f in files) and any(
        not f.name.endswith(SUFFIX) for f in files
    )
    bad = {
        f.name: errs
        for f in files
        if (errs := _errors(_SCENARIOS if f.name.endswith(SUFFIX) else _RULESET, _read(f)))
    }
    assert bad == {}


def _schema_out(which: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    assert main(["schema", which], out=out, err=err, stdin=io.StringIO("")) == 0
    return out.getvalue()


@pytest.mark.parametrize("which", ["ruleset", "scenarios"])
def test_the_committed_schema_is_what_the_command_prints(which: str) -> None:
    committed = SCHEMAS / f"{which}.schema.json"
    if not committed.is_file():
        pytest.skip(f"{committed} is not here (tests run from a clone of the repository)")
    printed = _schema_out(which)
    assert json.loads(printed) == (_RULESET if which == "ruleset" else _SCENARIOS)
    assert committed.read_text(encoding="utf-8") == printed, (
        f"regenerate: intervene schema {which} > schemas/{which}.schema.json"
    )


def test_every_bundled_file_names_its_schema_on_the_first_line() -> None:
    for f in _bundled():
        first = f.read_text(encoding="utf-8").splitlines()[0]
        prefix = "# yaml-language-server: $schema="
        assert first.startswith(prefix), f.name
        target = (f.parent / first.removeprefix(prefix)).resolve()
        which = "scenarios" if f.name.endswith(SUFFIX) else "ruleset"
        assert target == (SCHEMAS / f"{which}.schema.json").resolve(), f.name


# --- the schema refuses what the loader refuses, and accepts what it accepts ---------------


def _load_ruleset(data: Data, tmp: Path) -> bool:
    """Whether the loader accepts `data` as a ruleset file."""
    path = tmp / "layer.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    try:
        load_ruleset(path)
    except RulesetError:
        return False
    return True


def _load_scenarios(data: Data, tmp: Path) -> bool:
    """Whether the loader accepts `data` as a scenario file (of the bundled baseline)."""
    path = tmp / f"probe{SUFFIX}"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    try:
        load_scenarios(path)
    except ScenarioError:
        return False
    return True


def _rule(data: Data, with_when: bool = True) -> Data:
    rule: Data = next(r for r in data["rules"] if ("when" in r) == with_when)
    return rule


def _field_test(rule: Data) -> tuple[str, Any]:
    """The first field test of `rule`'s condition written as `{operator: operand}`."""
    return next((k, v) for k, v in rule["when"].items() if isinstance(v, dict))


def _unknown_operator(data: Data) -> None:
    rule = next(r for r in data["rules"] if "when" in r and _has_op(r))
    key, test = _field_test(rule)
    op, operand = next(iter(test.items()))
    rule["when"][key] = {op + "x": operand}


def _has_op(rule: Data) -> bool:
    return any(isinstance(v, dict) for v in rule["when"].values())


def _set(*path: str | int, value: Any) -> Callable[[Data], None]:
    def mutate(data: Data) -> None:
        node: Any = data
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value

    return mutate


def _unknown_stage(data: Data) -> None:
    data["rules"][0]["stage"] = data["rules"][0]["stage"] + "s"


def _unknown_field(data: Data) -> None:
    _rule(data)["when"]["force.typ"] = "none"


RULESET_FAULTS: dict[str, Callable[[Data], None]] = {
    "unknown top-level key": _set("rulez", value=[]),
    "unknown condition operator": _unknown_operator,
    "unknown condition field": _unknown_field,
    "wrong type: title a number": _set("title", value=5),
    "wrong type: basis a string": lambda d: _set("rules", 0, "basis", value="x")(d),
    "wrong type: fail_under quoted": _set("coverage", value={"fail_under": "90"}),
    "unknown stage name": _unknown_stage,
    "stage number out of range": _set("rules", 0, "stage", value=len(Stage) + 1),
    "unknown key in a rule": _set("rules", 0, "becaus", value="x"),
    "unknown rank of an alias": _set("rank_aliases", value={"Boss": "sargeant"}),
    "empty condition": lambda d: _rule(d).__setitem__("when", {}),
}


@pytest.mark.parametrize("fault", sorted(RULESET_FAULTS))
def test_a_ruleset_the_loader_refuses_the_schema_refuses(fault: str, tmp_path: Path) -> None:
    _bundled()
    data = copy.deepcopy(_read(BASE))
    assert _load_ruleset(data, tmp_path) and _errors(_RULESET, data) == []
    RULESET_FAULTS[fault](data)
    assert not _load_ruleset(data, tmp_path)
    assert _errors(_RULESET, data) != []


def _operand(spec: FieldSpec, op: Op) -> Any:
    """A valid operand of `op` on `spec`."""
    if op is Op.EMPTY:
        return True
    one: Any = {"number": 10, "bool": True, "fact": True, "tribool": None}.get(spec.kind)
    if one is None and spec.kind != "tribool":
        one = spec.domain[-1].value
    return [one] if op.takes_list else one


def test_every_operator_on_every_field_agrees_with_the_loader(tmp_path: Path) -> None:
    """Each allowed operator in one rule each: both accept; each refused one: both refuse."""
    _bundled()
    data = copy.deepcopy(_read(BASE))
    # the last stage may read everything (the action, facts) that earlier stages conclude
    template = max(
        (r for r in data["rules"] if "when" in r), key=lambda r: Stage[r["stage"].upper()]
    )
    fact = next(f for r in data["rules"] for f in r["then"].get("facts", []))
    specs = {**FIELDS, FACT_PREFIX + fact: fact_field(fact)}
    allowed: list[tuple[str, str, Any]] = []
    refused: list[tuple[str, str, Any]] = []
    for field, spec in specs.items():
        for op in Op:
            probe = (field, op.value, _operand(spec, op))
            (allowed if op in ops_for(spec.kind) else refused).append(probe)
    assert allowed and refused

    def rule(i: int, when: Data) -> Data:
        return {**copy.deepcopy(template), "id": f"probe_{i}", "when": when}

    ok = copy.deepcopy(data)
    ok["rules"] += [rule(i, {n: {op: v}}) for i, (n, op, v) in enumerate(allowed)]
    assert _load_ruleset(ok, tmp_path)
    assert _errors(_RULESET, ok) == []
    # the loader reports every problem of a file at once: one load for all refused ones
    bad = copy.deepcopy(data)
    first = len(bad["rules"])
    bad["rules"] += [rule(i, {n: {op: v}}) for i, (n, op, v) in enumerate(refused)]
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(bad, sort_keys=False), encoding="utf-8")
    with pytest.raises(RulesetError) as caught:
        load_ruleset(path)
    at = {
        i.loc.path[1] - first
        for i in caught.value.issues
        if i.code == "ruleset_unknown_operator" and isinstance(i.loc.path[1], int)
    }
    assert at == set(range(len(refused)))
    head = {k: data[k] for k in ("id", "title", "version", "jurisdiction")}
    name, written, operand = allowed[0]
    assert _errors(_RULESET, {**head, "rules": [rule(0, {name: {written: operand}})]}) == []
    for i, (name, written, operand) in enumerate(refused):
        planted = {**head, "rules": [rule(i, {name: {written: operand}})]}
        assert _errors(_RULESET, planted) != [], (name, written)


def _variations(data: Data) -> None:
    """Written forms the loader reads alike: stage numbers, alias shorthand, condition forms."""
    data["rules"][0]["stage"] = Stage[data["rules"][0]["stage"].upper()].value
    data["rank_aliases"] = {"Boss": "sergeant", "Top Brass": {"rank": "captain", "note": "n"}}
    rule = _rule(data)
    rule["when"] = {
        "all": [rule["when"], {"not": {"misconduct": {"empty": False}}}],
        "any": [{"force.duration_s": None}, {"force.duration_s": {"gte": 0}}],
        "misconduct": ["theft"],
        "observer.realistic_opportunity": [True, None],
    }


def test_variations_the_loader_accepts_the_schema_accepts(tmp_path: Path) -> None:
    _bundled()
    data = copy.deepcopy(_read(BASE))
    _variations(data)
    assert _load_ruleset(data, tmp_path)
    assert _errors(_RULESET, data) == []


SCENARIO_BASE = RULESETS / "federal-baseline.scenarios.yaml"


def _first(data: Data) -> Data:
    scenario: Data = data["scenarios"][0]
    return scenario


SCENARIO_FAULTS: dict[str, Callable[[Data], None]] = {
    "unknown top-level key": _set("scenario", value=[]),
    "no scenarios": _set("scenarios", value=[]),
    "unknown key in a scenario": lambda d: _first(d).__setitem__("expected", {}),
    "unknown key in expect": lambda d: _first(d)["expect"].__setitem__("fire", []),
    "wrong type: name a number": lambda d: _first(d).__setitem__("name", 5),
    "unknown action": lambda d: _first(d)["expect"].__setitem__("action", "intervine"),
    "unknown situation key": lambda d: _first(d).__setitem__("situation", {"forse": {}}),
    "unknown situation value": lambda d: _first(d).__setitem__(
        "situation", {"force": {"type": "tazer"}}
    ),
    "wrong type: restrained quoted": lambda d: _first(d).__setitem__(
        "situation", {"subject": {"restrained": "yes"}}
    ),
    "unknown duty in include": lambda d: _first(d)["expect"].__setitem__(
        "duties", {"include": ["intervine"]}
    ),
}


def _scenario_data() -> Data:
    data = copy.deepcopy(_read(SCENARIO_BASE))
    data["ruleset"] = "federal-baseline"
    return data


@pytest.mark.parametrize("fault", sorted(SCENARIO_FAULTS))
def test_a_scenario_file_the_loader_refuses_the_schema_refuses(fault: str, tmp_path: Path) -> None:
    _bundled()
    data = _scenario_data()
    data["scenarios"] = data["scenarios"][:2]
    assert _load_scenarios(data, tmp_path) and _errors(_SCENARIOS, data) == []
    SCENARIO_FAULTS[fault](data)
    assert not _load_scenarios(data, tmp_path)
    assert _errors(_SCENARIOS, data) != []


def test_scenario_variations_the_loader_accepts_the_schema_accepts(tmp_path: Path) -> None:
    _bundled()
    data = _scenario_data()
    first = _first(data)
    sources = first.get("source") or [_read(BASE)["sources"][0]["id"]]
    first["source"] = sources[0] if isinstance(sources, list) else [sources]
    first["expect"]["methods"] = {"exclude": []}
    data["defaults"] = {**data.get("defaults", {}), "misconduct": []}
    assert _load_scenarios(data, tmp_path)
    assert _errors(_SCENARIOS, data) == []


def test_a_field_written_as_an_undefined_form_is_refused() -> None:
    from pydantic import BaseModel

    from intervene_rules.ruleset.model import written_as
    from intervene_rules.yaml_schemas import resolved

    class Probe(BaseModel):
        x: Annotated[dict[str, Any], written_as("Nowhere")]
        y: Annotated[dict[str, Any], written_as("Somewhere")]

    schema = {**Probe.model_json_schema(), "$defs": {"Somewhere": {"type": "object"}}}
    with pytest.raises(LookupError, match="Nowhere"):
        resolved(schema)
    del schema["properties"]["x"]
    assert resolved(schema)["properties"]["y"]["$ref"] == "#/$defs/Somewhere"
