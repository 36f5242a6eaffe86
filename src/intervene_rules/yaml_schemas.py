"""JSON Schemas (draft 2020-12) of the ruleset and scenario files as people write them.

They are for editors (the YAML language server completes and checks a file whose first
line is `# yaml-language-server: $schema=...`); the loaders stay the authority, and the
schemas accept every file the loaders accept.

How they stay true to the loaders: each is the pydantic model's own validation-mode schema
(`RulesetSpec`, `ScenarioFileSpec`), so every field, type, pattern and `extra="forbid"`
comes from the model. A field whose written form differs from its type declares that
form where the field is declared, and nowhere else: a before-validator states its input
with `json_schema_input_type` (a stage by name or number, a rank alias as the rung alone),
and a field kept as plain data for a later stage points with `WithJsonSchema` to a
definition built here from the table that later stage checks against:

- `Condition` (`when:`): from the field table (`fields.FIELDS`) and the operators allowed
  per kind of field (`ir.ops_for`), the tables `compile.py` checks conditions with;
- `ScenarioSituation` (`situation:`, `defaults:`): `Situation`'s schema with nothing
  required (the rest comes from the defaults) and a rank that may be a ruleset's title;
- `ScenarioSpec` (the items of `scenarios:`, checked one by one by the loader).

What needs the ruleset or other layers (a fact some rule concludes, a declared source,
a rule id in `expect.fired`) is left to the loader.
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic.json_schema import models_json_schema

from intervene_rules.fields import FACT_PREFIX, FIELDS, FieldSpec
from intervene_rules.ruleset.ir import Op, ops_for
from intervene_rules.ruleset.model import WRITTEN_AS, RulesetSpec
from intervene_rules.situation import Situation
from intervene_rules.testing.scenarios.format import ScenarioFileSpec, ScenarioSpec

DIALECT = "https://json-schema.org/draft/2020-12/schema"
_REF = {"$ref": "#/$defs/Condition"}


def _value(spec: FieldSpec) -> dict[str, Any]:
    """One value of `spec` as a condition writes it."""
    if spec.kind == "number":
        return {"type": "number"}
    if spec.kind in ("bool", "fact"):
        return {"type": "boolean"}
    if spec.kind == "tribool":
        return {"type": ["boolean", "null"]}
    return {"type": "string", "enum": [m.value for m in spec.domain]}


def _operand(spec: FieldSpec, op: Op) -> dict[str, Any]:
    if op.takes_list:
        return {"type": "array", "minItems": 1, "items": _value(spec)}
    if op is Op.EMPTY:
        return {"type": "boolean"}
    if spec.kind == "number" and op in (Op.EQ, Op.NE):
        return {"type": ["number", "null"]}  # null: the number is unknown
    return _value(spec)


def field_test(spec: FieldSpec) -> dict[str, Any]:
    """The test of one field as written.

    A value (eq), a list (in; contains_any on a set), or `{operator: operand}` with the
    operators of the field's kind.
    """
    ops = sorted(ops_for(spec.kind))
    forms: list[dict[str, Any]] = []
    if spec.kind != "set":
        forms.append(_operand(spec, Op.EQ))
    listed = Op.CONTAINS_ANY if spec.kind == "set" else Op.IN
    if listed in ops:
        forms.append(_operand(spec, listed))
    forms.append(
        {
            "type": "object",
            "minProperties": 1,
            "properties": {op.value: _operand(spec, op) for op in ops},
            "additionalProperties": False,
        }
    )
    out: dict[str, Any] = {"anyOf": forms}
    if spec.doc:
        out["description"] = spec.doc
    return out


def condition_schema() -> dict[str, Any]:
    """The condition grammar: field tests, `fact.<name>` tests, and `all`/`any`/`not`."""
    fact = field_test(FieldSpec(FACT_PREFIX + "x", "fact"))
    fact["description"] = "A derived fact some rule of the ruleset concludes."
    many = {"type": "array", "minItems": 1, "items": _REF}
    return {
        "type": "object",
        "description": "A condition: every key must hold. Keys are situation fields, "
        "`fact.<name>`, or `all:`/`any:` (a list of conditions) and `not:` (a condition).",
        "minProperties": 1,
        "properties": {
            **{name: field_test(spec) for name, spec in FIELDS.items()},
            "all": {**many, "description": "Every condition of the list holds."},
            "any": {**many, "description": "At least one condition of the list holds."},
            "not": {**_REF, "description": "The condition does not hold."},
        },
        "patternProperties": {"^" + FACT_PREFIX.replace(".", r"\.") + ".": fact},
        "additionalProperties": False,
    }


def ruleset_schema() -> dict[str, Any]:
    """The JSON Schema of a ruleset file (one layer) as written."""
    schema = RulesetSpec.model_json_schema(mode="validation")
    schema["$defs"]["Condition"] = condition_schema()
    schema["title"] = "intervene ruleset (one layer)"
    return resolved({"$schema": DIALECT, **schema})


def scenario_situation_schema() -> dict[str, Any]:
    """A partial situation: `Situation`'s fields, none required, ranks also as titles."""
    schema = Situation.model_json_schema(mode="validation")
    defs = schema.pop("$defs")
    for node in [schema, *defs.values()]:
        node.pop("required", None)
    rank = defs["Rank"]
    defs["Rank"] = {
        "anyOf": [rank, {"type": "string", "minLength": 1}],
        "description": "A rung of the canonical ladder, or one of the ruleset's rank titles.",
    }
    schema["description"] = (
        "A partial situation: what it leaves out comes from `defaults`, then from each "
        "field's default."
    )
    return {**schema, "$defs": defs}


def scenarios_schema() -> dict[str, Any]:
    """The JSON Schema of a scenario file (`*.scenarios.yaml`) as written."""
    _, top = models_json_schema([(ScenarioFileSpec, "validation"), (ScenarioSpec, "validation")])
    defs: dict[str, Any] = top["$defs"]
    # the situation's own definitions, prefixed so they cannot clash with the file's
    situation = _retarget(scenario_situation_schema(), "#/$defs/", "#/$defs/Situation")
    for name, node in situation.pop("$defs").items():
        defs[f"Situation{name}"] = node
    defs["ScenarioSituation"] = situation
    schema = copy.deepcopy(defs.pop("ScenarioFileSpec"))
    schema["title"] = "intervene scenario file"
    return resolved({"$schema": DIALECT, **schema, "$defs": defs})


def resolved(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` with each `{WRITTEN_AS: name}` a `$ref` to its definition (which must exist)."""
    defs = schema["$defs"]

    def walk(node: Any) -> Any:
        if isinstance(node, list):
            return [walk(v) for v in node]
        if not isinstance(node, dict):
            return node
        out = {k: walk(v) for k, v in node.items() if k != WRITTEN_AS}
        if WRITTEN_AS in node:
            name = node[WRITTEN_AS]
            if name not in defs:
                raise LookupError(f"no definition {name!r} for a field written as it")
            out = {"$ref": f"#/$defs/{name}", **out}
        return out

    resolved: dict[str, Any] = walk(schema)
    return resolved


def _retarget(node: Any, old: str, new: str) -> Any:
    """`node` with every `$ref` starting with `old` made to start with `new`."""
    if isinstance(node, dict):
        return {
            k: (new + v[len(old) :])
            if k == "$ref" and isinstance(v, str) and v.startswith(old)
            else _retarget(v, old, new)
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_retarget(v, old, new) for v in node]
    return node


#: The schemas by the name `intervene schema` gives them.
SCHEMAS = {"ruleset": ruleset_schema, "scenarios": scenarios_schema}

__all__ = [
    "DIALECT",
    "SCHEMAS",
    "condition_schema",
    "field_test",
    "resolved",
    "ruleset_schema",
    "scenario_situation_schema",
    "scenarios_schema",
]
