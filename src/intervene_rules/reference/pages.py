"""The reference page of one ruleset: sources, periods, force grid, rules and reports.

Laid out for reading: each source, rule and report is a card of labelled fields (a
definition list), not a table row whose long texts would squeeze to a word a line.

Documentation, not analysis: reads the compiled program and the declared sources, never the
YAML, so the pages say what the library will actually do. The docs build calls this
(docs/hooks), so the pages cannot drift from the rulesets. Nothing in the library imports it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from intervene_rules.decision import DISCLAIMER, Citation
from intervene_rules.ruleset.ir import AllOf, AnyOf, Cond, Op, Report, Rule
from intervene_rules.ruleset.periods import circuit_name
from intervene_rules.ruleset.ruleset import Ruleset
from intervene_rules.vocabulary import Resistance, SourceKind, Stage
from intervene_rules.words import ACTION, DUTY, FORCE, RESISTANCE, duration, seconds

ANCHOR: dict[str, str] = {
    "sources": "sources",
    "periods": "periods-of-force",
    "force_grid": "force-grid",
    "rank_titles": "rank-titles",
    "opportunity": "realistic-opportunity",
    "action": f"stage-{Stage.DETERMINE_ACTION.value}",
    "take_action": f"stage-{Stage.TAKE_ACTION.value}",
    "reports": "reports",
    "protections": "protections",
}
"""The sections of a ruleset page other pages link to (the comparison grid's cells)."""


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


def in_force_text(rs: Ruleset) -> str:
    """The period of force of the ruleset's top layer, in one line."""
    eff, ended, by = rs.layer_periods.get(rs.id, (rs.effective, None, None))
    return _cell(_period(eff, ended, by, rs.layer_bounds.get(rs.id)))


def _card(ident: str, heading: str, fields: list[tuple[str, str]]) -> list[str]:
    """A card: a heading line and labelled fields (a definition list); empty fields left out."""
    out = ["", f'<div class="ir-card" id="{ident}" markdown>', "", heading, ""]
    for term, text in fields:
        if text:
            out += [term, f":   {_cell(text)}", ""]
    return [*out, "</div>"]


def report_text(report: Report) -> str:
    """A report owed, in words: "to the supervisor, within 10 days (in writing)"."""
    note = f" ({_cell(report.note)})" if report.note else ""
    return f"to {_cell(report.to)}, {duration(report.within)}{note}"


def _concludes(rule: Rule) -> str:
    parts = [f"the action: {ACTION[rule.action]}"] if rule.action is not None else []
    parts += [f"a duty to {DUTY[d]}" for d in rule.duties]
    parts += [f"the method: {m.value}" for m in rule.methods]
    parts += [f"the fact `{f}`" for f in rule.facts]
    parts += [f"a report {report_text(r)}" for r in rule.reports]
    return "; ".join(parts)


def _sources(rs: Ruleset) -> list[str]:
    out = [
        "",
        f"## Sources {{#{ANCHOR['sources']}}}",
        "",
        "A case is in force from the day it was decided: no decision dated earlier cites it. "
        "A source whose kind is `guidance` binds no one: a conclusion resting only on it is "
        "what it expects, not a legal duty.",
    ]
    for sid, c in sorted(rs.sources.items()):
        section = f", {c.section}" if c.section else ""
        out += _card(
            f"source-{sid}",
            f"**`{sid}`** — {_cell(c.title)}" if c.title else f"**`{sid}`**",
            [
                ("Kind", f"{c.kind.value}; binding: {_binding(c)}"),
                ("Citation", c.citation + section),
                ("Verification", f"{c.verification.value}{_flag(c) and ' ⚠'}"),
                ("In force", _in_force(c, rs.source_bounds.get(sid))),
                ("Address", f"<{c.url}>" if c.url else ""),
                ("Note", c.note or ""),
            ],
        )
    return out


def _layers(rs: Ruleset) -> list[str]:
    out = [
        "",
        f"## Periods of force {{#{ANCHOR['periods']}}}",
        "",
        "A rule fires only while its layer and one of its sources are in force. Where only a "
        "lower bound of the start is known (**not before**), the layer or source is applied "
        "from that bound, and every decision dated before the day it is known to be in force "
        "carries a notice saying so.",
        "",
    ]
    for lid in rs.layers:
        eff, ended, by = rs.layer_periods.get(lid, (None, None, None))
        out += [f"`{lid}`", f":   {_cell(_period(eff, ended, by, rs.layer_bounds.get(lid)))}", ""]
    return out


def _grid(rs: Ruleset) -> list[str]:
    program = rs.program
    out = [
        "",
        f"## Force grid {{#{ANCHOR['force_grid']}}}",
        "",
        _cell(program.grid_because)
        + (f" ({', '.join(f'`{b}`' for b in program.grid_basis)})" if program.grid_basis else ""),
        "",
        "When the subject is … | the force allowed",
        "---|---",
    ]
    for res in Resistance:
        allowed = sorted(program.force_grid[res], key=lambda f: (f.severity, f.value))
        out.append(f"{RESISTANCE[res]} | {', '.join(FORCE[f] for f in allowed) or '—'}")
    if program.restrictions:
        out += [
            "",
            "The grid above applies every restricted technique; each restricts it only while "
            "its layer and one of its sources (and its own dates) are in force:",
        ]
    for rr in program.restrictions:
        levels = (
            "every level of resistance"
            if len(rr.levels) == len(Resistance)
            else ", ".join(RESISTANCE[x] for x in Resistance if x in rr.levels)
        )
        when = "; ".join(
            f"`{b}` {_period(c.effective, c.ended, c.ended_by, rs.source_bounds.get(b))}"
            for b in rr.basis
            for c in [rs.sources[b]]
        )
        if rr.effective or rr.ended:
            when += f"; own dates {_period(rr.effective, rr.ended, None)}"
        out += _card(
            f"restriction-{rr.technique.value}",
            f"**{FORCE[rr.technique]}** restricted (layer `{rr.layer}`)",
            [
                ("Not allowed when the subject is", levels),
                ("In force", when),
                ("Basis", ", ".join(f"`{b}`" for b in rr.basis)),
                ("Because", rr.because),
            ],
        )
    return out


def _ranks(rs: Ruleset) -> list[str]:
    program = rs.program
    if not program.rank_aliases:
        return []
    out = [
        "",
        f"## Rank titles {{#{ANCHOR['rank_titles']}}}",
        "",
        "Titles a situation may use for `actor.rank` and `observer.rank` (any case), and the "
        "rung of the canonical ladder each stands for.",
    ]
    ladder = sorted(program.rank_aliases.items(), key=lambda kv: (kv[1].position, kv[0]))
    for title, rung in ladder:
        basis = ", ".join(f"`{b}`" for b in program.alias_basis.get(title, ())) or "—"
        note = program.alias_notes.get(title, "")
        if title in program.alias_periods:
            note = f"In use {_period(*program.alias_periods[title], None)}. {note}"
        out += _card(
            f"rank-{title}",
            f"**{title}** is a **{rung.value}**",
            [("Basis", basis), ("Note", note)],
        )
    return out


def _rules(rs: Ruleset) -> list[str]:
    out: list[str] = []
    for stage in Stage:
        rules = [r for r in rs.program.rules if r.stage is stage]
        if not rules:
            continue
        out += ["", f"## {stage.value}. {stage.title} {{#stage-{stage.value}}}"]
        for r in rules:
            own = ""
            if r.effective or r.ended:
                own = _period(r.effective, r.ended, None)
            out += _card(
                f"rule-{r.id}",
                f"**`{r.id}`** · layer `{r.layer}`",
                [
                    ("When", condition_text(r.when)),
                    ("Concludes", _concludes(r)),
                    ("Own dates", own),
                    ("Basis", _basis(r, rs)),
                    ("Because", r.because),
                ],
            )
    return out


def _reports(rs: Ruleset) -> list[str]:
    out = ["", f"## Reports {{#{ANCHOR['reports']}}}", ""]
    owed = [(r, rep) for r in rs.program.rules for rep in r.reports]
    if not owed:
        return [*out, "No rule of this ruleset names a report's recipient or deadline."]
    out.append("Every report a rule can require, with its recipient and deadline.")
    for r, rep in owed:
        out += [
            "",
            f"`{r.id}`",
            f":   {report_text(rep)}",
        ]
    return out


def ruleset_page(rs: Ruleset) -> str:
    """The reference page of one ruleset, in Markdown."""
    out = [
        f"# {rs.title}",
        "",
        f"`{rs.id}` version {rs.version} — {rs.jurisdiction}",
        "",
        '<div class="ir-card" id="about" markdown>',
        "",
        "Layers (base first)",
        f":   {' ← '.join(f'`{x}`' for x in rs.layers)}",
        "",
        "In force",
        f":   {in_force_text(rs)}",
        "",
        "Federal circuit",
        ":   "
        + (
            f"{circuit_name(rs.circuit)} (a duty to intervene resting on no holding of it or "
            "of the Supreme Court then decided carries a *may not be clearly established* "
            "notice)"
            if rs.circuit
            else "none stated (a holding of any circuit counts)"
        ),
        "",
        "Digest",
        f':   <code class="ir-digest">{rs.digest}</code>',
        "",
        "</div>",
        "",
        f'!!! note "{DISCLAIMER}"',
        "    Sources marked **partly_verified** or **unverified** were not fully checked "
        "against a primary text; their notes say what was not seen.",
    ]
    out += _sources(rs)
    out += _layers(rs)
    out += _grid(rs)
    out += _ranks(rs)
    opp = rs.program.opportunity
    out += [
        "",
        f"## Realistic opportunity {{#{ANCHOR['opportunity']}}}",
        "",
        (
            f"When the situation does not state it: force lasting at least "
            f"{seconds(opp.min_duration_s)} gives an opportunity. "
            if opp.min_duration_s is not None
            else "When the situation does not state it, no opportunity is assumed. "
        )
        + _cell(opp.because)
        + (f" ({', '.join(f'`{b}`' for b in opp.basis)})" if opp.basis else ""),
    ]
    out += _rules(rs)
    out += _reports(rs)
    out += ["", f"## Protections {{#{ANCHOR['protections']}}}", ""]
    if rs.notices:
        out += [f"- {_cell(n.text)} ({', '.join(f'`{b}`' for b in n.basis)})" for n in rs.notices]
    else:
        out.append("This ruleset states no standing protection (such as against retaliation).")
    if rs.program.exceptions:
        out += ["", "## Declared exceptions to the invariants", ""]
        out += [
            f"- Invariant {e.invariant}, where {_cell(condition_text(e.when))}: "
            f"{_cell(e.reason)} ({', '.join(f'`{b}`' for b in e.basis)})"
            for e in rs.program.exceptions
        ]
    return "\n".join(out) + "\n"
