"""Reference pages generated from rulesets: one page per ruleset, and a comparison matrix.

Documentation, not analysis: reads the compiled program and the declared sources, never the
YAML, so the pages say what the library will actually do. The docs build calls this
(docs/hooks), so the pages cannot drift from the rulesets. Nothing in the library imports it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from intervene_rules._evaluate import evaluate
from intervene_rules.decision import DISCLAIMER, Citation, Decision
from intervene_rules.engine.merge import GUIDANCE_ACTION, NOT_CLEARLY_ESTABLISHED
from intervene_rules.ruleset.ir import AllOf, AnyOf, Cond, Op, Rule
from intervene_rules.ruleset.periods import NOTICE_PREFIX, circuit_name
from intervene_rules.ruleset.ruleset import Ruleset
from intervene_rules.vocabulary import Resistance, SourceKind, Stage


def _value(v: Any) -> str:
    if isinstance(v, tuple):
        return "{" + ", ".join(_value(x) for x in v) + "}"
    if v is None:
        return "null"
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, float):
        return f"{v:g}"
    return str(getattr(v, "value", v))


def condition_text(cond: Cond) -> str:
    """A condition in plain notation: `force.type ∉ {none, verbal} and …`."""
    if isinstance(cond, AllOf):
        if not cond.items:
            return "always"
        return " and ".join(_wrap(c) for c in cond.items)
    if isinstance(cond, AnyOf):
        if not cond.items:
            return "never"
        return " or ".join(_wrap(c) for c in cond.items)
    if cond.op is Op.EMPTY:
        return f"{cond.field} is {'empty' if cond.value else 'not empty'}"
    return f"{cond.field} {cond.op.symbol} {_value(cond.value)}"


def _wrap(cond: Cond) -> str:
    text = condition_text(cond)
    return f"({text})" if isinstance(cond, AllOf | AnyOf) and len(cond.items) > 1 else text


def _cell(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split())


def _flag(c: Citation) -> str:
    return "" if c.verification.value == "verified" else f" **{c.verification.value}**"


def _period(
    effective: dt.date | None,
    ended: dt.date | None,
    by: str | None,
    bound: tuple[dt.date, dt.date | None] | None = None,
) -> str:
    start = effective.isoformat() if effective else "—"
    if effective is None and bound is not None:
        low, known = bound
        start = f"not before {low.isoformat()} (day not known" + (
            f"; in force by {known.isoformat()})" if known else ")"
        )
    if ended is None:
        return f"{start} → in force"
    return f"{start} → {ended.isoformat()} (**no longer in force**{'; ' + by if by else ''})"


def _layers(rs: Ruleset) -> list[str]:
    out = [
        "",
        "## Periods of force",
        "",
        "A rule fires only while its layer and one of its sources are in force. Where only a "
        "lower bound of the start is known (**not before**), the layer or source is applied "
        "from that bound, and every decision dated before the day it is known to be in force "
        "carries a notice saying so.",
        "",
        "| layer | in force |",
        "|---|---|",
    ]
    for lid in rs.layers:
        eff, ended, by = rs.layer_periods.get(lid, (None, None, None))
        out.append(f"| `{lid}` | {_period(eff, ended, by, rs.layer_bounds.get(lid))} |")
    return out


def _binding(c: Citation) -> str:
    return "yes" if c.kind.binding else "**no** (guidance)"


def _in_force(c: Citation, bounds: tuple[dt.date, dt.date | None] | None = None) -> str:
    if c.kind is SourceKind.CASE and c.effective is not None:
        court = f", {circuit_name(c.circuit)}" if c.circuit else ", not a holding"
        return f"decided {c.effective.isoformat()}{court}; not cited before"
    return _period(c.effective, c.ended, c.ended_by, bounds)


def _basis(rule: Rule, rs: Ruleset | None = None) -> str:
    sections = dict(rule.sections)
    text = ", ".join(
        f"`{sid}`" + (f" {sections[sid]}" if sid in sections else "") for sid in rule.basis
    )
    if rs is not None and all(not rs.sources[sid].kind.binding for sid in rule.basis):
        text += " — *guidance only: what it expects, not a legal duty*"
    return text


def ruleset_page(rs: Ruleset) -> str:
    """The reference page of one ruleset, in Markdown."""
    eff, ended, by = rs.layer_periods.get(rs.id, (rs.effective, None, None))
    out = [
        f"# {rs.title}",
        "",
        f"`{rs.id}` version {rs.version} — {rs.jurisdiction}",
        "",
        f"- Layers (base first): {' ← '.join(f'`{x}`' for x in rs.layers)}",
        f"- In force: {_period(eff, ended, by, rs.layer_bounds.get(rs.id))}",
        "- Federal circuit: "
        + (
            f"{circuit_name(rs.circuit)} (a duty to intervene resting on no holding of it or "
            "of the Supreme Court then decided carries a *may not be clearly established* "
            "notice)"
            if rs.circuit
            else "none stated (a holding of any circuit counts)"
        ),
        f"- Digest: `{rs.digest}`",
        "",
        f'!!! note "{DISCLAIMER}"',
        "    Sources marked **partly_verified** or **unverified** were not fully checked "
        "against a primary text; their notes say what was not seen.",
        "",
        "## Sources",
        "",
        "A case is in force from the day it was decided: no decision dated earlier cites it. "
        "A source whose kind is `guidance` binds no one: a conclusion resting only on it is "
        "what it expects, not a legal duty.",
        "",
        "| id | kind | binding | citation | verification | in force | note |",
        "|---|---|---|---|---|---|---|",
    ]
    for sid, c in sorted(rs.sources.items()):
        section = f", {c.section}" if c.section else ""
        out.append(
            f"| `{sid}` | {c.kind.value} | {_binding(c)} | {_cell(c.citation + section)} | "
            f"{c.verification.value}{_flag(c) and ' ⚠'} | "
            f"{_in_force(c, rs.source_bounds.get(sid))} | {_cell(c.note or '')} |"
        )
    out += _layers(rs)
    program = rs.program
    out += [
        "",
        "## Force grid",
        "",
        _cell(program.grid_because)
        + (f" ({', '.join(f'`{b}`' for b in program.grid_basis)})" if program.grid_basis else ""),
        "",
        "| resistance | force types allowed |",
        "|---|---|",
    ]
    for res in Resistance:
        allowed = sorted(program.force_grid[res], key=lambda f: (f.severity, f.value))
        out.append(f"| {res.value} | {', '.join(f.value for f in allowed) or '—'} |")
    if program.restrictions:
        out += [
            "",
            "The table applies every restricted technique; each restricts the grid only while "
            "its layer and one of its sources (and its own dates) are in force:",
            "",
            "| technique | at | in force | basis |",
            "|---|---|---|---|",
        ]
        for rr in program.restrictions:
            levels = (
                "every level"
                if len(rr.levels) == len(Resistance)
                else ", ".join(x.value for x in Resistance if x in rr.levels)
            )
            when = "; ".join(
                f"`{b}` {_period(c.effective, c.ended, c.ended_by, rs.source_bounds.get(b))}"
                for b in rr.basis
                for c in [rs.sources[b]]
            )
            if rr.effective or rr.ended:
                when += f"; own dates {_period(rr.effective, rr.ended, None)}"
            basis = ", ".join(f"`{b}`" for b in rr.basis)
            out.append(f"| {rr.technique.value} | {levels} | {_cell(when)} | {basis} |")
    if program.rank_aliases:
        out += [
            "",
            "## Rank titles",
            "",
            "Titles a situation may use for `actor.rank` and `observer.rank` (any case), and the "
            "rung of the canonical ladder each stands for.",
            "",
            "| title | rung | basis | note |",
            "|---|---|---|---|",
        ]
        ladder = sorted(program.rank_aliases.items(), key=lambda kv: (kv[1].position, kv[0]))
        for title, rung in ladder:
            basis = ", ".join(f"`{b}`" for b in program.alias_basis.get(title, ())) or "—"
            note = _cell(program.alias_notes.get(title, ""))
            if title in program.alias_periods:
                note = _cell(f"In use {_period(*program.alias_periods[title], None)}. {note}")
            out.append(f"| {title} | {rung.value} | {basis} | {note} |")
    opp = program.opportunity
    out += [
        "",
        "## Realistic opportunity",
        "",
        (
            f"When the situation does not state it: force lasting at least "
            f"{opp.min_duration_s:g} s gives an opportunity. "
            if opp.min_duration_s is not None
            else "When the situation does not state it, no opportunity is assumed. "
        )
        + _cell(opp.because)
        + (f" ({', '.join(f'`{b}`' for b in opp.basis)})" if opp.basis else ""),
    ]
    for stage in Stage:
        rules = [r for r in program.rules if r.stage is stage]
        if not rules:
            continue
        out += [
            "",
            f"## {stage.value}. {stage.title}",
            "",
            "| rule | layer | when | concludes | basis | because |",
            "|---|---|---|---|---|---|",
        ]
        for r in rules:
            out.append(
                f"| `{r.id}` | `{r.layer}` | {_cell(condition_text(r.when))} | "
                f"{_cell(', '.join(r.concludes))} | {_basis(r, rs)} | {_cell(r.because)} |"
            )
    if rs.notices:
        out += ["", "## Protections", ""]
        out += [f"- {_cell(n.text)} ({', '.join(f'`{b}`' for b in n.basis)})" for n in rs.notices]
    if program.exceptions:
        out += ["", "## Declared exceptions to the invariants", ""]
        out += [
            f"- Invariant {e.invariant}, where {_cell(condition_text(e.when))}: "
            f"{_cell(e.reason)} ({', '.join(f'`{b}`' for b in e.basis)})"
            for e in program.exceptions
        ]
    return "\n".join(out) + "\n"


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


def _matrix_cell(d: Decision) -> str:
    parts = [f"**{d.action.value}**"]
    extra = [x.value for x in d.duties if x.value != "intervene"]
    if extra:
        parts.append(", ".join(extra))
    for due in d.reports:
        parts.append(f"report {due.within or 'no fixed clock'} → {due.to}")
    ids = {n.id for n in d.notices}
    if any(i.startswith(NOTICE_PREFIX) for i in ids):
        parts.append("⚠ start of force not known (applied from its lower bound)")
    if GUIDANCE_ACTION in ids:
        parts.append("*expected by guidance, not a legal duty*")
    if NOT_CLEARLY_ESTABLISHED in ids:
        parts.append("*may not be clearly established here*")
    return "<br>".join(_cell(p) for p in parts)


def _in_force_cell(rs: Ruleset) -> str:
    eff, ended, by = rs.layer_periods.get(rs.id, (rs.effective, None, None))
    return _cell(_period(eff, ended, by, rs.layer_bounds.get(rs.id)))


def comparison_matrix(rulesets: Sequence[Ruleset], as_of: dt.date) -> str:
    """What each ruleset requires in each standard situation, side by side (Markdown)."""
    names = list(STANDARD_SITUATIONS)
    out = [
        "# Comparison of the bundled rulesets",
        "",
        f"What each ruleset requires of the observer in a standard set of situations, as in "
        f"force on {as_of.isoformat()}. Situations leave unstated fields at the scenario "
        "defaults (an officer watching an officer, with a realistic opportunity; compliant, "
        "unrestrained subject in no distress). Cells give the action, the duties beyond "
        "`intervene`, and any report deadline (ISO-8601) and recipient; the first row gives "
        "each ruleset's period of force (its top layer; *not before* marks a lower bound, "
        "where the day it took effect is not known and the layer is applied from the bound).",
        "",
        f'!!! note "{DISCLAIMER}"',
        "",
        "| situation | " + " | ".join(f"[`{rs.id}`]({rs.id}.md)" for rs in rulesets) + " |",
        "|---|" + "---|" * len(rulesets),
        "| *top layer in force* | " + " | ".join(_in_force_cell(rs) for rs in rulesets) + " |",
    ]
    for name in names:
        situation = standard_situation(STANDARD_SITUATIONS[name])
        cells = [_matrix_cell(evaluate(rs, situation, as_of=as_of)) for rs in rulesets]
        out.append(f"| {name} | " + " | ".join(cells) + " |")
    out += [
        "",
        "*expected by guidance, not a legal duty*: the action rests only on sources of kind "
        "`guidance` (a programme, guide or brief that binds no one). *may not be clearly "
        "established here*: the duty to intervene rests on no holding of the ruleset's federal "
        "circuit or of the Supreme Court decided by that date.",
        "",
        "## Federal circuits",
        "",
    ]
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
        f"{_cell(c.title)}, {_cell(c.citation)} "
        f"({circuit_name(c.circuit) if c.circuit else 'not a holding of any circuit'})"
        for sid, c in sorted(cases.items(), key=lambda kv: (kv[1].effective or dt.date.max, kv[0]))
    ]
    out += ["", "## Guidance that binds no one", ""]
    out += [
        f"- `{sid}` ({', '.join(f'`{r}`' for r in ids)})" for sid, ids in sorted(guidance.items())
    ]
    return "\n".join(out) + "\n"
