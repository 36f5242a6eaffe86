"""`evaluate_partial()` and `what_would_change()`: decisions when facts are missing or changed.

The public entry points; the work is `engine.unknowns` (imported on first use, which keeps
`import intervene_rules` light). Pure and thread-safe, as `evaluate`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from intervene_rules import decision as _decision
from intervene_rules._evaluate import _check, _validated, evaluate, today
from intervene_rules.decision_range import CONTROLLED, Changes, DecisionRange
from intervene_rules.fields import SITUATION_FIELDS, Classing
from intervene_rules.partial import PartialSituation, as_partial, complete
from intervene_rules.situation import Situation

if TYPE_CHECKING:
    from intervene_rules.decision import Decision
    from intervene_rules.ruleset.ruleset import Ruleset


def _day(ruleset: Ruleset, as_of: dt.date | None) -> dt.date:
    _check(ruleset, as_of)
    return as_of or ruleset.as_of or today()


def evaluate_partial(
    ruleset: Ruleset,
    situation: PartialSituation | Situation | Mapping[str, Any] | str | bytes,
    *,
    as_of: dt.date | None = None,
) -> DecisionRange:
    """Decide a situation with unknown facts over every completion of them, exactly.

    Args:
        ruleset: from `load_ruleset`.
        situation: a `PartialSituation`, a mapping or JSON text of one (any field omitted or
            null is unknown), or a complete `Situation`.
        as_of: apply the law and policy in force on this date (default today).

    Returns:
        The range: least and most action, duties and reports certain and possible, the
        facts deciding the action, and the decision when every completion gives one
        (semantics: `intervene_rules.decision_range`).

    Raises:
        TypeError: as `evaluate`.
        pydantic.ValidationError: a field that does not exist, or a value that is not one
            (names the field path).

    """
    from intervene_rules.engine.table import engine_for
    from intervene_rules.engine.unknowns import range_core

    day = _day(ruleset, as_of)
    view = ruleset.period(day)
    p = as_partial(view.program.rank_aliases, situation)
    core = range_core(engine_for(view), p.known(), day)
    decision = None
    if core.single is not None:
        decision = evaluate(ruleset, complete(p, core.single), as_of=day)
    return DecisionRange(
        least=core.least,
        most=core.most,
        duties_certain=core.duties_certain,
        duties_possible=core.duties_possible,
        binding_duties_certain=core.binding_certain,
        binding_duties_possible=core.binding_possible,
        reports_certain=core.reports_certain,
        reports_possible=core.reports_possible,
        unknown=core.unknown,
        completions=core.completions,
        deciding=core.deciding,
        decision=decision,
        ruleset=view.ref,
        as_of=day,
    )


def what_would_change(
    ruleset: Ruleset,
    situation: Situation | Mapping[str, Any] | str | bytes,
    *,
    as_of: dt.date | None = None,
) -> Changes:
    """The smallest changes of the known facts of `situation` that change the required action.

    Exact over the reduced space: no change of fewer facts changes the action, and every
    change listed does (`patch` applies one value of each fact changed). Ranks are not
    changed: no change of rank changes the duty (invariant 2).
    """
    from intervene_rules.engine.table import engine_for
    from intervene_rules.engine.unknowns import changes_of

    day = _day(ruleset, as_of)
    view = ruleset.period(day)
    s = _validated(view.program.rank_aliases, situation)
    action = evaluate(ruleset, s, as_of=day).action
    engine = engine_for(view)
    known = {spec.name: spec.get(s) for spec in SITUATION_FIELDS}
    up, down = changes_of(engine, known, action, engine.key(s))
    names = [spec.name for spec in SITUATION_FIELDS if spec.classing is not Classing.RANK]
    return Changes(
        action=action,
        up=up,
        down=down,
        controlled=tuple(n for n in names if n in CONTROLLED),
        observed=tuple(n for n in names if n not in CONTROLLED),
        ruleset=view.ref,
        as_of=day,
    )


def _for_decision(d: Decision, situation: Any, ruleset: Ruleset | None) -> Changes:
    """`Decision.what_would_change`: the situation given, the ruleset found by digest."""
    from intervene_rules.ruleset.ruleset import loaded

    if situation is None:
        raise TypeError(
            "what_would_change() needs the situation this decision was made for: a decision "
            "is shared by every situation of its class, so it does not hold one (call "
            "decision.what_would_change(situation))"
        )
    rs = ruleset if ruleset is not None else loaded(d.ruleset.digest)
    if rs is None:
        raise ValueError(
            f"the ruleset {d.ruleset.id} ({d.ruleset.digest}) is not loaded in this process: "
            "pass it, decision.what_would_change(situation, ruleset)"
        )
    if rs.digest != d.ruleset.digest:
        raise ValueError(
            f"this decision was made by {d.ruleset.id} ({d.ruleset.digest}), not by {rs.id} "
            f"({rs.digest})"
        )
    return what_would_change(rs, situation, as_of=d.as_of)


# the decision model cannot import the engine that computes this: it calls it through here
_decision.WHAT_WOULD_CHANGE.append(_for_decision)
