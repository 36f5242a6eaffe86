"""Readable regions: a set of points of the space covered by a few field-by-field boxes.

A region is a product of value sets, one per dimension ("force.type ∈ {cew, k9} ∧
subject.resistance = passive_resistance"). The cover is greedy (as in two-level logic
minimisation): seed at the first uncovered point, widen each dimension by every value that
keeps the box inside the set, repeat. It is exact (every box lies inside the set, and
together they cover it), deterministic, and short for the sets rules produce.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass

from intervene_rules.analysis.space import Dimension, Point, Space


@dataclass(frozen=True)
class Region:
    """A box of the space: for each dimension, the value indices it spans."""

    spans: tuple[frozenset[int], ...]
    size: int

    def describe(self, dims: tuple[Dimension, ...]) -> str:
        """`field = v ∧ field ∈ {…}`; full dimensions are left out."""
        parts: list[str] = []
        for dim, span in zip(dims, self.spans, strict=True):
            n = len(dim.values)
            if len(span) == n:
                continue
            inside = [dim.labels[i] for i in sorted(span)]
            outside = [dim.labels[i] for i in range(n) if i not in span]
            if len(inside) == 1:
                parts.append(f"{dim.name} = {inside[0]}")
            elif len(outside) == 1:
                parts.append(f"{dim.name} ≠ {outside[0]}")
            elif len(outside) < len(inside):
                parts.append(f"{dim.name} ∉ {{{', '.join(outside)}}}")
            else:
                parts.append(f"{dim.name} ∈ {{{', '.join(inside)}}}")
        return " ∧ ".join(parts) or "every situation"

    def conditions(self, dims: tuple[Dimension, ...]) -> dict[str, list[str]]:
        """Machine form: field -> allowed labels, for the dimensions the region narrows."""
        return {
            dim.name: [dim.labels[i] for i in sorted(span)]
            for dim, span in zip(dims, self.spans, strict=True)
            if len(span) < len(dim.values)
        }


def _box_points(spans: list[set[int]]) -> Iterable[Point]:
    return itertools.product(*(sorted(s) for s in spans))


def cover(points: Iterable[Point], space: Space, limit: int = 10_000) -> list[Region]:
    """Boxes that together cover exactly `points` (at most `limit` boxes)."""
    target = set(points)
    uncovered = set(target)
    sizes = [len(d.values) for d in space.dims]
    # widen the dimensions with the most values first: they give the biggest boxes
    order = sorted(range(len(sizes)), key=lambda d: -sizes[d])
    regions: list[Region] = []
    while uncovered and len(regions) < limit:
        seed = min(uncovered)
        spans = [{v} for v in seed]
        for d in order:
            for v in range(sizes[d]):
                if v in spans[d]:
                    continue
                trial = list(spans)
                trial[d] = {v}
                if all(q in target for q in _box_points(trial)):
                    spans[d].add(v)
        box = set(_box_points(spans))
        uncovered -= box
        regions.append(Region(tuple(frozenset(s) for s in spans), len(box)))
    return regions
