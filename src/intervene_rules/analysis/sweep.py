"""One pass over the reduced space: every point decided once, observed by every check.

Analysis stage. The space is walked in blocks: for each combination of the *outer* axes,
one block holds every rank pair × force type × resistance, the three axes the
invariants compare (rank independence, monotone in force, monotone in resistance), so
each comparison group lies inside one block and memory stays bounded by a block.

No pydantic object is built per point. A row is updated in place, axis by axis, from
tables of row fragments that the engine's own `make_row` produced (so the derived fields
are the engine's); the native evaluator fires on it; the decision is built directly with
`Merger.build` once per distinct firing and per distinct value of the row fields the
merge actually read (recorded while it builds: a new read in the merge is keyed
automatically, it cannot go stale). Checks see each point as an `Outcome`: the decision
and a few small precomputed facts about it.

Before walking, the size of the space and the expected time are known; over the budget
the walk refuses with `AnalysisBudgetError` instead of running for hours.
"""

from __future__ import annotations

import datetime as dt
import itertools
import operator
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

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
from intervene_rules.decision import Decision
from intervene_rules.engine.classes import RANK_FIELDS, tests_of
from intervene_rules.engine.merge import READ_FIELDS, Merger, Reads, reads_of
from intervene_rules.engine.native import Firings
from intervene_rules.engine.row import Row, make_row
from intervene_rules.engine.table import table_for
from intervene_rules.errors import AnalysisBudgetError, Issue
from intervene_rules.location import SourceLocation
from intervene_rules.ruleset.ruleset import Ruleset
from intervene_rules.vocabulary import Action, Duty, Relation, Stage

INNER = (RANKS, FORCE_TYPE, RESISTANCE)
"""The axes inside a block, outermost first; every other axis is outer."""
OUTER = tuple(d for d in range(10) if d not in INNER)
CELLS = (OPPORTUNITY, DURATION, FORCE_TYPE, RESISTANCE)
"""The factor of the inner cells: stated opportunity, duration, force type and resistance,
with the derived has_opportunity (from the first three) and force.exceeds_grid (the last
two). Its first two axes are outer: a block's cells are those of its outer values."""
FACTORS: tuple[tuple[int, ...], ...] = (
    (RANKS,),  # actor.rank, observer.rank and the derived observer.relation
    CELLS,  # see above
    (PRIOR,),
    (STILL_NEEDED,),
    (RESTRAINED,),
    (DISTRESS,),
    (MISCONDUCT,),
)
"""Axes whose row fields interact through a derived field are one factor; a row is the
union of one fragment per factor (checked when the tables are built, and on a sample of
points against `make_row` by invariant 1)."""

DEFAULT_MAX_POINTS = 5_000_000
"""Bounds memory: findings mark points in byte masks of the space's size."""
DEFAULT_MAX_SECONDS = 30.0
"""Bounds time: a walk expected to take longer is refused (a pre-commit hook must not hang)."""
SECONDS_PER_POINT_AND_RULE = 2e-7
"""Measured on the 2-core CI machines: a point costs about this per rule (firing and
merging scale with the rules; washington, 300,000 points x 17 rules: about 1 s)."""

ACTIONS = tuple(Action)
INTERVENE = ACTIONS.index(Action.INTERVENE)


def expected_seconds(space: Space, rulesets: Sequence[Ruleset]) -> float:
    """About how long one walk of `space` for `rulesets` takes on one core."""
    rules = sum(len(rs.program.rules) + 1 for rs in rulesets)
    return space.size * rules * SECONDS_PER_POINT_AND_RULE


def check_budget(
    space: Space,
    rulesets: Sequence[Ruleset],
    max_points: int | None,
    max_seconds: float | None = DEFAULT_MAX_SECONDS,
) -> None:
    """Refuse, before walking, a space over `max_points` or expected over `max_seconds`.

    None lifts either limit.

    Raises:
        AnalysisBudgetError: with the size, how it comes about, the time expected and how
            to raise the budget.

    """
    seconds = expected_seconds(space, rulesets)
    over_points = max_points is not None and space.size > max_points
    over_time = max_seconds is not None and seconds > max_seconds
    if not (over_points or over_time):
        return
    top = rulesets[-1]
    loc = SourceLocation(top.files[-1] if top.files else top.id, 1, 1)
    limit = (
        f"the budget of {max_points:,} situations"
        if over_points
        else f"the budget of {max_seconds:,.0f} s"
    )
    raise AnalysisBudgetError(
        Issue(
            "analysis_too_large",
            f"the reduced input space of {top.id!r} has {space.size:,} situations "
            f"({space.product()}); with {sum(len(rs.program.rules) for rs in rulesets)} "
            f"rule(s) that is about {seconds:,.0f} s of analysis, over {limit}",
            loc,
            help="raise the budget (`max_points=` / `max_seconds=` in Python, None for no "
            "limit; `--max-points N` / `--max-seconds S` on the command line), or use fewer "
            "distinct force.duration_s thresholds and misconduct groups: each one multiplies "
            "the space",
            severity="error",
            ctx={
                "situations": space.size,
                "seconds": round(seconds, 1),
                "max_points": max_points,
                "max_seconds": max_seconds,
            },
        )
    )


class _Reads(dict[str, Any]):
    """A row that records which fields were read (the merge's true inputs)."""

    def __init__(self, row: Row) -> None:
        super().__init__(row)
        self.read: set[str] = set()

    def __getitem__(self, key: str) -> Any:
        self.read.add(key)
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        """As `dict.get`, recorded."""
        self.read.add(key)
        return super().get(key, default)


@dataclass(eq=False, slots=True)
class Outcome:
    """A decided point, as checks see it: the decision and what they ask of it.

    One object per distinct decision (compared by identity); points share it.
    """

    fired: Firings
    decision: Decision | None
    error: str | None
    act: int = 0
    rank_free: tuple[int, frozenset[Duty]] = (0, frozenset())
    opportunity: bool = False
    render_aid: bool = False
    junior_unsupervised: bool = False
    uncited: tuple[str, ...] = ()
    deciding: bool = False
    conflicts: tuple[tuple[str, str], ...] = ()
    derivation_basis: tuple[str, ...] = ()

    @classmethod
    def of(
        cls, ruleset: Ruleset, merger: Merger, row: Row, fired: Firings
    ) -> tuple[Outcome, tuple[str, ...]]:
        """The outcome of `fired` at `row`, and the row fields the merge read.

        `merger` is the walk's own (not the engine's, so invariant 1 compares two
        computations); it shares the parts of decisions (steps, citations, bodies), which
        depend only on what it reads of the row, and every build reads the row afresh.
        """
        tracked = _Reads(row)
        try:
            d = merger.build(tracked, fired, ruleset.as_of)
        except Exception as exc:  # invariant 1 reports it: every situation gets a decision
            return cls(fired, None, f"{type(exc).__name__}: {exc}"), tuple(sorted(tracked.read))
        deciding = [r for r in fired if r.stage is Stage.DETERMINE_ACTION]
        quiet = [r.id for r in deciding if r.action is Action.NONE]
        loud = [r.id for r in deciding if r.action is not None and r.action > Action.NONE]
        uncited: list[str] = []
        if (d.action > Action.NONE or d.duties or d.methods) and not d.basis:
            uncited.append("a conclusion without any source")
        for step in d.trace:
            if step.op == "fire" and not step.basis:
                uncited.append(f"rule {step.rule} fired without a basis")
            uncited += [
                f"cited id {sid!r} does not resolve"
                for sid in step.basis
                if sid not in ruleset.sources
            ]
        out = cls(
            fired,
            d,
            None,
            act=ACTIONS.index(d.action),
            rank_free=(ACTIONS.index(d.action), frozenset(d.duties) - {Duty.REQUEST_SUPERVISOR}),
            opportunity=d.realistic_opportunity,
            render_aid=Duty.RENDER_AID in d.duties,
            junior_unsupervised=(
                d.relation is Relation.JUNIOR
                and d.action >= Action.INTERVENE
                and (
                    Duty.REQUEST_SUPERVISOR not in d.duties
                    or d.supervisor_above is None
                    or d.supervisor_above < d.actor_rank
                )
            ),
            uncited=tuple(uncited),
            deciding=bool(deciding),
            conflicts=tuple((q, lo) for q in quiet for lo in loud),
            derivation_basis=tuple(
                sorted({sid for t in d.trace if t.op == "derive" for sid in t.basis})
            ),
        )
        return out, tuple(sorted(tracked.read))


class Rows:
    """Rows of one program at any point, from per-factor fragments of `make_row` rows."""

    def __init__(self, ruleset: Ruleset, space: Space) -> None:
        program = ruleset.program
        origin = (0,) * len(space.dims)
        self.base: Row = make_row(program, space.situation(origin))
        self.fragments: dict[tuple[int, ...], dict[tuple[int, ...], Row]] = {}
        owner: dict[str, tuple[int, ...]] = {}
        for factor in FACTORS:
            rows: dict[tuple[int, ...], Row] = {}
            for combo in itertools.product(*(range(space.shape[d]) for d in factor)):
                p = list(origin)
                for d, v in zip(factor, combo, strict=True):
                    p[d] = v
                rows[combo] = make_row(program, space.situation(tuple(p)))
            varying = [k for k in self.base if any(r[k] != self.base[k] for r in rows.values())]
            for k in varying:
                if k in owner:  # pragma: no cover - a new derived field needs a new factor
                    raise AssertionError(
                        f"row field {k!r} varies with axes {owner[k]} and {factor}"
                    )
                owner[k] = factor
            self.fragments[factor] = {c: {k: r[k] for k in varying} for c, r in rows.items()}

    def at(self, p: Point) -> Row:
        """A fresh row for point `p`."""
        row = dict(self.base)
        for factor, table in self.fragments.items():
            row.update(table[tuple(p[d] for d in factor)])
        return row


class Side:
    """One ruleset being walked: its rows, its evaluator and its memos.

    Firings depend only on the row fields the rules test (known from the program), so
    they are memoised on those (`fire_key`). A decision depends only on the firings and on
    the ranks and the row's completed `Reads`, as for the engine's shared decisions
    (`merge.share_key`); so a decision is built once per distinct firing, `Reads` and rank
    pair.
    Each build records what it actually read: a read outside `Merger.row_reads` (a new
    read in the merge not declared there) stops the walk instead of returning stale
    outcomes.

    `lean` (the diff): one outcome per decision body instead, its decision that of the
    first point with the body; what the diff compares is all in the body.
    """

    def __init__(self, ruleset: Ruleset, space: Space, lean: bool = False) -> None:
        self.ruleset = ruleset
        self.lean = lean
        self.rows = Rows(ruleset, space)
        self.fire: Callable[[Row], Firings] = table_for(ruleset).native.fire
        self.merger = Merger(ruleset.period(ruleset.as_of or dt.date.today()), None, self.fire)
        self.tested = {t.field for r in ruleset.program.rules for t in tests_of(r.when)}
        merge_reads = self.merger.row_reads
        fields = tuple(self.rows.base)
        self.keyed = tuple(k for k in fields if k in self.tested or k in merge_reads)
        """Every row field an outcome depends on."""
        self.key: Getter = _getter(self.keyed)
        self.fire_key: Getter = _getter(tuple(k for k in fields if k in self.tested))
        self.read_key: Getter = _getter(READ_FIELDS)
        self.rank_key: Getter = _getter(RANK_FIELDS)
        self.reads: dict[Any, Reads] = {}
        self._merge_reads = frozenset(merge_reads)
        self.fired: dict[Any, tuple[tuple[int, ...], Firings]] = {}
        # (firing ids, the completed Reads, the ranks) -> outcome
        self.built: dict[tuple[Any, ...], Outcome] = {}
        self.builds = 0
        self.by_body: dict[Any, Outcome] = {}
        """Lean walks: the outcome of each decision body."""

    def outcome(self, row: Row) -> Outcome:
        """The outcome at `row` (memoised)."""
        fk = self.fire_key(row)
        hit = self.fired.get(fk)
        if hit is None:
            fired = self.fire(row)
            hit = self.fired[fk] = (tuple(map(id, fired)), fired)
        values = self.read_key(row)
        seen = self.reads.get(values)
        if seen is None:
            seen = self.reads[values] = reads_of(*values)
        if seen.opportunity_unknown:  # completing it reads more of the row
            seen = self.merger.complete(seen, row)
        k = (hit[0], seen, self.rank_key(row))
        out = self.built.get(k)
        if out is None and self.lean:
            out = self.built[k] = self._lean(row, seen, hit[1])
        elif out is None:
            out, read = Outcome.of(self.ruleset, self.merger, row, hit[1])
            self.builds += 1
            self.built[k] = out
            if not self._merge_reads.issuperset(read):  # pragma: no cover - a merge change
                raise AssertionError(
                    f"the merge read {sorted(set(read) - self._merge_reads)}, "
                    "not in Merger.row_reads: declare it there"
                )
        return out

    def _lean(self, row: Row, seen: Reads, fired: Firings) -> Outcome:
        # all a decision takes from the rules fired and the derivations is its body
        # (`Merger.body`); what the ranks, the opportunity and the date add, the diff does
        # not compare. So one outcome per body, its decision that of the first point.
        try:
            body = self.merger.body(seen, self.merger.mask(fired))
            out = self.by_body.get(body)
            if out is None:
                ranks = (row["actor.rank"], row["observer.rank"])
                d = Decision(**body.fields(seen, ranks, self.ruleset.as_of))
                out = self.by_body[body] = Outcome(fired, d, None)
                self.builds += 1
        except Exception as exc:  # as `Outcome.of`: reported, not raised
            return Outcome(fired, None, f"{type(exc).__name__}: {exc}")
        return out


Getter = Callable[[Row], Any]


def _getter(keys: tuple[str, ...]) -> Callable[[Row], Any]:
    if not keys:
        return lambda row: ()
    if len(keys) == 1:
        (k,) = keys
        return lambda row: (row[k],)
    return operator.itemgetter(*keys)


class Pattern:
    """The outcomes of one block, shared by every block with the same keyed outer values.

    The rules and the merge cannot tell such blocks apart; checks cache what they derive
    from a pattern in `cache`.
    """

    __slots__ = ("cache", "outs")

    def __init__(self, outs: list[Outcome]) -> None:
        self.outs = outs
        self.cache: dict[Any, Any] = {}


@dataclass(slots=True)
class Block:
    """The points of one combination of the outer axes, decided.

    `sides[k].outs[j]` is ruleset k's outcome at inner index j; the point's linear index
    in the space is `base + Walk.offsets[j]`.
    """

    outer: dict[int, int]
    base: int
    start: int
    sides: list[Pattern] = field(default_factory=list)


class Observer(Protocol):
    """A check fed by the walk."""

    def block(self, walk: Walk, b: Block) -> None:
        """Look at one decided block."""


MAX_PATTERNS = 4096


class Walk:
    """The one pass over `space` for `rulesets`, feeding every observer block by block."""

    def __init__(
        self,
        rulesets: Sequence[Ruleset],
        space: Space | None = None,
        *,
        max_points: int | None = DEFAULT_MAX_POINTS,
        max_seconds: float | None = DEFAULT_MAX_SECONDS,
        lean: bool = False,
    ) -> None:
        self.space = space or Space(*(rs.program for rs in rulesets))
        check_budget(self.space, rulesets, max_points, max_seconds)
        # lean: one outcome per decision body (`Side`), all the diff compares
        self.sides = [Side(rs, self.space, lean) for rs in rulesets]
        sp = self.space
        nr, nt, ns = (sp.shape[d] for d in INNER)
        self.block_size = n = nr * nt * ns
        self.r_of = [j // (nt * ns) for j in range(n)]
        self.t_of = [j // ns % nt for j in range(n)]
        self.s_of = [j % ns for j in range(n)]
        st = sp.strides
        self.offsets = [
            self.r_of[j] * st[RANKS] + self.t_of[j] * st[FORCE_TYPE] + self.s_of[j] * st[RESISTANCE]
            for j in range(n)
        ]
        self._patterns: list[dict[Any, Pattern]] = [{} for _ in self.sides]
        self._by_outs: list[dict[tuple[int, ...], Pattern]] = [{} for _ in self.sides]

    def point(self, b: Block, j: int) -> Point:
        """The point at inner index `j` of block `b`."""
        p = [0] * len(self.space.dims)
        for d, v in b.outer.items():
            p[d] = v
        p[RANKS], p[FORCE_TYPE], p[RESISTANCE] = self.r_of[j], self.t_of[j], self.s_of[j]
        return tuple(p)

    def blocks(self, progress: Callable[[int, int], None] | None = None) -> Iterator[Block]:
        """Every block, decided for every ruleset, in a fixed order."""
        sp = self.space
        total, size = sp.size, self.block_size
        start = 0
        for combo in itertools.product(*(range(sp.shape[d]) for d in OUTER)):
            outer = dict(zip(OUTER, combo, strict=True))
            b = Block(outer, sum(v * sp.strides[d] for d, v in outer.items()), start)
            for k, side in enumerate(self.sides):
                b.sides.append(self._decide(k, side, outer))
            yield b
            start += size
            if progress is not None:
                progress(start, total)

    def _decide(self, k: int, side: Side, outer: dict[int, int]) -> Pattern:
        frags = side.rows.fragments
        row = dict(side.rows.base)
        for factor, table in frags.items():
            if all(d in outer for d in factor):
                row.update(table[tuple(outer[d] for d in factor)])
        opp, du = outer[OPPORTUNITY], outer[DURATION]
        grid = frags[CELLS]
        row.update(grid[(opp, du, 0, 0)])  # the outer fields of the cells (inner ones: below)
        # a block is decided by the outer values of the keyed fields (the inner ones are
        # the same in every block)
        patterns = self._patterns[k]
        # has_opportunity of a cell depends on the outer opportunity and duration too
        block_key = (side.key(row), opp, du)
        hit = patterns.get(block_key)
        if hit is not None:
            return hit
        ranks = list(frags[(RANKS,)].values())
        nt, ns = self.space.shape[FORCE_TYPE], self.space.shape[RESISTANCE]
        cells = [grid[(opp, du, t, s)] for t in range(nt) for s in range(ns)]
        update, outcome = row.update, side.outcome
        fire_key, fired, read_key, known = side.fire_key, side.fired, side.read_key, side.reads
        built = side.built
        outs: list[Outcome] = []
        append = outs.append
        for rank in ranks:
            update(rank)
            ranks_at = side.rank_key(row)
            for cell in cells:
                update(cell)
                # `Side.outcome`'s path when everything is memoised, inlined (the hot loop)
                firing = fired.get(fire_key(row))
                seen = known.get(read_key(row))
                o = (
                    None
                    if firing is None or seen is None or seen.opportunity_unknown
                    else built.get((firing[0], seen, ranks_at))
                )
                append(outcome(row) if o is None else o)
        # blocks whose outcomes are the same objects share one pattern, and so what the
        # checks derive from it (outcomes are interned per firing, Reads and ranks)
        same = self._by_outs[k]
        sig = tuple(map(id, outs))
        pattern = same.get(sig)
        if pattern is None:
            if len(same) >= MAX_PATTERNS:
                same.clear()
            pattern = same[sig] = Pattern(outs)
        if len(patterns) >= MAX_PATTERNS:
            patterns.clear()
        patterns[block_key] = pattern
        return pattern

    def run(
        self, observers: Sequence[Observer], progress: Callable[[int, int], None] | None = None
    ) -> None:
        """Walk once, showing every block to every observer."""
        for b in self.blocks(progress):
            for o in observers:
                o.block(self, b)


def positions(pattern: Pattern) -> dict[Outcome, list[int]]:
    """Where each distinct outcome of a block occurs (cached on the pattern)."""
    out: dict[Outcome, list[int]] | None = pattern.cache.get(positions)
    if out is None:
        out = pattern.cache[positions] = {}
        for j, o in enumerate(pattern.outs):
            out.setdefault(o, []).append(j)
    return out
