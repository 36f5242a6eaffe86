"""The eight invariants of ARCHITECTURE.md, checked over the whole discrete input space.

Because the space is enumerated (reduced to value classes), a clean result is a proof over
the discrete fields, not a sample. Each violation carries the simplest counterexample
found: fewest misconduct items, no duration, mildest force and so on.

The checks observe the one pass of `analysis.sweep` (`InvariantChecker`), so `check` proves
them in the same walk that finds gaps and conflicts. Invariant 1 ("exactly one decision,
the same every time") compares independent computations: every point's decision is built
directly by the merge (no decision table, no cache); on a deterministic sample of points
(every point with `thorough=True`) the engine's own row, the decision table and the
table's firing cache must give that same decision, and durable_rules, where it imports,
must fire the same rules as the native evaluator (on a smaller sample; every point with
`thorough=True`, which costs hundreds of microseconds a point).
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from intervene_rules.analysis.space import (
    DISTRESS,
    DURATION,
    FORCE_TYPE,
    MISCONDUCT,
    OPPORTUNITY,
    PRIOR,
    RANKS,
    RESISTANCE,
    RESTRAINED,
    STILL_NEEDED,
    Point,
    Space,
)
from intervene_rules.analysis.sweep import (
    DEFAULT_MAX_POINTS,
    DEFAULT_MAX_SECONDS,
    INTERVENE,
    Block,
    Outcome,
    Pattern,
    Walk,
    positions,
)
from intervene_rules.engine.merge import NO_SOURCE_IN_FORCE
from intervene_rules.engine.native import Firings, compile_cond
from intervene_rules.engine.row import Row, make_row, with_conclusions
from intervene_rules.engine.table import table_for
from intervene_rules.errors import InterveneRulesError
from intervene_rules.ruleset.ir import Cond, Program, Test
from intervene_rules.ruleset.ruleset import Ruleset
from intervene_rules.situation import Situation
from intervene_rules.vocabulary import ForceType, PriorIntervention

TABLE_SAMPLE = 256
"""Points of the space (about) on which invariant 1 asks the decision table too."""
DURABLE_SAMPLE = 64
"""Points (about) on which invariant 1 asks durable_rules, where it imports."""

INVARIANTS: dict[int, str] = {
    1: "every valid situation gets exactly one decision, the same every time",
    2: "rank changes neither the action nor the duties other than request_supervisor",
    3: "more severe force, other facts equal, never lowers the required action",
    4: "less resistance, other facts equal, never lowers the required action",
    5: "force beyond verbal that is no longer needed requires at least intervene when there "
    "is a realistic opportunity",
    6: "medical distress always brings render_aid",
    7: "every conclusion beyond none cites at least one source, and every cited id resolves",
    8: "an observer junior to the actor, required to intervene, is told to request a "
    "supervisor of higher rank than the actor",
}


@dataclass
class Violation:
    """One invariant broken, with the simplest situation(s) showing it."""

    invariant: int
    message: str
    situation: Situation
    other: Situation | None = None
    count: int = 1

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "invariant": self.invariant,
            "statement": INVARIANTS[self.invariant],
            "message": self.message,
            "count": self.count,
            "situation": self.situation.model_dump(mode="json"),
            "other": self.other.model_dump(mode="json") if self.other else None,
        }

    def __str__(self) -> str:
        text = (
            f"invariant {self.invariant} ({INVARIANTS[self.invariant]}) broken in "
            f"{self.count} situation(s): {self.message}\n  simplest: "
            f"{self.situation.model_dump_json()}"
        )
        if self.other is not None:
            text += f"\n  compared with: {self.other.model_dump_json()}"
        return text


def simplicity(s: Situation) -> tuple[Any, ...]:
    """Order situations from simplest: fewer facts set, milder values."""
    return (
        len(s.misconduct),
        s.force.duration_s is not None,
        s.force.type.severity,
        s.subject.resistance.position,
        s.subject.restrained,
        s.subject.medical_distress,
        s.observer.realistic_opportunity is None,
        s.observer.prior_intervention is not PriorIntervention.NONE,
        abs(s.actor.rank.position - s.observer.rank.position),
        s.actor.rank.position,
        s.model_dump_json(),
    )


def point_simplicity(space: Space) -> Callable[[Point], tuple[Any, ...]]:
    """`simplicity` of a point's representative situation, without building it."""
    d = space.dims
    mc = [bin(m).count("1") for m in d[MISCONDUCT].values]
    dur = [v is not None for v in d[DURATION].values]
    sev = [t.severity for t in d[FORCE_TYPE].values]
    res = [r.position for r in d[RESISTANCE].values]
    restrained, distress = d[RESTRAINED].values, d[DISTRESS].values
    opp = [v is None for v in d[OPPORTUNITY].values]
    prior = [v is not PriorIntervention.NONE for v in d[PRIOR].values]
    gap = [abs(a.position - o.position) for a, o in d[RANKS].values]
    actor = [a.position for a, _ in d[RANKS].values]
    linear = space.linear

    def key(p: Point) -> tuple[Any, ...]:
        return (
            mc[p[MISCONDUCT]],
            dur[p[DURATION]],
            sev[p[FORCE_TYPE]],
            res[p[RESISTANCE]],
            restrained[p[RESTRAINED]],
            distress[p[DISTRESS]],
            opp[p[OPPORTUNITY]],
            prior[p[PRIOR]],
            gap[p[RANKS]],
            actor[p[RANKS]],
            linear(p),
        )

    return key


Excusal = Callable[[int, Row, Firings], bool]

STILL_NEEDED_FIELD = "force.still_needed"


def _reads(program: Program, name: str) -> bool:
    """Whether some rule of `program` tests the situation field `name`."""

    def tests(cond: Cond) -> bool:
        if isinstance(cond, Test):
            return cond.field == name
        return any(tests(c) for c in cond.items)

    return any(tests(r.when) for r in program.rules)


def excusal(program: Program) -> Excusal:
    """Whether a declared exception covers invariant n at a row with its firings.

    The exception's `when` is read exactly as a rule's, on the row plus the facts and the
    action the firings concluded.
    """
    declared = [(e.invariant, compile_cond(e.when)) for e in program.exceptions]

    def covered(n: int, row: Row, fired: Firings) -> bool:
        preds = [p for inv, p in declared if inv == n]
        if not preds:
            return False
        concluded = with_conclusions(row, fired)
        return any(p(concluded) for p in preds)

    return covered


def excuses(ruleset: Ruleset) -> Callable[[int, Situation], bool]:
    """Whether a declared exception of `ruleset` covers invariant n at situation s."""
    covered = excusal(ruleset.program)
    if not ruleset.program.exceptions:
        return lambda n, s: False

    def at(n: int, s: Situation) -> bool:
        row = make_row(ruleset.program, s)
        return covered(n, row, table_for(ruleset).native.fire(row))

    return at


Message = tuple[Callable[..., str], tuple[Any, ...]]
"""A violation's message, formatted only for the counterexample finally shown."""
_Item = tuple[int, Message, int | None]
"""A violation in a block: inner index, message, inner index of the point compared with."""


@dataclass
class _Found:
    count: int
    key: tuple[Any, ...]
    point: Point
    other: Point | None
    message: Message


def _stride(size: int, wanted: int, block: int) -> int:
    """A sampling step giving about `wanted` points that visits every inner position."""
    step = max(1, size // max(wanted, 1))
    while step > 1 and math.gcd(step, block) != 1:
        step += 1
    return step


def _durable(ruleset: Ruleset) -> Any:
    """The durable_rules evaluator of `ruleset`, or None where it cannot run."""
    try:
        from intervene_rules.engine.evaluator import evaluator_for

        return evaluator_for("durable", ruleset.period(ruleset.as_of or dt.date.today()))
    except (InterveneRulesError, ImportError):
        return None


def _ranks_differ(fo: Outcome, o: Outcome) -> str:
    fd, d = fo.decision, o.decision
    assert fd is not None and d is not None
    return (
        f"{fd.action.value}/{sorted(fd.duties)} vs {d.action.value}/{sorted(d.duties)} "
        "for different ranks"
    )


def _worse(this: Any, at_this: Outcome, what: str, that: Any, at_that: Outcome) -> str:
    d2, d1 = at_this.decision, at_that.decision
    assert d2 is not None and d1 is not None
    return (
        f"{this.value} gives {d2.action.value} but the {what} {that.value} gives {d1.action.value}"
    )


def _text(text: str) -> str:
    return text


class InvariantChecker:
    """Observes the walk (ruleset 0 of it) and collects violations of the eight invariants."""

    def __init__(self, walk: Walk, *, thorough: bool = False) -> None:
        self.side = side = walk.sides[0]
        self.ruleset = side.ruleset
        self.table = table_for(side.ruleset)
        space = walk.space
        self.key = point_simplicity(space)
        self.covered = excusal(self.ruleset.program)
        self.exempt = {e.invariant for e in self.ruleset.program.exceptions}
        # on a date before every rule reading whether force is still needed is in force
        # (they rest only on later sources), the ruleset cannot tell: invariant 5 waits
        self.blind_to_need = _reads(self.ruleset.undated().program, STILL_NEEDED_FIELD) and (
            not _reads(self.ruleset.program, STILL_NEEDED_FIELD)
        )
        self.found: dict[int, _Found] = {}
        self.excused_count: dict[int, int] = {}
        d = space.dims
        self.needed = d[STILL_NEEDED].values
        self.distress = d[DISTRESS].values
        self.types: tuple[ForceType, ...] = d[FORCE_TYPE].values
        self.beyond_verbal = [t not in (ForceType.NONE, ForceType.VERBAL) for t in self.types]
        self.resistances = d[RESISTANCE].values
        sev = [t.severity for t in self.types]
        self.sev = sev
        self.levels = [[t for t in range(len(sev)) if sev[t] == lvl] for lvl in sorted(set(sev))]
        self.res_pos = [r.position for r in self.resistances]
        self.res_order = sorted(range(len(self.res_pos)), key=lambda s: self.res_pos[s])
        self.nr, self.nt, self.ns = (space.shape[x] for x in (RANKS, FORCE_TYPE, RESISTANCE))
        every = thorough
        self.table_step = 1 if every else _stride(space.size, TABLE_SAMPLE, walk.block_size)
        self.durable_step = 1 if every else _stride(space.size, DURABLE_SAMPLE, walk.block_size)
        self._durable: Any = None
        self._durable_tried = False
        self.compared: dict[tuple[int, int], bool] = {}
        self._token = object()
        gap = [abs(a.position - o.position) for a, o in d[RANKS].values]
        actor = [a.position for a, _ in d[RANKS].values]
        self.inner_key = [
            (
                sev[walk.t_of[j]],
                self.res_pos[walk.s_of[j]],
                gap[walk.r_of[j]],
                actor[walk.r_of[j]],
                walk.offsets[j],
            )
            for j in range(walk.block_size)
        ]

    # --- recording -------------------------------------------------------------------

    def add(
        self,
        walk: Walk,
        n: int,
        b: Block,
        j: int,
        message: Message,
        other: int | None = None,
        count: int = 1,
    ) -> None:
        """Record `count` violations of invariant `n`, the simplest at inner index `j`."""
        p = walk.point(b, j)
        key = self.key(p)
        found = self.found.get(n)
        q = walk.point(b, other) if other is not None else None
        if found is None:
            self.found[n] = _Found(count, key, p, q, message)
            return
        found.count += count
        if key < found.key:
            found.key, found.point, found.other, found.message = key, p, q, message

    def _record(self, walk: Walk, b: Block, n: int, items: list[_Item]) -> None:
        if n in self.exempt:  # a declared exception may cover some points: ask each one
            outs = b.sides[0].outs
            kept = []
            for item in items:
                row = self.side.rows.at(walk.point(b, item[0]))
                if self.covered(n, row, outs[item[0]].fired):
                    self.excused_count[n] = self.excused_count.get(n, 0) + 1
                else:
                    kept.append(item)
            items = kept
            if not items:
                return
        # inside one block the outer axes are equal: the simplest point is the one with the
        # simplest inner values
        j, message, other = min(items, key=lambda it: self.inner_key[it[0]])
        self.add(walk, n, b, j, message, other, count=len(items))

    # --- the walk ----------------------------------------------------------------------

    def block(self, walk: Walk, b: Block) -> None:
        """Check every invariant on one block."""
        pattern = b.sides[0]
        needed = self.needed[b.outer[STILL_NEEDED]]
        distress = self.distress[b.outer[DISTRESS]]
        key = (self._token, needed, distress)
        found: dict[int, list[_Item]] | None = pattern.cache.get(key)
        if found is None:
            found = pattern.cache[key] = {}
            self._pointwise(walk, pattern, needed, distress, found)
            self._ranks(pattern.outs, found)
            self._force(pattern.outs, found)
            self._resistance(pattern.outs, found)
        for n in sorted(found):
            self._record(walk, b, n, found[n])
        self._independent(walk, b)

    def _pointwise(
        self,
        walk: Walk,
        pattern: Pattern,
        needed: bool,
        distress: bool,
        found: dict[int, list[_Item]],
    ) -> None:
        for o, js in positions(pattern).items():
            d = o.decision
            if o.error is not None:
                found.setdefault(1, []).extend(
                    (j, (_text, (f"no decision: {o.error}",)), None) for j in js
                )
                continue
            assert d is not None
            # a decision that says no source in force decides the action (every rule that
            # could rests on later law) does not claim that the force may go on
            silent = self.blind_to_need or any(n.id == NO_SOURCE_IN_FORCE for n in d.notices)
            if not needed and o.opportunity and o.act < INTERVENE and not silent:
                message = (_text, (f"action is {d.action.value}",))
                hits = [(j, message, None) for j in js if self.beyond_verbal[walk.t_of[j]]]
                if hits:
                    found.setdefault(5, []).extend(hits)
            if distress and not o.render_aid:
                found.setdefault(6, []).extend(
                    (j, (_text, ("no render_aid duty",)), None) for j in js
                )
            for text in o.uncited:
                found.setdefault(7, []).extend((j, (_text, (text,)), None) for j in js)
            if o.junior_unsupervised:
                message = (_text, ("no request for a supervisor above the actor",))
                found.setdefault(8, []).extend((j, message, None) for j in js)

    def _ranks(self, outs: list[Outcome], found: dict[int, list[_Item]]) -> None:
        """2: for each force type and resistance, every rank pair as the first one."""
        rf = [o.rank_free for o in outs]
        span = self.nt * self.ns
        if rf[:span] * self.nr == rf:
            return
        items = found.setdefault(2, [])
        for j0 in range(span):
            first = rf[j0]
            for r in range(1, self.nr):
                j = j0 + r * span
                if rf[j] != first:
                    items.append((j, (_ranks_differ, (outs[j0], outs[j])), j0))

    def _force(self, outs: list[Outcome], found: dict[int, list[_Item]]) -> None:
        """3: for each rank pair and resistance, the action never falls as force worsens."""
        nt, ns, sev = self.nt, self.ns, self.sev
        acts = [o.act for o in outs]
        for r in range(self.nr):
            for s in range(ns):
                js = [(r * nt + t) * ns + s for t in range(nt)]
                a = [acts[j] for j in js]
                top = -1
                ok = True
                for level in self.levels:
                    vals = [a[t] for t in level]
                    if min(vals) < top:
                        ok = False
                        break
                    top = max(top, *vals)
                if ok:
                    continue
                items = found.setdefault(3, [])
                for t1 in range(nt):
                    for t2 in range(nt):
                        if sev[t2] > sev[t1] and a[t2] < a[t1]:
                            args = (self.types[t2], outs[js[t2]], "milder", self.types[t1])
                            items.append((js[t2], (_worse, (*args, outs[js[t1]])), js[t1]))

    def _resistance(self, outs: list[Outcome], found: dict[int, list[_Item]]) -> None:
        """4: for each rank pair and force type, less resistance never lowers the action."""
        ns, pos, order = self.ns, self.res_pos, self.res_order
        acts = [o.act for o in outs]
        for g in range(0, len(outs), ns):
            a = acts[g : g + ns]
            ordered = [a[s] for s in order]
            if all(x >= y for x, y in itertools.pairwise(ordered)):
                continue
            items = found.setdefault(4, [])
            for s1 in range(ns):
                for s2 in range(ns):
                    if pos[s2] < pos[s1] and a[s2] < a[s1]:
                        args = (
                            self.resistances[s2],
                            outs[g + s2],
                            "stronger",
                            self.resistances[s1],
                        )
                        items.append((g + s2, (_worse, (*args, outs[g + s1])), g + s1))

    def _independent(self, walk: Walk, b: Block) -> None:
        """1: the decision table, its firing cache and durable_rules agree, on a sample."""
        size = walk.block_size
        step = self.table_step
        for j in range((-b.start) % step, size, step):
            self._compare(walk, b, j, durable=(b.start + j) % self.durable_step == 0)
        dstep = self.durable_step
        if dstep != step:
            for j in range((-b.start) % dstep, size, dstep):
                if (b.start + j) % step:
                    self._compare(walk, b, j, durable=True, table=False)

    def _compare(self, walk: Walk, b: Block, j: int, *, durable: bool, table: bool = True) -> None:
        o = b.sides[0].outs[j]
        if o.decision is None:
            return  # reported as "no decision"
        rs, p = self.ruleset, walk.point(b, j)
        s = walk.space.situation(p)
        row = make_row(rs.program, s)
        problems: list[str] = []
        if table:
            if row != self.side.rows.at(p):
                problems.append("the analysis's row differs from the engine's row")
            for how, d in (
                ("the decision table", self.table.decide(s)),
                ("the decision table's firing cache", self.table.from_firings(row, o.fired)),
            ):
                pair = (id(d), id(o.decision))
                same = self.compared.get(pair)
                if same is None:
                    same = self.compared[pair] = d == o.decision
                if not same:
                    problems.append(
                        f"{how} gives {d.action.value}/{[x.value for x in d.duties]}, a direct "
                        f"evaluation {o.decision.action.value}/"
                        f"{[x.value for x in o.decision.duties]}"
                        if (d.action, d.duties) != (o.decision.action, o.decision.duties)
                        else f"{how} gives a decision that differs from a direct evaluation "
                        "(basis, trace or facts)"
                    )
        if durable:
            if not self._durable_tried:
                self._durable_tried = True
                self._durable = _durable(rs)
            if self._durable is not None:
                native = [r.id for r in o.fired]
                try:
                    other = [r.id for r in self._durable.fire(row)]
                except InterveneRulesError as exc:
                    problems.append(f"durable_rules failed: {exc}")
                else:
                    if other != native:
                        problems.append(f"durable_rules fires {other}, native fires {native}")
        for text in problems:
            self.add(walk, 1, b, j, (_text, (text,)))

    def violations(self, space: Space) -> list[Violation]:
        """The violations found, each with its simplest counterexample, by invariant."""
        out = []
        for n in sorted(self.found):
            f = self.found[n]
            fn, args = f.message
            out.append(
                Violation(
                    n,
                    fn(*args),
                    space.situation(f.point),
                    space.situation(f.other) if f.other is not None else None,
                    f.count,
                )
            )
        return out


def check_invariants(
    ruleset: Ruleset,
    *,
    progress: Callable[[int, int], None] | None = None,
    max_points: int | None = DEFAULT_MAX_POINTS,
    max_seconds: float | None = DEFAULT_MAX_SECONDS,
    thorough: bool = False,
) -> list[Violation]:
    """Check all eight invariants over the whole reduced space; [] means they all hold.

    `thorough` compares the decision table and durable_rules with the direct evaluation
    on every point instead of a sample (see the module docstring).

    Raises:
        AnalysisBudgetError: the space is larger than `max_points`.

    """
    walk = Walk([ruleset], max_points=max_points, max_seconds=max_seconds)
    checker = InvariantChecker(walk, thorough=thorough)
    walk.run([checker], progress)
    return checker.violations(walk.space)


__all__ = [
    "INVARIANTS",
    "InvariantChecker",
    "Violation",
    "check_invariants",
    "excuses",
    "point_simplicity",
    "simplicity",
]


def invariant_periods(ruleset: Ruleset, *, besides: dt.date | None = None) -> list[dt.date]:
    """One day of each legal period that the invariants can tell apart, sorted.

    The invariants read a decision's action, duties, methods, reports, ranks and supervisor,
    whether it cites something and whether it says no source decides. All of these follow
    from the rules in force (a rule's conditions and conclusions never change with the date:
    only what it cites and the reason shown do), the force grid, the opportunity setting,
    the exceptions and rank titles in force, and whether the grid and the opportunity setting
    cite anything. Periods that differ only in what is cited (a case decided, a source that
    took effect beside others) give the same verdict, so each such group is checked once:
    exact, and far fewer sweeps than one per period. `besides`: leave out the group of that
    day (one checked already, e.g. today's by `intervene check`).
    """
    base = ruleset.undated()

    def key(day: dt.date) -> tuple[Any, ...]:
        p = base.period(day).program
        return (
            tuple(r.id for r in p.rules),
            repr(sorted(p.force_grid.items())),
            p.opportunity.min_duration_s,
            bool(p.grid_basis),
            bool(p.opportunity.basis),
            tuple((e.layer, e.invariant, repr(e.when)) for e in p.exceptions),
            tuple(sorted(p.rank_aliases.items())),
        )

    first: dict[tuple[Any, ...], dt.date] = {}
    for day in sorted({dt.date.min, *base.periods(), dt.date.today()}):
        first.setdefault(key(day), day)
    if besides is not None:
        first.pop(key(besides), None)
    return sorted(first.values())
