"""Plain-language explanation of a decision, stage by stage (the five stages of intervention).

Trainers read this; so does an officer. The 3 D's are phrased for the rank relation: a
junior observer is told how to raise it with a superior and to call a supervisor who
outranks the actor; a senior observer may order the actor to stop. Only text from the
decision and its ruleset is used: nothing here adds a legal claim.

It reads a decision through the small protocols below, not the model: `Decision.explain()`
calls this module, so importing the model here would close a circle.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Sequence
from typing import Protocol

from intervene_rules import words
from intervene_rules.vocabulary import (
    Action,
    Duty,
    ForceType,
    Method,
    PriorIntervention,
    Rank,
    Relation,
    SourceKind,
    Stage,
    Verification,
)


class _Step(Protocol):
    @property
    def rule(self) -> str: ...
    @property
    def concludes(self) -> tuple[str, ...]: ...
    @property
    def stage(self) -> Stage: ...
    @property
    def because(self) -> str: ...
    @property
    def basis(self) -> tuple[str, ...]: ...


class _Report(Protocol):
    @property
    def to(self) -> str: ...
    @property
    def within(self) -> str | None: ...
    @property
    def note(self) -> str | None: ...
    @property
    def basis(self) -> tuple[str, ...]: ...


class _Citation(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def citation(self) -> str: ...
    @property
    def section(self) -> str | None: ...
    @property
    def kind(self) -> SourceKind: ...
    @property
    def verification(self) -> Verification: ...


class _Ref(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def version(self) -> str: ...
    @property
    def digest(self) -> str: ...


class _Notice(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def basis(self) -> tuple[str, ...]: ...


class _Force(Protocol):
    @property
    def type(self) -> ForceType: ...


class _Observer(Protocol):
    @property
    def prior_intervention(self) -> PriorIntervention: ...


class _Situation(Protocol):
    # what is read of the situation, when given (`intervene_rules.situation.Situation`)
    @property
    def force(self) -> _Force: ...
    @property
    def observer(self) -> _Observer: ...


class _Decision(Protocol):
    # what is read of a decision (`intervene_rules.decision.Decision` has it all)

    @property
    def action(self) -> Action: ...
    @property
    def duties(self) -> tuple[Duty, ...]: ...
    @property
    def methods(self) -> tuple[Method, ...]: ...
    @property
    def relation(self) -> Relation: ...
    @property
    def actor_rank(self) -> Rank: ...
    @property
    def observer_rank(self) -> Rank: ...
    @property
    def realistic_opportunity(self) -> bool: ...
    @property
    def supervisor_above(self) -> Rank | None: ...
    @property
    def as_of(self) -> dt.date | None: ...
    @property
    def disclaimer(self) -> str: ...
    @property
    def ruleset(self) -> _Ref: ...
    @property
    def trace(self) -> Sequence[_Step]: ...
    @property
    def reports(self) -> Sequence[_Report]: ...
    @property
    def notices(self) -> Sequence[_Notice]: ...
    @property
    def basis(self) -> Sequence[_Citation]: ...


_PERIOD_NOTICE = "period."  # notices on a period of force (ruleset.periods.NOTICE_PREFIX)

_ACTION_HEADLINE = {
    Action.NONE: "No intervention required",
    Action.ACKNOWLEDGE: "Acknowledge",
    Action.INTERVENE: "Intervene",
    Action.INTERVENE_PHYSICALLY: "Step in physically if necessary",
}


def _force(s: _Situation | None) -> bool | None:
    """Whether force is used: None when the situation is not known here."""
    return None if s is None else s.force.type is not ForceType.NONE


def _rank(r: Rank) -> str:
    return r.value.replace("_", " ")


def methods(d: _Decision, s: _Situation | None = None) -> list[str]:
    """The 3 D's for the decision's methods, phrased for the rank relation (and the force)."""
    # advice about force only where the situation shows force; without the situation,
    # advice that holds either way
    actor = _rank(d.actor_rank)
    force = _force(s)
    lines: list[str] = []
    for m in d.methods:
        if m is Method.DISTRACT:
            lines.append(
                "Distract: redirect the officer's attention - change the conversation, "
                "create a pause, de-escalate."
            )
        elif m is Method.DIRECT:
            if d.relation is Relation.SENIOR:
                lines.append(
                    f"Direct: you outrank the {actor}; order them to stop and take over "
                    "if they do not."
                )
            elif d.relation is Relation.SAME:
                lines.append(
                    "Direct: address your peer directly and professionally - name what you "
                    "see and tell them to stop; step in if they do not."
                )
            else:
                lines.append(
                    f"Direct: speak to the {actor} directly and professionally - name what "
                    "you see and offer another way; "
                    + (
                        "step in to stop the force if you must."
                        if force
                        else "step in if you must."
                    )
                )
        elif m is Method.DELEGATE:
            lines.append(
                "Delegate: have another officer present act - hold the subject in a safer "
                "way, call for medical help, or call a supervisor."
                if force
                else "Delegate: have another officer present act, or call a supervisor."
            )
    if d.relation is Relation.JUNIOR and d.action >= Action.INTERVENE:
        lines.append(
            f"With a superior ({actor}): present solutions, not problems; connect your "
            "concern to the department's mission and professionalism; have their back - "
            "tell them this could reflect badly on them."
        )
    return lines


def _supervisor(d: _Decision) -> str | None:
    if Duty.REQUEST_SUPERVISOR not in d.duties or d.supervisor_above is None:
        return None
    above = d.supervisor_above
    if above is Rank.CHIEF:
        return (
            "Request a supervisor: no rank in the agency is above the chief - contact the "
            "authority the chief answers to (the body your agency's policy names)."
        )
    return (
        f"Request a supervisor of higher rank than the {_rank(above)} to respond to the scene "
        "(ask another officer to make the call if you cannot)."
    )


def _deadline(within: str | None) -> str:
    if within is None:
        return "(no fixed deadline)"
    when = words.duration(within)
    return "at once, while on scene" if when == "immediately" else f"{when} of the incident"


def _bullet(text: str, indent: str = "   ") -> str:
    return textwrap.fill(
        text, width=92, initial_indent=f"{indent}- ", subsequent_indent=f"{indent}  "
    )


def _step_line(step: _Step) -> str:
    cites = f" [{', '.join(step.basis)}]" if step.basis else ""
    return _bullet(f"{step.because}{cites}")


_UNKNOWN_OPPORTUNITY = "observer.has_opportunity=unknown"
_OPPORTUNITY_NOTICE = "opportunity_unknown"  # engine.merge.OPPORTUNITY_NOTICE


def _unknown(d: _Decision) -> bool:
    return any(_UNKNOWN_OPPORTUNITY in step.concludes for step in d.trace)


def _opportunity(d: _Decision) -> str:
    if _unknown(d):
        return "not stated, and with no force in use not derivable; none is assumed"
    return "yes" if d.realistic_opportunity else "no"


def _action_text(d: _Decision, s: _Situation | None) -> str:
    """What the action asks, saying only what the decision (and the situation) show."""
    if d.action is Action.NONE:
        others = [words.DUTY[x] for x in d.duties if x is not Duty.INTERVENE]
        text = "This ruleset requires no intervention in this situation."
        if others:
            text += " It still requires you to " + " and ".join(others) + " (below)."
        return text
    if d.action is Action.ACKNOWLEDGE:
        if _unknown(d):
            return (
                "Recognise the problem and note it. Whether you have a realistic opportunity "
                "to intervene is not known, so this answer assumes none; if you have one, "
                "the answer with one below applies."
            )
        why = (
            ", because you have no realistic opportunity to do so"
            if not d.realistic_opportunity
            else ""
        )
        return (
            "Recognise the problem and note it. This ruleset does not require you to "
            f"intervene now{why}."
        )
    if d.action is Action.INTERVENE:
        return "You must take reasonable steps to stop the conduct."
    tried = s is not None and s.observer.prior_intervention is PriorIntervention.VERBAL
    return (
        ("Verbal steps have not worked: step" if tried else "Step")
        + " in physically, as far as it is safe, to stop "
        + ("the force." if _force(s) else "the conduct.")
    )


# the notices the merge adds about what a decision rests on (`engine.merge.CAVEATS`); kept
# here as text so that this module imports nothing of the engine
_GUIDANCE_ACTION = "guidance_only.action"
_SILENT = "no_source_in_force"
_CAVEATS = (
    _GUIDANCE_ACTION,
    "guidance_only.duties",
    "not_clearly_established",
    _SILENT,
    "facts_not_in_force",
)

_EXPECTED_TEXT = {
    Action.ACKNOWLEDGE: "The guidance cited expects you to recognise the problem and note it.",
    Action.INTERVENE: "The guidance cited expects you to take reasonable steps to stop the "
    "conduct; it binds no one, so this is not a legal duty.",
    Action.INTERVENE_PHYSICALLY: "The guidance cited expects you to step in physically, as far "
    "as it is safe; it binds no one, so this is not a legal duty.",
}


def explain(d: _Decision, situation: _Situation | None = None) -> str:
    """Render `d` for people, stage by stage.

    Every sentence comes from the decision's conclusions and trace; with the `situation`
    the decision was made for, advice about force and escalation follows its facts (without
    it, only advice that holds either way is given).
    """
    s = situation
    out: list[str] = []
    both = [n for n in d.notices if n.id == _OPPORTUNITY_NOTICE]
    expected = any(n.id == _GUIDANCE_ACTION for n in d.notices)
    silent = any(n.id == _SILENT for n in d.notices)
    relation = {
        Relation.JUNIOR: "junior to",
        Relation.SAME: "the same rank as",
        Relation.SENIOR: "senior to",
    }[d.relation]
    headline = _ACTION_HEADLINE[d.action].upper()
    if d.action is Action.NONE and d.duties:
        headline += "; OTHER DUTIES APPLY"
    out.append(
        f"DECISION: {headline} (EXPECTED BY GUIDANCE, NOT A LEGAL DUTY)"
        if expected
        else f"DECISION: {headline}"
    )
    out.append(
        f"Observer: {_rank(d.observer_rank)}, {relation} the acting {_rank(d.actor_rank)}. "
        f"Realistic opportunity to intervene: {_opportunity(d)}."
    )
    out.append(f"Ruleset: {d.ruleset.id} {d.ruleset.version} ({d.ruleset.digest[:19]}...)")
    if d.as_of is not None:
        out.append(f"Law and policy as in force on {d.as_of.isoformat()}.")
    by_stage: dict[Stage, list[_Step]] = {}
    for step in d.trace:
        by_stage.setdefault(step.stage, []).append(step)
    for stage in Stage:
        out.append("")
        out.append(f"{stage.value}. {stage.title}")
        steps = by_stage.get(stage, [])
        if stage is Stage.DETERMINE_ACTION:
            if expected:
                text = f"Expected action: {words.ACTION[d.action]}. {_EXPECTED_TEXT[d.action]}"
            elif silent:
                text = (
                    "Required action: none found. No source this ruleset cites for deciding "
                    "the action is in force on this date (see below)."
                )
            else:
                text = f"Required action: {words.ACTION[d.action]}. {_action_text(d, s)}"
            out.append(_bullet(text))
            for n in both:
                cites = f" [{', '.join(n.basis)}]" if n.basis else ""
                out.append(_bullet(f"{n.text}{cites}"))
        for step in steps:
            out.append(_step_line(step))
        if stage is Stage.DETERMINE_HOW:
            out.extend(_bullet(line) for line in methods(d, s))
            sup = _supervisor(d)
            if sup:
                out.append(_bullet(sup))
        if stage is Stage.TAKE_ACTION:
            for duty in d.duties:
                if duty is Duty.RENDER_AID:
                    out.append(_bullet("Render aid: get medical help for the subject now."))
                elif duty is Duty.REPORT and not d.reports:
                    out.append(_bullet("Report what you saw, as your agency's policy requires."))
            for due in d.reports:
                when = _deadline(due.within)
                extra = f" ({due.note})" if due.note else ""
                out.append(_bullet(f"Report to {due.to} {when}{extra}. [{', '.join(due.basis)}]"))
        if not steps and len(out[-1]) and out[-1].startswith(f"{stage.value}."):
            out.append(_bullet("Nothing concluded at this stage."))
    caveats = [n for n in d.notices if n.id in _CAVEATS]
    if caveats:
        out.append("")
        out.append("What this rests on")
        out.extend(_bullet(n.text) for n in caveats)
    dated = [n for n in d.notices if n.id.startswith(_PERIOD_NOTICE)]
    if dated:
        out.append("")
        out.append("Period of force")
        out.extend(_bullet(n.text) for n in dated)
    protections = [
        n
        for n in d.notices
        if n.id not in _CAVEATS
        and n.id != _OPPORTUNITY_NOTICE
        and not n.id.startswith(_PERIOD_NOTICE)
    ]
    if protections:
        out.append("")
        out.append("Protections")
        out.extend(_bullet(n.text) for n in protections)
    if d.basis:
        out.append("")
        out.append("Sources")
        for c in d.basis:
            flag = (
                ""
                if c.verification.value == "verified"
                else f" [{c.verification.value.replace('_', ' ').upper()}]"
            )
            section = f", {c.section}" if c.section else ""
            kind = c.kind.value.replace("_", " ")
            out.append(_bullet(f"{c.id}: {c.title} - {c.citation}{section} ({kind}){flag}"))
    out.append("")
    out.append(textwrap.fill(d.disclaimer, width=92))
    return "\n".join(out)
