"""Unknown facts: `evaluate_partial` and `what_would_change` held to brute force.

Every completion of the unknown fields is evaluated one by one with `evaluate()` (ranks and
enums over every value, durations over every class representative and a spread of other
numbers, misconduct over every combination of its blocks and every single item), and the
range, the deciding facts and the changes must be exactly what that enumeration says.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from pydantic import ValidationError

from intervene_rules import (
    Action,
    Rank,
    Situation,
    evaluate,
    evaluate_partial,
    list_rulesets,
    load_ruleset,
)
from intervene_rules.engine import unknowns
from intervene_rules.engine.abstract import full, size
from intervene_rules.engine.classes import ValueClasses
from intervene_rules.engine.table import engine_for
from intervene_rules.fields import SITUATION_FIELDS
from intervene_rules.partial import PartialSituation
from intervene_rules.vocabulary import Duty, Misconduct
from tests.situations import drop_fields, random_situation_data

DAY = dt.date(2024, 6, 1)
RULESETS = [r["id"] for r in list_rulesets()]
NAMES = [s.name for s in SITUATION_FIELDS]
SPEC = {s.name: s for s in SITUATION_FIELDS}
EXTRA_DURATIONS = (None, 0.0, 1.0, 15.0, 30.0, 59.5, 60.0, 61.0, 119.0, 120.0, 121.0, 300.0, 1e5)


def _get(data: dict[str, Any], name: str) -> Any:
    node: Any = data
    for part in name.split("."):
        node = node[part]
    return node


def _set(data: dict[str, Any], name: str, value: Any) -> None:
    *parents, leaf = name.split(".")
    node = data
    for part in parents:
        node = node.setdefault(part, {})
    node[leaf] = value


def _choices(ruleset: Any, name: str) -> list[Any]:
    """Every value of `name` brute force tries (JSON values)."""
    spec = SPEC[name]
    if spec.kind == "number":
        vc = ValueClasses.of(ruleset.period(DAY).program)
        return sorted(
            set(EXTRA_DURATIONS)
            | set(vc.durations())
            | {t + d for t in vc.thresholds for d in (-0.5, 0.5) if t + d >= 0},
            key=lambda x: (x is not None, x or 0),
        )
    if spec.kind == "set":
        vc = ValueClasses.of(ruleset.period(DAY).program)
        blocks = vc.misconduct_blocks
        combos = {
            tuple(sorted(b[0].value for b in chosen))
            for k in range(len(blocks) + 1)
            for chosen in itertools.combinations(blocks, k)
        }
        combos |= {(m.value,) for m in Misconduct}
        return [list(c) for c in sorted(combos)]
    return [getattr(v, "value", v) for v in spec.domain]


def completions(ruleset: Any, data: dict[str, Any], unknown: list[str]) -> Iterator[dict[str, Any]]:
    for values in itertools.product(*(_choices(ruleset, n) for n in unknown)):
        out = copy.deepcopy(data)
        for name, value in zip(unknown, values, strict=True):
            _set(out, name, value)
        yield out


def _brute(
    ruleset: Any, data: dict[str, Any], unknown: list[str]
) -> list[tuple[dict[str, Any], Any]]:
    return [(c, evaluate(ruleset, c, as_of=DAY)) for c in completions(ruleset, data, unknown)]


def _matches(cond: Any, completion: dict[str, Any]) -> bool:
    if cond.field == "ranks":
        pair = [_get(completion, "actor.rank"), _get(completion, "observer.rank")]
        return pair in [list(v) for v in cond.values]
    value = _get(completion, cond.field)
    if cond.field == "misconduct":
        has = any(m.value in value for m in cond.items)
        return has in cond.values
    if cond.field == "force.duration_s":
        return True  # a class of durations: checked through the action, not the value
    return value in cond.values


SMALL = [n for n in NAMES if n != "misconduct"]


@st.composite
def cases(draw: st.DrawFn) -> tuple[str, dict[str, Any], list[str]]:
    rid = draw(st.sampled_from(RULESETS))
    seed = draw(st.integers(0, 10**6))
    (data,) = random_situation_data(1, seed, [None, 10.0, 60.0, 120.0, 400.0], spread=600)
    k = draw(st.integers(0, 3))
    pool = NAMES if draw(st.booleans()) else SMALL
    unknown = draw(st.lists(st.sampled_from(pool), min_size=k, max_size=k, unique=True))
    if "misconduct" in unknown and len(unknown) == 3:
        unknown.remove("misconduct")
    return rid, data, sorted(unknown, key=NAMES.index)


@given(cases())
def test_the_range_is_every_completion_exactly(case: tuple[str, dict[str, Any], list[str]]) -> None:
    check_range(case)


@given(cases())
def test_the_range_by_boxes_is_every_completion_exactly(
    case: tuple[str, dict[str, Any], list[str]],
) -> None:
    """The same, every range reasoned about by box (`engine.abstract`), none run one by one."""
    with by_boxes():
        check_range(case)


@contextlib.contextmanager
def by_boxes() -> Iterator[None]:
    saved = unknowns.ENUMERATE_UP_TO
    unknowns.ENUMERATE_UP_TO = 0
    unknowns._memo.clear()
    try:
        yield
    finally:
        unknowns.ENUMERATE_UP_TO = saved
        unknowns._memo.clear()


def check_range(case: tuple[str, dict[str, Any], list[str]]) -> None:
    rid, data, dropped = case
    rs = load_ruleset(rid)
    r = evaluate_partial(rs, drop_fields(data, dropped), as_of=DAY)
    # in a partial situation a null is unknown too
    unknown = [n for n in NAMES if n in dropped or _get(data, n) is None]
    brute = _brute(rs, data, unknown)
    actions = [d.action for _, d in brute]
    assert (r.least, r.most) == (min(actions), max(actions))
    assert set(r.duties_possible) == {x for _, d in brute for x in d.duties}
    assert set(r.duties_certain) == set.intersection(*(set(d.duties) for _, d in brute))
    keys = [{(x.rule, x.to, x.within) for x in d.reports} for _, d in brute]
    assert {(x.rule, x.to, x.within) for x in r.reports_possible} == set.union(*keys)
    assert {(x.rule, x.to, x.within) for x in r.reports_certain} == set.intersection(*keys)
    assert r.unknown == tuple(unknown)
    # one decision: exactly when brute force finds one
    first = brute[0][1]
    single = all(d == first for _, d in brute)
    assert r.decided == single
    if single:
        assert r.decision == first
    # the deciding facts: exactly those whose change alone changes the action somewhere
    depends = set()
    for name in unknown:
        groups: dict[str, set[Action]] = {}
        for c, d in brute:
            rest = copy.deepcopy(c)
            _set(rest, name, None)
            groups.setdefault(repr(rest), set()).add(d.action)
        if any(len(g) > 1 for g in groups.values()):
            depends.add(name)
    if r.least == r.most:
        assert r.deciding == ()
    else:
        (deciding,) = r.deciding
        assert set(deciding.facts) == depends
        # the set decides: completions that agree on it agree on the action
        groups = {}
        for c, d in brute:
            key = repr([_get(c, n) for n in deciding.facts])
            groups.setdefault(key, set()).add(d.action)
        assert all(len(g) == 1 for g in groups.values())
        # and no smaller set does (each fact in it changes the action on its own)
        for name in deciding.facts:
            assert name in depends
        # each outcome's conditions lead to its action
        for outcome in deciding.outcomes:
            for conj in outcome.when:
                hits = [d.action for c, d in brute if all(_matches(x, c) for x in conj)]
                if all(x.field != "force.duration_s" for x in conj):
                    assert hits and set(hits) == {outcome.action}


@pytest.mark.parametrize("rid", ["federal-baseline", "washington", "minneapolis-pd"])
def test_every_field_unknown_is_the_whole_range(rid: str) -> None:
    rs = load_ruleset(rid)
    r = evaluate_partial(rs, {}, as_of=DAY)
    assert r.least is Action.NONE
    assert r.most >= Action.INTERVENE
    assert r.unknown == tuple(NAMES)
    assert not r.decided
    (deciding,) = r.deciding
    assert "force.type" in deciding.facts
    # invariant 2: ranks never decide the action
    assert "actor.rank" not in deciding.facts and "observer.rank" not in deciding.facts


@pytest.mark.parametrize("seed", range(8))
def test_a_complete_situation_is_its_decision(seed: int) -> None:
    """A `Situation` is known throughout: its nulls are the contract's values, not unknowns."""
    rs = load_ruleset("minneapolis-pd")
    (data,) = random_situation_data(1, seed, [None, 30.0])
    data["observer"]["realistic_opportunity"] = None
    s = Situation.model_validate(data)
    r = evaluate_partial(rs, s, as_of=DAY)
    assert r.decided and r.completions == 1 and r.unknown == ()
    assert r.decision == evaluate(rs, s, as_of=DAY)
    assert r.least == r.most == r.decision.action


def test_restrained_decides_in_plain_words() -> None:
    """The issue's example: whether the subject is restrained decides the action."""
    rs = load_ruleset("federal-baseline")
    data = {
        "actor": {"rank": "officer"},
        "observer": {"rank": "officer", "realistic_opportunity": True},
        "force": {"type": "bodyweight_compression", "still_needed": True},
        "subject": {"resistance": "active_resistance", "medical_distress": False},
        "misconduct": [],
    }
    r = evaluate_partial(rs, data, as_of=DAY)
    brute = {
        c["subject"]["restrained"]: d.action for c, d in _brute(rs, data, ["subject.restrained"])
    }
    assert r.least == min(brute.values()) and r.most == max(brute.values())
    if len(set(brute.values())) > 1:
        (deciding,) = r.deciding
        assert deciding.facts == ("subject.restrained",)
        text = r.explain()
        assert "restrained" in text


def test_unknown_field_null_part_and_titles() -> None:
    rs = load_ruleset("minneapolis-pd")
    r = evaluate_partial(rs, {"actor": {"rank": "commander"}, "force": None}, as_of=DAY)
    assert "actor.rank" not in r.unknown and "force.type" in r.unknown
    with pytest.raises(ValidationError) as info:
        evaluate_partial(rs, {"force": {"kind": "cew"}}, as_of=DAY)
    assert info.value.errors()[0]["loc"] == ("force", "kind")
    with pytest.raises(ValidationError):
        evaluate_partial(rs, {"subject": {"restrained": "yes"}}, as_of=DAY)


def test_a_partial_situation_given_to_evaluate_points_to_evaluate_partial() -> None:
    rs = load_ruleset("federal-baseline")
    (data,) = random_situation_data(1, 3, [None])
    with pytest.raises(ValidationError) as info:
        evaluate(rs, drop_fields(data, ["subject.restrained"]))
    (err,) = info.value.errors()
    assert err["type"] == "missing"
    assert "evaluate_partial" in err["msg"]
    data["force"]["still_needed"] = None
    with pytest.raises(ValidationError) as info:
        evaluate(rs, data)
    assert "evaluate_partial" in str(info.value)


def test_partial_situation_model_and_schema() -> None:
    p = PartialSituation.model_validate({"observer": {"rank": "sergeant"}})
    assert p.known() == {"observer.rank": Rank.SERGEANT}
    assert len(p.unknown()) == len(NAMES) - 1
    schema = PartialSituation.model_json_schema()
    assert "required" not in schema


# --- what would change ---------------------------------------------------------------------


def _json(value: Any) -> Any:
    return getattr(value, "value", value)


def _merge(data: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(data)
    for key, value in patch.items():
        if isinstance(value, dict):
            out[key] = _merge(out.get(key, {}), value)
        else:
            out[key] = value
    return out


@given(st.sampled_from(RULESETS), st.integers(0, 10**6))
def test_what_would_change_is_smallest_and_real(rid: str, seed: int) -> None:
    rs = load_ruleset(rid)
    (data,) = random_situation_data(1, seed, [None, 10.0, 60.0, 120.0, 400.0], spread=600)
    d = evaluate(rs, data, as_of=DAY)
    changes = d.what_would_change(data, rs)
    assert changes.action == d.action
    fields = [n for n in NAMES if n not in ("actor.rank", "observer.rank")]
    singles = {"up": False, "down": False}
    moves = []
    for name in fields:
        for value in _choices(rs, name):
            alt = copy.deepcopy(data)
            _set(alt, name, value)
            a = evaluate(rs, alt, as_of=DAY).action
            if a > d.action:
                singles["up"] = True
            if a < d.action:
                singles["down"] = True
            if a != d.action:
                moves.append((name, value, a))
    # complete: every single change that changes the action is listed
    for name, value, a in moves:
        listed = changes.up if a > d.action else changes.down
        assert any(
            c.facts == (name,)
            and c.action == a
            and (name in ("force.duration_s", "misconduct") or _json(value) in c.changes[0].values)
            for c in listed
        ), (name, value, a)
    for direction, listed in (("up", changes.up), ("down", changes.down)):
        for change in listed:
            after = evaluate(rs, _merge(data, change.patch), as_of=DAY).action
            assert after == change.action
            assert (after > d.action) if direction == "up" else (after < d.action)
            assert all(
                c.field not in ("actor.rank", "observer.rank", "ranks") for c in change.changes
            )
        # smallest: a single change exists exactly when the smallest listed is one fact
        if singles[direction]:
            assert listed and all(len(c.facts) == 1 for c in listed)
        elif listed:
            assert all(len(c.facts) > 1 for c in listed)
    if d.action == Action.INTERVENE_PHYSICALLY:
        assert changes.up == ()
    if d.action == Action.NONE:
        assert changes.down == ()
    assert "observer.prior_intervention" in changes.controlled
    for change in (*changes.up, *changes.down):
        assert change.controlled == all(
            c.field == "observer.prior_intervention" for c in change.changes
        )


@given(st.sampled_from(RULESETS), st.integers(0, 10**6))
def test_what_would_change_by_boxes_is_smallest_and_real(rid: str, seed: int) -> None:
    with by_boxes():
        test_what_would_change_is_smallest_and_real.hypothesis.inner_test(rid, seed)  # type: ignore[attr-defined]


@given(cases(), st.lists(st.sampled_from(NAMES), min_size=2, max_size=5, unique=True))
def test_box_leaves_agree_with_the_native_evaluator(
    case: tuple[str, dict[str, Any], list[str]], unknown: list[str]
) -> None:
    """Every situation of every leaf box has the leaf's action, by the generated evaluator."""
    rid, data, _ = case
    rs = load_ruleset(rid)
    engine = engine_for(rs.period(DAY))
    p = PartialSituation.model_validate(drop_fields(data, unknown))
    frame = unknowns._Frame.of(engine, p.known())
    assume(size(full(frame.axes)) <= 6000)
    leaves = frame.partition.action_leaves(full(frame.axes))
    covered = 0
    for box, action in leaves:
        for _point, part in unknowns._outcomes(frame, box):
            assert part.action == action
            covered += 1
    assert covered == size(full(frame.axes))


def test_what_would_change_needs_the_situation() -> None:
    rs = load_ruleset("federal-baseline")
    (data,) = random_situation_data(1, 5, [None])
    d = evaluate(rs, data)
    with pytest.raises(TypeError, match="situation"):
        d.what_would_change()


def test_a_duty_only_guidance_expects_is_never_stated_as_a_legal_duty() -> None:
    import datetime as dt

    rs = load_ruleset("new-orleans-pd")
    base = {
        "actor": {"rank": "officer"},
        "observer": {"rank": "officer", "realistic_opportunity": True},
        "force": {"type": "none", "still_needed": False},
        "subject": {"resistance": "compliant", "medical_distress": False},
    }
    day = dt.date(2024, 6, 1)
    # unethical conduct: only EPIC (a programme that binds no one) expects intervention
    epic = evaluate_partial(rs, {**base, "misconduct": ["unethical_conduct"]}, as_of=day)
    assert Duty.INTERVENE in epic.duties_certain
    assert Duty.INTERVENE not in epic.binding_duties_possible
    assert "intervene (not a legal duty" in epic.explain()
    assert epic.decision is not None
    assert any(n.id == "guidance_only.duties" for n in epic.decision.notices)
    # denial of medical care in custody: the law requires it
    law = evaluate_partial(rs, {**base, "misconduct": ["denial_of_medical_care"]}, as_of=day)
    assert Duty.INTERVENE in law.binding_duties_certain
    assert "intervene (not a legal duty" not in law.explain()
