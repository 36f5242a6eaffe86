"""The scenario file format (testing stage): its models, and loaded scenarios.

The pydantic models check a file; the dataclasses hold a loaded scenario and what it
expects. The format itself is described in `intervene_rules.testing.scenarios`.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, field_validator

from intervene_rules.fields import default_situation
from intervene_rules.location import SourceLocation
from intervene_rules.ruleset.model import check_iso_duration, written_as
from intervene_rules.situation import Situation
from intervene_rules.vocabulary import Action, Duty, Method, Rank

if TYPE_CHECKING:
    from intervene_rules.decision import ReportDue
    from intervene_rules.ruleset.ruleset import Ruleset

SUFFIX = ".scenarios.yaml"
"""File names ending in this are scenario files (`intervene test`, the pytest plugin)."""

DEFAULT_SITUATION: Mapping[str, Any] = default_situation()
"""What a partial situation leaves out (under the file's own `defaults`): every field at the
default the field table declares for it."""

_CFG = ConfigDict(extra="forbid", frozen=True)
_NAME = r"^[a-z][a-z0-9_]*$"

#: A partial situation as written: plain data here, merged with the defaults, then checked.
PartialSituationInput = Annotated[dict[str, Any], written_as("ScenarioSituation")]


class DutySet(BaseModel):
    """Duties the decision must include and must not include (other duties may appear)."""

    model_config = _CFG

    include: list[Duty] = Field(default=[], description="Duties the decision must include.")
    exclude: list[Duty] = Field(default=[], description="Duties the decision must not include.")


class MethodSet(BaseModel):
    """Methods the decision must include and must not include (other methods may appear)."""

    model_config = _CFG

    include: list[Method] = Field(default=[], description="Methods the decision must include.")
    exclude: list[Method] = Field(default=[], description="Methods it must not include.")


def _set_form(value: Any) -> str:
    return "mapping" if isinstance(value, dict | BaseModel) else "list"


_FORM_TAGS = frozenset({"list", "mapping"})

DutiesExpect = Annotated[
    Annotated[list[Duty], Tag("list")] | Annotated[DutySet, Tag("mapping")],
    Discriminator(_set_form),
]
MethodsExpect = Annotated[
    Annotated[list[Method], Tag("list")] | Annotated[MethodSet, Tag("mapping")],
    Discriminator(_set_form),
]


class ReportExpect(BaseModel):
    """A report the decision must owe; only the keys written are compared."""

    model_config = _CFG

    to: str | None = Field(
        default=None,
        min_length=1,
        description="Text the recipient must contain (case-insensitive).",
    )
    within: str | None = Field(
        default=None,
        description="The deadline exactly as the ruleset writes it (an ISO-8601 duration such "
        "as P10D); null: no fixed clock.",
    )
    rule: str | None = Field(default=None, min_length=1, description="The rule that owes it.")

    @field_validator("within")
    @classmethod
    def _iso_duration(cls, value: str | None) -> str | None:
        return check_iso_duration(value)


class ExpectSpec(BaseModel):
    """What the decision must be; every key is optional and only what is written is checked."""

    model_config = _CFG

    action: Action | None = Field(default=None, description="The required action.")
    duties: DutiesExpect | None = Field(
        default=None, description="The exact set of duties, or {include: [...], exclude: [...]}."
    )
    methods: MethodsExpect | None = Field(
        default=None, description="The exact set of methods, or {include: [...], exclude: [...]}."
    )
    cites: list[str] = Field(default=[], description="Source ids the basis must include.")
    not_cites: list[str] = Field(
        default=[], description="Source ids the basis must not include (e.g. later cases)."
    )
    notices: list[str] = Field(
        default=[],
        description="Notice ids the decision must carry (e.g. not_clearly_established).",
    )
    not_notices: list[str] = Field(
        default=[], description="Notice ids the decision must not carry."
    )
    fired: list[str] = Field(default=[], description="Rule ids that must fire.")
    not_fired: list[str] = Field(default=[], description="Rule ids that must not fire.")
    supervisor_above: str | None = Field(
        default=None,
        description="The rank the requested supervisor must outrank (null: no supervisor).",
    )
    reports: list[ReportExpect] | None = Field(
        default=None,
        description="Reports the decision must owe (others may appear); [] means none may be.",
    )


class ScenarioSpec(BaseModel):
    """One scenario: a (partial) situation and what the ruleset must decide for it."""

    model_config = _CFG

    name: str = Field(pattern=_NAME, description="Unique in the file, lower_snake_case.")
    description: str = Field(default="", description="What the scenario shows.")
    source: list[str] = Field(
        default=[], description="Id(s) of the ruleset's sources that decide the scenario."
    )
    section: str | None = Field(default=None, description="Section of the source relied on.")
    as_of: dt.date | None = Field(
        default=None, description="Date whose law and policy apply (default: the file's)."
    )
    situation: PartialSituationInput = Field(
        default={}, description="A partial situation; the rest comes from the defaults."
    )
    expect: ExpectSpec = Field(description="What the decision must be.")

    @field_validator("source", mode="before", json_schema_input_type=str | list[str])
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class ScenarioFileSpec(BaseModel):
    """A scenario file."""

    model_config = _CFG

    ruleset: str | None = Field(
        default=None,
        min_length=1,
        description="Bundled ruleset id or a path relative to this file; default: the file "
        "name before '.scenarios.yaml'.",
    )
    defaults: PartialSituationInput = Field(
        default={}, description="A partial situation merged under every scenario."
    )
    as_of: dt.date | None = Field(
        default=None,
        description="Date whose law and policy apply to every scenario (default: the day the "
        "scenarios run).",
    )
    scenarios: list[Annotated[Any, written_as("ScenarioSpec")]] = Field(
        min_length=1,
        description="The scenarios (each checked on its own as a `ScenarioSpec`, so that each "
        "reports its own errors).",
    )


@dataclass(frozen=True)
class SetExpectation:
    """An expectation on a set of values: exact, or what it must / must not include."""

    exact: tuple[str, ...] | None = None
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReportExpectation:
    """A report the decision must owe: each field given must match (`to` as a substring)."""

    to: str | None = None
    check_within: bool = False
    within: str | None = None
    rule: str | None = None

    def matches(self, report: ReportDue) -> bool:
        """Whether `report` is this one."""
        return (
            (self.to is None or self.to.casefold() in report.to.casefold())
            and (not self.check_within or report.within == self.within)
            and (self.rule is None or report.rule == self.rule)
        )

    def describe(self) -> str:
        """The expectation as written, for messages."""
        parts = []
        if self.to is not None:
            parts.append(f"to ~ {self.to!r}")
        if self.check_within:
            parts.append(f"within {self.within or 'null'}")
        if self.rule is not None:
            parts.append(f"rule {self.rule}")
        return "{" + ", ".join(parts) + "}"


@dataclass(frozen=True)
class Expectation:
    """What a scenario requires of the decision (only what the file states is checked)."""

    action: Action | None = None
    duties: SetExpectation | None = None
    methods: SetExpectation | None = None
    cites: tuple[str, ...] = ()
    not_cites: tuple[str, ...] = ()
    notices: tuple[str, ...] = ()
    not_notices: tuple[str, ...] = ()
    fired: tuple[str, ...] = ()
    not_fired: tuple[str, ...] = ()
    check_supervisor: bool = False
    supervisor_above: Rank | None = None
    reports: tuple[ReportExpectation, ...] | None = None


@dataclass(frozen=True)
class Scenario:
    """One loaded scenario: a valid situation and its expectation."""

    name: str
    situation: Situation
    expect: Expectation
    loc: SourceLocation
    description: str = ""
    sources: tuple[str, ...] = ()
    section: str | None = None
    as_of: dt.date | None = None

    @property
    def file(self) -> str:
        """The scenario file, as shown in reports."""
        return self.loc.file

    @property
    def line(self) -> int:
        """Line of the scenario in its file (1-based)."""
        return self.loc.line

    @property
    def location(self) -> str:
        """`file:line` of the scenario."""
        return f"{self.loc.file}:{self.loc.line}"


@dataclass(frozen=True)
class ScenarioFile:
    """A loaded scenario file and the ruleset its scenarios run against."""

    path: Path
    file: str
    ruleset: Ruleset
    scenarios: tuple[Scenario, ...]


def merge_situation(*layers: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge partial situations, later over earlier (mappings merge, the rest replaces)."""
    out: dict[str, Any] = {}
    for layer in layers:
        for key, value in layer.items():
            if isinstance(value, Mapping) and isinstance(out.get(key), dict):
                out[key] = merge_situation(out[key], value)
            else:
                out[key] = copy.deepcopy(value)
    return out


__all__ = [
    "DEFAULT_SITUATION",
    "SUFFIX",
    "DutySet",
    "ExpectSpec",
    "Expectation",
    "MethodSet",
    "ReportExpect",
    "ReportExpectation",
    "Scenario",
    "ScenarioFile",
    "ScenarioFileSpec",
    "ScenarioSpec",
    "SetExpectation",
    "merge_situation",
]
