"""Inline conclusions: rewrite reads of `action` and `fact.*` into conditions over inputs.

A backend that fires every rule in one pass (durable_rules with a single asserted fact)
cannot see conclusions of earlier stages. Since facts never depend on themselves and the
action is the maximum concluded, `fact.x` is the disjunction of its producers' conditions
and `action >= a` the disjunction of the conditions of rules concluding at least `a`.
The differential tests prove the rewrite against the staged native evaluator.
"""

from __future__ import annotations

from functools import cache

from intervene_rules.engine.native import satisfying_values
from intervene_rules.fields import FACT_PREFIX
from intervene_rules.ruleset.compile import negate
from intervene_rules.ruleset.ir import AllOf, AnyOf, Cond, Program, Test
from intervene_rules.vocabulary import Action


def inline_program(program: Program, *, inline_action: bool = True) -> dict[str, Cond]:
    """Rule id -> its condition with conclusion reads replaced by input conditions.

    With `inline_action=False`, reads of `action` stay as they are (a backend then asserts
    in two strata: first the rules that do not read the action, then those that do).
    """

    @cache
    def fact_holds(name: str) -> Cond:
        producers = [r for r in program.rules if name in r.facts]
        origin = producers[0].origin if producers else program.opportunity.origin
        return AnyOf(tuple(expand(r.when) for r in producers), origin)

    @cache
    def action_at_least(level: Action) -> Cond:
        rules = [r for r in program.rules if r.action is not None and r.action >= level]
        origin = program.opportunity.origin
        if level == Action.NONE:
            return AllOf((), origin)
        return AnyOf(tuple(expand(r.when) for r in rules), origin)

    def action_test(t: Test) -> Cond:
        levels = list(Action)
        allowed = satisfying_values(t)

        def satisfied(a: Action) -> bool:
            return a in allowed

        # action == a  <=>  action >= a  and not action >= next(a)
        parts: list[Cond] = []
        for i, a in enumerate(levels):
            if satisfied(a):
                upper = [negate(action_at_least(levels[i + 1]))] if i + 1 < len(levels) else []
                parts.append(AllOf((action_at_least(a), *upper), t.origin))
        return AnyOf(tuple(parts), t.origin)

    def expand(cond: Cond) -> Cond:
        if isinstance(cond, AllOf):
            return AllOf(tuple(expand(c) for c in cond.items), cond.origin)
        if isinstance(cond, AnyOf):
            return AnyOf(tuple(expand(c) for c in cond.items), cond.origin)
        if cond.field.startswith(FACT_PREFIX):
            holds = fact_holds(cond.field[len(FACT_PREFIX) :])
            return holds if cond.op.compare(True, cond.value) else negate(holds)
        if cond.field == "action" and inline_action:
            return action_test(cond)
        return cond

    return {r.id: expand(r.when) for r in program.rules}
