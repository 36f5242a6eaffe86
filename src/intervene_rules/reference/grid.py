"""A colour-coded grid picture (inline SVG): rows by columns of short labelled cells.

Made at docs-build time, self-contained (no script, no font or file from elsewhere). The
colour only repeats what the label says, so the grid reads without colour; each cell links to
its detail and carries it as a tooltip (`<title>`), which screen readers also read.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Literal

Tone = Literal["strong", "medium", "weak", "none", "neutral"]

FILL: dict[Tone, str] = {
    "strong": "#a8dcb9",
    "medium": "#ffe49a",
    "weak": "#f6c1b0",
    "none": "#e2e2e2",
    "neutral": "#cfe0f1",
}
"""Light fills under dark text: readable in the light and the dark theme alike."""

WIDTH = 1000
ROW_HEAD = 160
ROW_H = 40
HEAD_H = 44
LEGEND_H = 30
_LABEL_PX = 6.9  # width of one character at 12 px (sans-serif, bold), generously
_SUB_PX = 5.9  # at 10.5 px


@dataclass(frozen=True)
class Cell:
    """One answer: a short label (and a second line), a tone, where the detail is, the detail."""

    label: str
    tone: Tone
    detail: str
    sub: str = ""
    href: str | None = None


@dataclass(frozen=True)
class Row:
    """A row heading (a ruleset) and where it links."""

    label: str
    href: str | None = None


def fits(cell: Cell, width: float) -> bool:
    """Whether the cell's two lines fit its width, by a generous estimate."""
    room = width - 10
    return len(cell.label) * _LABEL_PX <= room and len(cell.sub) * _SUB_PX <= room


def _link(href: str | None, title: str, body: str) -> str:
    inner = f"<title>{escape(title)}</title>{body}"
    return f'<a href="{escape(href)}">{inner}</a>' if href else f"<g>{inner}</g>"


def svg_grid(
    *,
    ident: str,
    title: str,
    description: str,
    columns: list[tuple[str, str]],
    rows: list[Row],
    cells: list[list[Cell]],
    legend: list[tuple[Tone, str]],
) -> str:
    """The grid as one `<svg>` element on one line per part, with no blank line (Markdown-safe).

    `columns` are (heading, its second line). Raises ValueError if a label would not fit its
    cell: a picture must not cut its own text.
    """
    col_w = (WIDTH - ROW_HEAD) / len(columns)
    height = HEAD_H + ROW_H * len(rows) + LEGEND_H + 8
    parts = [
        f'<svg class="ir-grid" id="{ident}" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" role="group" '
        f'aria-labelledby="{ident}-title {ident}-desc" font-family="sans-serif">',
        f'<title id="{ident}-title">{escape(title)}</title>',
        f'<desc id="{ident}-desc">{escape(description)}</desc>',
        f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>',
    ]
    for j, (head, second) in enumerate(columns):
        x = ROW_HEAD + j * col_w + col_w / 2
        if not fits(Cell(head, "none", "", second), col_w):
            raise ValueError(f"column heading {head!r} / {second!r} does not fit {col_w:.0f} px")
        parts.append(
            f'<g class="cell"><rect x="{ROW_HEAD + j * col_w:.1f}" y="2" width="{col_w:.1f}" '
            f'height="{HEAD_H - 4}" fill="none"/>'
            f'<text x="{x:.1f}" y="19" text-anchor="middle" font-size="12" font-weight="bold" '
            f'fill="#111">{escape(head)}</text>'
            f'<text x="{x:.1f}" y="34" text-anchor="middle" font-size="10.5" fill="#333">'
            f"{escape(second)}</text></g>"
        )
    for i, (row, line) in enumerate(zip(rows, cells, strict=True)):
        y = HEAD_H + i * ROW_H
        head = (
            f'<rect x="0" y="{y}" width="{ROW_HEAD - 4}" height="{ROW_H - 4}" fill="none"/>'
            f'<text x="6" y="{y + ROW_H / 2 + 2}" font-size="12" fill="#0b57a4" '
            f'text-decoration="underline">{escape(row.label)}</text>'
        )
        if len(row.label) * _LABEL_PX > ROW_HEAD - 10:
            raise ValueError(f"row heading {row.label!r} does not fit {ROW_HEAD} px")
        parts.append(
            f'<g class="cell row-head">{_link(row.href, f"{row.label}: its page", head)}</g>'
        )
        for j, cell in enumerate(line):
            if not fits(cell, col_w):
                raise ValueError(f"{row.label}: {cell.label!r} / {cell.sub!r} does not fit")
            x0 = ROW_HEAD + j * col_w
            cx = x0 + col_w / 2
            ty = y + (ROW_H / 2 - 2 if cell.sub else ROW_H / 2 + 2)
            body = (
                f'<rect x="{x0 + 2:.1f}" y="{y}" width="{col_w - 4:.1f}" height="{ROW_H - 4}" '
                f'rx="4" fill="{FILL[cell.tone]}" stroke="#777" stroke-width="0.5"/>'
                f'<text x="{cx:.1f}" y="{ty}" text-anchor="middle" font-size="12" '
                f'font-weight="bold" fill="#111">{escape(cell.label)}</text>'
            )
            if cell.sub:
                body += (
                    f'<text x="{cx:.1f}" y="{y + ROW_H / 2 + 11}" text-anchor="middle" '
                    f'font-size="10.5" fill="#222">{escape(cell.sub)}</text>'
                )
            parts.append(
                f'<g class="cell">{_link(cell.href, f"{row.label}: {cell.detail}", body)}</g>'
            )
    y = HEAD_H + ROW_H * len(rows) + 6
    x = 6.0
    for tone, meaning in legend:
        parts.append(
            f'<g class="legend"><rect x="{x:.1f}" y="{y}" width="16" height="16" rx="3" '
            f'fill="{FILL[tone]}" stroke="#777" stroke-width="0.5"/>'
            f'<text x="{x + 22:.1f}" y="{y + 12}" font-size="11.5" fill="#111">'
            f"{escape(meaning)}</text></g>"
        )
        x += 22 + len(meaning) * 6.2 + 22
    if x > WIDTH:
        raise ValueError(f"the legend of {ident} is wider than the picture")
    parts.append("</svg>")
    # a <div> keeps Markdown off the picture: it passes through as raw HTML
    return '<div class="ir-grid-wrap">\n' + "\n".join(parts) + "\n</div>"
