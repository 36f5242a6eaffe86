"""Output model (contract): the observer's required action, duties, methods, basis and trace.

End of the pipeline. A `Decision` is frozen and built only by `engine.merge`, so both
evaluators produce identical objects for identical firings. Fields may be added in a minor
version; none is renamed or removed without a major one.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

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

_CONFIG = ConfigDict(extra="forbid", frozen=True)


class Citation(BaseModel):
    """A legal or policy source a conclusion rests on, as the ruleset declares it."""

    model_config = _CONFIG

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


class TraceStep(BaseModel):
    """One event of the evaluation: a built-in derivation or a rule that fired."""

    model_config = _CONFIG

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


class ReportDue(BaseModel):
    """A report the observer owes: to whom, and within what time of the incident."""

    model_config = _CONFIG

    to: str = Field(description="Who receives the report.")
    within: str | None = Field(
        description="ISO-8601 duration from the incident (PT0S: at once); null: no fixed clock."
    )
    note: str | None = Field(default=None, description="Form or other conditions.")
    rule: str = Field(description="The rule that concluded it.")
    layer: str = Field(description="The layer that rule comes from.")
    basis: tuple[str, ...] = Field(default=(), description="Ids of the sources relied on.")


class RulesetRef(BaseModel):
    """Which ruleset made the decision; `digest` changes with its meaning, not its layout."""

    model_config = _CONFIG

    id: str = Field(description="Ruleset id, e.g. 'model-policy'.")
    version: str = Field(description="The ruleset's own version string.")
    digest: str = Field(description="'sha256:' of the canonical merged ruleset.")


class Notice(BaseModel):
    """A standing assurance of the policy shown with decisions (e.g. no retaliation)."""

    model_config = _CONFIG

    id: str = Field(description="Notice id, unique within the ruleset.")
    text: str = Field(description="The assurance, in plain language.")
    basis: tuple[str, ...] = Field(default=(), description="Ids of the sources relied on.")


class Decision(BaseModel):
    """What law and policy require of the observing officer, and why."""

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
        description="Whether the observer had a realistic opportunity (stated or derived)."
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

    def explain(self) -> str:
        """The decision in plain language, stage by stage, with the 3 D's for the rank relation."""
        from intervene_rules.explain import explain

        return explain(self)
