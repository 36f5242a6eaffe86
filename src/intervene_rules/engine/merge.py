"""The one place a `Decision` is built: from the rules that fired, by the stated policy.

The action is the most demanding one concluded; duties, methods, facts and citations are
unions in canonical order; every step of the trace keeps its rule, layer, origin and basis.
Evaluators only say which rules fired, so every backend yields the same decision.

A decision reads the situation only through the rules fired, the ranks and one `Reads`
record taken from the row by `reads()`: nothing else here sees the row, so the key that
shares decisions (`share_key`: the rules fired and the `Reads`) cannot miss a read. The rest
comes from the period view (`PeriodView`) and the date. So a
`Merger` builds each part once per view (a rule's trace step, a cited source, a report) and
decisions share them by identity; a `Shared` decision holds all but the ranks and the date,
and stamps those on cheaply.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from intervene_rules import words
from intervene_rules.decision import Citation, Decision, JsonMemo, Notice, ReportDue, TraceStep
from intervene_rules.durations import iso_seconds
from intervene_rules.engine.classes import RANK_FIELDS, tests_of
from intervene_rules.engine.native import ClosureEvaluator
from intervene_rules.engine.row import DERIVATIONS, Row
from intervene_rules.fields import INPUT_NAMES
from intervene_rules.ruleset.ir import Cond, Op, Program, Rule, Test
from intervene_rules.ruleset.periods import PeriodView, circuit_name, cited_name
from intervene_rules.situation import Situation, rank_titles
from intervene_rules.vocabulary import (
    Action,
    Duty,
    ForceType,
    Method,
    Rank,
    Relation,
    Resistance,
    Stage,
    Verification,
)

ShareKey = tuple[Any, ...]


class Reads(NamedTuple):
    """All a decision reads of a situation's row besides the rules fired and the ranks."""

    exceeds_grid: tuple[ForceType, Resistance] | None
    """The force type and resistance when the force grid is exceeded (the trace names them)."""
    derived_opportunity: bool | None
    """The opportunity derived from the force's duration when the situation left it
    unstated, else None."""
    has_opportunity: bool
    relation: Relation
    opportunity_unknown: bool
    """The situation left the opportunity unstated and has no force to derive it from
    (`row.opportunity_unknown`): the rules ran without one, and the decision also gives
    the answer with one."""
    with_opportunity: int | None
    """With `opportunity_unknown`: the rules that fire for the same situation with the
    opportunity stated true (a bit mask, `Merger.mask`), filled in by `Merger.complete` or
    the engine (`reads_of` leaves it None); else None."""


READ_FIELDS: tuple[str, ...] = (
    "force.type",
    "subject.resistance",
    "force.exceeds_grid",
    "observer.realistic_opportunity",
    "observer.has_opportunity",
    "observer.relation",
)
"""The row fields `reads_of` takes, in its order: all the merge reads of a row."""


def reads_of(
    force: ForceType,
    resistance: Resistance,
    exceeds_grid: bool,
    stated: bool | None,
    has_opportunity: bool,
    relation: Relation,
) -> Reads:
    """The `Reads` of a row whose `READ_FIELDS` hold these values."""
    unknown = stated is None and force is ForceType.NONE
    return _new_reads(
        Reads,
        (
            (force, resistance) if exceeds_grid else None,
            has_opportunity if stated is None and not unknown else None,
            has_opportunity,
            relation,
            unknown,
            None,
        ),
    )


_new_reads = tuple.__new__  # what `Reads(...)` does, without its Python-level __new__


def reads(row: Row) -> Reads:
    """The one place the merge reads a row (the generated code reads `READ_FIELDS` too)."""
    return reads_of(*[row[f] for f in READ_FIELDS])


def share_key(seen: Reads, fired: int) -> ShareKey:
    """What a decision depends on besides the ranks: the rules fired and the `Reads`.

    Derived, not listed: `Merger.fields` sees the row only through `Reads`, so a new read
    means a new `Reads` field, which is in this key by construction. The rules fired are a
    bit mask over the rules of one period view (`NativeEvaluator.mask`): keys of one engine.
    """
    return (fired, seen)


def grid_step(program: Program, force: ForceType, resistance: Resistance) -> TraceStep:
    """The trace step saying the force grid is exceeded."""
    return TraceStep(
        op="derive",
        rule="force.exceeds_grid",
        stage=Stage.SEE_THE_PROBLEM,
        because=f"Using {words.FORCE[force]} on a subject who is "
        f"{words.RESISTANCE[resistance]} is beyond what the force grid allows. "
        f"{program.grid_because}",
        basis=program.grid_basis,
        concludes=("force.exceeds_grid=true",),
    )


def opportunity_step(program: Program, derived: bool) -> TraceStep:
    """The trace step saying how an unstated opportunity was derived."""
    value = str(derived).lower()
    return TraceStep(
        op="derive",
        rule="observer.has_opportunity",
        stage=Stage.SEE_THE_PROBLEM,
        because=f"Opportunity was not stated; taken as {'given' if derived else 'not given'}. "
        f"{program.opportunity.because}",
        basis=program.opportunity.basis,
        concludes=(f"observer.has_opportunity={value}",),
        origin=str(program.opportunity.origin),
    )


OPPORTUNITY_NOTICE = "opportunity_unknown"
"""Id of the notice a decision carries when the opportunity was unknown and the answers
with and without one differ (the ids of a ruleset's own notices are its own)."""


def _answer(part: _Fired) -> str:
    duties = ", ".join([words.DUTY[d] for d in part.duties]) or "none"
    return f"{words.ACTION[part.action]} (duties: {duties})"


def _same_answer(a: _Fired, b: _Fired) -> bool:
    return (a.action, a.duties, a.methods, [(r.to, r.within) for r in a.reports]) == (
        b.action,
        b.duties,
        b.methods,
        [(r.to, r.within) for r in b.reports],
    )


def unknown_opportunity_step(program: Program, same: bool) -> TraceStep:
    """The trace step saying an unstated opportunity could not be derived."""
    tail = (
        "The answer is the same with and without one."
        if same
        else "The answer differs with and without one (see the notice): this decision "
        "states the answer without one and does not assume an opportunity the situation "
        "does not show."
    )
    return TraceStep(
        op="derive",
        rule="observer.has_opportunity",
        stage=Stage.SEE_THE_PROBLEM,
        because="Opportunity was not stated, and no force is in use: this ruleset derives a "
        "realistic opportunity only from how long force has lasted, so it stays unknown. " + tail,
        concludes=("observer.has_opportunity=unknown",),
        origin=str(program.opportunity.origin),
    )


def unknown_opportunity_notice(without: _Fired, with_: _Fired) -> Notice:
    """The notice giving both answers when the opportunity is unknown and they differ.

    The decision states the answer without an opportunity: it never states a duty that
    rests on an opportunity the situation does not show (as for force of unknown
    duration). The notice's basis is the sources of the rules that fire for the answer
    with an opportunity and not for the one without: it states that answer, so it cites
    them.
    """
    fired = {step.rule for step in without.steps}
    basis = tuple(
        dict.fromkeys(sid for step in with_.steps if step.rule not in fired for sid in step.basis)
    )
    return Notice(
        id=OPPORTUNITY_NOTICE,
        text=(
            "Realistic opportunity not stated: the situation does not say whether the "
            "observer has a realistic opportunity to intervene, and with no force in use "
            f"there is nothing to derive it from. Without one, the answer is "
            f"{_answer(without)}; with one, it is {_answer(with_)}. This decision states the "
            "answer without one, as it assumes no opportunity the situation does not show; "
            "if the observer has a realistic opportunity to intervene, the answer with one "
            "applies."
        ),
        basis=basis,
    )


def derivations(program: Program, seen: Reads) -> tuple[TraceStep, ...]:
    """Trace steps for the built-in facts that were not simply stated in the situation."""
    steps: list[TraceStep] = []
    if seen.exceeds_grid is not None:
        steps.append(grid_step(program, *seen.exceeds_grid))
    if seen.derived_opportunity is not None:
        steps.append(opportunity_step(program, seen.derived_opportunity))
    return tuple(steps)


def build_decision(
    view: PeriodView, row: Row, fired: Iterable[Rule], as_of: dt.date | None
) -> Decision:
    """Merge the firings for `row` into a decision of `view`, dated `as_of`."""
    return Merger(view).build(row, tuple(fired), as_of)


class Merger:
    """Builds the decisions of one period view; every part is made once and then shared."""

    def __init__(
        self,
        view: PeriodView,
        json_budget: list[int] | None = None,
        fire: Callable[[Row], Iterable[Rule]] | None = None,
    ) -> None:
        # the parts, not the view: engines are dropped when their view is (engine.table)
        self.program = view.program
        self._fire = fire
        """Fires the rules on a row (`complete`); None: a closure evaluator, made on use."""
        tested = {t.field for r in self.program.rules for t in tests_of(r.when)}
        self._alt_derived = tuple(d for d in DERIVATIONS if d.name in tested)
        self._alt_inputs = tuple(
            name
            for name in INPUT_NAMES
            if name in tested or any(name in d.inputs for d in self._alt_derived)
        )
        """What `complete` reads and derives: the fields the rules test (their inputs)."""
        self.row_reads: frozenset[str] = frozenset((*RANK_FIELDS, *READ_FIELDS, *self._alt_inputs))
        """Every row field `build` may read: the ranks, `READ_FIELDS` (through `reads`) and
        what `complete` reads. A decision of this merger is a function of these and of the
        rules fired (the analysis memoises on them)."""
        self._json = json_budget
        """Bytes of JSON the memos of the bodies may keep; None: no memos (reference path)."""
        self._bits = {r.id: 1 << i for i, r in enumerate(view.program.rules)}
        self._bodies: dict[tuple[Any, ...], _Body] = {}
        self.sources = view.sources
        self.notices = view.notices
        self.period_notices = view.period_notices
        self.standing = view.standing
        self.circuit = view.circuit
        self.dropped = view.dropped
        self.unseen = view.unseen
        self.ref = view.ref
        self._steps: dict[str, TraceStep] = {}
        self._derived: dict[Any, tuple[TraceStep, ...]] = {}
        self._derived_steps: dict[tuple[Any, ...], TraceStep] = {}
        self._bases: dict[tuple[Any, ...], tuple[Citation, ...]] = {}
        self._cited: dict[tuple[str, str | None], Citation] = {}
        self._reports: dict[str, tuple[ReportDue, ...]] = {}
        self._parts: dict[int, _Fired] = {}
        self._per_rule: dict[str, _RuleParts] = {}

    def fresh(self) -> Merger:
        """A merger of the same view that shares nothing made before."""
        new = Merger.__new__(Merger)
        new.__dict__.update(self.__dict__)
        new._steps, new._derived, new._cited, new._reports = {}, {}, {}, {}
        new._parts, new._bodies, new._json, new._per_rule = {}, {}, None, {}
        new._derived_steps, new._bases = {}, {}
        return new

    def complete(self, seen: Reads, row: Row) -> Reads:
        """`seen` with `with_opportunity` filled in when the opportunity is unknown.

        The same situation evaluated with an opportunity: every input field of `row` read
        (so a caller tracking reads keys on all of them), the opportunity stated true, the
        derived fields derived again and the rules fired.
        """
        if not seen.opportunity_unknown or seen.with_opportunity is not None:
            return seen
        fire = self._fire
        if fire is None:
            fire = self._fire = ClosureEvaluator(self.program).fire
        alt = {name: row[name] for name in self._alt_inputs}
        alt["observer.realistic_opportunity"] = True
        for d in self._alt_derived:
            alt[d.name] = d.compute(self.program, *[alt[i] for i in d.inputs])
        return seen._replace(with_opportunity=self.mask(fire(alt)))

    def _step(self, r: Rule) -> TraceStep:
        step = self._steps.get(r.id)
        if step is None:
            step = self._steps[r.id] = TraceStep(
                op="fire",
                rule=r.id,
                stage=r.stage,
                because=r.because,
                basis=r.basis,
                concludes=r.concludes,
                layer=r.layer,
                origin=str(r.origin),
            )
        return step

    def _derivations(self, seen: Reads) -> tuple[TraceStep, ...]:
        k = (seen.exceeds_grid, seen.derived_opportunity)
        steps = self._derived.get(k)
        if steps is None:
            # each step made once (what `derivations` makes), then combined
            made: list[TraceStep] = []
            if seen.exceeds_grid is not None:
                made.append(self._made(("grid", *seen.exceeds_grid), grid_step))
            if seen.derived_opportunity is not None:
                made.append(self._made(("opportunity", seen.derived_opportunity), opportunity_step))
            steps = self._derived[k] = tuple(made)
        return steps

    def _made(self, key: tuple[Any, ...], step: Callable[..., TraceStep]) -> TraceStep:
        hit = self._derived_steps.get(key)
        if hit is None:
            hit = self._derived_steps[key] = step(self.program, *key[1:])
        return hit

    def _basis(
        self, mask: int, part: _Fired, derived: tuple[TraceStep, ...]
    ) -> tuple[Citation, ...]:
        # the sources of the derived steps first, then the rules' (a step's basis is the
        # program's grid or opportunity basis: the same for every step of its kind)
        if not derived:
            return part.basis
        k = (mask, tuple([step.rule for step in derived]))
        basis = self._bases.get(k)
        if basis is None:
            cited: dict[tuple[str, str | None], Citation] = {
                (sid, None): self._citation(sid, None) for s in derived for sid in s.basis
            }
            for key, citation in zip(part.cited, part.basis, strict=True):
                cited.setdefault(key, citation)
            basis = self._bases[k] = tuple(cited.values())
        return basis

    def _citation(self, sid: str, section: str | None) -> Citation:
        c = self._cited.get((sid, section))
        if c is None:
            c = self.sources[sid]
            if section:
                c = c.model_copy(update={"section": section})
            self._cited[(sid, section)] = c
        return c

    def _reports_of(self, r: Rule) -> tuple[ReportDue, ...]:
        out = self._reports.get(r.id)
        if out is None:
            out = self._reports[r.id] = tuple(
                ReportDue(
                    to=rep.to,
                    within=rep.within,
                    note=rep.note,
                    rule=r.id,
                    layer=r.layer,
                    basis=r.basis,
                )
                for rep in r.reports
            )
        return out

    def part_of(self, fired: Iterable[Rule]) -> _Fired:
        """What the rules `fired` conclude together (shared, see `_Fired`)."""
        return self._fired(self.mask(fired))

    def _fired(self, mask: int) -> _Fired:
        part = self._parts.get(mask)
        if part is None:
            part = self._parts[mask] = _Fired(self, self.rules(mask))
        return part

    def _rule(self, r: Rule) -> _RuleParts:
        """What a rule brings to every decision it fires in, made once per rule."""
        parts = self._per_rule.get(r.id)
        if parts is None:
            parts = self._per_rule[r.id] = _RuleParts(self, r)
        return parts

    def mask(self, fired: Iterable[Rule]) -> int:
        """The bit mask of `fired`: bit i for rule i of the view (what `fire_on` returns)."""
        bits = self._bits
        return sum([bits[r.id] for r in fired])

    def rules(self, mask: int) -> tuple[Rule, ...]:
        """The rules of a bit mask, in evaluation order."""
        rules = self.program.rules
        out = []
        while mask:
            low = mask & -mask
            out.append(rules[low.bit_length() - 1])
            mask ^= low
        return tuple(out)

    def body(self, seen: Reads, mask: int) -> _Body:
        """What a decision takes from the rules fired and the derivations.

        All but the ranks, the relation, the opportunity and the date; one per distinct body,
        shared.
        """
        k = (mask, seen.exceeds_grid, seen.derived_opportunity, seen.with_opportunity)
        body = self._bodies.get(k)
        if body is None:
            part = self._fired(mask)
            derived = self._derivations(seen)
            basis = self._basis(mask, part, derived)
            notices = part.notices
            if seen.opportunity_unknown:
                assert seen.with_opportunity is not None, "Reads not completed"
                alt = self._fired(seen.with_opportunity)
                same = _same_answer(part, alt)
                derived = (unknown_opportunity_step(self.program, same), *derived)
                if not same:
                    notice = unknown_opportunity_notice(part, alt)  # without, with
                    notices = (*notices, notice)
                    have = {c.id for c in basis}
                    basis = basis + tuple(
                        self._citation(sid, section)
                        for sid, section in alt.cited
                        if sid in notice.basis and sid not in have
                    )
            template = {
                "action": part.action,
                "duties": part.duties,
                "methods": part.methods,
                "basis": basis,
                "trace": derived + part.steps if derived else part.steps,
                "ruleset": self.ref,
                "facts": part.facts,
                "actor_rank": None,
                "observer_rank": None,
                "relation": None,
                "realistic_opportunity": None,
                "supervisor_above": None,
                "notices": notices,
                "reports": part.reports,
                "as_of": None,
            }
            memo = None if self._json is None else JsonMemo(self._json)
            body = self._bodies.setdefault(k, _Body(template, part.supervisor, memo))
        return body

    def fields(
        self,
        seen: Reads,
        ranks: tuple[Rank, Rank],
        fired: tuple[Rule, ...] | int,
        as_of: dt.date | None,
    ) -> dict[str, Any]:
        """Every field of the decision for `ranks` (actor, observer).

        Given what it reads and the rules fired (or their bit mask).
        """
        body = self.body(seen, fired if isinstance(fired, int) else self.mask(fired))
        return body.fields(seen, ranks, as_of)

    def build(self, row: Row, fired: tuple[Rule, ...], as_of: dt.date | None) -> Decision:
        """The decision for `row` given the rules that fired for it, validated."""
        ranks = (row["actor.rank"], row["observer.rank"])
        return Decision(**self.fields(self.complete(reads(row), row), ranks, fired, as_of))


_DUTIES = tuple(Duty)
_METHODS = tuple(Method)
_ACTIONS = tuple(Action)


class _Body:
    """The part of a decision that the rules fired and the derivations decide, and its JSON.

    Every decision with this body has the same JSON head and tail (`JsonMemo`), so the memo
    is kept here, once per body.
    """

    __slots__ = ("memo", "supervisor", "template")

    def __init__(self, template: dict[str, Any], supervisor: bool, memo: JsonMemo | None):
        self.template = template
        self.supervisor = supervisor
        self.memo = memo

    def fields(
        self, seen: Reads, ranks: tuple[Rank, Rank], as_of: dt.date | None
    ) -> dict[str, Any]:
        """Every field of the decision (in the model's order, as the template keeps it)."""
        out = self.template.copy()
        out["actor_rank"] = ranks[0]
        out["observer_rank"] = ranks[1]
        out["relation"] = seen.relation
        out["realistic_opportunity"] = seen.has_opportunity
        out["supervisor_above"] = ranks[0] if self.supervisor else None
        out["as_of"] = as_of
        return out


class _RuleParts:
    """What one rule brings to a decision, whatever else fired with it."""

    __slots__ = ("action", "cited", "duties", "facts", "methods", "reports", "step", "unseen")

    def __init__(self, merger: Merger, r: Rule) -> None:
        self.action = -1 if r.action is None else r.action.position
        """The action's position on the ladder, -1 when the rule concludes none."""
        self.step = merger._step(r)
        self.duties = frozenset(r.duties)
        self.methods = frozenset(r.methods)
        self.facts = frozenset(r.facts)
        self.reports = merger._reports_of(r)
        # one citation per (source, section): a rule may pin the section it relies on
        pinned = dict(r.sections)
        self.cited = {
            (sid, pinned.get(sid)): merger._citation(sid, pinned.get(sid)) for sid in r.basis
        }
        """Each (source, section) the rule cites, with its citation."""
        self.unseen = frozenset(_denied(r.when)) & merger.unseen
        """The facts the rule requires false that no rule in force can conclude."""


class _Fired:
    """What a decision takes from the rules that fired alone (the row adds derived steps)."""

    __slots__ = (
        "action",
        "basis",
        "cited",
        "duties",
        "facts",
        "methods",
        "notices",
        "reports",
        "steps",
        "supervisor",
    )

    def __init__(self, merger: Merger, fired: tuple[Rule, ...]) -> None:
        per_rule = [merger._rule(r) for r in fired]
        level = max([p.action for p in per_rule], default=-1)
        action = _ACTIONS[level] if level >= 0 else Action.NONE
        duty_set = frozenset().union(*[p.duties for p in per_rule])
        method_set = frozenset().union(*[p.methods for p in per_rule])
        fact_set = frozenset().union(*[p.facts for p in per_rule])
        self.action = action
        self.duties = tuple([d for d in _DUTIES if d in duty_set])
        self.methods = tuple([m for m in _METHODS if m in method_set])
        self.facts = tuple(f for f in merger.program.facts if f in fact_set)
        self.supervisor = Duty.REQUEST_SUPERVISOR in duty_set
        self.steps = tuple([p.step for p in per_rule])
        # policy assurances go with a duty; caveats of the sources (not clearly established,
        # guidance only, silent) with what they qualify; a period of force in doubt with every
        # decision
        unseen = frozenset().union(*[p.unseen for p in per_rule])
        standing = caveats(merger, fired, action, self.duties, unseen)
        self.notices = (
            (merger.notices if action > Action.NONE else ()) + standing + merger.period_notices
        )
        cited: dict[tuple[str, str | None], Citation] = {}
        for p in per_rule:
            cited.update(p.cited)
        for n in self.notices:
            for sid in n.basis:
                if (sid, None) not in cited:
                    cited[(sid, None)] = merger._citation(sid, None)
        self.cited = tuple(cited)
        self.basis = tuple(cited.values())
        dues = [due for p in per_rule for due in p.reports]
        if len(dues) > 1:
            dues.sort(key=lambda due: (iso_seconds(due.within), due.to))
        self.reports = tuple(dues)


GUIDANCE_ACTION = "guidance_only.action"
"""Notice id: the action rests only on guidance that binds no one (not a legal duty)."""
GUIDANCE_DUTIES = "guidance_only.duties"
"""Notice id: some duties rest only on guidance that binds no one."""
NOT_CLEARLY_ESTABLISHED = "not_clearly_established"
"""Notice id: the duty to intervene rests on no holding of the circuit (or the Supreme Court)
in force on the decision's date."""
NO_SOURCE_IN_FORCE = "no_source_in_force"
"""Notice id: no rule decided the action, and some that could are not in force on the date."""
FACTS_NOT_IN_FORCE = "facts_not_in_force"
"""Notice id: a rule that fired read a fact whose deciding rules are all out of force."""
CAVEATS = (
    GUIDANCE_ACTION,
    GUIDANCE_DUTIES,
    NOT_CLEARLY_ESTABLISHED,
    NO_SOURCE_IN_FORCE,
    FACTS_NOT_IN_FORCE,
)
"""The ids of the notices the merge adds from what the rules fired rest on (see `caveats`)."""


def _names(sources: Any, ids: Iterable[str]) -> str:
    return "; ".join(cited_name(sources[i]) for i in dict.fromkeys(ids))


def _denied(cond: Cond) -> set[str]:
    """The facts a condition requires to be false (`fact.x: false`, `fact.x: {ne: true}`)."""
    if isinstance(cond, Test):
        name = cond.field
        if name.startswith("fact.") and (
            (cond.op is Op.EQ and cond.value is False) or (cond.op is Op.NE and cond.value is True)
        ):
            return {name[len("fact.") :]}
        return set()
    return {f for c in cond.items for f in _denied(c)}


def caveats(
    merger: Merger,
    fired: tuple[Rule, ...],
    action: Action,
    duties: tuple[Duty, ...],
    unseen: frozenset[str],
) -> tuple[Notice, ...]:
    """The notices saying what a decision's conclusions rest on, where that limits them.

    - `guidance_only.action` / `.duties`: the action (or some duties) are concluded only by
      rules every source of which, on the date, is guidance that binds no one: what the
      guidance expects, not a legal duty. When no binding rule concludes any action, a duty
      concluded by a rule that reads the action (e.g. "regardless of rank" once the action
      is intervene) follows from guidance too, whatever that rule cites.
    - `not_clearly_established`: the action is at least `intervene`, and the fired rules that
      conclude such an action and cite appellate holdings rest, on the date, on no holding of
      the ruleset's circuit or of the Supreme Court (on no holding at all, where the ruleset
      states no circuit): the right may not have been clearly established there then.
    - `no_source_in_force`: no rule concluded an action, and rules of the ruleset that
      conclude one are not in force on the date (they rest only on later sources): the
      action `none` then says that the cited sources are silent on that date, not that the
      conduct was lawful.
    - `facts_not_in_force`: a rule that fired required a fact to be false (e.g.
      `fact.excessive_force: false`) that no rule in force on the date can conclude: the
      fact counted as not shown, which is not the same as shown false.
    """
    standing = merger.standing
    if not standing:
        return ()
    sources = merger.sources
    out: list[Notice] = []
    if merger.dropped and all(r.action is None for r in fired):
        out.append(
            Notice(
                id=NO_SOURCE_IN_FORCE,
                text="No rule of this ruleset that decides the action rests on a source in "
                "force on this date (the ones that could rest only on later decisions or "
                "sources, or on none in force any more): 'none' here means that the sources "
                "cited are silent for this date, not that the conduct was lawful.",
            )
        )
    if unseen:
        out.append(
            Notice(
                id=FACTS_NOT_IN_FORCE,
                text="Every rule of this ruleset that decides "
                + ", ".join(f.replace("_", " ") for f in sorted(unseen))
                + " rests only on sources not in force on this date: the rules that fired "
                "counted this as not shown, which does not mean it did not happen.",
            )
        )
    guide = [r for r in fired if standing[r.id].guidance_only]
    bound = max(
        (r.action for r in fired if r.action is not None and not standing[r.id].guidance_only),
        default=Action.NONE,
    )
    if action > Action.NONE and bound < action:
        by = [b for r in guide if r.action is not None and r.action > bound for b in r.basis]
        then = (
            f" The binding sources cited here require: {words.ACTION[bound]}."
            if bound > Action.NONE
            else " No binding source cited here requires any action."
        )
        out.append(
            Notice(
                id=GUIDANCE_ACTION,
                text=f"Not a legal duty: the action '{words.ACTION[action]}' rests only on "
                f"{_names(sources, by)}, which binds no one. It is what that guidance "
                f"expects of officers, not what the law requires.{then}",
                basis=tuple(dict.fromkeys(by)),
            )
        )
    # with no action concluded by a binding rule, the conclusions of rules that read the
    # action (`action: {gte: intervene}`) are drawn from guidance too
    derived = bound == Action.NONE < action
    loose = {
        r.id for r in fired if standing[r.id].guidance_only or (derived and "action" in r.reads)
    }
    only = [
        d
        for d in duties
        if all(r.id in loose for r in fired if d in r.duties) and any(d in r.duties for r in fired)
    ]
    if only:
        by = [
            b
            for r in fired
            if r.id in loose and set(r.duties) & set(only)
            for b in r.basis
            if not sources[b].kind.binding
        ] or [b for r in guide for b in r.basis]
        out.append(
            Notice(
                id=GUIDANCE_DUTIES,
                text=f"Not a legal duty: {', '.join(words.DUTY[d] for d in only)} "
                + (
                    "follow(s) from that expected action or rest(s) on guidance alone ("
                    if derived
                    else "rest(s) only on guidance ("
                )
                + f"{_names(sources, by)}), which binds no one; it is what that guidance "
                "expects of officers, not what the law requires.",
                basis=tuple(dict.fromkeys(by)),
            )
        )
    if action >= Action.INTERVENE:
        judged = [
            standing[r.id]
            for r in fired
            if r.action is not None
            and r.action >= Action.INTERVENE
            and standing[r.id].cites_holdings
        ]
        if judged and not any(s.established for s in judged):
            held = [h for s in judged for h in s.holdings]
            circuit = merger.circuit
            if not held:
                text = (
                    "None of the court decisions that the rules concluding this duty to "
                    "intervene cite had been decided by this date"
                )
                basis = tuple(dict.fromkeys(b for r in fired for b in r.basis))
            else:
                courts = sorted({circuit_name(sources[h].circuit or "") for h in held})
                assert circuit is not None  # with no circuit, any holding establishes
                text = (
                    "The holdings that the rules concluding this duty to intervene rest on, "
                    f"on this date, are all of other circuits ({', '.join(courts)}): "
                    f"{_names(sources, held)}. None is of the {circuit_name(circuit)} or of "
                    "the Supreme Court"
                )
                basis = tuple(dict.fromkeys(held))
            where = f" in the {circuit_name(circuit)}" if circuit else ""
            out.append(
                Notice(
                    id=NOT_CLEARLY_ESTABLISHED,
                    text=f"{text}, so the right to an officer's intervention may not have "
                    f"been clearly established{where} at that time (the question qualified "
                    "immunity asks). Duties that statutes or policies cited here impose are "
                    "not affected.",
                    basis=basis,
                )
            )
    return tuple(out)


class Budget:
    """What the caches of one ruleset may still hold: shared decisions, stamped decisions, JSON.

    Counted down as entries are kept (approximately under races, never without bound); when a
    count is spent, results are still correct, only computed again.
    """

    __slots__ = ("__weakref__", "json", "shared", "stamped")

    def __init__(self, shared: int, stamped: int, json_bytes: int) -> None:
        self.shared = shared
        self.stamped = stamped
        self.json = [json_bytes]


class Shared:
    """One decision's rank- and date-free part, shared by every situation that leads to it.

    The final `Decision` for a rank pair is kept per pair (lazily, 64 slots) for the last date
    asked, while the budget allows.
    """

    __slots__ = ("base", "budget", "memo", "supervisor", "variants")

    def __init__(
        self, fields: dict[str, Any], budget: Budget, memo: JsonMemo | None = None
    ) -> None:
        self.memo = memo if memo is not None else JsonMemo(budget.json)
        self.base = fields
        """Every field of the decision but `disclaimer` (valid values: see `Decision._variant`)."""
        self.budget = budget
        self.supervisor = fields["supervisor_above"] is not None
        self.variants: list[Decision | None] | None = None

    def decision(self, actor: Rank, observer: Rank, as_of: dt.date | None) -> Decision:
        """The decision for this rank pair on `as_of`."""
        i = actor._idx * 8 + observer._idx
        variants = self.variants
        d = None if variants is None else variants[i]
        if d is None or d.as_of != as_of:
            d = Decision._variant(
                self.base,
                actor,
                observer,
                actor if self.supervisor else None,
                as_of,
                self.memo,
            )
            if variants is not None and variants[i] is not None:
                variants[i] = d  # a new date for a kept pair
            elif self.budget.stamped > 0:
                self.budget.stamped -= 1
                if variants is None:
                    variants = self.variants = [None] * 64
                variants[i] = d
        return d


def cite_rank_titles(view: PeriodView, d: Decision, s: Situation) -> Decision:
    """`d` with the sources of the rank titles `s` was written with, and a step saying so.

    A title is mapped to its rung while the situation is validated, so the decision table
    (keyed by rungs) never sees it; this adds, after the shared decision is made and only
    when a title was used, a `derive` step naming each title, its rung and the ruleset's
    note on its placement, and the title's sources (with their verification status) to
    the basis.
    """
    program = view.program
    titles = rank_titles(s)
    if not titles:
        return d
    parts: list[str] = []
    sids: dict[str, None] = {}
    concludes: list[str] = []
    for role, title in titles:
        rung = program.rank_aliases[title]
        # only sources in force on the decision's date are cited
        basis = tuple(sid for sid in program.alias_basis.get(title, ()) if sid in view.sources)
        sids.update(dict.fromkeys(basis))
        note = program.alias_notes.get(title)
        cited = ", ".join(
            sid
            if view.sources[sid].verification is Verification.VERIFIED
            else f"{sid}, {view.sources[sid].verification.value.replace('_', ' ')}"
            for sid in basis
        )
        cited = f" ({cited})" if cited else " (the ruleset cites no source for the title)"
        parts.append(
            f"The {role}'s rank was given as the title '{title}', which this ruleset reads as "
            f"{words.RANK[rung]}{cited}" + (f": {note}" if note else ".")
        )
        concludes.append(f"{role}.rank={rung.value}")
    step = TraceStep(
        op="derive",
        rule="observer.relation",
        stage=Stage.SEE_THE_PROBLEM,
        because=" ".join(p if p.endswith(".") else p + "." for p in parts)
        + (
            " Which rung a title sits on is the ruleset's reading of the cited source."
            if sids
            else ""
        ),
        basis=tuple(sids),
        concludes=tuple(concludes),
    )
    have = {c.id for c in d.basis}
    extra = tuple(view.sources[sid] for sid in sids if sid not in have)
    return d.model_copy(update={"basis": d.basis + extra, "trace": (step, *d.trace)})
