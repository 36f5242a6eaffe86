"""Value classes: the partition of each input field that the rules can tell apart.

Every test in the program (and the built-in derivations) is constant on each class, so a
decision depends only on the tuple of classes of a situation. That makes two things exact:
a table from class key to decision (fast evaluation), and the enumeration of the whole
discrete input space (analysis, invariants), where numbers and the misconduct set are
reduced to their classes instead of being sampled.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from intervene_rules.fields import SITUATION_FIELDS, Classing
from intervene_rules.ruleset.ir import Cond, Op, Program, Test
from intervene_rules.vocabulary import (
    Misconduct,
    Rank,
    relation,
)

if TYPE_CHECKING:
    from intervene_rules.situation import Situation

ClassKey = tuple[Any, ...]

_BY_CLASSING = {c: [f.name for f in SITUATION_FIELDS if f.classing is c] for c in Classing}
# One number and one set field today: their classes are kept as `thresholds` and
# `misconduct_*`. A second field of either classing needs its own state here.
assert len(_BY_CLASSING[Classing.THRESHOLD]) == 1 and len(_BY_CLASSING[Classing.BLOCKS]) == 1
(NUMBER_FIELD,) = _BY_CLASSING[Classing.THRESHOLD]
(SET_FIELD,) = _BY_CLASSING[Classing.BLOCKS]
RANK_FIELDS = tuple(_BY_CLASSING[Classing.RANK])


def tests_of(cond: Cond) -> Iterator[Test]:
    """Every test in a condition tree."""
    if isinstance(cond, Test):
        yield cond
    else:
        for item in cond.items:
            yield from tests_of(item)


@dataclass(frozen=True)
class ValueClasses:
    """The partition of every field, derived from one program."""

    thresholds: tuple[float, ...]
    misconduct_bits: dict[Misconduct, int]
    misconduct_blocks: tuple[tuple[Misconduct, ...], ...]
    rank_pairs: tuple[tuple[Rank, Rank], ...]
    rank_class: dict[tuple[Rank, Rank], int] = field(default_factory=dict)
    """(actor, observer) -> index of its class in `rank_pairs`."""

    @classmethod
    def of(cls, *programs: Program) -> ValueClasses:
        """The coarsest partition on which every test of every program is constant.

        With several programs (a semantic diff), the result refines each one's classes.
        """
        # the declared invariant exceptions split classes too, so they can be honoured exactly
        conds = [r.when for p in programs for r in p.rules]
        conds += [e.when for p in programs for e in p.exceptions]
        tests = [t for cond in conds for t in tests_of(cond)]
        thresholds = {
            float(t.value) for t in tests if t.field == NUMBER_FIELD and t.value is not None
        }
        for program in programs:
            if program.opportunity.min_duration_s is not None:
                thresholds.add(float(program.opportunity.min_duration_s))
        # misconduct: items with the same membership signature are interchangeable
        sets = [frozenset(t.value) for t in tests if t.field == SET_FIELD and t.op is not Op.EMPTY]
        signature: dict[Misconduct, tuple[bool, ...]] = {
            m: tuple(m in s for s in sets) for m in Misconduct
        }
        blocks: dict[tuple[bool, ...], list[Misconduct]] = {}
        for m in Misconduct:
            blocks.setdefault(signature[m], []).append(m)
        block_list = tuple(tuple(b) for b in blocks.values())
        bits = {m: 1 << i for i, b in enumerate(block_list) for m in b}
        # rank pairs: relation plus the outcome of every direct test on either rank
        from intervene_rules.engine.native import compile_cond

        rank_tests = [compile_cond(t) for t in tests if t.field in RANK_FIELDS]
        seen: dict[tuple[Any, ...], int] = {}
        reps: list[tuple[Rank, Rank]] = []
        rank_class: dict[tuple[Rank, Rank], int] = {}
        for actor, observer in itertools.product(Rank, Rank):
            row = dict(zip(RANK_FIELDS, (actor, observer), strict=True))
            sig = (relation(observer, actor), *(p(row) for p in rank_tests))
            if sig not in seen:
                seen[sig] = len(reps)
                reps.append((actor, observer))
            rank_class[(actor, observer)] = seen[sig]
        return cls(tuple(sorted(thresholds)), bits, block_list, tuple(reps), rank_class)

    def key_function(self) -> Callable[[Situation], ClassKey]:
        """A fast function from a situation to its class key: equal keys, equal decisions.

        Generated from the field table, one element per field (the two ranks as one rank
        class), so a field added to the contract is in the key without another edit here.
        """
        consts: dict[str, Any] = {
            "_rank": self.rank_class,
            "_number": self.duration_class,
            "_set": self.misconduct_class,
        }
        parts: list[str] = []
        ranks = RANK_FIELDS
        for spec in SITUATION_FIELDS:
            get = "s." + spec.name
            if spec.classing is Classing.VALUE:
                parts.append(get)
            elif spec.classing is Classing.THRESHOLD:
                parts.append(f"_number({get})")
            elif spec.classing is Classing.BLOCKS:
                parts.append(f"_set({get})")
            elif spec.name == ranks[0]:
                parts.append("_rank[(" + ", ".join("s." + r for r in ranks) + ")]")
        source = "def key(s):\n    return (" + ", ".join(parts) + ",)\n"
        namespace = dict(consts)
        exec(compile(source, "<intervene_rules:class-key>", "exec"), namespace)
        fn: Callable[[Situation], ClassKey] = namespace["key"]
        return fn

    # --- keys ---------------------------------------------------------------------------

    def duration_class(self, x: float | None) -> int:
        """-1 for unknown; 2i+1 for exactly threshold i; 2i for the interval below it."""
        if x is None:
            return -1
        t = self.thresholds
        i = bisect.bisect_left(t, x)
        return 2 * i + 1 if i < len(t) and t[i] == x else 2 * i

    def misconduct_class(self, items: tuple[Misconduct, ...]) -> int:
        """Bit mask of the blocks touched."""
        mask = 0
        bits = self.misconduct_bits
        for m in items:
            mask |= bits[m]
        return mask

    # --- enumeration ----------------------------------------------------------------------

    def durations(self) -> list[float | None]:
        """One representative per duration class (non-empty classes only)."""
        t = self.thresholds
        reps: list[float | None] = [None]
        if not t:
            return [None, 0.0]
        if t[0] > 0:
            reps.append(t[0] / 2)
        for i, x in enumerate(t):
            reps.append(x)
            reps.append((x + t[i + 1]) / 2 if i + 1 < len(t) else x + 1.0)
        return reps


# --- rank classes by pair (for engine.table's cache key; added by the perf branch) ----------


def rank_class_index(*programs: Program) -> tuple[int, ...]:
    """The rank class of every pair, as indices into `ValueClasses.of(*programs).rank_pairs`.

    Pair (actor, observer) is at `actor.position * 8 + observer.position`; classes are told
    apart exactly as `ValueClasses.of` tells them (same signature, same order).
    """
    from intervene_rules.engine.native import compile_cond

    conds = [r.when for p in programs for r in p.rules]
    conds += [e.when for p in programs for e in p.exceptions]
    rank_tests = [
        compile_cond(t)
        for cond in conds
        for t in tests_of(cond)
        if t.field in ("actor.rank", "observer.rank")
    ]
    seen: dict[tuple[Any, ...], int] = {}
    index = [0] * 64
    for actor, observer in itertools.product(Rank, Rank):
        row = {"actor.rank": actor, "observer.rank": observer}
        sig = (relation(observer, actor), *(p(row) for p in rank_tests))
        index[actor.position * 8 + observer.position] = seen.setdefault(sig, len(seen))
    return tuple(index)
