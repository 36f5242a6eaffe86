"""The JSON that `intervene diff --format json` writes, as models: its documented schema.

`DiffReport.to_dict` and `PeriodsReport.to_dict` build the output; these models describe
it (`intervene schema diff`), and a test validates real output of both shapes against
them, so the two cannot drift apart.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel

_CONFIG = ConfigDict(extra="forbid")


class RulesetId(BaseModel):
    """Which ruleset a side is."""

    model_config = _CONFIG
    id: str
    version: str
    digest: str


class Summary(BaseModel):
    """What a decision says, by component (the example's, on one side of a change)."""

    model_config = _CONFIG
    action: str | None
    duties: list[str]
    methods: list[str]
    reports: list[str]
    notices: list[str]
    basis: list[str]
    binding: list[str]


class Region(BaseModel):
    """A readable region of situations (a conjunction of field conditions) and its size."""

    model_config = _CONFIG
    where: str = Field(description="The region in words, e.g. `force.type ∈ {cew, firearm}`.")
    conditions: dict[str, list[str]] = Field(
        description="Machine form: field -> the values allowed (fields not narrowed left out)."
    )
    size: int = Field(description="Situations of the reduced space in it.")


class Group(BaseModel):
    """Every situation whose decision changes the same way."""

    model_config = _CONFIG
    change: str = Field(description="What changes, e.g. `acknowledge → intervene`.")
    components: list[str] = Field(description="The components that differ.")
    before: Summary
    after: Summary
    situations: int
    regions: list[Region] = Field(description="Regions covering the group (they may overlap).")
    example: dict[str, Any] | None = Field(description="One situation of the group.")
    rules: dict[Literal["a", "b"], list[str]] = Field(
        description="The stage-2 rules deciding the example on each side."
    )


class _Body(BaseModel):
    model_config = _CONFIG
    space: str = Field(description="The reduced input space compared, in words.")
    situations: int
    changed: int = Field(description="Situations whose decision changes in a compared component.")
    by_component: dict[str, int]
    citations_only: int = Field(description="Situations that keep their decision but cite else.")
    groups: list[Group]


class OneDate(_Body):
    """`intervene diff A B --as-of DATE`: the difference on one date."""

    a: RulesetId
    b: RulesetId
    compared: list[str]
    seconds: float
    notes: list[dict[str, str]] = Field(default_factory=list)


class Period(_Body):
    """One legal period (or a run of periods with the same difference)."""

    start: str | None = Field(description="First day (ISO), or null: since ever.")
    end: str | None = Field(description="First day after it (ISO), or null: still running.")
    period: str = Field(description="The dates in words.")
    intervals: int = Field(description="Legal periods joined into this one.")
    identical: bool


class PeriodsSummary(BaseModel):
    """Counts over all periods."""

    model_config = _CONFIG
    periods: int
    differing: int
    intervals: int
    pairs: int = Field(description="Distinct pairs of period views.")
    walks: int = Field(description="Pairs walked (the others have the same views on both sides).")
    by_component: dict[str, int]


class EveryPeriod(BaseModel):
    """`intervene diff A B` (or `--as-of all`): the difference over every legal period."""

    model_config = _CONFIG
    a: RulesetId
    b: RulesetId
    as_of: Literal["all"]
    compared: list[str]
    identical: bool
    notes: list[dict[str, str]] = Field(
        description="What differs in the inputs themselves: rank titles, period boundaries."
    )
    summary: PeriodsSummary
    seconds: float
    periods: list[Period]


class DiffOutput(RootModel[EveryPeriod | OneDate]):
    """The output of `intervene diff --format json`: over every period, or on one date."""


__all__ = ["DiffOutput", "EveryPeriod", "OneDate"]
