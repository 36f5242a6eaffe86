"""The audit as a self-contained HTML page: charts in inline SVG, no script, no network.

Pictures first (duty certain / possible / absent by force × resistance, by rank relation, by
year with the law in force, the facts whose absence leaves the duty open), then the honest
accounting: every input record evaluated, rejected (with reasons and examples) or not
evaluable, and every coded value the crosswalk could not map. Colour is never the only
carrier: every bar has its numbers in text and a `<title>`.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Mapping, Sequence
from typing import Any

from intervene_rules.audit.run import RELATION_ORDER, STATUSES, AuditResult, RulesetAudit, Tally
from intervene_rules.decision import DISCLAIMER
from intervene_rules.vocabulary import ForceType, Resistance

COLOURS = {
    "certain": "#b2182b",
    "possible": "#f4a582",
    "guidance": "#bababa",
    "absent": "#4393c3",
}
LABELS = {
    "certain": "duty certain",
    "possible": "duty possible (facts missing)",
    "guidance": "no legal duty; guidance that binds no one expects it",
    "absent": "no duty",
}
FORCE_ORDER: tuple[str, ...] = (
    *(f.value for f in sorted(ForceType, key=lambda f: f.severity)),
    "unknown",
)
RESISTANCE_ORDER: tuple[str, ...] = (*(r.value for r in Resistance), "unknown")
_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
_STYLE = """
body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1100px;padding:1.5em;color:#222}
h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:.25em .5em;
text-align:right}th{background:#f5f5f5}td.l,th.l{text-align:left}
.note{color:#555;font-size:.92em}.legend span{display:inline-block;margin-right:1.2em}
.sw{display:inline-block;width:.9em;height:.9em;margin-right:.3em;vertical-align:-.1em}
.warn{background:#fff4e5;border-left:4px solid #f4a582;padding:.5em 1em}
svg text{font:12px system-ui,sans-serif}.cols{display:flex;gap:2em;flex-wrap:wrap}
"""


def _e(x: Any) -> str:
    return html.escape(str(x))


def legend() -> str:
    """The colour key, styled inline (it is shown in the docs pages too)."""
    swatch = "display:inline-block;width:.9em;height:.9em;margin-right:.3em;vertical-align:-.1em"
    items = "".join(
        f'<span style="display:inline-block;margin-right:1.2em">'
        f'<i style="{swatch};background:{COLOURS[s]}"></i>{_e(LABELS[s])}</span>'
        for s in STATUSES
    )
    return f'<p class="legend">{items}</p>'


def _pct(n: int, total: int) -> str:
    return f"{100 * n / total:.1f}%" if total else "–"


def _svg_open(width: int, height: int, title: str) -> str:
    """The opening of a chart: sized, scaled down on narrow screens, titled for readers."""
    return (
        f'<svg role="img" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'style="max-width:100%;height:auto"><title>{_e(title)}</title>'
    )


def bars(rows: Sequence[tuple[str, Tally]], title: str, width: int = 640) -> str:
    """Horizontal stacked bars, one per row, shares of certain / possible / absent."""
    label_w, bar_w, h = 190, width - 190 - 90, 22
    height = h * len(rows) + 10
    parts = [_svg_open(width, height, title)]
    for i, (label, t) in enumerate(rows):
        y = 5 + i * h
        parts.append(f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">{_e(label)}</text>')
        x = float(label_w)
        for s in STATUSES:
            n = getattr(t, s)
            w = bar_w * n / t.total if t.total else 0
            if w > 0:
                parts.append(
                    f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{h - 6}" '
                    f'fill="{COLOURS[s]}"><title>{_e(label)}: {_e(LABELS[s])} {n:,} '
                    f"({_pct(n, t.total)})</title></rect>"
                )
            x += w
        parts.append(f'<text x="{label_w + bar_w + 6}" y="{y + 15}">{t.total:,}</text>')
    parts.append("</svg>")
    return "".join(parts)


def grid(cells: Mapping[tuple[str, str], Tally], title: str) -> str:
    """Force type (rows) × resistance (columns): each cell a small stacked bar and counts."""
    forces = [f for f in FORCE_ORDER if any(k[0] == f for k in cells)]
    resist = [r for r in RESISTANCE_ORDER if any(k[1] == r for k in cells)]
    cw, ch, lw, th = 130, 34, 170, 44
    width, height = lw + cw * len(resist) + 10, th + ch * len(forces) + 10
    parts = [_svg_open(width, height, title)]
    for j, r in enumerate(resist):
        words = r.split("_")
        for k, line in enumerate((" ".join(words[:1]), " ".join(words[1:]))):
            parts.append(
                f'<text x="{lw + j * cw + cw / 2}" y="{th - 24 + 13 * k}" text-anchor="middle">'
                f"{_e(line)}</text>"
            )
    for i, f in enumerate(forces):
        y = th + i * ch
        parts.append(
            f'<text x="{lw - 6}" y="{y + ch / 2 + 4}" text-anchor="end">'
            f"{_e(f.replace('_', ' '))}</text>"
        )
        for j, r in enumerate(resist):
            t = cells.get((f, r))
            x0 = lw + j * cw + 4
            if t is None or not t.total:
                parts.append(
                    f'<text x="{x0 + cw / 2 - 4}" y="{y + ch / 2 + 4}" text-anchor="middle" '
                    'fill="#999">·</text>'
                )
                continue
            x = float(x0)
            for s in STATUSES:
                n = getattr(t, s)
                w = (cw - 8) * n / t.total
                if w > 0:
                    parts.append(
                        f'<rect x="{x:.1f}" y="{y + 4}" width="{w:.1f}" height="{ch - 20}" '
                        f'fill="{COLOURS[s]}"><title>{_e(f)} × {_e(r)}: {_e(LABELS[s])} '
                        f"{n:,} of {t.total:,}</title></rect>"
                    )
                x += w
            parts.append(
                f'<text x="{x0 + (cw - 8) / 2}" y="{y + ch - 3}" text-anchor="middle" '
                f'font-size="10">{"/".join(f"{getattr(t, s):,}" for s in STATUSES)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def columns(
    rows: Sequence[tuple[str, Tally]], notes: Mapping[str, Sequence[str]], title: str
) -> str:
    """Vertical stacked bars (e.g. by year), counts below, the law entering force marked."""
    bw, gap, top, plot = 38, 10, 20, 200
    width = 60 + len(rows) * (bw + gap)
    height = top + plot + 60
    peak = max((t.total for _, t in rows), default=1) or 1
    parts = [_svg_open(width, height, title)]
    for i, (label, t) in enumerate(rows):
        x = 50 + i * (bw + gap)
        y = top + plot
        for s in reversed(STATUSES):
            n = getattr(t, s)
            hgt = plot * n / peak
            if hgt > 0:
                y -= hgt
                parts.append(
                    f'<rect x="{x}" y="{y:.1f}" width="{bw}" height="{hgt:.1f}" '
                    f'fill="{COLOURS[s]}"><title>{_e(label)}: {_e(LABELS[s])} {n:,}</title></rect>'
                )
        parts.append(
            f'<text x="{x + bw / 2}" y="{top + plot + 15}" text-anchor="middle">{_e(label)}</text>'
            f'<text x="{x + bw / 2}" y="{top + plot + 30}" text-anchor="middle" font-size="10">'
            f"{t.total:,}</text>"
        )
        if notes.get(label):
            parts.append(
                f'<text x="{x + bw / 2}" y="{top + plot + 46}" text-anchor="middle" '
                f'font-size="13">▲<title>In force from {_e(label)}: '
                f"{_e('; '.join(notes[label]))}</title></text>"
            )
    parts.append("</svg>")
    return "".join(parts)


def facts_chart(counts: Sequence[tuple[str, int]], total: int, title: str) -> str:
    """Horizontal bars: how many open pairs each missing fact decides."""
    label_w, bar_w, h = 230, 330, 22
    width, height = label_w + bar_w + 120, h * len(counts) + 10
    parts = [_svg_open(width, height, title)]
    for i, (fact, n) in enumerate(counts):
        y = 5 + i * h
        w = bar_w * n / total if total else 0
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">{_e(fact)}</text>'
            f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{h - 6}" '
            f'fill="{COLOURS["possible"]}"><title>{_e(fact)}: {n:,} of {total:,}</title></rect>'
            f'<text x="{label_w + w + 6:.1f}" y="{y + 15}">{n:,} ({_pct(n, total)})</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _tally_table(rows: Sequence[tuple[str, Tally]], head: str) -> str:
    body = "".join(
        f'<tr><td class="l">{_e(k)}</td>'
        + "".join(f"<td>{getattr(t, s):,} ({_pct(getattr(t, s), t.total)})</td>" for s in STATUSES)
        + f"<td>{t.total:,}</td></tr>"
        for k, t in rows
    )
    heads = "".join(f"<th>{_e(LABELS[s])}</th>" for s in STATUSES)
    return f'<table><tr><th class="l">{_e(head)}</th>{heads}<th>pairs</th></tr>{body}</table>'


def _ruleset_section(result: AuditResult, a: RulesetAudit) -> str:
    rs = a.ruleset
    out = [f"<h2>Under {_e(rs.id)} {_e(rs.version)}</h2>"]
    when = (
        f"the law in force on {result.as_of or dt.date.today()}"
        if result.as_of is not None or result.crosswalk.date is None
        else "the law in force on each record's date"
    )
    out.append(f'<p class="note">Ruleset digest {_e(rs.digest)}; {when}.</p>')
    out.append(bars([("all pairs", a.overall)], f"{rs.id}: all pairs"))
    out.append(_tally_table([("all pairs", a.overall)], "pairs"))
    if a.not_evaluated:
        out.append(
            '<p class="warn">Pairs not evaluated: '
            + "; ".join(f"{_e(k)} ({n:,})" for k, n in a.not_evaluated.most_common())
            + "</p>"
        )
    out.append("<h3>By force type × subject resistance</h3>")
    out.append(
        '<p class="note">Each cell: the share of pairs in each colour of the key; below, the '
        "counts in its order (certain/possible/guidance only/none).</p>"
    )
    out.append(grid(a.by_force_resistance, f"{rs.id}: duty by force type and resistance"))
    out.append("<h3>By rank relation (the observer against the officer using force)</h3>")
    rel = [(r, a.by_relation[r]) for r in RELATION_ORDER if r in a.by_relation]
    out.append(bars(rel, f"{rs.id}: duty by rank relation"))
    out.append(_tally_table(rel, "observer is"))
    if a.by_year:
        years = sorted(k for k in a.by_year if isinstance(k, int))
        rows = [(str(y), a.by_year[y]) for y in years]
        notes = {str(y): a.law_by_year.get(y, []) for y in years}
        out.append("<h3>By year, with the law entering force</h3>")
        out.append(columns(rows, notes, f"{rs.id}: duty by year"))
        law = "".join(
            f"<li><b>{y}</b>: {_e('; '.join(v))}</li>" for y, v in a.law_by_year.items() if v
        )
        if law:
            out.append(f"<p>Law and policy of this ruleset entering force (▲):</p><ul>{law}</ul>")
        out.append(_tally_table(rows, "year"))
    out.append("<h3>What the records do not say</h3>")
    open_ = a.overall.possible
    if a.deciding:
        rows_d = "".join(
            f'<tr><td class="l">{_e(f)}</td><td>{n:,}</td><td>{_pct(n, open_)}</td></tr>'
            for f, n in a.deciding.most_common()
        )
        out.append(
            "<p>Facts whose absence most often leaves the duty open (pairs with the duty "
            f"possible but not certain: {open_:,}; a pair may need several facts):</p>"
        )
        out.append(facts_chart(a.deciding.most_common(), open_, f"{rs.id}: missing facts"))
        out.append(
            f'<table><tr><th class="l">missing fact</th><th>pairs it decides</th>'
            f"<th>share</th></tr>{rows_d}</table>"
        )
    else:
        out.append("<p>No pair is left open by missing facts.</p>")
    return "\n".join(out)


def _accounting(result: AuditResult) -> str:
    p = result.prepared
    rejected = sum(p.rejected.values())
    not_eval = sum(p.not_evaluable.values())
    ok = p.accounted()
    rows = [
        ("records in the input", p.records),
        ("evaluated (at least one observer pair)", p.evaluable),
        ("rejected", rejected),
        ("not evaluable", not_eval),
    ]
    body = "".join(f'<tr><td class="l">{_e(k)}</td><td>{v:,}</td></tr>' for k, v in rows)
    out = [
        "<h2>Every record accounted for</h2>",
        f"<table>{body}</table>",
        f"<p>{'✔' if ok else '✘'} evaluated + rejected + not evaluable "
        f"{'=' if ok else '≠'} records in the input ({p.evaluable:,} + {rejected:,} + "
        f"{not_eval:,} {'=' if ok else '≠'} {p.records:,}).</p>",
    ]
    if p.rejected:
        items = "".join(
            f"<li>{_e(reason)}: {n:,}"
            + (
                " (e.g. "
                + ", ".join(f"{_e(x.file)} row {x.row}" for x in p.examples.get(reason, [])[:5])
                + ")"
                if p.examples.get(reason)
                else ""
            )
            + "</li>"
            for reason, n in p.rejected.most_common()
        )
        out.append(f"<p>Rejected records, by reason:</p><ul>{items}</ul>")
    if p.not_evaluable:
        items = "".join(f"<li>{_e(k)}: {n:,}</li>" for k, n in p.not_evaluable.most_common())
        out.append(f"<p>Records not evaluable:</p><ul>{items}</ul>")
    if p.unmapped:
        rows_u = "".join(
            f'<tr><td class="l">{_e(f)}</td><td class="l">{_e(c)}</td>'
            f'<td class="l">{_e(v)}</td><td>{n:,}</td></tr>'
            for (f, c, v), n in p.unmapped.most_common()
        )
        out.append(
            "<p>Coded values outside the crosswalk's map (the fact stays unknown):</p>"
            f'<table><tr><th class="l">fact</th><th class="l">column</th><th class="l">value</th>'
            f"<th>rows</th></tr>{rows_u}</table>"
        )
    else:
        out.append(
            "<p>Every coded value met is mapped or declared unmappable by the crosswalk.</p>"
        )
    if p.conflicts:
        out.append(
            "<p>Records whose values disagree (fact unknown): "
            + "; ".join(f"{_e(k)} {n:,}" for k, n in p.conflicts.items())
            + "</p>"
        )
    for note in p.notes:
        out.append(f'<p class="note">{_e(note)}</p>')
    files = "".join(f"<li>{_e(f)}: {n:,} rows</li>" for f, n in p.files)
    out.append(f"<p>Files read:</p><ul>{files}</ul>")
    return "\n".join(out)


def _facts(result: AuditResult) -> str:
    cw = result.crosswalk
    held = "".join(
        f'<tr><td class="l">{_e(k)}</td>'
        f'<td class="l">{_e(", ".join(f.columns or f.flags.values()))}</td>'
        f'<td class="l">{_e(f.note or "")}</td></tr>'
        for k, f in cw.facts.items()
    )
    unknown = "".join(
        f'<tr><td class="l">{_e(k)}</td><td class="l">{_e(v)}'
        + (
            f" — <b>assumed by the auditor: {_e(result.assumptions[k])}</b>"
            if k in result.assumptions
            else ""
        )
        + "</td></tr>"
        for k, v in cw.unknown.items()
    )
    return (
        "<h2>What the data holds, and what it does not</h2>"
        f'<table><tr><th class="l">fact</th><th class="l">read from</th><th class="l">how</th></tr>'
        f"{held}</table>"
        f"<p>Facts the data never holds (unknown; every value they could take is reasoned over, "
        f'never defaulted):</p><table><tr><th class="l">fact</th><th class="l">why</th></tr>'
        f"{unknown}</table>"
    )


def render_html(result: AuditResult) -> str:
    """The whole report as one HTML page."""
    cw = result.crosswalk
    p = result.prepared
    names = " and ".join(f"{a.ruleset.id}" for a in result.audits)
    caveats = "".join(f"<li>{_e(c)}</li>" for c in cw.caveats)
    assumed = (
        '<p class="warn"><b>Assumptions stated by the auditor</b> (not in the data): '
        + "; ".join(f"{_e(k)} = {_e(v)}" for k, v in result.assumptions.items())
        + "</p>"
        if result.assumptions
        else ""
    )
    sections = "\n".join(_ruleset_section(result, a) for a in result.audits)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Duty-to-intervene audit: {_e(cw.title)}</title><style>{_STYLE}</style></head>
<body>
<h1>Duty-to-intervene audit: {_e(cw.title)}</h1>
<p>{_e(cw.record)} Source: {_e(cw.source.publisher)}
(<a href="{_e(cw.source.url)}">{_e(cw.source.url)}</a>).
Crosswalk <code>{_e(cw.crosswalk)}</code>; ruleset(s) {_e(names)}.</p>
<p><b>{p.records:,}</b> records; <b>{result.pairs:,}</b> observer pairs (an officer who
used force and another officer on scene) from <b>{p.evaluable:,}</b> records.</p>
{assumed}
{legend()}
<p class="note">A pair's duty to intervene is <i>certain</i> when it is owed whatever the facts
the records do not hold; <i>possible</i> when it is owed for some of their values; absent when
for none. A duty is a legal duty: what rests only on guidance that binds no one (a
peer-intervention programme, a model policy) is never counted as one; pairs where only such
guidance expects intervention are shown apart, in grey. {_e(DISCLAIMER)}</p>
{sections}
{_facts(result)}
<h2>Caveats of the data</h2><ul>{caveats}</ul>
{_accounting(result)}
<p class="note">Made by intervene_rules audit in {result.seconds.get("read", 0):.1f} s reading and
{result.seconds.get("evaluate", 0):.1f} s deciding.</p>
</body></html>
"""


__all__ = ["bars", "columns", "facts_chart", "grid", "render_html"]
