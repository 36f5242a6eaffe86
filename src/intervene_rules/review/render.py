"""A review for people: plain text, and a page with the annotated timeline picture.

Both open with the disclaimer: a review states what the ruleset requires and what the
record shows was done, not a finding of liability or misconduct.
"""

from __future__ import annotations

import html as _html
from typing import TYPE_CHECKING

from intervene_rules.timeline.render import CSS, clock, svg

if TYPE_CHECKING:
    from intervene_rules.review.run import DutyReview, Review

STATUS_WORDS: dict[str, str] = {
    "met": "met",
    "met_before": "met before it arose (credited)",
    "late": "met late",
    "not_met": "not met",
    "open": "open: the facts that decide it are unknown",
}

STATUS_COLOURS = {
    "met": "#27ae60",
    "met_before": "#27ae60",
    "late": "#f39c12",
    "not_met": "#c0392b",
    "open": "#7f8c8d",
}
"""Green met, amber late, red not met, grey open."""


def _when(d: DutyReview) -> str:
    if d.status == "open":
        return f"open - {d.arose_by}"
    parts = [f"arose at {clock(d.arose_at or 0)} ({d.arose_by})"]
    if d.met_at is not None:
        parts.append(f"act at {clock(d.met_at)}")
    if d.due_by is not None:
        parts.append(f"due by {clock(d.due_by)}")
    else:
        parts.append("no fixed deadline")
    if d.late_by_s:
        parts.append(f"late by {clock(d.late_by_s)}")
    return "; ".join(parts)


def text(r: Review) -> str:
    """Per observer, each duty and what was done."""
    out = [
        r.disclaimer,
        "",
        f"Review: {r.incident}, {r.date.isoformat()}",
        f"Ruleset: {r.ruleset.id} {r.ruleset.version}; the law in force on "
        f"{r.as_of.isoformat()} applies. The incident ends at {clock(r.incident_end)}.",
    ]
    observers = list(dict.fromkeys(d.observer for d in r.duties))
    for o in observers:
        out += ["", f"{o}:"]
        for d in r.duties:
            if d.observer != o:
                continue
            sources = f" [{', '.join(d.sources)}]" if d.sources else ""
            out.append(f"  - {d.text} (facing {d.actor}): {STATUS_WORDS[d.status].upper()}")
            out.append(f"      {_when(d)}{sources}")
            if d.note:
                out.append(f"      {d.note}")
    if r.notes:
        out += ["", "Notes:"] + [f"  - {n}" for n in r.notes]
    return "\n".join(out)


def _e(s: object) -> str:
    return _html.escape(str(s), quote=True)


def html(r: Review) -> str:
    """The page: disclaimer, the annotated picture, each duty's status, the acts."""
    index = {(ln.observer, ln.actor): n for n, ln in enumerate(r.timeline.lines)}
    marks = [
        (
            index[(d.observer, d.actor)],
            d.met_at,
            f"{d.observer}: {d.text} - {STATUS_WORDS[d.status]}",
            STATUS_COLOURS[d.status],
        )
        for d in r.duties
        if d.met_at is not None and (d.observer, d.actor) in index
    ]
    # a duty not met is marked where it fell due (the incident's end, or its deadline)
    marks += [
        (
            index[(d.observer, d.actor)],
            min(d.due_by if d.due_by is not None else r.incident_end, r.incident_end),
            f"{d.observer}: {d.text} - not met (arose at {clock(d.arose_at or 0)})",
            STATUS_COLOURS["not_met"],
        )
        for d in r.duties
        if d.status == "not_met" and (d.observer, d.actor) in index
    ]
    rows = "".join(
        f"<tr><td>{_e(d.observer)}</td><td>{_e(d.text)} (facing {_e(d.actor)})</td>"
        f'<td style="color:{STATUS_COLOURS[d.status]}"><b>{_e(STATUS_WORDS[d.status])}</b></td>'
        f"<td>{_e(_when(d))}</td><td>{_e(', '.join(d.sources))}</td></tr>"
        for d in r.duties
    )
    acts = "".join(
        f"<tr><td>{_e(clock(x.at))}</td><td>{_e(x.officer)}</td>"
        f"<td>{_e(x.kind.replace('_', ' '))}{' to ' + _e(x.to) if x.to else ''}</td>"
        f"<td>{_e(x.note or '')}</td><td>{_e(x.source or '')}</td></tr>"
        for x in r.responses
    )
    notes = "".join(f"<li>{_e(n)}</li>" for n in r.notes)
    head = (
        "<tr>"
        + "".join(f"<th>{h}</th>" for h in ("observer", "duty", "status", "when", "sources"))
        + "</tr>"
    )
    acts_head = (
        "<tr>"
        + "".join(f"<th>{h}</th>" for h in ("time", "officer", "act", "note", "source"))
        + "</tr>"
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Review: {_e(r.incident)}</title><style>{CSS}</style></head><body>
<p class="disclaimer">{_e(r.disclaimer)}</p>
<h1>Review: {_e(r.incident)}</h1>
<p class="meta">{_e(r.date.isoformat())} &middot; ruleset {_e(r.ruleset.id)}
{_e(r.ruleset.version)} &middot; the law in force on {_e(r.as_of.isoformat())}</p>
<p>Bands: the required action; &#9670; a duty arises; &#9650; an act, coloured met (green)
or late (amber); a red &#9650; at the incident's end: a duty not met.</p>
{svg(r.timeline, marks)}
<h2>Each duty</h2><table>{head}{rows}</table>
<h2>What was done</h2><table>{acts_head}{acts}</table>
{"<h2>Notes</h2><ul>" + notes + "</ul>" if notes else ""}
</body></html>
"""
