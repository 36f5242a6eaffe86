"""Stage 2 of loading: the ruleset file format, as pydantic models (one file = one layer).

The `when` conditions stay plain data here; `compile.py` checks them against the field
vocabulary, because their errors need field-aware advice ("did you mean force.type?").
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
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

#: The key by which a field kept as plain data for a later stage names the definition of
#: its written form: `intervene_rules.yaml_schemas` builds the definition from the table
#: that stage checks against and turns the key into a `$ref` to it.
WRITTEN_AS = "x-written-as"


def written_as(name: str) -> WithJsonSchema:
    """The JSON Schema of a field that is checked later: the definition `name`."""
    return WithJsonSchema({WRITTEN_AS: name})


#: A `when:` condition: plain data here, checked field by field in `compile.py`.
Condition = Annotated[dict[str, Any], written_as("Condition")]
#: A stage as written: its name (`determine_action`) or its number (1-5).
StageInput = (
    Annotated[str, WithJsonSchema({"type": "string", "enum": [s.key for s in Stage]})]
    | Annotated[int, Field(ge=1, le=len(Stage))]
)


def check_known_by(value: dt.date | None, info: ValidationInfo) -> dt.date | None:
    """`in_force_by` closes the uncertain window opened by `not_before`, and follows it."""
    if value is not None and info.data.get("not_before") is None:
        raise PydanticCustomError(
            "period_bound",
            "in_force_by {value} without not_before: it ends the uncertain window that "
            "starts at a lower bound",
            {
                "value": value.isoformat(),
                "help": "give `not_before` (the lower bound), or write the date read as "
                "`effective`",
            },
        )
    return check_period(value, info, ("not_before",), "in_force_by")


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
    not_before: dt.date | None = Field(
        default=None,
        description="Only a lower bound of the start is known (a signing or session date): not "
        "in force before this day; from it on the start is uncertain (see `in_force_by`).",
    )
    in_force_by: dt.date | None = Field(
        default=None,
        description="With `not_before`: a day by which it is known to be in force (the end of "
        "the uncertain window); null: the window stays open.",
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

    @field_validator("not_before")
    @classmethod
    def _bound(cls, value: dt.date | None, info: ValidationInfo) -> dt.date | None:
        return check_bound(value, info)

    @field_validator("in_force_by")
    @classmethod
    def _known_by(cls, value: dt.date | None, info: ValidationInfo) -> dt.date | None:
        return check_known_by(value, info)

    @field_validator("ended")
    @classmethod
    def _ends_after_start(cls, value: dt.date | None, info: ValidationInfo) -> dt.date | None:
        return check_period(value, info, ("effective", "not_before", "in_force_by"), "ended")


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


def check_period(
    value: dt.date | None, info: ValidationInfo, after: tuple[str, ...], what: str
) -> dt.date | None:
    """Refuse a date of a period of force that is not after the dates it must follow.

    `after` names the fields (validated before this one) that must be earlier: a period
    that ends before it starts, or a lower bound past the end, is a mistake of the file.
    """
    if value is None:
        return value
    for name in after:
        earlier = info.data.get(name)
        if isinstance(earlier, dt.date) and value <= earlier:
            raise PydanticCustomError(
                "period_order",
                "{what} {value} is not after {name} {earlier}: the period of force would be empty",
                {
                    "what": what,
                    "value": value.isoformat(),
                    "name": name,
                    "earlier": earlier.isoformat(),
                    "help": "`ended` is the first day no longer in force and must come after "
                    "`effective` (and after `not_before` and `in_force_by`); check both dates "
                    "against the source",
                },
            )
    return value


def check_bound(value: dt.date | None, info: ValidationInfo) -> dt.date | None:
    """A lower bound (`not_before`) is for a start date that is not known; not with one."""
    if value is not None and info.data.get("effective") is not None:
        raise PydanticCustomError(
            "period_bound",
            "not_before {value} given with effective {effective}: give the start date or a "
            "lower bound of it, not both",
            {
                "value": value.isoformat(),
                "effective": info.data["effective"].isoformat(),
                "help": "keep `effective` when the day it took effect was read; keep "
                "`not_before` when only a lower bound (a signing or session date) is known",
            },
        )
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


class RestrictionSpec(BaseModel):
    """A restricted technique: a force type the grid forbids while a source of it is in force.

    In force while its layer is, while one of its `basis` sources is, and within its own
    `effective`/`ended` when given (which must lie within its sources' period).
    """

    model_config = _CFG

    technique: ForceType = Field(description="The force type restricted, e.g. neck_restraint.")
    at: list[Resistance] = Field(
        default=[], description="The resistance levels it is forbidden at; empty: at every level."
    )
    because: str = Field(min_length=1)
    basis: list[str] = Field(min_length=1, description="The sources that restrict it.")
    effective: dt.date | None = Field(
        default=None, description="First day in force, if not that of its sources."
    )
    ended: dt.date | None = Field(default=None, description="First day no longer in force.")

    @field_validator("ended")
    @classmethod
    def _ends_after_start(cls, value: dt.date | None, info: ValidationInfo) -> dt.date | None:
        return check_period(value, info, ("effective",), "ended")


class ForceGridSpec(BaseModel):
    """Which force types each resistance level allows; a layer may only narrow its base's.

    `allows` narrows the rows on every date of the layer; `restricts` forbids a technique
    only while the source restricting it is in force.
    """

    model_config = _CFG

    allows: dict[Resistance, list[ForceType]] = Field(default={})
    restricts: list[RestrictionSpec] = Field(
        default=[], description="Restricted techniques, each in force with its sources."
    )
    because: str = Field(min_length=1)
    basis: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _narrows_something(self) -> ForceGridSpec:
        if not self.allows and not self.restricts:
            raise PydanticCustomError(
                "grid_empty",
                "a force grid needs `allows` rows or `restricts` entries",
                {"help": "write `allows: {resistance: [force types]}` or a `restricts:` list"},
            )
        return self


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
    when: Condition | None = Field(
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
    effective: dt.date | None = Field(
        default=None,
        description="First day the rule applies, when it starts later than its sources "
        "(e.g. one requirement added by a revision of a source); null: as its sources.",
    )
    ended: dt.date | None = Field(
        default=None, description="First day the rule no longer applies; null: as its sources."
    )

    @model_validator(mode="after")
    def _period(self) -> RuleSpec:
        if self.effective and self.ended and self.ended <= self.effective:
            raise PydanticCustomError(
                "rule_period",
                "rule {rule} ends ({ended}) on or before it starts ({effective})",
                {"rule": self.id, "ended": str(self.ended), "effective": str(self.effective)},
            )
        return self

    @field_validator("stage", mode="before", json_schema_input_type=StageInput)
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
    when: Condition = Field(description="The situations the departure covers.")
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
    effective: dt.date | None = Field(
        default=None,
        description="First day the title is in use, if not that of its sources (must lie "
        "within their period).",
    )
    ended: dt.date | None = Field(default=None, description="First day no longer in use.")

    @field_validator("ended")
    @classmethod
    def _ends_after_start(cls, value: dt.date | None, info: ValidationInfo) -> dt.date | None:
        return check_period(value, info, ("effective",), "ended")


class RulesetSpec(BaseModel):
    """One ruleset file (a layer)."""

    model_config = _CFG

    format: int = Field(
        default=1, ge=1, le=1, strict=True, description="Ruleset format version (1)."
    )
    id: str = Field(pattern=_ID)
    title: str = Field(min_length=1)
    version: str = Field(min_length=1)
    effective: dt.date | None = Field(
        default=None, description="First day in force (null: in force as far back as known)."
    )
    not_before: dt.date | None = Field(
        default=None,
        description="Only a lower bound of the start is known (a signing or session date): not "
        "in force before this day; from it on the start is uncertain (see `in_force_by`).",
    )
    in_force_by: dt.date | None = Field(
        default=None,
        description="With `not_before`: a day by which it is known to be in force (the end of "
        "the uncertain window); null: the window stays open.",
    )
    ended: dt.date | None = Field(
        default=None, description="First day no longer in force (null: still in force)."
    )
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
        default={},
        description="The agency's rank titles, each mapped onto a rung: the rung alone "
        "(`Sergeant: sergeant`) or `{rank: sergeant, basis: [...], note: ...}`.",
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

    @field_validator("not_before")
    @classmethod
    def _bound(cls, value: dt.date | None, info: ValidationInfo) -> dt.date | None:
        return check_bound(value, info)

    @field_validator("in_force_by")
    @classmethod
    def _known_by(cls, value: dt.date | None, info: ValidationInfo) -> dt.date | None:
        return check_known_by(value, info)

    @field_validator("ended")
    @classmethod
    def _ends_after_start(cls, value: dt.date | None, info: ValidationInfo) -> dt.date | None:
        return check_period(value, info, ("effective", "not_before", "in_force_by"), "ended")

    @field_validator(
        "rank_aliases", mode="before", json_schema_input_type=dict[str, Rank | RankAliasSpec]
    )
    @classmethod
    def _rung_alone(cls, value: Any) -> Any:
        # the shorthand `Title: rung` is `Title: {rank: rung}`
        if not isinstance(value, dict):
            return value
        return {k: {"rank": v} if isinstance(v, str) else v for k, v in value.items()}
