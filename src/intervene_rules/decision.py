"""Output model (contract): the observer's required action, duties, methods, basis and trace.

End of the pipeline. A `Decision` is frozen and built only by `engine.merge`, so both
evaluators produce identical objects for identical firings. Fields may be added in a minor
version; none is renamed or removed without a major one.

Serialising is as cheap as deciding: one decision's parts (citations, trace steps, notices,
reports) are shared by identity between the many decisions of a ruleset, and each part keeps
its own JSON once made (in a slot, so it is never compared, copied or pickled). A decision's
`model_dump_json()` without arguments joins those pieces; pydantic serialises everything
else, and `tests/test_json_render.py` holds the two byte for byte.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from intervene_rules.decision_range import Changes
    from intervene_rules.ruleset.ruleset import Ruleset

from intervene_rules.vocabulary import (
    Action,
    Duty,
    Method,
    Rank,
    Relation,
    SourceKind,
    Stage,
    Verification,
)

DISCLAIMER = (
    "Decision support, not legal advice. Laws and policies change; check the cited sources "
    "and your agency's current policy."
)

_DISCLAIMER_JSON = json.dumps(DISCLAIMER, ensure_ascii=False)

_CONFIG = ConfigDict(extra="forbid", frozen=True)


def _memo_of(part: object) -> str:
    text: str = object.__getattribute__(part, "_json")  # the slot; AttributeError if unset
    return text


class _Part(BaseModel):
    """A frozen model that keeps its compact JSON once made (parts are shared, see above)."""

    __slots__ = ("_json",)
    model_config = _CONFIG

    def model_dump_json(self, *args: Any, **kwargs: Any) -> str:
        """As pydantic's; with no arguments, made once per object."""
        if args or kwargs:
            return super().model_dump_json(*args, **kwargs)
        try:
            return _memo_of(self)
        except AttributeError:
            text = super().model_dump_json()
            object.__setattr__(self, "_json", text)
            return text


def _piece(part: _Part) -> str:
    try:
        return _memo_of(part)
    except AttributeError:
        return part.model_dump_json()


def _parts(items: tuple[_Part, ...]) -> str:
    return "[" + ",".join([_piece(x) for x in items]) + "]"


def _names(items: tuple[Any, ...]) -> str:
    # enum values and fact names are plain identifiers: nothing to escape
    return "[" + ",".join(['"' + str(x) + '"' for x in items]) + "]" if items else "[]"


class Citation(_Part):
    """A legal or policy source a conclusion rests on, as the ruleset declares it."""

    id: str = Field(description="Source id, unique within the merged ruleset.")
    kind: SourceKind = Field(description="case, statute, federal_policy, agency_policy, ...")
    citation: str = Field(description="Formal citation, e.g. '466 F.2d 6 (7th Cir. 1972)'.")
    title: str = Field(default="", description="Short title of the source.")
    section: str | None = Field(default=None, description="Section or paragraph relied on.")
    url: str | None = Field(default=None, description="Best public address seen, if any.")
    verification: Verification = Field(
        description="How far the source's stated facts were checked against retrieved text."
    )
    note: str | None = Field(
        default=None, description="What was not verified, when verification is not 'verified'."
    )
    effective: dt.date | None = Field(default=None, description="First day in force, if known.")
    ended: dt.date | None = Field(
        default=None, description="First day no longer in force; null while in force."
    )
    ended_by: str | None = Field(default=None, description="What ended it, where known.")
    not_before: dt.date | None = Field(
        default=None,
        description="With `effective` null: a lower bound of the start (the day it took "
        "effect is not known); it is applied from this day, and decisions say so.",
    )
    in_force_by: dt.date | None = Field(
        default=None, description="With `not_before`: a day by which it is known to be in force."
    )
    circuit: str | None = Field(
        default=None,
        description="For an appellate holding: the circuit that decided it, or supreme_court.",
    )


class TraceStep(_Part):
    """One event of the evaluation: a built-in derivation or a rule that fired."""

    op: Literal["derive", "fire"] = Field(
        description="'derive' for a built-in fact (rank relation, opportunity, force grid), "
        "'fire' for a rule."
    )
    rule: str = Field(description="Rule id (or the derived fact's name for 'derive').")
    stage: Stage = Field(description="Stage of intervention (1-5) the step belongs to.")
    because: str = Field(description="Plain-language reason, from the ruleset.")
    basis: tuple[str, ...] = Field(default=(), description="Ids of the sources relied on.")
    concludes: tuple[str, ...] = Field(
        default=(), description="What the step concluded, e.g. 'action=intervene', 'duty=report'."
    )
    layer: str = Field(default="", description="Id of the ruleset layer the rule comes from.")
    origin: str = Field(default="", description="file:line:col of the rule in its ruleset.")


class ReportDue(_Part):
    """A report the observer owes: to whom, and within what time of the incident."""

    to: str = Field(description="Who receives the report.")
    within: str | None = Field(
        description="ISO-8601 duration from the incident (PT0S: at once); null: no fixed clock."
    )
    note: str | None = Field(default=None, description="Form or other conditions.")
    rule: str = Field(description="The rule that concluded it.")
    layer: str = Field(description="The layer that rule comes from.")
    basis: tuple[str, ...] = Field(default=(), description="Ids of the sources relied on.")


class RulesetRef(_Part):
    """Which ruleset made the decision; `digest` changes with its meaning, not its layout."""

    id: str = Field(description="Ruleset id, e.g. 'model-policy'.")
    version: str = Field(description="The ruleset's own version string.")
    digest: str = Field(description="'sha256:' of the canonical merged ruleset.")


class Notice(_Part):
    """A standing assurance of the policy shown with decisions (e.g. no retaliation)."""

    id: str = Field(description="Notice id, unique within the ruleset.")
    text: str = Field(description="The assurance, in plain language.")
    basis: tuple[str, ...] = Field(default=(), description="Ids of the sources relied on.")


class JsonMemo:
    """The JSON of what decisions sharing their parts have in common (all but ranks and date).

    Kept only while the budget of its table allows, so a table's memory stays bounded.
    """

    __slots__ = ("budget", "head", "tail")

    def __init__(self, budget: list[int]) -> None:
        self.budget = budget  # bytes left, shared by the memos of one table
        self.head: str | None = None
        self.tail = ""

    def keep(self, head: str, tail: str) -> None:
        """Remember the texts if the budget allows (a race at worst stores equal texts)."""
        size = len(head) + len(tail)
        if self.budget[0] >= size:
            self.budget[0] -= size
            self.tail = tail
            self.head = head


_set = object.__setattr__
_new = object.__new__


class Decision(BaseModel):
    """What law and policy require of the observing officer, and why."""

    __slots__ = ("_memo",)
    model_config = _CONFIG

    action: Action = Field(description="none < acknowledge < intervene < intervene_physically.")
    duties: tuple[Duty, ...] = Field(
        default=(), description="Subset of intervene, render_aid, request_supervisor, report."
    )
    methods: tuple[Method, ...] = Field(
        default=(), description="Subset of distract, direct, delegate (the 3 D's)."
    )
    basis: tuple[Citation, ...] = Field(default=(), description="Every source relied on.")
    trace: tuple[TraceStep, ...] = Field(default=(), description="Why, step by step.")
    ruleset: RulesetRef = Field(description="The ruleset that made the decision.")
    facts: tuple[str, ...] = Field(
        default=(), description="Facts concluded by rules (e.g. 'force_no_longer_needed')."
    )
    actor_rank: Rank = Field(description="The acting officer's rank (canonical rung).")
    observer_rank: Rank = Field(description="The observing officer's rank (canonical rung).")
    relation: Relation = Field(description="Observer's rank relative to the actor.")
    realistic_opportunity: bool = Field(
        description="Whether the observer had a realistic opportunity (stated or derived; "
        "false when unknown, see the notice opportunity_unknown)."
    )
    supervisor_above: Rank | None = Field(
        default=None,
        description="With request_supervisor: the supervisor requested must outrank this rank "
        "(the actor's).",
    )
    notices: tuple[Notice, ...] = Field(default=(), description="Standing policy assurances.")
    reports: tuple[ReportDue, ...] = Field(
        default=(), description="Reports owed, soonest deadline first."
    )
    as_of: dt.date | None = Field(
        default=None, description="The date whose law and policy were applied."
    )
    disclaimer: str = Field(default=DISCLAIMER, description="Decision support, not legal advice.")

    def model_dump_json(self, *args: Any, **kwargs: Any) -> str:
        """As pydantic's; with no arguments, joined from the shared parts' own JSON."""
        if args or kwargs or self.disclaimer != DISCLAIMER:
            return super().model_dump_json(*args, **kwargs)
        if not all(f.isidentifier() and f.isascii() for f in self.facts):
            return super().model_dump_json()
        memo: JsonMemo | None = getattr(self, "_memo", None)
        if memo is not None and memo.head is not None:
            head, tail = memo.head, memo.tail
        else:
            head = "".join(
                [
                    '{"action":"',
                    self.action.value,
                    '","duties":',
                    _names(self.duties),
                    ',"methods":',
                    _names(self.methods),
                    ',"basis":',
                    _parts(self.basis),
                    ',"trace":',
                    _parts(self.trace),
                    ',"ruleset":',
                    _piece(self.ruleset),
                    ',"facts":',
                    _names(self.facts),
                    ',"actor_rank":"',
                ]
            )
            tail = "".join(
                ['","notices":', _parts(self.notices), ',"reports":', _parts(self.reports)]
            )
            if memo is not None:
                memo.keep(head, tail)
        above = self.supervisor_above
        day = self.as_of
        return "".join(
            [
                head,
                self.actor_rank.value,
                '","observer_rank":"',
                self.observer_rank.value,
                '","relation":"',
                self.relation.value,
                '","realistic_opportunity":',
                "true" if self.realistic_opportunity else "false",
                ',"supervisor_above":',
                "null" if above is None else '"' + above.value + '"',
                tail[1:],  # tail opens with the quote that closes observer_rank above
                ',"as_of":',
                "null" if day is None else '"' + day.isoformat() + '"',
                ',"disclaimer":',
                _DISCLAIMER_JSON,
                "}",
            ]
        )

    @classmethod
    def _variant(
        cls,
        base: dict[str, Any],
        actor_rank: Rank,
        observer_rank: Rank,
        supervisor_above: Rank | None,
        as_of: dt.date | None,
        memo: JsonMemo | None,
    ) -> Decision:
        """The decision of `base` with these ranks and date; its other parts shared.

        `base` holds every field but `disclaimer`, with values already valid.

        What `Decision(**base)` then `model_copy(update=...)` give, at a fraction of their
        cost: only `engine.merge` calls it, with values it validated;
        `tests/test_engine_table.py` compares the two.
        """
        new = _new(cls)
        fields = base.copy()
        fields["actor_rank"] = actor_rank
        fields["observer_rank"] = observer_rank
        fields["supervisor_above"] = supervisor_above
        fields["as_of"] = as_of
        fields["disclaimer"] = DISCLAIMER
        _set(new, "__dict__", fields)
        _set(new, "__pydantic_fields_set__", _ALL_BUT_DISCLAIMER)
        _set(new, "__pydantic_extra__", None)
        _set(new, "__pydantic_private__", None)
        _set(new, "_memo", memo)
        return new

    def explain(self, situation: Any = None) -> str:
        """The decision in plain language, stage by stage, with the 3 D's for the rank relation.

        Given the `Situation` it was made for, advice about force and escalation follows the
        situation's facts; without it, only advice that holds either way is given (a
        decision is shared by every situation of its class and does not hold one).
        """
        from intervene_rules.explain import explain

        return explain(self, situation)

    def what_would_change(self, situation: Any = None, ruleset: Ruleset | None = None) -> Changes:
        """The smallest changes of the situation's known facts that change the required action.

        A decision is shared by every situation of its class, so it does not hold the one it
        was made for: pass it (a `Situation`, mapping or JSON text). The ruleset is the
        loaded one of this decision's digest unless given; the law applied is `as_of`'s.
        Semantics: `intervene_rules.decision_range`.

        Raises:
            TypeError: no situation given.
            ValueError: the ruleset of this decision is not loaded (pass it), or another.

        """
        (hook,) = WHAT_WOULD_CHANGE
        return hook(self, situation, ruleset)  # type: ignore[no-any-return]


_ALL_BUT_DISCLAIMER = set(Decision.model_fields) - {"disclaimer"}

WHAT_WOULD_CHANGE: list[Any] = []
"""`Decision.what_would_change`'s work, put here by `_evaluate_partial` when the package is
imported: the model cannot import the engine that computes it."""
