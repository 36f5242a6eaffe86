"""The answers about unknown facts: a range of decisions, the facts deciding it, and changes.

Models only (the contract of `evaluate_partial` and `Decision.what_would_change`); they are
computed by `engine.unknowns`. Semantics, exactly:

- `least` / `most`: the least and the most demanding action of any completion.
- `duties_certain` / `duties_possible`: the duties in every / in some completion
  (`binding_duties_*`: the same as legal duties, leaving out what rests only on guidance that
  binds no one, as a decision's `guidance_only.*` notices do); likewise
  `reports_certain` / `reports_possible` (a report is its rule's: recipient and deadline).
- `deciding`: the smallest sets of unknown facts whose values decide the required action,
  each with the action its values lead to. The completions form a product, so there is
  exactly one such set when the action is open (the facts the action depends on: each of
  them changes the action for some values of the others) and none when it is decided.
- `decision`: set when every completion gives the same decision (then any of them is it).
- `Changes`: for a complete situation, the smallest sets of known facts whose change would
  change the required action, up and down. Ranks never change the duty (invariant 2) and
  are not offered as changes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from intervene_rules.decision import DISCLAIMER, Decision, ReportDue, RulesetRef
from intervene_rules.vocabulary import Action, Duty, Misconduct

_CONFIG = ConfigDict(frozen=True, extra="forbid")

CONTROLLED: frozenset[str] = frozenset({"observer.prior_intervention"})
"""Facts that are the observer's own acts; every other fact is observed."""

# --- the public models ---------------------------------------------------------------------


class Condition(BaseModel):
    """One fact restricted to some of its values."""

    model_config = _CONFIG

    field: str = Field(description="Input field, e.g. 'subject.restrained' or 'misconduct'.")
    values: tuple[Any, ...] = Field(
        description="Its values (JSON). force.duration_s: one representative of each class "
        "of durations (every duration of the class gives the same answer; `text` names the "
        "class). misconduct: true (includes one of `items`) or false (includes none)."
    )
    items: tuple[Misconduct, ...] = Field(
        default=(), description="For misconduct: the kinds the condition is about."
    )
    controlled: bool = Field(
        default=False, description="The observer's own act (else a fact the observer observes)."
    )
    text: str = Field(description="The condition in plain words.")


class Outcome(BaseModel):
    """An action and the values of the deciding facts that lead to it."""

    model_config = _CONFIG

    action: Action
    when: tuple[tuple[Condition, ...], ...] = Field(
        description="Any of these conjunctions of conditions leads to the action."
    )
    text: str


class Deciding(BaseModel):
    """A smallest set of unknown facts whose values decide the required action."""

    model_config = _CONFIG

    facts: tuple[str, ...] = Field(description="The input fields, in the contract's order.")
    outcomes: tuple[Outcome, ...] = Field(description="Each action and the values leading to it.")
    text: str


class DecisionRange(BaseModel):
    """Every decision a partial situation may have, exactly, over all its completions."""

    model_config = _CONFIG

    least: Action = Field(description="The least demanding action of any completion.")
    most: Action = Field(description="The most demanding action of any completion.")
    duties_certain: tuple[Duty, ...] = Field(description="Duties owed in every completion.")
    duties_possible: tuple[Duty, ...] = Field(description="Duties owed in some completion.")
    binding_duties_certain: tuple[Duty, ...] = Field(
        default=(),
        description="Duties owed as a legal duty in every completion: what rests only on "
        "guidance that binds no one (a peer-intervention programme, a model policy) left out.",
    )
    binding_duties_possible: tuple[Duty, ...] = Field(
        default=(), description="Duties owed as a legal duty in some completion."
    )
    reports_certain: tuple[ReportDue, ...] = Field(description="Reports owed in every completion.")
    reports_possible: tuple[ReportDue, ...] = Field(description="Reports owed in some completion.")
    unknown: tuple[str, ...] = Field(description="The unknown input fields.")
    completions: int = Field(
        description="Completions decided over (numbers, misconduct and ranks by class)."
    )
    deciding: tuple[Deciding, ...] = Field(
        description="The smallest sets of unknown facts that decide the action (one, or none "
        "when the action is decided)."
    )
    decision: Decision | None = Field(
        default=None, description="The decision, when every completion gives the same one."
    )
    ruleset: RulesetRef
    as_of: dt.date = Field(description="The date whose law and policy were applied.")
    disclaimer: str = Field(default=DISCLAIMER)

    @property
    def decided(self) -> bool:
        """Whether every completion gives one and the same decision."""
        return self.decision is not None

    def explain(self) -> str:
        """The range in plain words: what is certain, what may be owed, what decides it."""
        from intervene_rules.explain_range import explain_range

        return explain_range(self)


class Change(BaseModel):
    """A smallest change of known facts that changes the required action."""

    model_config = _CONFIG

    direction: Literal["up", "down"]
    action: Action = Field(description="The action after the change.")
    facts: tuple[str, ...] = Field(description="The input fields changed (each one fact).")
    changes: tuple[Condition, ...] = Field(
        description="The facts changed, each with the values that lead to `action`."
    )
    patch: dict[str, Any] = Field(
        description="A situation patch (nested JSON, merged into the situation) taking one "
        "such value of each changed fact."
    )
    controlled: bool = Field(description="Every fact changed is the observer's own act.")
    text: str


class Changes(BaseModel):
    """What would change a decision: the smallest changes up and down."""

    model_config = _CONFIG

    action: Action = Field(description="The action now.")
    up: tuple[Change, ...] = Field(description="Smallest changes to a more demanding action.")
    down: tuple[Change, ...] = Field(description="Smallest changes to a less demanding action.")
    controlled: tuple[str, ...] = Field(description="Facts that are the observer's own acts.")
    observed: tuple[str, ...] = Field(description="Facts the observer observes.")
    note: str = Field(
        default="Ranks are not offered: no change of rank changes the duty (invariant 2).",
    )
    ruleset: RulesetRef
    as_of: dt.date
    disclaimer: str = Field(default=DISCLAIMER)

    def explain(self) -> str:
        """The changes in plain words."""
        from intervene_rules.explain_range import explain_changes

        return explain_changes(self)
