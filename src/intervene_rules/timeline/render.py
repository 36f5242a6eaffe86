"""A timeline result as text for a terminal and as a self-contained page with a picture.

The page is one HTML file with inline CSS and SVG and no script: events on a time axis, each
observer's required action as a coloured band, the moment each duty arises marked (its
reason on hover and in the table below). Nothing is fetched when it is viewed.
"""

from __future__ import annotations

import html as _html
from collections.abc import Sequence
from typing import TYPE_CHECKING

from intervene_rules import words
from intervene_rules.timeline.levels import required as least
from intervene_rules.vocabulary import Action, Duty

if TYPE_CHECKING:
    from intervene_rules.timeline.run import Line, Moment, TimelineResult

COLOURS = {
    Action.NONE: "#d5d8dc",
    Action.ACKNOWLEDGE: "#f4d03f",
    Action.INTERVENE: "#e67e22",
    Action.INTERVENE_PHYSICALLY: "#c0392b",
}
"""One colour per action (grey, yellow, orange, red), from least to most demanding."""


CSS = (
    "body{font-family:system-ui,sans-serif;margin:24px;color:#1b2631;max-width:1100px}"
    "h1{font-size:22px;margin:0 0 4px}"
    ".meta{color:#555;margin:0 0 12px}"
    ".disclaimer{background:#fdf2e9;border-left:4px solid #e67e22;padding:8px 12px}"
    ".notice{background:#eaf2f8;border-left:4px solid #2e86c1;padding:6px 12px}"
    ".key{margin-right:16px;font-size:13px}"
    ".swatch{display:inline-block;width:14px;height:14px;vertical-align:middle;"
    "margin-right:4px;border:1px solid #999}"
    "table{border-collapse:collapse;font-size:13px;margin:8px 0 20px}"
    "td,th{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}"
    "svg{max-width:100%;height:auto;border:1px solid #eee}"
)
"""The page's one style sheet, inline: nothing is fetched when it is viewed."""


def clock(seconds: float) -> str:
    """95 -> "1:35"; 3725 -> "1:02:05"; 9.5 -> "0:09.5"."""
    whole = int(seconds)
    frac = seconds - whole
    h, rest = divmod(whole, 3600)
    m, s = divmod(rest, 60)
    sec = f"{s:02d}" + (f"{frac:.1f}"[1:] if frac else "")
    return f"{h}:{m:02d}:{sec}" if h else f"{m}:{sec}"


def required(m: Moment) -> str:
    """The action and the other duties at `m`, in words (a range where facts are unknown)."""
    if m.decision is not None:
        d = m.decision
        duties = [words.DUTY[x] for x in d.duties if x is not Duty.INTERVENE]
        return words.ACTION[d.action] + ("; " + "; ".join(duties) if duties else "")
    r = m.range
    assert r is not None
    if r.least == r.most:
        text = words.ACTION[r.least]
    else:
        text = f"between {words.ACTION[r.least]} and {words.ACTION[r.most]}"
    maybe = [words.DUTY[x] for x in r.duties_possible if x not in r.duties_certain]
    sure = [words.DUTY[x] for x in r.duties_certain if x is not Duty.INTERVENE]
    settled = r.least == r.most and not maybe
    return (
        text
        + ("; " + "; ".join(sure) if sure else "")
        + ("; perhaps " + ", ".join(maybe) if maybe else "")
        + (" (whatever the unknown facts)" if settled else " (facts unknown)")
    )


def _who(line: Line) -> str:
    return (
        f"{line.observer} ({words.RANK[line.observer_rank]}) facing "
        f"{line.actor} ({words.RANK[line.actor_rank]})"
    )


def text(r: TimelineResult) -> str:
    """Line by line: each moment's time, required action and cause."""
    out = [
        f"Incident: {r.incident}, {r.date.isoformat()}",
        f"Ruleset: {r.ruleset.id} {r.ruleset.version}; the law in force on "
        f"{r.as_of.isoformat()} applies.",
    ]
    out += [f"Note: {n}" for n in r.notices]
    for line in r.lines:
        out += ["", f"Observer {_who(line)}:"]
        for m in line.moments:
            mark = " << duty arises" if m.arises else " << escalates" if m.escalates else ""
            out.append(f"  {clock(m.at):>8}  {required(m):<52} {m.cause}{mark}")
        if line.arises_at is None:
            out.append("  No action is required of this observer at any moment.")
        else:
            out.append(
                f"  An action is first required at {clock(line.arises_at)}; the most "
                f"demanding: {words.ACTION[line.most]}."
            )
    out += ["", r.disclaimer]
    return "\n".join(out)


def _e(s: object) -> str:
    return _html.escape(str(s), quote=True)


def html(r: TimelineResult) -> str:
    """The page: the picture, when each duty arises, every moment, the events and sources."""
    picture = svg(r)
    legend = "".join(
        f'<span class="key"><span class="swatch" style="background:{c}"></span>'
        f"{_e(words.ACTION[a])}</span>"
        for a, c in COLOURS.items()
    )
    arises = "".join(
        f"<li><b>{_e(_who(ln))}</b>: "
        + (
            "no action is required at any moment."
            if ln.arises_at is None
            else f"an action is first required at {_e(clock(ln.arises_at))} "
            f"({_e(next(m.cause for m in ln.moments if m.arises))}); the most demanding: "
            f"{_e(words.ACTION[ln.most])}."
        )
        + "</li>"
        for ln in r.lines
    )
    rows = "".join(
        f"<tr><td>{_e(clock(m.at))}</td><td>{_e(ln.observer)} / {_e(ln.actor)}</td>"
        f"<td>{_e(required(m))}"
        f"{' <b>(duty arises)</b>' if m.arises else ' (escalates)' if m.escalates else ''}</td>"
        f"<td>{_e(m.cause)}</td></tr>"
        for ln in r.lines
        for m in ln.moments
    )
    events = "".join(
        f"<tr><td>{i + 1}</td><td>{_e(clock(e['at']))}"
        f"{' (approx.)' if e.get('approximate') else ''}</td><td>{_e(e['in_words'])}</td>"
        f"<td>{_e(e.get('note', ''))}</td>"
        f"<td>{_e(e.get('source', ''))}</td></tr>"
        for i, e in enumerate(r.events)
    )
    notices = "".join(f"<p class='notice'>{_e(n)}</p>" for n in r.notices)
    meta = (
        f"{_e(r.date.isoformat())} &middot; ruleset {_e(r.ruleset.id)} "
        f"{_e(r.ruleset.version)} &middot; the law in force on {_e(r.as_of.isoformat())}"
    )
    sources = "".join(f"<li>{_e(s)}</li>" for s in r.sources)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>{_e(r.incident)}: the duty over time</title>
<style>{CSS}</style></head><body>
<h1>{_e(r.incident)}</h1>
<p class="meta">{meta}</p>
<p class="disclaimer">{_e(r.disclaimer)}</p>
{notices}
<p>{legend} <span class="key">&#9670; the duty arises or escalates</span></p>
{picture}
<h2>When the duty arises</h2><ul>{arises}</ul>
<h2>Every moment</h2><table>{_head("time", "observer / acting", "required", "what happened")}
{rows}</table>
<h2>Events</h2><table>{_head("#", "time", "event", "note", "source")}{events}</table>
{"<h2>Sources</h2><ul>" + sources + "</ul>" if sources else ""}
</body></html>
"""


def _head(*names: str) -> str:
    return "<tr>" + "".join(f"<th>{_e(n)}</th>" for n in names) + "</tr>"


def svg(r: TimelineResult, marks: Sequence[tuple[int, float, str, str]] = ()) -> str:
    """The picture alone: events on a time axis, a coloured band per line, duty marks.

    `marks` adds (line index, time, label, colour) triangles below a line's band: a
    review's responses.
    """
    end = max([e["at"] for e in r.events] + [m.at for ln in r.lines for m in ln.moments])
    span = end * 1.08 if end > 0 else 10.0
    left, width, row, top = 230, 1000, 46, 40
    plot = width - left - 20

    def x(t: float) -> float:
        return left + plot * t / span

    height = top + row * len(r.lines) + 40
    svg = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="Required action over time">'
    ]
    # time axis
    step = _tick(span)
    t = 0.0
    while t <= span:
        svg.append(
            f'<line x1="{x(t):.1f}" y1="{top - 6}" x2="{x(t):.1f}" y2="{height - 30}" '
            'stroke="#eee"/>'
            f'<text x="{x(t):.1f}" y="{height - 14}" font-size="11" text-anchor="middle">'
            f"{clock(t)}</text>"
        )
        t += step
    # events
    for i, e in enumerate(r.events):
        svg.append(
            f"<g><title>{_e(clock(e['at']))} event {i + 1}: {_e(e['kind'])}"
            f"{_e(' - ' + e['note']) if e.get('note') else ''}</title>"
            f'<line x1="{x(e["at"]):.1f}" y1="{top - 14}" x2="{x(e["at"]):.1f}" '
            f'y2="{height - 30}" stroke="#555" stroke-dasharray="3,3"/>'
            f'<text x="{x(e["at"]):.1f}" y="{top - 18}" font-size="10" '
            f'text-anchor="middle">{i + 1}</text></g>'
        )
    for n, line in enumerate(r.lines):
        y = top + n * row
        svg.append(
            f'<text x="{left - 8}" y="{y + 22}" font-size="12" text-anchor="end">'
            f"{_e(line.observer)} facing {_e(line.actor)}</text>"
        )
        ms = line.moments
        for k, m in enumerate(ms):
            stop = ms[k + 1].at if k + 1 < len(ms) else span
            if stop <= m.at and k + 1 < len(ms):
                continue
            action = least(m)
            svg.append(
                f'<rect x="{x(m.at):.1f}" y="{y + 8}" width="{max(x(stop) - x(m.at), 1.5):.1f}" '
                f'height="22" fill="{COLOURS[action]}"><title>{_e(clock(m.at))}: '
                f"{_e(required(m))} ({_e(m.cause)})</title></rect>"
            )
        for m in ms:
            if m.arises or m.escalates:
                label = "duty arises" if m.arises else "escalates"
                cx = x(m.at)
                svg.append(
                    f"<g><title>{_e(clock(m.at))}: {label} - {_e(required(m))}"
                    f" ({_e(m.cause)})</title>"
                    f'<polygon points="{cx:.1f},{y + 2} {cx + 6:.1f},{y + 8} {cx:.1f},{y + 14} '
                    f'{cx - 6:.1f},{y + 8}" fill="#1b2631"/></g>'
                )
    for n, at, label, colour in marks:
        y = top + n * row + 30
        cx = x(at)
        svg.append(
            f"<g><title>{_e(clock(at))}: {_e(label)}</title>"
            f'<polygon points="{cx:.1f},{y} {cx + 6:.1f},{y + 10} {cx - 6:.1f},{y + 10}" '
            f'fill="{colour}" stroke="#1b2631" stroke-width="0.5"/></g>'
        )
    svg.append("</svg>")
    return "".join(svg)


def _tick(span: float) -> float:
    for step in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600):
        if span / step <= 12:
            return float(step)
    return 7200.0
