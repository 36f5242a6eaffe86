"""Bad input to the Situation model, directly and through `evaluate()`.

The contract: a bad situation raises pydantic's own `ValidationError`, naming the dotted
field path and, for an unknown value, the allowed values. Booleans and numbers are strict
(an audit record must not read "yes" as true), unknown fields are refused everywhere, rank
titles of a ruleset are accepted only through that ruleset (`evaluate()` or the validation
context), and misconduct is a set in meaning (order and repeats normalised).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from enum import Enum
from functools import cache
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from intervene_rules import Decision, Ruleset, RulesetError, Situation, evaluate, load_ruleset
from intervene_rules.vocabulary import (
    ForceType,
    Misconduct,
    PriorIntervention,
    Rank,
    Resistance,
)

GOOD: dict[str, Any] = {
    "actor": {"rank": "sergeant"},
    "observer": {"rank": "officer"},
    "force": {"type": "cew", "still_needed": False},
    "subject": {"resistance": "compliant", "restrained": True, "medical_distress": False},
}


@cache
def model_policy() -> Ruleset:
    return load_ruleset("model-policy")


def changed(path: str, value: Any) -> dict[str, Any]:
    """GOOD with the dotted `path` set to `value`."""
    data = copy.deepcopy(GOOD)
    *parents, last = path.split(".")
    node = data
    for key in parents:
        node = node.setdefault(key, {})
    node[last] = value
    return data


def without(path: str) -> dict[str, Any]:
    """GOOD with the dotted `path` removed."""
    data = copy.deepcopy(GOOD)
    *parents, last = path.split(".")
    node = data
    for key in parents:
        node = node[key]
    del node[last]
    return data


def errors_of(data: Any, *, via: str = "model") -> list[dict[str, Any]]:
    """The pydantic errors for `data`, validated directly or through `evaluate()`."""
    with pytest.raises(ValidationError) as info:
        if via == "model":
            Situation.model_validate(data)
        else:
            evaluate(model_policy(), data)
    return [dict(e) for e in info.value.errors()]


def dotted(err: Mapping[str, Any]) -> str:
    return ".".join(str(p) for p in err["loc"])


VIAS = pytest.mark.parametrize("via", ["model", "evaluate"])


def test_good_situation_is_valid() -> None:
    s = Situation.model_validate(GOOD)
    assert s.force.type is ForceType.CEW
    assert s.observer.realistic_opportunity is None
    assert s.observer.prior_intervention is PriorIntervention.NONE
    assert s.force.duration_s is None
    assert s.misconduct == ()
    assert isinstance(evaluate(model_policy(), GOOD), Decision)


def test_validation_error_is_a_value_error_not_a_ruleset_error() -> None:
    with pytest.raises(ValueError) as info:
        evaluate(model_policy(), changed("force.type", "cwe"))
    assert isinstance(info.value, ValidationError)
    assert not isinstance(info.value, RulesetError)


# --- unknown fields ---------------------------------------------------------------------------


@VIAS
@pytest.mark.parametrize(
    "path",
    [
        "colour",
        "actor.name",
        "observer.opportunity",
        "force.typ",
        "force.duration",
        "subject.restraind",
    ],
)
def test_unknown_field_anywhere_names_its_dotted_path(path: str, via: str) -> None:
    (err,) = errors_of(changed(path, "x"), via=via)
    assert err["type"] == "extra_forbidden"
    assert dotted(err) == path


# --- unknown values ---------------------------------------------------------------------------


@VIAS
@pytest.mark.parametrize(
    ("path", "bad", "enum"),
    [
        ("actor.rank", "private", Rank),
        ("observer.rank", "Officer", Rank),
        ("observer.prior_intervention", "physical", PriorIntervention),
        ("force.type", "cwe", ForceType),
        ("force.type", "CEW", ForceType),
        ("subject.resistance", "hostile", Resistance),
    ],
)
def test_unknown_enum_value_lists_the_allowed_values(
    path: str, bad: str, enum: type[Enum], via: str
) -> None:
    (err,) = errors_of(changed(path, bad), via=via)
    assert err["type"] == "enum"
    assert dotted(err) == path
    assert err["input"] == bad
    for member in enum:
        assert repr(member.value) in err["msg"]


@VIAS
def test_unknown_misconduct_value_names_the_item(via: str) -> None:
    (err,) = errors_of(changed("misconduct", ["theft", "thef"]), via=via)
    assert err["type"] == "enum"
    assert dotted(err) == "misconduct.1"
    for member in Misconduct:
        assert repr(member.value) in err["msg"]


@VIAS
@pytest.mark.parametrize("value", ["theft", None, 1, {"theft": True}])
def test_misconduct_must_be_a_list(value: Any, via: str) -> None:
    errs = errors_of(changed("misconduct", value), via=via)
    assert {dotted(e).split(".")[0] for e in errs} == {"misconduct"}


# --- numbers --------------------------------------------------------------------------------


@VIAS
@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (float("nan"), "finite_number"),
        (float("inf"), "finite_number"),
        (float("-inf"), "finite_number"),
        (-1, "greater_than_equal"),
        (-0.001, "greater_than_equal"),
        ("5", "float_type"),
        (True, "float_type"),
        ([5], "float_type"),
    ],
)
def test_duration_must_be_a_finite_non_negative_number(value: Any, kind: str, via: str) -> None:
    """Regression: "5" was read as 5 seconds and `true` as 1 second."""
    (err,) = errors_of(changed("force.duration_s", value), via=via)
    assert dotted(err) == "force.duration_s"
    assert err["type"] == kind


@pytest.mark.parametrize("value", [0, 0.0, 3, 2.5, None])
def test_duration_accepts_numbers_and_null(value: Any) -> None:
    s = Situation.model_validate(changed("force.duration_s", value))
    assert s.force.duration_s == value
    assert s.force.duration_s is None or isinstance(s.force.duration_s, float)


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "-1", '"5"', "true"])
def test_duration_in_json_text_is_strict_too(literal: str) -> None:
    text = json.dumps(changed("force.duration_s", 1)).replace(
        '"duration_s": 1', f'"duration_s": {literal}'
    )
    assert literal in text
    with pytest.raises(ValidationError) as info:
        evaluate(model_policy(), text)
    assert [dotted(e) for e in info.value.errors()] == ["force.duration_s"]


# --- booleans -------------------------------------------------------------------------------


BOOLEANS = [
    "force.still_needed",
    "subject.restrained",
    "subject.medical_distress",
    "observer.realistic_opportunity",
]


@VIAS
@pytest.mark.parametrize("path", BOOLEANS)
@pytest.mark.parametrize("value", ["yes", "true", "no", "false", 1, 0, 1.0, "1", "on", [True]])
def test_booleans_are_strict(path: str, value: Any, via: str) -> None:
    (err,) = errors_of(changed(path, value), via=via)
    assert dotted(err) == path
    assert err["type"] == "bool_type"


@pytest.mark.parametrize("path", BOOLEANS[:3])
def test_required_booleans_refuse_null(path: str) -> None:
    (err,) = errors_of(changed(path, None))
    assert dotted(err) == path


def test_realistic_opportunity_may_be_null() -> None:
    s = Situation.model_validate(changed("observer.realistic_opportunity", None))
    assert s.observer.realistic_opportunity is None


@pytest.mark.parametrize("path", BOOLEANS)
def test_json_strings_are_not_booleans(path: str) -> None:
    text = json.dumps(changed(path, "true"))
    with pytest.raises(ValidationError) as info:
        evaluate(model_policy(), text)
    (err,) = info.value.errors()
    assert dotted(err) == path
    assert err["type"] == "bool_type"


# --- missing fields -----------------------------------------------------------------------------


@VIAS
@pytest.mark.parametrize(
    "path",
    [
        "actor",
        "observer",
        "force",
        "subject",
        "actor.rank",
        "observer.rank",
        "force.type",
        "force.still_needed",
        "subject.resistance",
        "subject.restrained",
        "subject.medical_distress",
    ],
)
def test_missing_required_field(path: str, via: str) -> None:
    (err,) = errors_of(without(path), via=via)
    assert err["type"] == "missing"
    assert dotted(err) == path


@VIAS
def test_every_missing_field_is_reported_at_once(via: str) -> None:
    errs = errors_of({"actor": {}, "force": {"type": "cew"}}, via=via)
    assert sorted(dotted(e) for e in errs) == [
        "actor.rank",
        "force.still_needed",
        "observer",
        "subject",
    ]
    assert {e["type"] for e in errs} == {"missing"}


@VIAS
@pytest.mark.parametrize("data", [None, [], 42, ["actor"]])
def test_input_that_is_not_a_mapping(data: Any, via: str) -> None:
    (err,) = errors_of(data, via=via)
    assert err["type"] == "model_type"
    assert err["loc"] == ()


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("[]", "model_type"),
        ("null", "model_type"),
        ("not json", "json_invalid"),
        (b"\xff", "json_invalid"),
        ("", "json_invalid"),
    ],
)
def test_json_text_that_is_not_a_situation(text: str | bytes, kind: str) -> None:
    (err,) = errors_of(text, via="evaluate")
    assert err["type"] == kind
    assert err["loc"] == ()


# --- rank aliases -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["actor.rank", "observer.rank"])
def test_rank_alias_is_refused_without_a_ruleset(path: str) -> None:
    (err,) = errors_of(changed(path, "patrol_officer"))
    assert err["type"] == "enum"
    assert dotted(err) == path


@pytest.mark.parametrize("alias", ["patrol_officer", "Patrol_Officer", "  deputy  ", "TROOPER"])
def test_rank_alias_is_accepted_through_evaluate(alias: str) -> None:
    rs = model_policy()
    via_alias = evaluate(rs, changed("observer.rank", alias))
    canonical = evaluate(rs, changed("observer.rank", "officer"))
    assert via_alias.observer_rank is Rank.OFFICER
    # the same decision, with a step saying which title was read as which rung (these
    # titles cite no source, so the basis is unchanged)
    step, *rest = via_alias.trace
    assert (step.op, step.rule, step.basis) == ("derive", "observer.relation", ())
    assert step.concludes == ("observer.rank=officer",)
    assert "the ruleset cites no source for the title" in step.because
    assert via_alias.model_copy(update={"trace": tuple(rest)}) == canonical


def test_rank_alias_is_accepted_through_the_validation_context() -> None:
    ctx = {"rank_aliases": dict(model_policy().program.rank_aliases)}
    s = Situation.model_validate(changed("actor.rank", "senior_corporal"), context=ctx)
    assert s.actor.rank is Rank.CORPORAL


def test_rank_alias_of_another_ruleset_is_refused() -> None:
    """federal-baseline declares no titles; model-policy's are not global."""
    with pytest.raises(ValidationError) as info:
        evaluate(load_ruleset("federal-baseline"), changed("actor.rank", "patrol_officer"))
    (err,) = info.value.errors()
    assert dotted(err) == "actor.rank"


@pytest.mark.parametrize("value", ["boss", "", 1, None, ["officer"], {"officer": 1}])
def test_unknown_rank_is_refused_even_with_aliases(value: Any) -> None:
    (err,) = errors_of(changed("observer.rank", value), via="evaluate")
    assert dotted(err) == "observer.rank"
    assert err["type"] in {"enum", "missing"}


# --- normalisation and immutability -------------------------------------------------------------


def test_misconduct_order_and_repeats_are_normalised() -> None:
    a = Situation.model_validate(
        changed("misconduct", ["theft", "unlawful_search", "theft", "retaliation"])
    )
    b = Situation.model_validate(changed("misconduct", ["retaliation", "unlawful_search", "theft"]))
    assert a.misconduct == (Misconduct.UNLAWFUL_SEARCH, Misconduct.THEFT, Misconduct.RETALIATION)
    assert a == b
    assert evaluate(model_policy(), a) == evaluate(model_policy(), b)


def test_situation_is_frozen() -> None:
    s = Situation.model_validate(GOOD)
    with pytest.raises(ValidationError) as info:
        s.force = s.force
    assert info.value.errors()[0]["type"] == "frozen_instance"


# --- JSON text -------------------------------------------------------------------------------


@pytest.mark.parametrize("encode", [False, True])
def test_json_text_is_accepted_by_evaluate(encode: bool) -> None:
    data = changed("misconduct", ["theft"])
    data["observer"]["rank"] = "deputy"
    text: str | bytes = json.dumps(data)
    if encode:
        assert isinstance(text, str)
        text = text.encode()
    rs = model_policy()
    assert evaluate(rs, text) == evaluate(rs, data)


def test_json_text_with_an_unknown_field_names_it() -> None:
    text = json.dumps(changed("subject.age", 30))
    with pytest.raises(ValidationError) as info:
        evaluate(model_policy(), text)
    (err,) = info.value.errors()
    assert err["type"] == "extra_forbidden"
    assert dotted(err) == "subject.age"


# --- property: nothing but ValidationError ----------------------------------------------------


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=100, deadline=None)
@given(
    path=st.sampled_from(
        [
            "actor.rank",
            "observer",
            "force.type",
            "force.duration_s",
            "subject.restrained",
            "misconduct",
            "extra",
            "observer.rank",
        ]
    ),
    value=_json,
)
def test_any_value_anywhere_is_accepted_or_a_validation_error(path: str, value: Any) -> None:
    try:
        decision = evaluate(model_policy(), changed(path, value))
    except ValidationError as err:
        assert err.errors()
    else:
        assert isinstance(decision, Decision)
