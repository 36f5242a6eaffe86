"""The whole discrete input space of a ruleset, decided once per class point.

Analysis stage: reads the compiled program only. Numbers and the misconduct set are
reduced to the value classes the rules can tell apart (`engine.classes`); every other
field is enumerated in full, ranks by one representative pair per rank class.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from intervene_rules.decision import Decision
from intervene_rules.engine.classes import ValueClasses
from intervene_rules.engine.row import make_row
from intervene_rules.ruleset.ruleset import Ruleset
from intervene_rules.situation import Situation


@dataclass(frozen=True)
class SpaceReport:
    """How the space was reduced, for messages and docs."""

    size: int
    duration_classes: int
    thresholds: tuple[float, ...]
    misconduct_blocks: tuple[tuple[str, ...], ...]
    rank_pairs: int

    def describe(self) -> str:
        """One paragraph saying exactly what was enumerated."""
        blocks = "; ".join("{" + ", ".join(b) + "}" for b in self.misconduct_blocks)
        return (
            f"{self.size:,} situations: every force type, resistance, boolean and "
            f"opportunity value; force.duration_s in {self.duration_classes} classes "
            f"(unknown, and split at {', '.join(f'{t:g}' for t in self.thresholds) or 'no'} "
            f"seconds); misconduct as every combination of the item groups the rules tell "
            f"apart ({blocks}); {self.rank_pairs} representative rank pairs (one per "
            "rank relation and rank test outcome)."
        )


def report(ruleset: Ruleset) -> SpaceReport:
    """The size and shape of the reduced space of `ruleset`."""
    vc: ValueClasses = ruleset.table.classes
    return SpaceReport(
        size=vc.size(),
        duration_classes=len(vc.durations()),
        thresholds=vc.thresholds,
        misconduct_blocks=tuple(tuple(m.value for m in b) for b in vc.misconduct_blocks),
        rank_pairs=len(vc.rank_pairs),
    )


def decide_all(
    ruleset: Ruleset, progress: Callable[[int], None] | None = None
) -> Iterator[tuple[Situation, Decision]]:
    """Every class point with its decision, evaluated by the native evaluator (no table)."""
    table = ruleset.table
    program = ruleset.program
    for i, s in enumerate(table.classes.situations()):
        row = make_row(program, s)
        yield s, table.from_firings(row, table.native.fire(row))
        if progress is not None and i % 10_000 == 0:
            progress(i)
