"""The whole discrete input space of one or more rulesets, as indexable points.

Analysis stage: reads compiled programs only. Numbers and the misconduct set are reduced to
the value classes the rules can tell apart (`engine.classes`); every other field is
enumerated in full, ranks by one representative pair per rank class. A point is a tuple of
indices, one per dimension, so regions of points can be described field by field; its
linear index (row-major, last dimension fastest) lets sets of points live in a byte mask.

The dimensions are derived from the field table (`intervene_rules.fields`), in its order,
each by how the field is classed; the two ranks share one dimension (their rank class).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from intervene_rules.engine.classes import RANK_FIELDS, ValueClasses
from intervene_rules.fields import SITUATION_FIELDS, Classing
from intervene_rules.ruleset.ir import Program
from intervene_rules.situation import Situation
from intervene_rules.vocabulary import relation

Point = tuple[int, ...]

AXES: tuple[str, ...] = tuple(f.name for f in SITUATION_FIELDS if f.name != RANK_FIELDS[1])
"""The field of each dimension, in the field table's order (the ranks: one dimension)."""


def axis(name: str) -> int:
    """The position in `Space.dims` of the dimension of field `name`."""
    return AXES.index(RANK_FIELDS[0] if name in RANK_FIELDS else name)


# the axes the analysis compares by meaning (invariants name these fields)
RANKS = axis("actor.rank")
OPPORTUNITY = axis("observer.realistic_opportunity")
PRIOR = axis("observer.prior_intervention")
FORCE_TYPE = axis("force.type")
STILL_NEEDED = axis("force.still_needed")
DURATION = axis("force.duration_s")
RESISTANCE = axis("subject.resistance")
RESTRAINED = axis("subject.restrained")
DISTRESS = axis("subject.medical_distress")
MISCONDUCT = axis("misconduct")


(MISCONDUCT_FIELD,) = (f.name for f in SITUATION_FIELDS if f.classing is Classing.BLOCKS)


def _groups() -> dict[str, tuple[Any, tuple[str, ...]]]:
    """Situation part -> (its model class, its leaf fields); top-level fields: (None, ())."""
    out: dict[str, tuple[Any, tuple[str, ...]]] = {}
    for spec in SITUATION_FIELDS:
        head, *rest = spec.path
        if not rest:
            out[head] = (None, ())
            continue
        model = Situation.model_fields[head].annotation
        prev = out.get(head, (model, ()))[1]
        out[head] = (model, (*prev, rest[0]))
    return out


_GROUPS = _groups()


def _construct(model: Any, leaves: tuple[str, ...], values: tuple[Any, ...]) -> Any:
    # the values are the field table's own domain members: nothing to validate
    return model.model_construct(**dict(zip(leaves, values, strict=True)))


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

        dims: list[Dimension] = []
        for spec in SITUATION_FIELDS:
            if spec.classing is Classing.RANK:
                if spec.name == RANK_FIELDS[0]:
                    dims.append(rank_dim)
            elif spec.classing is Classing.THRESHOLD:
                dims.append(
                    Dimension(
                        spec.name,
                        tuple(d for d, _ in durations),
                        tuple(label for _, label in durations),
                    )
                )
            elif spec.classing is Classing.BLOCKS:
                dims.append(Dimension(spec.name, masks, tuple(mask_label(m) for m in masks)))
            else:
                dims.append(Dimension(spec.name, spec.domain, plain(spec.domain)))
        self.dims: tuple[Dimension, ...] = tuple(dims)
        assert tuple(d.name for d in dims[1:]) == AXES[1:]
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

    def values(self, p: Point) -> dict[str, Any]:
        """The representative value of every input field at point `p`, by field name."""
        out: dict[str, Any] = {}
        blocks = self.classes.misconduct_blocks
        for dim, i, name in zip(self.dims, p, AXES, strict=True):
            value = dim.values[i]
            if name == RANK_FIELDS[0]:
                out.update(zip(RANK_FIELDS, value, strict=True))
            elif name == MISCONDUCT_FIELD:
                out[name] = tuple(blocks[j][0] for j in range(len(blocks)) if value >> j & 1)
            else:
                out[name] = value
        return out

    def situation(self, p: Point) -> Situation:
        """The representative situation of point `p` (parts built once and shared)."""
        values = self.values(p)
        parts: dict[str, Any] = {}
        for group, (model, leaves) in _GROUPS.items():
            if model is None:  # a top-level field
                parts[group] = values[group]
                continue
            key = tuple(values[f"{group}.{leaf}"] for leaf in leaves)
            parts[group] = self._get(group, key, partial(_construct, model, leaves, key))
        return Situation.model_construct(**parts)

    def describe(self) -> str:
        """One paragraph saying exactly what is enumerated."""
        vc = self.classes
        blocks = "; ".join("{" + ", ".join(m.value for m in b) + "}" for b in vc.misconduct_blocks)
        cuts = ", ".join(f"{t:g}" for t in vc.thresholds) or "no threshold"
        return (
            f"{self.size:,} situations: every force type, resistance, boolean and opportunity "
            f"value; force.duration_s in {len(self.dims[DURATION].values)} classes (unknown, and "
            "split "
            f"at {cuts} seconds); misconduct as every combination of the item groups the rules "
            f"tell apart ({blocks}); {len(vc.rank_pairs)} representative rank pairs (one per "
            "rank relation and rank test outcome)."
        )
