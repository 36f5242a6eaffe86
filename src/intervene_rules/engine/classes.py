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


@dataclass(frozen=True)
class DenseKey:
    """Class keys as integers in `range(size)`: equal keys, equal decisions up to the ranks."""

    size: int
    key: Callable[[Situation], int]
    source: str


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

    def dense_key(self) -> DenseKey:
        """A fast function from a situation to its class key, one integer below `size`.

        Generated from the field table: each field is one digit of a mixed-radix number
        (the two ranks one digit, their rank class), so a field added to the contract is in
        the key without an edit here. The set field is the lowest digit, so its blocks can
        be OR-ed in as bits.
        """
        fields = [f for f in SITUATION_FIELDS if f.name != RANK_FIELDS[1]]
        fields.sort(key=lambda f: f.classing is Classing.BLOCKS)
        radix = []
        for spec in fields:
            if spec.classing is Classing.RANK:
                radix.append(len(self.rank_pairs))
            elif spec.classing is Classing.THRESHOLD:
                radix.append(2 * len(self.thresholds) + 2)
            elif spec.classing is Classing.BLOCKS:
                radix.append(1 << len(self.misconduct_blocks))
            else:
                radix.append(len(spec.domain))
        weights = [1] * len(radix)
        for i in range(len(radix) - 2, -1, -1):
            weights[i] = weights[i + 1] * radix[i + 1]
        consts: dict[str, Any] = {"_bisect": bisect.bisect_left, "_t": self.thresholds}
        terms: list[str] = []
        tail: list[str] = []
        n = len(Rank)
        # each object on the way read once: `s.force` into `p_force`, then `p_force.type`
        head: list[str] = []
        parents: dict[str, str] = {"": "s"}
        for spec in SITUATION_FIELDS:
            *path, _leaf = spec.path
            for depth in range(1, len(path) + 1):
                name = ".".join(path[:depth])
                if name not in parents:
                    parents[name] = "p_" + name.replace(".", "_")
                    up = parents[".".join(path[: depth - 1])]
                    head.append(f"    {parents[name]} = {up}.{path[depth - 1]}")

        def read(name: str) -> str:
            parent, _, leaf = name.rpartition(".")
            return f"{parents[parent]}.{leaf}"

        for i, (spec, w) in enumerate(zip(fields, weights, strict=True)):
            get = read(spec.name)
            if spec.classing is Classing.RANK:
                table = [0] * (n * n)
                for (actor, observer), c in self.rank_class.items():
                    table[actor.position * n + observer.position] = c * w
                consts[f"_d{i}"] = table
                a, o = (read(r) for r in RANK_FIELDS)
                terms.append(f"_d{i}[{a}._idx * {n} + {o}._idx]")
            elif spec.classing is Classing.VALUE:
                consts[f"_d{i}"] = {v: j * w for j, v in enumerate(spec.domain)}
                terms.append(f"_d{i}[{get}]")
            elif spec.classing is Classing.THRESHOLD:
                # 0 unknown; 2j+1 the interval below threshold j; 2j+2 exactly threshold j
                tail += [
                    f"    x = {get}",
                    "    if x is not None:",
                    "        j = _bisect(_t, x)",
                    f"        k += (2 * j + 2 if j < {len(self.thresholds)} and _t[j] == x "
                    f"else 2 * j + 1) * {w}",
                ]
            else:
                assert w == 1, "the set field must be the lowest digit"
                consts["_bits"] = self.misconduct_bits
                tail += [f"    for m in {get}:", "        k |= _bits[m]"]
        source = "\n".join(
            ["def key(s):", *head, "    k = " + " + ".join(terms), *tail, "    return k", ""]
        )
        namespace = dict(consts)
        exec(compile(source, "<intervene_rules:class-key>", "exec"), namespace)
        return DenseKey(weights[0] * radix[0], namespace["key"], source)

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
