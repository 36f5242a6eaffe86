"""The comparison page: every bundled ruleset side by side, as two colour-coded grid pictures.

Every answer is what the library decides (or what the compiled ruleset declares) on the build
date, never typed by hand: a probe situation is evaluated, or the program is read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from intervene_rules._evaluate import evaluate
from intervene_rules.decision import DISCLAIMER, Citation, Decision
from intervene_rules.durations import iso_seconds
from intervene_rules.engine.merge import GUIDANCE_ACTION, NOT_CLEARLY_ESTABLISHED
from intervene_rules.reference.grid import Cell, Row, Tone, svg_grid
from intervene_rules.reference.pages import ANCHOR, in_force_text
from intervene_rules.ruleset.ir import AllOf, AnyOf, Cond
from intervene_rules.ruleset.periods import NOTICE_PREFIX, circuit_name
from intervene_rules.ruleset.ruleset import Ruleset
from intervene_rules.vocabulary import Action, Duty, ForceType, SourceKind
from intervene_rules.words import ACTION, DUTY, duration, seconds

Href = Callable[[str, str], str]
"""(ruleset id, anchor on its page) -> the link from the comparison page."""


def directory_href(rid: str, anchor: str) -> str:
    """The link with mkdocs' directory URLs (`rulesets/` -> `rulesets/<id>/`)."""
    return f"{rid}/#{anchor}"


#: The standard situations of the comparison matrix (partial; defaults as in scenario files).
STANDARD_SITUATIONS: dict[str, dict[str, Any]] = {
    "Prone restraint continues (4 min), subject in distress": {
        "force": {"type": "bodyweight_compression", "still_needed": False, "duration_s": 240},
        "subject": {"resistance": "compliant", "restrained": True, "medical_distress": True},
    },
    "Neck restraint on a passive subject": {
        "force": {"type": "neck_restraint", "still_needed": True, "duration_s": 20},
        "subject": {"resistance": "passive_resistance"},
    },
    "Neck restraint against aggravated aggression": {
        "force": {"type": "neck_restraint", "still_needed": True, "duration_s": 20},
        "subject": {"resistance": "aggravated_aggression"},
    },
    "Blows in rapid succession (3 s), no stated opportunity": {
        "observer": {"realistic_opportunity": None},
        "force": {"type": "hard_empty_hand", "still_needed": False, "duration_s": 3},
        "subject": {"restrained": True},
    },
    "Junior officer watches a sergeant's CEW on a compliant subject": {
        "actor": {"rank": "sergeant"},
        "force": {"type": "cew", "still_needed": False, "duration_s": 15},
    },
    "Verbal intervention ignored, force goes on": {
        "observer": {"prior_intervention": "verbal"},
        "force": {"type": "impact_weapon", "still_needed": False, "duration_s": 30},
        "subject": {"resistance": "passive_resistance"},
    },
    "Lawful takedown of an actively resisting subject": {
        "force": {"type": "takedown", "still_needed": True, "duration_s": 5},
        "subject": {"resistance": "active_resistance"},
    },
    "Unlawful search": {"misconduct": ["unlawful_search"]},
    "False report": {"misconduct": ["false_statement"]},
}

_BASE_SITUATION: dict[str, Any] = {
    "actor": {"rank": "officer"},
    "observer": {"rank": "officer", "realistic_opportunity": True, "prior_intervention": "none"},
    "force": {"type": "none", "still_needed": False, "duration_s": None},
    "subject": {"resistance": "compliant", "restrained": False, "medical_distress": False},
    "misconduct": [],
}

_EXCESSIVE = "Junior officer watches a sergeant's CEW on a compliant subject"
_PRONE = "Prone restraint continues (4 min), subject in distress"
_NECK_DEADLY = "Neck restraint against aggravated aggression"
_SEARCH = "Unlawful search"
_FALSE = "False report"
_NO_OPPORTUNITY = "The same CEW, but the observer has no realistic opportunity"
_PROBES: dict[str, dict[str, Any]] = {
    _NO_OPPORTUNITY: {
        **STANDARD_SITUATIONS[_EXCESSIVE],
        "observer": {"realistic_opportunity": False},
    },
}


def standard_situation(partial: dict[str, Any]) -> dict[str, Any]:
    """A standard situation filled from the documented defaults."""
    out: dict[str, Any] = {}
    for key, base in _BASE_SITUATION.items():
        value = partial.get(key)
        if isinstance(base, dict):
            out[key] = {**base, **(value or {})}
        else:
            out[key] = list(value if value is not None else base)
    return out


def _decide(rs: Ruleset, name: str, as_of: dt.date) -> Decision:
    partial = STANDARD_SITUATIONS.get(name) or _PROBES[name]
    return evaluate(rs, standard_situation(partial), as_of=as_of)


def _summary(d: Decision) -> str:
    """A decision in words, for a tooltip or the text version."""
    text = ACTION[d.action]
    extra = [DUTY[x] for x in d.duties if x is not Duty.INTERVENE]
    if extra:
        text += "; duties: " + ", ".join(extra)
    for due in d.reports:
        text += f"; report to {due.to} {duration(due.within)}"
    ids = {n.id for n in d.notices}
    if any(i.startswith(NOTICE_PREFIX) for i in ids):
        text += "; ⚠ applied from the lower bound of its start (day not known)"
    if GUIDANCE_ACTION in ids:
        text += "; expected by guidance, not a legal duty"
    if NOT_CLEARLY_ESTABLISHED in ids:
        text += "; may not be clearly established here"
    return text


# --- the key questions ---------------------------------------------------------------------


@dataclass(frozen=True)
class Question:
    """A column of the key-questions grid: its heading and how its answer is found."""

    head: str
    second: str
    how: str
    answer: Callable[[Ruleset, dt.date], tuple[str, str, Tone, str, str]]
    """-> (label, second line, tone, detail, anchor on the ruleset's page)."""


def _demands(d: Decision) -> bool:
    return d.action >= Action.INTERVENE


def _trigger(rs: Ruleset, day: dt.date) -> tuple[str, str, Tone, str, str]:
    force, search, false = (_decide(rs, n, day) for n in (_EXCESSIVE, _SEARCH, _FALSE))
    detail = (
        f"excessive force: {_summary(force)}. Unlawful search: {_summary(search)}. "
        f"False report: {_summary(false)}."
    )
    if _demands(false):
        return "force +", "any misconduct", "strong", detail, ANCHOR["action"]
    if _demands(search):
        return "force +", "rights violations", "medium", detail, ANCHOR["action"]
    if _demands(force):
        return "force", "only", "weak", detail, ANCHOR["action"]
    return "none", "stated", "none", detail, ANCHOR["action"]


def _opportunity(rs: Ruleset, day: dt.date) -> tuple[str, str, Tone, str, str]:
    d = _decide(rs, _NO_OPPORTUNITY, day)
    opp = rs.program.opportunity
    assumed = (
        f"unstated: yes after {seconds(opp.min_duration_s)}"
        if opp.min_duration_s is not None
        else "unstated: none assumed"
    )
    detail = f"without a realistic opportunity to intervene: {_summary(d)}. {assumed}."
    sub = f"≥ {opp.min_duration_s:g} s if unstated" if opp.min_duration_s is not None else ""
    if Duty.REPORT in d.duties:
        return "still report", sub, "strong", detail, ANCHOR["opportunity"]
    if d.action > Action.NONE:
        return d.action.value.replace("_", " "), sub, "medium", detail, ANCHOR["opportunity"]
    return "nothing owed", sub, "weak", detail, ANCHOR["opportunity"]


def _report_clock(rs: Ruleset, day: dt.date) -> tuple[str, str, Tone, str, str]:
    decisions = [_decide(rs, n, day) for n in (_EXCESSIVE, _PRONE)]
    dues = [due for d in decisions for due in d.reports]
    detail = "; ".join(
        f"to {due.to}, {duration(due.within)}" + (f" ({due.note})" if due.note else "")
        for due in dues
    )
    timed = sorted((due for due in dues if due.within is not None), key=lambda r: r.within or "")
    timed.sort(key=lambda due: iso_seconds(due.within or "PT0S"))
    anchor = ANCHOR["reports"]
    if timed:
        first = timed[0].within or "PT0S"
        words = duration(first)
        label, sub = (words, "") if " " not in words else tuple(words.split(" ", 1))
        tone: Tone = "strong" if iso_seconds(first) <= 24 * 3600 else "medium"
        return label, sub, tone, "reports owed: " + detail, anchor
    if dues or any(Duty.REPORT in d.duties for d in decisions):
        return (
            "report",
            "no fixed clock",
            "weak",
            "reports owed: " + (detail or "a duty to report, with no recipient or clock stated"),
            anchor,
        )
    return "no report", "duty stated", "none", "no duty to report excessive force", anchor


def _render_aid(rs: Ruleset, day: dt.date) -> tuple[str, str, Tone, str, str]:
    d = _decide(rs, _PRONE, day)
    detail = f"prone restraint continuing, subject in distress: {_summary(d)}"
    if Duty.RENDER_AID in d.duties:
        return "yes", "if in distress", "strong", detail, ANCHOR["take_action"]
    return "not stated", "", "none", detail, ANCHOR["take_action"]


def _mentions(cond: Cond, force: ForceType) -> bool:
    if isinstance(cond, AllOf | AnyOf):
        return any(_mentions(c, force) for c in cond.items)
    values = cond.value if isinstance(cond.value, tuple) else (cond.value,)
    return cond.field == "force.type" and force in values


def _neck(rs: Ruleset, day: dt.date) -> tuple[str, str, Tone, str, str]:
    d = _decide(rs, _NECK_DEADLY, day)
    program = rs.program
    own = [r.id for r in program.rules if _mentions(r.when, ForceType.NECK_RESTRAINT)]
    own += [
        f"restriction ({r.layer})"
        for r in program.restrictions
        if r.technique is ForceType.NECK_RESTRAINT
    ]
    detail = f"a neck restraint against aggravated aggression: {_summary(d)}" + (
        f". Own rules: {', '.join(own)}" if own else ". No rule of its own: the force grid decides"
    )
    if _demands(d):
        return "banned", "in every case", "strong", detail, ANCHOR["force_grid"]
    if own:
        return "restricted", "by its own rule", "medium", detail, ANCHOR["force_grid"]
    return "force grid", "only", "weak", detail, ANCHOR["force_grid"]


def _retaliation(rs: Ruleset, day: dt.date) -> tuple[str, str, Tone, str, str]:
    said = [n for n in rs.notices if "retaliat" in (n.id + " " + n.text).lower()]
    if said:
        detail = " ".join(" ".join(n.text.split()) for n in said)
        return "protected", "notice", "strong", detail, ANCHOR["protections"]
    return "not stated", "", "none", "no notice about retaliation", ANCHOR["protections"]


def _since(rs: Ruleset, day: dt.date) -> tuple[str, str, Tone, str, str]:
    eff, ended, _by = rs.layer_periods.get(rs.id, (rs.effective, None, None))
    bound = rs.layer_bounds.get(rs.id)
    detail = "top layer in force: " + in_force_text(rs)
    anchor = ANCHOR["periods"]
    if ended is not None:
        return "ended", ended.isoformat(), "weak", detail, anchor
    if eff is not None:
        return str(eff.year), eff.isoformat(), "neutral", detail, anchor
    if bound is not None:
        return "not before", bound[0].isoformat(), "neutral", detail, anchor
    return "no date", "stated", "none", detail, anchor


QUESTIONS: tuple[Question, ...] = (
    Question(
        "Duty trigger",
        "what calls for it",
        "The action in three standard situations: excessive force (a CEW on a compliant "
        "subject), an unlawful search and a false report. *force + any misconduct*: all three "
        "call for intervention; *force + rights violations*: the first two; *force only*: "
        "the first.",
        _trigger,
    ),
    Question(
        "Opportunity",
        "none: what is owed",
        "The same excessive force when the observer has no realistic opportunity to "
        "intervene: is a report still owed (*still report*), or only the action shown? The "
        "second line gives how long force must last for an opportunity to be assumed when the "
        "situation does not say.",
        _opportunity,
    ),
    Question(
        "Report clock",
        "soonest deadline",
        "The soonest deadline among the reports owed for excessive force and for a prone "
        "restraint that goes on (*report, no fixed clock*: a report is owed with no deadline).",
        _report_clock,
    ),
    Question(
        "Render aid",
        "medical help",
        "Whether a duty to render aid follows when a restrained subject shows medical distress.",
        _render_aid,
    ),
    Question(
        "Neck restraint",
        "its own rule?",
        "A neck restraint against aggravated aggression: *banned* if intervention is still "
        "required; *restricted* if the ruleset has a rule of its own on neck restraints but "
        "allows this one; *force grid only* otherwise.",
        _neck,
    ),
    Question(
        "Retaliation",
        "protection",
        "Whether the ruleset states a protection against retaliation (its Protections section).",
        _retaliation,
    ),
    Question(
        "In force since",
        "top layer",
        "The first day the top layer is in force (*not before*: only a lower bound is known).",
        _since,
    ),
)


def key_answers(rs: Ruleset, as_of: dt.date, href: Href = directory_href) -> list[Cell]:
    """The ruleset's answer to each key question, as grid cells."""
    out = []
    for q in QUESTIONS:
        label, sub, tone, detail, anchor = q.answer(rs, as_of)
        out.append(Cell(label, tone, f"{q.head}: {detail}", sub, href(rs.id, anchor)))
    return out


_ACTION_TONE: dict[Action, Tone] = {
    Action.INTERVENE_PHYSICALLY: "strong",
    Action.INTERVENE: "strong",
    Action.ACKNOWLEDGE: "medium",
    Action.NONE: "none",
}
_SHORT_DUTY = {Duty.RENDER_AID: "aid", Duty.REPORT: "rep", Duty.REQUEST_SUPERVISOR: "sup"}


def situation_cell(rs: Ruleset, d: Decision, href: Href = directory_href) -> Cell:
    """A decision as a grid cell: the action, marks for its notices, the duties beyond it."""
    label, _, rest = d.action.value.partition("_")
    ids = {n.id for n in d.notices}
    marks = (
        ("⚠" if any(i.startswith(NOTICE_PREFIX) for i in ids) else "")
        + ("†" if GUIDANCE_ACTION in ids else "")
        + ("‡" if NOT_CLEARLY_ESTABLISHED in ids else "")
    )
    duties = "·".join(_SHORT_DUTY[x] for x in d.duties if x in _SHORT_DUTY)
    sub = " ".join(x for x in (marks, rest or duties) if x)
    return Cell(label, _ACTION_TONE[d.action], _summary(d), sub, href(rs.id, ANCHOR["action"]))


def _text_version(rulesets: Sequence[Ruleset], lines: Iterator[tuple[str, list[str]]]) -> list[str]:
    out: list[str] = []
    for rs, (_, items) in zip(rulesets, lines, strict=True):
        out += ["", f"    [`{rs.id}`]({rs.id}.md)", ""]
        out += [f"    - {item}" for item in items]
    return out


def comparison_matrix(
    rulesets: Sequence[Ruleset], as_of: dt.date, href: Href = directory_href
) -> str:
    """The comparison page (Markdown with two inline SVG grids)."""
    rows = [Row(rs.id, href(rs.id, "")) for rs in rulesets]
    key = [key_answers(rs, as_of, href) for rs in rulesets]
    names = list(STANDARD_SITUATIONS)
    decisions = [[_decide(rs, n, as_of) for n in names] for rs in rulesets]
    day = as_of.isoformat()
    out = [
        "---",
        "hide:",
        "  - toc",
        "---",
        "",
        "# Comparison of the bundled rulesets",
        "",
        f"What each bundled ruleset says, as in force on {day}, in two pictures made from the "
        "rulesets when this site was built. Each cell's label says its answer and its colour "
        "repeats it; point at a cell for the detail, click it for the part of the ruleset's "
        "page that says why. The text of both pictures follows each of them.",
        "",
        f'!!! note "{DISCLAIMER}"',
        "",
        "## Key questions {#key-questions}",
        "",
        svg_grid(
            ident="key-questions-grid",
            title=f"Key questions, by ruleset, as on {day}",
            description="Rows are the bundled rulesets; columns the key questions. "
            "Each cell gives a short answer; its tooltip the detail.",
            columns=[(q.head, q.second) for q in QUESTIONS],
            rows=rows,
            cells=key,
            legend=[
                ("strong", "more required / protected"),
                ("medium", "partly"),
                ("weak", "least"),
                ("none", "not stated"),
                ("neutral", "a date"),
            ],
        ),
        "",
    ]
    out += [f"{q.head}\n:   {q.how}\n" for q in QUESTIONS]
    out += ['??? info "The key questions as text"']
    out += _text_version(
        rulesets,
        ((rs.id, [c.detail for c in cells]) for rs, cells in zip(rulesets, key, strict=True)),
    )
    out += [
        "",
        "## Standard situations {#standard-situations}",
        "",
        "What each ruleset requires of the observer in a standard set of situations. "
        "Situations leave unstated fields at the scenario defaults (an officer watching an "
        "officer, with a realistic opportunity; compliant, unrestrained subject in no "
        "distress). A cell gives the action and the duties beyond intervening (*aid*: render "
        "aid; *rep*: report; *sup*: request a supervisor). ⚠: a layer or source applied from the "
        "lower bound of its start (the day it took effect is not known); †: expected by "
        "guidance, not a legal duty (the action rests only on sources of kind `guidance`, "
        "which bind no one); ‡: may not be clearly established here (the duty rests on no "
        "holding of the ruleset's federal circuit or of the Supreme Court decided by then).",
        "",
        svg_grid(
            ident="situations-grid",
            title=f"The action each ruleset requires in nine standard situations, on {day}",
            description="Rows are the bundled rulesets; columns the numbered situations "
            "listed below the picture.",
            columns=[(str(i), "situation") for i in range(1, len(names) + 1)],
            rows=rows,
            cells=[
                [situation_cell(rs, d, href) for d in line]
                for rs, line in zip(rulesets, decisions, strict=True)
            ],
            legend=[
                ("strong", "intervene"),
                ("medium", "acknowledge"),
                ("none", "none required"),
            ],
        ),
        "",
    ]
    out += [f"{i}. {name}" for i, name in enumerate(names, 1)]
    out += ["", '??? info "The standard situations as text"']
    out += _text_version(
        rulesets,
        (
            (
                rs.id,
                [
                    f"{i}. {n}: {_summary(d)}"
                    for i, (n, d) in enumerate(zip(names, line, strict=True), 1)
                ],
            )
            for rs, line in zip(rulesets, decisions, strict=True)
        ),
    )
    out += ["", "## Federal circuits", ""]
    out += [
        f"- [`{rs.id}`]({rs.id}.md): "
        + (circuit_name(rs.circuit) if rs.circuit else "none stated (any circuit's holding counts)")
        for rs in rulesets
    ]
    cases: dict[str, Citation] = {}
    guidance: dict[str, list[str]] = {}
    for rs in rulesets:
        for sid, c in rs.sources.items():
            if c.kind is SourceKind.CASE:
                cases.setdefault(sid, c)
            elif not c.kind.binding:
                guidance.setdefault(sid, []).append(rs.id)
    out += ["", "## Case law, by decision date", ""]
    out += [
        f"- {c.effective.isoformat() if c.effective else 'date not known'}: `{sid}` — "
        f"{_one_line(c.title)}, {_one_line(c.citation)} "
        f"({circuit_name(c.circuit) if c.circuit else 'not a holding of any circuit'})"
        for sid, c in sorted(cases.items(), key=lambda kv: (kv[1].effective or dt.date.max, kv[0]))
    ]
    out += ["", "## Guidance that binds no one", ""]
    out += [
        f"- `{sid}` ({', '.join(f'`{r}`' for r in ids)})" for sid, ids in sorted(guidance.items())
    ]
    return "\n".join(out) + "\n"


def _one_line(text: str) -> str:
    return " ".join(text.split())
