"""The whole discrete input space of one or more rulesets, as indexable points.

Analysis stage: reads compiled programs only. Numbers and the misconduct set are reduced to
the value classes the rules can tell apart (`engine.classes`); every other field is
enumerated in full, ranks by one representative pair per rank class. A point is a tuple of
indices, one per dimension, so regions of points can be described field by field; its
linear index (row-major, last dimension fastest) lets sets of points live in a byte mask.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from intervene_rules.engine.classes import ValueClasses
from intervene_rules.ruleset.ir import Program
from intervene_rules.situation import Actor, Force, Observer, Situation, Subject
from intervene_rules.vocabulary import ForceType, PriorIntervention, Resistance

Point = tuple[int, ...]

# the axes of the space, by position in `Space.dims`
(
    RANKS,
    OPPORTUNITY,
    PRIOR,
    FORCE_TYPE,
    STILL_NEEDED,
    DURATION,
    RESISTANCE,
    RESTRAINED,
    DISTRESS,
    MISCONDUCT,
) = range(10)


@dataclass(frozen=True)
class Dimension:
    """One axis of the space: a field (or field group), its class values and their labels."""

    name: str
    values: tuple[Any, ...]
    labels: tuple[str, ...]


def _duration_labels(thresholds: Sequence[float]) -> list[tuple[float | None, str]]:
    out: list[tuple[float | None, str]] = [(None, "unknown")]
    t = list(thresholds)
    if not t:
        return [*out, (0.0, "known")]
    if t[0] > 0:
        out.append((t[0] / 2, f"< {t[0]:g}"))
    for i, x in enumerate(t):
        out.append((x, f"= {x:g}"))
        if i + 1 < len(t):
            out.append(((x + t[i + 1]) / 2, f"in ({x:g}, {t[i + 1]:g})"))
        else:
            out.append((x + 1.0, f"> {x:g}"))
    return out


class Space:
    """The reduced input space shared by `programs` (one for check, two for diff)."""

    def __init__(self, *programs: Program) -> None:
        self.classes = vc = ValueClasses.of(*programs)
        pairs = vc.rank_pairs
        if len({(a, o) for a, o in pairs}) == len(pairs) and len(pairs) == 3:
            from intervene_rules.vocabulary import relation

            rank_dim = Dimension(
                "observer.relation",
                pairs,
                tuple(relation(o, a).value for a, o in pairs),
            )
        else:
            rank_dim = Dimension(
                "actor.rank/observer.rank", pairs, tuple(f"{a.value}/{o.value}" for a, o in pairs)
            )
        durations = _duration_labels(vc.thresholds)
        blocks = vc.misconduct_blocks
        masks = tuple(range(1 << len(blocks)))

        def mask_label(mask: int) -> str:
            if mask == 0:
                return "none"
            parts = []
            for i, block in enumerate(blocks):
                if mask >> i & 1:
                    names = "|".join(m.value for m in block)
                    parts.append(f"one of {{{names}}}" if len(block) > 1 else block[0].value)
            return " + ".join(parts)

        def plain(values: Sequence[Any]) -> tuple[str, ...]:
            return tuple(
                "null" if v is None else str(v).lower() if isinstance(v, bool) else str(v.value)
                for v in values
            )

        tri = (True, False, None)
        bools = (False, True)
        self.dims: tuple[Dimension, ...] = (
            rank_dim,
            Dimension("observer.realistic_opportunity", tri, plain(tri)),
            Dimension(
                "observer.prior_intervention",
                tuple(PriorIntervention),
                plain(tuple(PriorIntervention)),
            ),
            Dimension("force.type", tuple(ForceType), plain(tuple(ForceType))),
            Dimension("force.still_needed", bools, plain(bools)),
            Dimension(
                "force.duration_s",
                tuple(d for d, _ in durations),
                tuple(label for _, label in durations),
            ),
            Dimension("subject.resistance", tuple(Resistance), plain(tuple(Resistance))),
            Dimension("subject.restrained", bools, plain(bools)),
            Dimension("subject.medical_distress", bools, plain(bools)),
            Dimension("misconduct", masks, tuple(mask_label(m) for m in masks)),
        )
        self._cache: dict[tuple[str, Any], Any] = {}

        self.shape: tuple[int, ...] = tuple(len(d.values) for d in self.dims)
        strides = [1] * len(self.shape)
        for i in range(len(self.shape) - 2, -1, -1):
            strides[i] = strides[i + 1] * self.shape[i + 1]
        self.strides: tuple[int, ...] = tuple(strides)

    @property
    def size(self) -> int:
        """How many points the space has."""
        return self.strides[0] * self.shape[0]

    def linear(self, p: Point) -> int:
        """The position of `p` in `points()` order."""
        return sum(i * st for i, st in zip(p, self.strides, strict=True))

    def point(self, linear: int) -> Point:
        """The point at position `linear` in `points()` order."""
        out = []
        for st in self.strides:
            i, linear = divmod(linear, st)
            out.append(i)
        return tuple(out)

    def product(self) -> str:
        """How the size comes about: `3 rank pairs × 3 observer.realistic_opportunity × …`."""
        return " × ".join(f"{len(d.values)} {d.name}" for d in self.dims)

    def points(self) -> Iterator[Point]:
        """Every point, in a fixed order."""
        return itertools.product(*(range(len(d.values)) for d in self.dims))

    def _get(self, kind: str, key: Any, make: Callable[[], Any]) -> Any:
        hit = self._cache.get((kind, key))
        if hit is None:
            hit = self._cache[(kind, key)] = make()
        return hit

    def situation(self, p: Point) -> Situation:
        """The representative situation of point `p`."""
        d = self.dims
        actor, observer = d[0].values[p[0]]
        opp, prior = d[1].values[p[1]], d[2].values[p[2]]
        a = self._get("a", actor, lambda: Actor(rank=actor))
        o = self._get(
            "o",
            (observer, opp, prior),
            lambda: Observer(rank=observer, realistic_opportunity=opp, prior_intervention=prior),
        )
        ftype, needed, dur = d[3].values[p[3]], d[4].values[p[4]], d[5].values[p[5]]
        f = self._get(
            "f",
            (ftype, needed, dur),
            lambda: Force(type=ftype, still_needed=needed, duration_s=dur),
        )
        res, restrained, distress = d[6].values[p[6]], d[7].values[p[7]], d[8].values[p[8]]
        s = self._get(
            "s",
            (res, restrained, distress),
            lambda: Subject(resistance=res, restrained=restrained, medical_distress=distress),
        )
        mask = d[9].values[p[9]]
        blocks = self.classes.misconduct_blocks
        misconduct = tuple(blocks[i][0] for i in range(len(blocks)) if mask >> i & 1)
        return Situation.model_construct(
            actor=a, observer=o, force=f, subject=s, misconduct=misconduct
        )

    def describe(self) -> str:
        """One paragraph saying exactly what is enumerated."""
        vc = self.classes
        blocks = "; ".join("{" + ", ".join(m.value for m in b) + "}" for b in vc.misconduct_blocks)
        cuts = ", ".join(f"{t:g}" for t in vc.thresholds) or "no threshold"
        return (
            f"{self.size:,} situations: every force type, resistance, boolean and opportunity "
            f"value; force.duration_s in {len(self.dims[5].values)} classes (unknown, and split "
            f"at {cuts} seconds); misconduct as every combination of the item groups the rules "
            f"tell apart ({blocks}); {len(vc.rank_pairs)} representative rank pairs (one per "
            "rank relation and rank test outcome)."
        )
