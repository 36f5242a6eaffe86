"""A range of decisions and the changes that would change one, in plain words.

What a dispatcher or a reviewer reads when facts are missing: what is owed in every case,
what may be owed, which unknown facts decide the action and how, and, for a complete
situation, the smallest changes that would change it. Only text from the models is used.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

from intervene_rules import words
from intervene_rules.vocabulary import Duty

if TYPE_CHECKING:
    from intervene_rules.decision import ReportDue
    from intervene_rules.decision_range import Changes, Condition, DecisionRange

MAX_ROWS = 12
"""Ways to an action shown in text before the rest are counted (JSON has them all)."""


def _wrap(text: str, indent: str = "  ") -> str:
    return textwrap.fill(text, width=88, initial_indent=indent, subsequent_indent=indent + "  ")


def _duties(duties: tuple[Duty, ...], binding: tuple[Duty, ...] | None = None) -> str:
    """The duties in words; with `binding`, those not in it marked as no legal duty."""
    return (
        ", ".join(
            words.DUTY[d]
            + (
                " (not a legal duty: only guidance that binds no one expects it)"
                if binding is not None and d not in binding
                else ""
            )
            for d in duties
        )
        or "none"
    )


def _report(r: ReportDue) -> str:
    return f"to {r.to}, {words.duration(r.within)}"


def explain_range(r: DecisionRange) -> str:
    """The range, certain things first."""
    lines = [
        f"Ruleset {r.ruleset.id} {r.ruleset.version}, law in force on {r.as_of.isoformat()}.",
        "Unknown: " + ", ".join(words.FIELD[f] for f in r.unknown) + "."
        if r.unknown
        else "Nothing is unknown.",
        f"Decided over every one of {r.completions:,} completions of the unknown facts.",
        "",
    ]
    if r.least == r.most:
        lines.append(f"REQUIRED ACTION (in every completion): {words.ACTION[r.least].upper()}")
    else:
        lines.append(
            f"REQUIRED ACTION: between {words.ACTION[r.least]} and {words.ACTION[r.most]}, "
            "depending on the unknown facts"
        )
    lines.append(f"Duties in every case: {_duties(r.duties_certain, r.binding_duties_certain)}")
    maybe = tuple(d for d in r.duties_possible if d not in r.duties_certain)
    if maybe:
        lines.append(f"Duties that may be owed: {_duties(maybe, r.binding_duties_possible)}")
    for due in r.reports_certain:
        lines.append(f"Report owed in every case: {_report(due)}")
    for due in r.reports_possible:
        if due not in r.reports_certain:
            lines.append(f"Report that may be owed: {_report(due)}")
    for deciding in r.deciding:
        lines += ["", deciding.text]
        for outcome in deciding.outcomes:
            lines.append(f"- {words.ACTION[outcome.action].upper()}")
            for n, conj in enumerate(outcome.when[:MAX_ROWS]):
                lines.append(_conditions(conj, "if" if n == 0 else "or if"))
            if len(outcome.when) > MAX_ROWS:
                lines.append(f"    ... and {len(outcome.when) - MAX_ROWS} more ways (see the JSON)")
    if r.decision is not None:  # its explanation ends with the disclaimer
        lines += ["", "Every completion gives the same decision:", "", r.decision.explain()]
    else:
        lines += ["", r.disclaimer]
    return "\n".join(lines)


def _conditions(conj: tuple[Condition, ...], head: str) -> str:
    """Conditions that must all hold: one per line when there are several."""
    if not conj:
        return "    always"
    if len(conj) == 1:
        return _wrap(f"{head} {conj[0].text}", "    ")
    rows = [f"    {head} all of:"]
    rows += [_wrap("* " + c.text, "      ") for c in conj]
    return "\n".join(rows)


def explain_changes(c: Changes) -> str:
    """The smallest changes up and down."""
    lines = ["What would change it:"]
    for name, changes in (("more", c.up), ("less", c.down)):
        if not changes:
            lines.append(f"- No change of the facts leads to a {name} demanding action.")
            continue
        n = len(changes[0].changes)
        fact = "one fact" if n == 1 else f"{n} facts"
        lines.append(f"- A {name} demanding action takes a change of {fact}:")
        for change in changes[:MAX_ROWS]:
            mine = " (your own act)" if change.controlled else ""
            lines.append(_conditions(change.changes, "if"))
            lines.append(f"      then: {words.ACTION[change.action]}{mine}")
        if len(changes) > MAX_ROWS:
            lines.append(f"    ... and {len(changes) - MAX_ROWS} more (see the JSON)")
    lines.append(c.note)
    return "\n".join(lines)
