"""The timeline format: officers, the subject's state at the start, timestamped events.

Times are seconds from the start of the incident (`at: 95`), or a clock reading from it
(`at: "1:35"`, `at: "0:01:35"`). Events are given in time order; several at one time keep
their written order. Every event may say where its fact comes from (`source`: a source id
of the ruleset or free text) and whether its time is approximate.

Checked at load, each at its line and column (`timeline_*` codes, all at once): unknown
keys, kinds and values; events out of order; an event naming an officer not listed; force
changed or stopped that never started, or started twice; an officer acting after leaving
or arriving twice; a verbal intervention with no one to address.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from intervene_rules.errors import Issue, TimelineError
from intervene_rules.vocabulary import ForceType, Misconduct, Rank, Resistance

_CONFIG = ConfigDict(extra="forbid", frozen=True)
_CLOCK = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2}(?:\.\d+)?)$")


def _seconds(value: Any) -> Any:
    """`95`, `"1:35"` or `"0:01:35"` -> 95.0 (other values are left to the type check)."""
    if isinstance(value, str):
        m = _CLOCK.match(value.strip())
        if m is None:
            raise ValueError(
                f"{value!r} is not a time: write seconds from the start (95) or a clock "
                'reading from it ("1:35" or "0:01:35")'
            )
        hours, minutes, seconds = m.groups()
        return int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)
    return value


class Officer(BaseModel):
    """An officer present at the incident."""

    model_config = _CONFIG
    id: str = Field(min_length=1, description="How events name the officer, e.g. 'A' or 'Hall'.")
    rank: Rank = Field(description="Rank on the canonical ladder (or a ruleset's rank title).")
    note: str | None = Field(default=None, description="Who the officer is, in a few words.")


class SubjectStart(BaseModel):
    """The subject at the start of the incident; `null` where the sources do not say.

    An unknown fact stays unknown until an event sets it: the moments then hold the exact
    range of decisions over its values (`evaluate_partial`), never a guessed default.
    """

    model_config = _CONFIG
    resistance: Resistance | None = Resistance.COMPLIANT
    restrained: bool | None = Field(default=False, strict=True)
    medical_distress: bool | None = Field(default=False, strict=True)


class _Event(BaseModel):
    model_config = _CONFIG
    at: float = Field(ge=0, allow_inf_nan=False, description="Seconds from the start.")
    source: str | None = Field(
        default=None, description="Where the fact comes from: a source id or a citation."
    )
    approximate: bool = Field(default=False, strict=True, description="The time is approximate.")
    note: str | None = Field(default=None, description="What happened, in a few words.")

    _at = field_validator("at", mode="before")(_seconds)


class ForceStarted(_Event):
    """An officer starts using force."""

    kind: Literal["force_started"]
    officer: str
    type: ForceType
    still_needed: bool | None = Field(
        default=True, strict=True, description="null: the sources do not say (unknown)."
    )


class ForceChanged(_Event):
    """The force changes type, or stops being needed (its duration runs on)."""

    kind: Literal["force_changed"]
    officer: str
    type: ForceType | None = None
    still_needed: bool | None = Field(default=None, strict=True)


class ForceStopped(_Event):
    """The officer stops using force."""

    kind: Literal["force_stopped"]
    officer: str


class SubjectRestrained(_Event):
    """The subject is restrained (handcuffed, held down)."""

    kind: Literal["subject_restrained"]


class SubjectReleased(_Event):
    """The subject is no longer restrained."""

    kind: Literal["subject_released"]


class ResistanceChanged(_Event):
    """The subject's resistance changes."""

    kind: Literal["resistance_changed"]
    resistance: Resistance


class MedicalDistress(_Event):
    """Signs of medical distress are seen (or, `observed: false`, end)."""

    kind: Literal["medical_distress"]
    observed: bool = Field(default=True, strict=True)


class ObserverArrived(_Event):
    """An officer arrives (an officer with no arrival is there from the start)."""

    kind: Literal["observer_arrived"]
    officer: str


class ObserverLeft(_Event):
    """An officer leaves."""

    kind: Literal["observer_left"]
    officer: str


class VerbalIntervention(_Event):
    """An officer tells another to stop: ignored (the force goes on) or heeded."""

    kind: Literal["verbal_intervention"]
    officer: str
    to: str | None = Field(
        default=None, description="The officer addressed (default: the one using force)."
    )
    outcome: Literal["ignored", "heeded"]


class MisconductObserved(_Event):
    """An officer's misconduct is seen."""

    kind: Literal["misconduct"]
    officer: str
    kinds: tuple[Misconduct, ...] = Field(min_length=1)


class SupervisorRequested(_Event):
    """An officer asks for a supervisor."""

    kind: Literal["supervisor_requested"]
    officer: str


class SupervisorArrived(_Event):
    """A supervisor arrives."""

    kind: Literal["supervisor_arrived"]
    officer: str | None = None


class AidRendered(_Event):
    """An officer renders or calls for medical aid."""

    kind: Literal["aid_rendered"]
    officer: str


Event = Annotated[
    ForceStarted
    | ForceChanged
    | ForceStopped
    | SubjectRestrained
    | SubjectReleased
    | ResistanceChanged
    | MedicalDistress
    | ObserverArrived
    | ObserverLeft
    | VerbalIntervention
    | MisconductObserved
    | SupervisorRequested
    | SupervisorArrived
    | AidRendered,
    Field(discriminator="kind"),
]
"""One timestamped event; `kind` says which."""

EVENT_KINDS: tuple[str, ...] = (
    "force_started",
    "force_changed",
    "force_stopped",
    "subject_restrained",
    "subject_released",
    "resistance_changed",
    "medical_distress",
    "observer_arrived",
    "observer_left",
    "verbal_intervention",
    "misconduct",
    "supervisor_requested",
    "supervisor_arrived",
    "aid_rendered",
)


class Timeline(BaseModel):
    """An incident as timestamped events: what each observer saw, and when."""

    model_config = _CONFIG
    incident: str = Field(min_length=1, description="A name for the incident.")
    date: dt.date = Field(description="The day it happened: the law of that day applies.")
    start: dt.time | None = Field(
        default=None, description="Clock time of `at: 0` (to tell when it runs past midnight)."
    )
    ruleset: str | None = Field(default=None, description="Bundled ruleset id or file to apply.")
    approximate: bool = Field(
        default=False, strict=True, description="Every time in it is approximate."
    )
    sources: tuple[str, ...] = Field(default=(), description="Where the facts come from.")
    officers: tuple[Officer, ...] = Field(min_length=1)
    subject: SubjectStart = Field(default_factory=SubjectStart)
    events: tuple[Event, ...] = Field(min_length=1)

    def evaluate(self, ruleset: Any, *, backend: str | None = None) -> Any:
        """The duty over time under `ruleset`, by the law of `date` (see `TimelineResult`)."""
        from intervene_rules.timeline.run import run

        return run(self, ruleset, backend=backend)


def load_timeline(source: str | Path, *, text: str | None = None) -> Timeline:
    """Load and check a timeline file (or its `text`, named `source`).

    Raises:
        TimelineError: every problem, each at its line and column (`timeline_*` codes).

    """
    from intervene_rules._validation import issues as to_issues
    from intervene_rules._validation import translate
    from intervene_rules.ruleset._yaml import read_mapping
    from intervene_rules.timeline.checks import check

    doc, issues = read_mapping(
        source,
        text,
        "timeline",
        "a timeline is a mapping (incident:, date:, officers:, events:)",
        "see `intervene schema timeline` and the trainers' guide",
    )
    if doc is None:
        raise TimelineError(issues)
    try:
        timeline = Timeline.model_validate(doc.data)
    except ValidationError as exc:
        problems = translate(exc, doc.data, root=Timeline, tags=frozenset(EVENT_KINDS))
        inside = {p.path[:2] for p in problems if p.path[:1] == ("events",) and len(p.path) > 1}
        problems = [
            p
            for p in problems
            # an unknown kind is said once, with the kinds there are (`_kinds`); and the
            # events' count is not short when its events are only invalid
            if p.error_type != "union_tag_invalid"
            and not (p.error_type == "too_short" and p.path == ("events",) and inside)
        ]
        issues += to_issues(problems, doc, "timeline")
        events = doc.data.get("events")
        if isinstance(events, list):
            issues += _kinds(events, doc)
        raise TimelineError(_unique(issues)) from None
    issues += check(timeline, doc)
    if issues:
        raise TimelineError(_unique(issues))
    return timeline


def _kinds(events: list[Any], doc: Any) -> list[Issue]:
    """An event of an unknown kind, named with the kinds there are."""
    from intervene_rules.suggest import did_you_mean

    out = []
    for i, e in enumerate(events):
        kind = e.get("kind") if isinstance(e, dict) else None
        if isinstance(kind, str) and kind not in EVENT_KINDS:
            out.append(
                Issue(
                    "timeline_unknown_event_kind",
                    f"event {i + 1}: unknown kind {kind!r}",
                    doc.loc(("events", i, "kind")),
                    help=did_you_mean(kind, EVENT_KINDS) + "kinds: " + ", ".join(EVENT_KINDS),
                )
            )
    return out


def _unique(issues: list[Issue]) -> list[Issue]:
    seen: set[tuple[str, str, int, int]] = set()
    out = []
    for i in issues:
        key = (i.code, i.message, i.loc.line, i.loc.column)
        if key not in seen:
            seen.add(key)
            out.append(i)
    return out
