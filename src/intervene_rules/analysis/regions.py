"""Readable regions: a set of points of the space covered by a few field-by-field boxes.

A region is a product of value sets, one per dimension ("force.type ∈ {cew, k9} ∧
subject.resistance = passive_resistance"). The cover is greedy (as in two-level logic
minimisation): seed at the first uncovered point, widen each dimension by every value that
keeps the box inside the set, repeat. It is exact (every box lies inside the set, and
together they cover it), deterministic, and short for the sets rules produce.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
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


class PointSet:
    """A set of points of one space, as a byte per point (bounded by the space's size).

    Analysis marks points by linear index while it walks, so a finding over most of the
    space costs one byte per point, never a tuple per point.
    """

    def __init__(self, space: Space, points: Iterable[Point] = ()) -> None:
        self.space = space
        self.mask = bytearray(space.size)
        self.count = 0
        for p in points:
            self.add(space.linear(p))

    def add(self, linear: int) -> None:
        """Put the point at `linear` into the set."""
        if not self.mask[linear]:
            self.mask[linear] = 1
            self.count += 1

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[Point]:
        find, point, i = self.mask.find, self.space.point, -1
        while (i := find(1, i + 1)) >= 0:
            yield point(i)


def _box(spans: list[set[int]], strides: tuple[int, ...]) -> Iterator[int]:
    """Linear indices of every point in a box."""
    for parts in itertools.product(
        *([v * st for v in sorted(s)] for s, st in zip(spans, strides, strict=True))
    ):
        yield sum(parts)


def cover(points: Iterable[Point] | PointSet, space: Space, limit: int = 10_000) -> list[Region]:
    """Boxes that together cover exactly `points` (at most `limit` boxes)."""
    target = points if isinstance(points, PointSet) else PointSet(space, points)
    inside = target.mask
    uncovered = bytearray(inside)
    sizes, strides = space.shape, space.strides
    # widen the dimensions with the most values first: they give the biggest boxes
    order = sorted(range(len(sizes)), key=lambda d: -sizes[d])
    regions: list[Region] = []
    start = 0
    while len(regions) < limit and (start := uncovered.find(1, start)) >= 0:
        seed = space.point(start)
        spans = [{v} for v in seed]
        for d in order:
            for v in range(sizes[d]):
                if v in spans[d]:
                    continue
                trial = list(spans)
                trial[d] = {v}
                if all(inside[i] for i in _box(trial, strides)):
                    spans[d].add(v)
        n = 0
        for i in _box(spans, strides):
            uncovered[i] = 0
            n += 1
        regions.append(Region(tuple(frozenset(s) for s in spans), n))
    return regions
