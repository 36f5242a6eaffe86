"""Running a timeline: the situation of each observer and acting officer after every event.

The state after each event (who is there, who uses which force since when, the subject,
verbal interventions ignored, misconduct seen) gives, for each observer present and each
other officer who acts in the incident, a `Situation`; the ruleset decides it by the law of
the incident's date. Between events the force's duration runs on: where it crosses a
threshold the ruleset compares durations with (its opportunity setting, a rule's test), a
moment is added, so the moment a duty arises is exact. The duration an observer counts is
the time the force has gone on while they were there.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from intervene_rules import words
from intervene_rules._evaluate import evaluate
from intervene_rules._evaluate_partial import evaluate_partial
from intervene_rules.decision import DISCLAIMER, Decision, RulesetRef
from intervene_rules.decision_range import DecisionRange
from intervene_rules.partial import PartialSituation, with_known_nulls
from intervene_rules.situation import Actor, Force, Observer, Situation, Subject
from intervene_rules.timeline.levels import most, required
from intervene_rules.vocabulary import (
    Action,
    ForceType,
    Misconduct,
    PriorIntervention,
    Rank,
    Resistance,
)

if TYPE_CHECKING:
    from intervene_rules.ruleset.ruleset import Ruleset
    from intervene_rules.timeline.model import Timeline

_CONFIG = ConfigDict(frozen=True, extra="forbid")


class Moment(BaseModel):
    """One observer's situation and decision at one moment of the incident.

    Where a fact is unknown (the timeline says `null`), `situation` is partial, `decision`
    is None and `range` holds every decision its completions allow.
    """

    model_config = _CONFIG
    at: float = Field(description="Seconds from the start.")
    event: int | None = Field(
        description="Index of the event (0-based) that made this moment; None for a moment "
        "a derived fact changed (the force's duration crossing a threshold)."
    )
    cause: str = Field(description="What happened, in words.")
    situation: Situation | PartialSituation
    decision: Decision | None
    range: DecisionRange | None = None
    arises: bool = Field(description="The first moment of this line with a required action.")
    escalates: bool = Field(
        description="After it arose, the action becomes more demanding than the moment before."
    )


class Line(BaseModel):
    """One observer facing one acting officer, over the incident."""

    model_config = _CONFIG
    observer: str
    observer_rank: Rank
    actor: str
    actor_rank: Rank
    moments: tuple[Moment, ...]
    arises_at: float | None = Field(
        description="When an action is first required of the observer (None: never)."
    )
    may_arise_at: float | None = Field(
        default=None,
        description="With unknown facts: when an action is first possibly required.",
    )
    most: Action = Field(description="The most demanding action over the incident.")


class TimelineResult(BaseModel):
    """What the ruleset required of each observer, moment by moment."""

    model_config = _CONFIG
    incident: str
    date: dt.date
    ruleset: RulesetRef
    as_of: dt.date = Field(description="The date whose law applied (the incident's).")
    approximate: bool
    sources: tuple[str, ...]
    notices: tuple[str, ...] = Field(description="What the reader must know about the answer.")
    events: tuple[dict[str, Any], ...] = Field(description="The events, as given.")
    lines: tuple[Line, ...]
    disclaimer: str = DISCLAIMER

    def text(self) -> str:
        """The timeline in plain words, line by line."""
        from intervene_rules.timeline.render import text

        return text(self)

    def html(self) -> str:
        """A self-contained page with the timeline picture (no network at view time)."""
        from intervene_rules.timeline.render import html

        return html(self)


@dataclass
class _State:
    resistance: Resistance | None
    restrained: bool | None
    distress: bool | None
    present: dict[str, float] = field(default_factory=dict)
    """Officer -> since when they are there."""
    force: dict[str, tuple[ForceType, bool | None, float]] = field(default_factory=dict)
    """Officer -> (type, still needed, started at)."""
    misconduct: dict[str, set[Misconduct]] = field(default_factory=dict)
    ignored: set[tuple[str, str]] = field(default_factory=set)
    """(observer, actor): a verbal intervention was made and ignored."""


def _apply(state: _State, e: Any) -> None:
    k = e.kind
    if k == "force_started":
        state.force[e.officer] = (e.type, e.still_needed, e.at)
    elif k == "force_changed":
        ftype, needed, since = state.force[e.officer]
        state.force[e.officer] = (
            e.type if e.type is not None else ftype,
            e.still_needed if e.still_needed is not None else needed,
            since,
        )
    elif k == "force_stopped":
        del state.force[e.officer]
        state.ignored = {(o, a) for o, a in state.ignored if a != e.officer}
    elif k == "subject_restrained":
        state.restrained = True
    elif k == "subject_released":
        state.restrained = False
    elif k == "resistance_changed":
        state.resistance = e.resistance
    elif k == "medical_distress":
        state.distress = e.observed
    elif k == "observer_arrived":
        state.present[e.officer] = e.at
    elif k == "observer_left":
        state.present.pop(e.officer, None)
    elif k == "verbal_intervention" and e.outcome == "ignored":
        state.ignored.add((e.officer, _addressed(state, e)))
    elif k == "misconduct":
        state.misconduct.setdefault(e.officer, set()).update(e.kinds)


def _addressed(state: _State, e: Any) -> str:
    """The officer a verbal intervention addresses: named, or the other one using force."""
    if e.kind != "verbal_intervention":
        return ""
    return e.to or next(a for a in state.force if a != e.officer)


def _cause(e: Any, addressed: str = "") -> str:
    """An event in words."""
    k = e.kind
    who = getattr(e, "officer", None)
    if k == "force_started":
        return f"{who} starts using {words.FORCE[e.type]}" + (
            "" if e.still_needed else " (not needed)"
        )
    if k == "force_changed":
        parts = []
        if e.type is not None:
            parts.append(f"switches to {words.FORCE[e.type]}")
        if e.still_needed is not None:
            parts.append("force still needed" if e.still_needed else "force no longer needed")
        return f"{who}: " + ", ".join(parts or ["force goes on"])
    if k == "force_stopped":
        return f"{who} stops using force"
    if k == "subject_restrained":
        return "the subject is restrained"
    if k == "subject_released":
        return "the subject is no longer restrained"
    if k == "resistance_changed":
        return f"the subject is {words.RESISTANCE[e.resistance]}"
    if k == "medical_distress":
        return "the subject shows medical distress" if e.observed else "medical distress ends"
    if k == "observer_arrived":
        return f"{who} arrives"
    if k == "observer_left":
        return f"{who} leaves"
    if k == "verbal_intervention":
        return f"{who} speaks up to {addressed} ({e.outcome})"
    if k == "misconduct":
        return f"{who}: " + ", ".join(words.MISCONDUCT[m] for m in e.kinds)
    if k == "supervisor_requested":
        return f"{who} asks for a supervisor"
    if k == "supervisor_arrived":
        return "a supervisor arrives" + (f" ({who})" if who else "")
    return f"{who} renders aid"


def _situation(
    state: _State, ranks: dict[str, Rank], observer: str, actor: str, now: float
) -> Situation | PartialSituation:
    """The situation `observer` faces; partial where the timeline leaves a fact unknown."""
    force = state.force.get(actor)
    needed: bool | None
    if force is None:
        ftype, needed, duration = ForceType.NONE, False, None
    else:
        ftype, needed, since = force
        duration = max(0.0, now - max(since, state.present.get(observer, since)))
    prior = (
        PriorIntervention.VERBAL if (observer, actor) in state.ignored else PriorIntervention.NONE
    )
    misconduct = tuple(sorted(state.misconduct.get(actor, ()), key=list(Misconduct).index))
    if None in (needed, state.resistance, state.restrained, state.distress):
        # the opportunity is not stated (the ruleset derives it), and with no force there
        # is no duration: those nulls are the contract's values, not unknowns
        nulls = ("observer.realistic_opportunity",) + (
            ("force.duration_s",) if duration is None else ()
        )
        return with_known_nulls(
            PartialSituation.model_validate(
                {
                    "actor": {"rank": ranks[actor]},
                    "observer": {
                        "rank": ranks[observer],
                        "realistic_opportunity": None,
                        "prior_intervention": prior,
                    },
                    "force": {"type": ftype, "still_needed": needed, "duration_s": duration},
                    "subject": {
                        "resistance": state.resistance,
                        "restrained": state.restrained,
                        "medical_distress": state.distress,
                    },
                    "misconduct": misconduct,
                }
            ),
            nulls,
        )
    return Situation.model_construct(
        actor=Actor.model_construct(rank=ranks[actor]),
        observer=Observer.model_construct(
            rank=ranks[observer], realistic_opportunity=None, prior_intervention=prior
        ),
        force=Force.model_construct(type=ftype, still_needed=needed, duration_s=duration),
        subject=Subject.model_construct(
            resistance=state.resistance,
            restrained=state.restrained,
            medical_distress=state.distress,
        ),
        misconduct=misconduct,
    )


def _thresholds(ruleset: Ruleset, day: dt.date) -> tuple[float, ...]:
    from intervene_rules.engine.table import engine_for

    return engine_for(ruleset.period(day)).classes.thresholds


def run(t: Timeline, ruleset: Ruleset, *, backend: str | None = None) -> TimelineResult:
    """Every line's moments under `ruleset`, by the law of the incident's date."""
    day = t.date
    ranks = {o.id: o.rank for o in t.officers}
    actors = [
        o.id
        for o in t.officers
        if any(getattr(e, "officer", None) == o.id for e in t.events if e.kind in _ACTS)
    ]
    pairs = [(o.id, a) for a in actors for o in t.officers if o.id != a]
    arrives = {e.officer for e in t.events if e.kind == "observer_arrived"}
    state = _State(t.subject.resistance, t.subject.restrained, t.subject.medical_distress)
    state.present = {o.id: 0.0 for o in t.officers if o.id not in arrives}
    cuts = _thresholds(ruleset, day)
    moments: dict[tuple[str, str], list[Moment]] = {p: [] for p in pairs}

    def decide(s: Situation) -> Decision:
        return evaluate(ruleset, s, as_of=day, backend=backend)  # type: ignore[arg-type]

    def emit(pair: tuple[str, str], at: float, event: int | None, cause: str) -> None:
        o, a = pair
        if o not in state.present:
            return
        s = _situation(state, ranks, o, a, at)
        d: Decision | None = None
        rng: DecisionRange | None = None
        if isinstance(s, Situation):
            d = decide(s)
            least = d.action
        else:  # facts unknown: what is certain is the least of the range
            rng = evaluate_partial(ruleset, s, as_of=day)
            least = rng.least
        line = moments[pair]
        before = required(line[-1]) if line else Action.NONE
        arises = least > Action.NONE and all(required(m) is Action.NONE for m in line)
        line.append(
            Moment(
                at=at,
                event=event,
                cause=cause,
                situation=s,
                decision=d,
                range=rng,
                arises=arises,
                escalates=Action.NONE < before < least,
            )
        )

    events = t.events
    said: list[str] = []
    for i, e in enumerate(events):
        cause = _cause(e, _addressed(state, e))
        said.append(cause)
        _apply(state, e)
        for pair in pairs:
            emit(pair, e.at, i, cause)
        # the force's duration crosses a threshold before the next event
        end = events[i + 1].at if i + 1 < len(events) else None
        crossings = sorted(
            (since_at + cut, o, a, cut)
            for a, (_, _, since) in state.force.items()
            for o in state.present
            if o != a
            for since_at in [max(since, state.present[o])]
            for cut in cuts
            if since_at + cut > e.at and (end is None or since_at + cut < end)
        )
        for at, o, a, cut in crossings:
            seen = "" if state.present[o] <= state.force[a][2] else f" while {o} is there"
            emit((o, a), at, None, f"{a}'s force has gone on for {words.seconds(cut)}{seen}")
    lines = []
    for (o, a), ms in moments.items():
        if not ms:
            continue
        first = next((m.at for m in ms if required(m) > Action.NONE), None)
        maybe = next((m.at for m in ms if most(m) > Action.NONE), None)
        lines.append(
            Line(
                observer=o,
                observer_rank=ranks[o],
                actor=a,
                actor_rank=ranks[a],
                moments=tuple(ms),
                arises_at=first,
                may_arise_at=maybe if maybe != first else None,
                most=max(most(m) for m in ms),
            )
        )
    return TimelineResult(
        incident=t.incident,
        date=day,
        ruleset=ruleset.period(day).ref,
        as_of=day,
        approximate=t.approximate or any(e.approximate for e in events),
        sources=t.sources,
        notices=tuple(_notices(t, ruleset)),
        events=tuple(
            {**e.model_dump(mode="json", exclude_none=True), "in_words": words_}
            for e, words_ in zip(events, said, strict=True)
        ),
        lines=tuple(lines),
    )


_ACTS = ("force_started", "misconduct")


def _notices(t: Timeline, ruleset: Ruleset) -> list[str]:
    out = []
    if t.approximate or any(e.approximate for e in t.events):
        out.append(
            "Some times are approximate: the moments a duty arises are as exact as the times "
            "given, no more."
        )
    if t.start is not None:
        begin = dt.datetime.combine(t.date, t.start)
        end = begin + dt.timedelta(seconds=t.events[-1].at)
        day = t.date + dt.timedelta(days=1)
        while day <= end.date():
            if ruleset.period(day) is not ruleset.period(t.date):
                out.append(
                    f"The incident ran past midnight into {day.isoformat()}, when the law in "
                    f"force changed; the law in force when it began ({t.date.isoformat()}) "
                    "applies throughout."
                )
                break
            day += dt.timedelta(days=1)
    return out
