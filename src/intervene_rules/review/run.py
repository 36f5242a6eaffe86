"""Judging responses against duties: when each duty arose, when it was met, how late.

Duties come from the timeline's moments (`Timeline.evaluate`), per observer and acting
officer: to intervene (an action of at least `intervene`), to step in physically, to render
aid, to request a supervisor, and each report the decision owes (recipient and deadline).
A duty arises at the first moment it is certain; where unknown facts make it only possible,
it stays *open*, with the facts that decide it. It is met by the observer's first matching
act at or after it arose (an act before it is credited, and said so); on-scene duties are
due by the incident's end, a report by its deadline from when it arose (an ISO-8601
duration of the ruleset; `PT0S`: by the end of the incident; none: no fixed deadline).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from intervene_rules import words
from intervene_rules.decision import DISCLAIMER, RulesetRef
from intervene_rules.durations import iso_seconds
from intervene_rules.errors import Issue, ResponsesError
from intervene_rules.review.model import Response, Responses
from intervene_rules.suggest import did_you_mean
from intervene_rules.timeline.levels import most, required
from intervene_rules.timeline.run import Moment, TimelineResult
from intervene_rules.vocabulary import Action, Duty

if TYPE_CHECKING:
    from intervene_rules.ruleset.ruleset import Ruleset
    from intervene_rules.timeline.model import Timeline

_CONFIG = ConfigDict(frozen=True, extra="forbid")

Status = Literal["met", "met_before", "late", "not_met", "open"]


_ANSWERS: dict[str, tuple[str, ...]] = {
    "intervene": ("verbal_intervention", "physical_intervention"),
    "step_in_physically": ("physical_intervention",),
    "render_aid": ("aid_rendered", "aid_requested"),
    "request_supervisor": ("supervisor_requested",),
    "report": ("report_filed",),
}
"""Which acts answer which duty."""

_TOWARD = ("intervene", "step_in_physically")
"""Duties owed toward one acting officer; the others (aid, a supervisor, a report) are the
observer's once, whoever acted."""


class DutyReview(BaseModel):
    """One duty of one observer: when it arose, whether and when it was met."""

    model_config = _CONFIG
    observer: str
    actor: str
    duty: str = Field(
        description="intervene, step_in_physically, render_aid, request_supervisor or report."
    )
    text: str = Field(description="The duty in words (a report: to whom, by when).")
    to: str | None = Field(default=None, description="For a report: its recipient.")
    within: str | None = Field(default=None, description="For a report: its deadline (ISO-8601).")
    arose_at: float | None = Field(description="Seconds from the start; None when open.")
    arose_by: str = Field(description="What happened when it arose, or what leaves it open.")
    rules: tuple[str, ...] = Field(default=(), description="Rules that concluded it.")
    sources: tuple[str, ...] = Field(default=(), description="Their sources (ids).")
    due_by: float | None = Field(description="Seconds from the start; None: no fixed deadline.")
    status: Status
    met_at: float | None = None
    delay_s: float | None = Field(default=None, description="From when it arose to the act.")
    late_by_s: float | None = None
    response: Response | None = None
    note: str = ""


class Review(BaseModel):
    """Every duty of every observer, judged against what they did."""

    model_config = _CONFIG
    disclaimer: str = Field(
        default=DISCLAIMER
        + " A review states what the ruleset requires and what the record shows was done; "
        "it is not a finding of liability or of misconduct.",
    )
    incident: str
    date: dt.date
    ruleset: RulesetRef
    as_of: dt.date
    incident_end: float = Field(description="Seconds from the start to the last event.")
    duties: tuple[DutyReview, ...]
    responses: tuple[Response, ...]
    notes: tuple[str, ...] = Field(description="What the reader must know: credited, unmatched.")
    timeline: TimelineResult

    def text(self) -> str:
        """The review in plain words, the disclaimer first."""
        from intervene_rules.review.render import text

        out: str = text(self)
        return out

    def html(self) -> str:
        """A self-contained page: the timeline picture annotated with the responses."""
        from intervene_rules.review.render import html

        out: str = html(self)
        return out


@dataclass
class _Arising:
    duty: str
    text: str
    at: float | None
    moment: Moment | None
    to: str | None = None
    within: str | None = None
    open_because: str = ""


def _basis(m: Moment | None, duty: str, to: str | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The rules (and their sources) that concluded `duty` at `m`."""
    if m is None or m.decision is None:
        return (), ()
    rules: list[str] = []
    sources: list[str] = []
    for step in m.decision.trace:
        if step.op != "fire":
            continue
        c = step.concludes
        hit = (
            (
                duty in ("intervene", "step_in_physically")
                and any(x.startswith("action=intervene") for x in c)
            )
            or (duty == "render_aid" and "duty=render_aid" in c)
            or (duty == "request_supervisor" and "duty=request_supervisor" in c)
            or (duty == "report" and any(x.startswith(f"report={to}") for x in c))
        )
        if hit:
            rules.append(step.rule)
            sources += [b for b in step.basis if b not in sources]
    return tuple(rules), tuple(sources)


def _arisings(moments: tuple[Moment, ...]) -> list[_Arising]:
    """Each duty of one line with the first moment it is certain (or what leaves it open)."""
    out: dict[tuple[str, str | None, str | None], _Arising] = {}

    def note(key: tuple[str, str | None, str | None], text: str, m: Moment, sure: bool) -> None:
        hit = out.get(key)
        if sure and (hit is None or hit.at is None):
            out[key] = _Arising(key[0], text, m.at, m, key[1], key[2])
        elif not sure and hit is None:
            r = m.range
            why = "facts are unknown"
            if r is not None and r.deciding and key[0] in ("intervene", "step_in_physically"):
                why = r.deciding[0].text
            elif r is not None and r.unknown:
                lacking = " and ".join(words.FIELD[f] for f in r.unknown)
                why = f"Whether it is owed turns on what the timeline does not say: {lacking}."
            out[key] = _Arising(key[0], text, None, None, key[1], key[2], why)

    for m in moments:
        low, high = required(m), most(m)
        if high >= Action.INTERVENE:
            note(("intervene", None, None), "intervene", m, low >= Action.INTERVENE)
        if high is Action.INTERVENE_PHYSICALLY:
            note(
                ("step_in_physically", None, None),
                "step in physically",
                m,
                low is Action.INTERVENE_PHYSICALLY,
            )
        if m.decision is not None:
            certain, possible = set(m.decision.duties), set(m.decision.duties)
            reports = [(r.to, r.within) for r in m.decision.reports]
            maybe_reports: list[tuple[str, str | None]] = []
        else:
            assert m.range is not None
            certain, possible = set(m.range.duties_certain), set(m.range.duties_possible)
            reports = [(r.to, r.within) for r in m.range.reports_certain]
            maybe_reports = [
                (r.to, r.within)
                for r in m.range.reports_possible
                if r not in m.range.reports_certain
            ]
        for duty, key in (
            (Duty.RENDER_AID, "render_aid"),
            (Duty.REQUEST_SUPERVISOR, "request_supervisor"),
        ):
            if duty in possible:
                note((key, None, None), words.DUTY[duty], m, duty in certain)
        for to, within in reports:
            note(("report", to, within), f"report to {to} {words.duration(within)}", m, True)
        for to, within in maybe_reports:
            note(("report", to, within), f"report to {to} {words.duration(within)}", m, False)
    return list(out.values())


def _acts(t: Timeline, responses: Responses) -> list[Response]:
    """The responses given, and the acts already written in the timeline."""
    kinds = {
        "verbal_intervention": "verbal_intervention",
        "supervisor_requested": "supervisor_requested",
        "aid_rendered": "aid_rendered",
    }
    out = list(responses.responses)
    for e in t.events:
        who = getattr(e, "officer", None)
        if e.kind in kinds and isinstance(who, str):
            out.append(
                Response(
                    at=e.at,
                    officer=who,
                    to=getattr(e, "to", None),
                    kind=kinds[e.kind],  # type: ignore[arg-type]
                    source=e.source or "the timeline",
                    note=e.note,
                    approximate=e.approximate,
                )
            )
    return sorted(out, key=lambda r: r.at)


def check(t: Timeline, responses: Responses, doc: Any, recipients: set[str]) -> list[Issue]:
    """Each response that cannot be judged, at its line and column.

    Out of order, by an officer not in the timeline, to a recipient the ruleset does not
    name, or before the incident began.
    """
    ids = [o.id for o in t.officers]
    out: list[Issue] = []
    last = float("-inf")

    def issue(code: str, message: str, path: tuple[Any, ...], help: str) -> None:
        loc = doc.loc(path) if doc is not None else None
        from intervene_rules.location import SourceLocation

        out.append(
            Issue(f"responses_{code}", message, loc or SourceLocation("<responses>"), help=help)
        )

    for i, r in enumerate(responses.responses):
        where = ("responses", i)
        n = f"response {i + 1} ({r.kind}, at {r.at:g} s)"
        if r.at < 0:
            issue(
                "before_incident",
                f"{n} is before the incident began",
                (*where, "at"),
                "times count from the incident's start (at: 0)",
            )
        if r.at < last:
            issue(
                "out_of_order",
                f"{n} comes before the response written above it",
                (*where, "at"),
                "write responses in time order",
            )
        last = max(last, r.at)
        if r.officer not in ids:
            issue(
                "unknown_officer",
                f"{n}: no officer {r.officer!r} in the timeline",
                (*where, "officer"),
                did_you_mean(r.officer, ids) + "officers: " + ", ".join(ids),
            )
        if r.kind == "report_filed":
            if r.to is None:
                issue(
                    "report_without_recipient",
                    f"{n}: a report needs `to`",
                    (*where, "kind"),
                    "recipients: " + ", ".join(sorted(recipients)),
                )
            elif r.to not in recipients:
                issue(
                    "unknown_recipient",
                    f"{n}: the ruleset names no recipient {r.to!r}",
                    (*where, "to"),
                    did_you_mean(r.to, sorted(recipients))
                    + "recipients: "
                    + ", ".join(sorted(recipients)),
                )
        elif r.to is not None and r.kind in ("verbal_intervention", "physical_intervention"):
            if r.to not in ids:
                issue(
                    "unknown_officer",
                    f"{n}: no officer {r.to!r} in the timeline to address",
                    (*where, "to"),
                    did_you_mean(r.to, ids) + "officers: " + ", ".join(ids),
                )
        elif r.to is not None:
            issue(
                "recipient_not_report",
                f"{n}: only a report (its recipient) or an intervention (the officer "
                "addressed) has `to`",
                (*where, "to"),
                "remove `to`, or make the kind report_filed",
            )
    return out


def recipients_of(ruleset: Ruleset, day: dt.date) -> set[str]:
    """Every report recipient the ruleset's rules in force on `day` name."""
    program = ruleset.period(day).program
    return {rep.to for rule in program.rules for rep in rule.reports}


def review(
    ruleset: Ruleset,
    timeline: Timeline,
    responses: Responses,
    *,
    as_of: dt.date | None = None,
    doc: Any = None,
) -> Review:
    """Each observer's duties under `ruleset`, judged against their responses.

    Args:
        ruleset: from `load_ruleset`.
        timeline: the incident (`load_timeline`); its date decides the law applied.
        responses: what the officers did (`load_responses`).
        as_of: the law of another day (default: the incident's date).
        doc: the responses file's document, for errors at its lines (`load_responses`).

    Raises:
        ResponsesError: responses out of order, by an officer not in the timeline, to a
            recipient the ruleset does not name, or before the incident began.

    """
    day = as_of or timeline.date
    if as_of is not None and as_of != timeline.date:
        timeline = timeline.model_copy(update={"date": as_of})
    problems = check(timeline, responses, doc, recipients_of(ruleset, day))
    if problems:
        raise ResponsesError(problems)
    result = timeline.evaluate(ruleset)
    end = timeline.events[-1].at
    acts = _acts(timeline, responses)
    used: set[int] = set()
    duties: list[DutyReview] = []
    notes: list[str] = []
    seen: dict[tuple[str, str, str | None, str | None], float | None] = {}
    arisings: list[tuple[Any, _Arising]] = []
    for line in result.lines:
        for a in _arisings(line.moments):
            if a.duty in _TOWARD:
                arisings.append((line, a))
                continue
            key = (line.observer, a.duty, a.to, a.within)
            earlier = seen.get(key)
            if key in seen and earlier is not None and (a.at is None or a.at >= earlier):
                continue  # owed once by the observer: the earliest arising stands
            seen[key] = a.at
            arisings = [
                (ln, x)
                for ln, x in arisings
                if not (
                    ln.observer == line.observer
                    and x.duty == a.duty
                    and x.to == a.to
                    and x.within == a.within
                )
            ]
            arisings.append((line, a))
    for line, a in arisings:
        if True:
            answers = [
                (i, x)
                for i, x in enumerate(acts)
                if x.officer == line.observer
                and x.kind in _ANSWERS[a.duty]
                and (a.duty != "report" or x.to == a.to)
                and (a.duty not in _TOWARD or x.to in (None, line.actor))
            ]
            rules, sources = _basis(a.moment, a.duty, a.to)
            due: float | None
            if a.duty == "report":
                seconds = iso_seconds(a.within)
                due = (
                    None
                    if seconds == float("inf")
                    else (end if seconds == 0 else (a.at or 0.0) + seconds)
                )
            else:
                due = end
            base = {
                "observer": line.observer,
                "actor": line.actor,
                "duty": a.duty,
                "text": a.text,
                "to": a.to,
                "within": a.within,
                "rules": rules,
                "sources": sources,
                "due_by": due,
            }
            if a.at is None:
                duties.append(
                    DutyReview(
                        **base,
                        arose_at=None,
                        arose_by=a.open_because,
                        status="open",
                        note="The timeline lacks a fact that decides it.",
                    )
                )
                continue
            cause = a.moment.cause if a.moment is not None else ""
            after = [(i, x) for i, x in answers if x.at >= a.at]
            before = [(i, x) for i, x in answers if x.at < a.at]
            if after:
                i, x = after[0]
                used.add(i)
                late = due is not None and x.at > due
                duties.append(
                    DutyReview(
                        **base,
                        arose_at=a.at,
                        arose_by=cause,
                        status="late" if late else "met",
                        met_at=x.at,
                        delay_s=x.at - a.at,
                        late_by_s=(x.at - due) if late and due is not None else None,
                        response=x,
                    )
                )
            elif before:
                i, x = before[-1]
                used.add(i)
                duties.append(
                    DutyReview(
                        **base,
                        arose_at=a.at,
                        arose_by=cause,
                        status="met_before",
                        met_at=x.at,
                        delay_s=0.0,
                        response=x,
                        note=f"The act at {x.at:g} s came before the duty arose at {a.at:g} s: "
                        "credited, and said so.",
                    )
                )
            else:
                duties.append(DutyReview(**base, arose_at=a.at, arose_by=cause, status="not_met"))
    for i, x in enumerate(acts):
        if i not in used:
            notes.append(
                f"{x.officer}'s {x.kind.replace('_', ' ')} at {x.at:g} s answers no duty "
                "the ruleset states for them (recorded, not counted)."
            )
    return Review(
        incident=timeline.incident,
        date=timeline.date,
        ruleset=result.ruleset,
        as_of=day,
        incident_end=end,
        duties=tuple(duties),
        responses=tuple(acts),
        notes=tuple(notes),
        timeline=result,
    )
