"""The action a moment certainly requires, and the most it may require (unknown facts)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from intervene_rules.vocabulary import Action

if TYPE_CHECKING:
    from intervene_rules.timeline.run import Moment


def required(m: Moment) -> Action:
    """The action certainly required at `m` (the least of its range, with unknown facts)."""
    if m.decision is not None:
        return m.decision.action
    assert m.range is not None
    return m.range.least


def most(m: Moment) -> Action:
    """The most demanding action `m` may require."""
    if m.decision is not None:
        return m.decision.action
    assert m.range is not None
    return m.range.most
