"""Stage 2 of loading: the ruleset file format, as pydantic models (one file = one layer).

The `when` conditions stay plain data here; `compile.py` checks them against the field
vocabulary, because their errors need field-aware advice ("did you mean force.type?").
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from intervene_rules.durations import parse_iso_duration
from intervene_rules.vocabulary import (
    Action,
    Duty,
    ForceType,
    Method,
    Rank,
    Resistance,
    SourceKind,
    Stage,
    Verification,
)

_ID = r"^[a-z0-9][a-z0-9_.-]*$"
#: A federal circuit as rulesets write it: 1st ... 11th, dc, federal.
CIRCUIT = r"^(1st|2nd|3rd|[4-9]th|10th|11th|dc|federal)$"
#: The court of a case source: a circuit, or the Supreme Court (binding in every circuit).
COURT_CIRCUIT = r"^(1st|2nd|3rd|[4-9]th|10th|11th|dc|federal|supreme_court)$"
_CFG = ConfigDict(extra="forbid", frozen=True)


class SourceSpec(BaseModel):
    """A legal or policy source the layer cites (ids as in the project's sources list)."""

    model_config = _CFG

    id: str = Field(pattern=_ID, description="Stable id, e.g. 'byrd_v_brishke_1972'.")
    kind: SourceKind
    citation: str = Field(min_length=1)
    title: str = ""
    section: str | None = None
    url: str | None = None
    verification: Verification = Field(
        description="verified, partly_verified (say what was not seen in `note`) or unverified."
    )
    note: str | None = None
    effective: dt.date | None = Field(
        default=None, description="First day in force (null: in force as far back as known)."
    )
    ended: dt.date | None = Field(
        default=None, description="First day no longer in force (null: still in force)."
    )
    ended_by: str | None = Field(
        default=None, description="What ended it (a revoking order, a repeal, a revision)."
    )
    circuit: str | None = Field(
        default=None,
        pattern=COURT_CIRCUIT,
        description="For a case that is an appellate holding: the federal circuit whose court "
        "decided it (7th, 2nd, ...) or supreme_court. Null for any other source, and for a "
        "trial verdict, which clearly establishes no law.",
    )

    @model_validator(mode="after")
    def _circuit_of_a_case(self) -> SourceSpec:
        if self.circuit is not None and self.kind is not SourceKind.CASE:
            raise PydanticCustomError(
                "circuit_not_case",
                "only a case source has a circuit (this one is {kind})",
                {"kind": self.kind.value},
            )
        return self


class BasisRef(BaseModel):
    """A citation of one declared source, optionally pinned to a section of it."""

    model_config = _CFG

    id: str = Field(pattern=_ID, description="A declared source id.")
    section: str | None = Field(default=None, description="Section or paragraph relied on.")


#: A basis entry: a source id, or `{id, section}`.
BasisEntry = str | BasisRef


def basis_ids(basis: list[BasisEntry]) -> list[str]:
    """The source ids of a basis list."""
    return [b if isinstance(b, str) else b.id for b in basis]


def check_iso_duration(value: str | None) -> str | None:
    """Refuse a deadline that is not an ISO-8601 duration (None: no fixed clock).

    The text is kept as written (decisions show `PT24H`, not a number of seconds).
    """
    try:
        if value is not None:
            parse_iso_duration(value)
    except ValueError:
        raise PydanticCustomError(
            "iso_duration",
            "'{value}' is not an ISO-8601 duration; write e.g. PT0S (at once), PT24H, P5D",
            {"value": value},
        ) from None
    return value


class ReportSpec(BaseModel):
    """A reporting obligation: to whom, and within what time of the incident."""

    model_config = _CFG

    to: str = Field(min_length=1, description="Who receives the report.")
    within: str | None = Field(
        default=None,
        description="ISO-8601 duration from the incident (PT0S: at once, on scene); null: no "
        "fixed clock.",
    )
    note: str | None = Field(default=None, description="Form or other conditions, as written.")

    @field_validator("within")
    @classmethod
    def _iso_duration(cls, value: str | None) -> str | None:
        return check_iso_duration(value)


class OpportunitySpec(BaseModel):
    """How to derive a realistic opportunity to intervene when the situation leaves it null."""

    model_config = _CFG

    min_duration_s: float | None = Field(
        default=None,
        ge=0,
        allow_inf_nan=False,
        strict=True,  # `true` or "5" are not durations
        description="Force lasting at least this long gives an opportunity; "
        "null: never assume one.",
    )
    because: str = Field(min_length=1)
    basis: list[str] = Field(min_length=1)


class ForceGridSpec(BaseModel):
    """Which force types each resistance level allows; a layer may only narrow its base's."""

    model_config = _CFG

    allows: dict[Resistance, list[ForceType]] = Field(min_length=1)
    because: str = Field(min_length=1)
    basis: list[str] = Field(min_length=1)


class ThenSpec(BaseModel):
    """What a rule concludes."""

    model_config = _CFG

    action: Action | None = None
    duties: list[Duty] = []
    methods: list[Method] = []
    facts: list[str] = Field(default=[], description="Derived facts this rule establishes.")
    reports: list[ReportSpec] = Field(
        default=[], description="Reporting obligations (each also brings the duty `report`)."
    )

    @field_validator("facts")
    @classmethod
    def _fact_names(cls, value: list[str]) -> list[str]:
        for name in value:
            if not name.isidentifier() or name != name.lower():
                raise PydanticCustomError(
                    "fact_name",
                    "fact name {name} must be a lower_snake_case identifier",
                    {"name": repr(name), "help": "name facts like `excessive_force`"},
                )
        return value


class RuleSpec(BaseModel):
    """One rule: in stage `stage`, when `when` holds, conclude `then`, because of `basis`."""

    model_config = _CFG

    id: str = Field(pattern=_ID)
    stage: Stage
    when: dict[str, Any] | None = Field(
        default=None, description="Condition over situation fields and facts; omitted = always."
    )
    then: ThenSpec
    because: str = Field(min_length=1)
    basis: list[BasisEntry] = Field(
        min_length=1, description="Sources this rule rests on: ids, or {id, section}."
    )
    replaces: str | None = Field(
        default=None, description="Id of a base-layer rule this rule replaces."
    )

    @field_validator("stage", mode="before")
    @classmethod
    def _stage_by_name(cls, value: Any) -> Any:
        if isinstance(value, Stage):
            return value
        if isinstance(value, str):
            for stage in Stage:
                if stage.key == value:
                    return stage
        # a number 1-5 also names a stage; `true` (an int to Python) and 2.0 do not
        elif isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= len(Stage):
            return Stage(value)
        names = ", ".join(repr(s.key) for s in Stage)
        raise PydanticCustomError(
            "enum", "Input should be {expected} (or 1-5)", {"expected": names}
        )


class NoticeSpec(BaseModel):
    """A standing assurance shown with every decision (e.g. protection from retaliation)."""

    model_config = _CFG

    id: str = Field(pattern=_ID)
    text: str = Field(min_length=1)
    basis: list[str] = Field(min_length=1)


class CoverageSpec(BaseModel):
    """What the layer's scenario tests must cover (`intervene test --coverage`)."""

    model_config = _CFG

    fail_under: float = Field(
        ge=0, le=100, strict=True, description="Minimum percentage of rules that fire."
    )


class ExceptionSpec(BaseModel):
    """A declared, sourced departure from one invariant, limited to where `when` holds."""

    model_config = _CFG

    invariant: int = Field(ge=1, le=8, strict=True, description="Which invariant (1-8).")
    when: dict[str, Any] = Field(description="The situations the departure covers.")
    reason: str = Field(min_length=1)
    basis: list[BasisEntry] = Field(min_length=1)


class RankAliasSpec(BaseModel):
    """An agency's rank title mapped onto a rung of the canonical ladder.

    Written either as the rung alone (`sergeant`) or, to cite the document that defines the
    title, as `{rank: sergeant, basis: [...], note: ...}`.
    """

    model_config = _CFG

    rank: Rank = Field(description="The rung of the canonical ladder the title sits on.")
    basis: list[BasisEntry] = Field(
        default=[], description="Sources that define the title (declared source ids)."
    )
    note: str | None = Field(
        default=None, description="How the title was placed, e.g. two titles on one rung."
    )

    @model_validator(mode="before")
    @classmethod
    def _rung_alone(cls, value: Any) -> Any:
        return {"rank": value} if isinstance(value, str) else value


class RulesetSpec(BaseModel):
    """One ruleset file (a layer)."""

    model_config = _CFG

    format: int = Field(
        default=1, ge=1, le=1, strict=True, description="Ruleset format version (1)."
    )
    id: str = Field(pattern=_ID)
    title: str = Field(min_length=1)
    version: str = Field(min_length=1)
    effective: dt.date | None = None
    ended: dt.date | None = Field(default=None, description="First day no longer in force.")
    ended_by: str | None = None
    jurisdiction: str = Field(min_length=1)
    circuit: str | None = Field(
        default=None,
        pattern=CIRCUIT,
        description="The federal circuit the jurisdiction lies in (e.g. 5th), whose holdings "
        "clearly establish law there; a layer without one inherits its base's.",
    )
    description: str = ""
    extends: list[str] = []
    sources: list[SourceSpec] = []
    rank_aliases: dict[str, RankAliasSpec] = Field(
        default={}, description="The agency's rank titles, each mapped onto a rung."
    )
    force_grid: ForceGridSpec | None = Field(
        default=None,
        description="For each resistance level, the force types it allows (a decision table).",
    )
    opportunity: OpportunitySpec | None = None
    notices: list[NoticeSpec] = []
    coverage: CoverageSpec | None = None
    exceptions: list[ExceptionSpec] = []
    rules: list[RuleSpec] = []
