"""The responses format: what each observer actually did, and when.

A YAML file with `responses:`, each an act of one officer at a time: `at` in seconds from
the start of the incident, a clock reading (`"1:35"`), or an ISO-8601 duration from the
start for acts long after it (`"P1DT2H"`: a report filed the next day). Kinds:
`verbal_intervention`, `physical_intervention`, `supervisor_requested`, `aid_rendered`,
`aid_requested`, `report_filed` (with `to`: one of the recipients the ruleset names). Acts
already written in the timeline (a verbal intervention, a supervisor requested, aid
rendered) count as responses too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from intervene_rules.durations import parse_iso_duration
from intervene_rules.errors import ResponsesError
from intervene_rules.timeline.model import _seconds

_CONFIG = ConfigDict(extra="forbid", frozen=True)

Kind = Literal[
    "verbal_intervention",
    "physical_intervention",
    "supervisor_requested",
    "aid_rendered",
    "aid_requested",
    "report_filed",
]
KINDS: tuple[str, ...] = Kind.__args__  # type: ignore[attr-defined]


def _time(value: Any) -> Any:
    """Seconds, a clock reading, or an ISO-8601 duration from the start."""
    if isinstance(value, str) and value.startswith(("P", "-P")):
        sign = -1 if value.startswith("-") else 1
        try:
            return sign * parse_iso_duration(value.lstrip("-")).total_seconds()
        except ValueError:
            raise ValueError(f"{value!r} is not an ISO-8601 duration (e.g. PT2H, P1DT4H)") from None
    return _seconds(value)


class Response(BaseModel):
    """One act of one officer."""

    model_config = _CONFIG
    at: float = Field(allow_inf_nan=False, description="Seconds from the start of the incident.")
    officer: str = Field(min_length=1)
    kind: Kind
    to: str | None = Field(
        default=None,
        description="For a report: who received it; for an intervention: the officer addressed "
        "(default: whoever was acting).",
    )
    source: str | None = None
    approximate: bool = Field(default=False, strict=True)
    note: str | None = None

    _at = field_validator("at", mode="before")(_time)


class Responses(BaseModel):
    """The responses of one incident."""

    model_config = _CONFIG
    responses: tuple[Response, ...] = ()


def load_responses(source: str | Path, *, text: str | None = None) -> tuple[Responses, Any]:
    """Load a responses file; returns it and its parsed document (for located checks).

    Raises:
        ResponsesError: every problem of the file, each at its line and column
            (`responses_*` codes).

    """
    from intervene_rules._validation import issues as to_issues
    from intervene_rules._validation import translate
    from intervene_rules.ruleset._yaml import read_mapping

    doc, issues = read_mapping(
        source,
        text,
        "responses",
        "a responses file is a mapping with `responses:` (a list of acts)",
        "write `responses:`, one `- {at: ..., officer: ..., kind: ...}` per act",
    )
    if doc is None:
        raise ResponsesError(issues)
    try:
        responses = Responses.model_validate(doc.data)
    except ValidationError as exc:
        problems = translate(exc, doc.data, root=Responses)
        raise ResponsesError([*issues, *to_issues(problems, doc, "responses")]) from None
    if issues:
        raise ResponsesError(issues)
    return responses, doc
