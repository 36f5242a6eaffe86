"""The one text layout of an issue, whatever the subcommand that found it.

    agency.yaml:24:7: error[ruleset_unknown_field]: unknown field 'force.typ' (at rules[1]...)
        force.typ: {in: [taser]}
        ^
      help: did you mean 'force.type'?

The first and the `help:` lines are `str(issue)`; between them the source line with a caret
under the column, read from the file when it can be (or from text the caller holds, such as
a situation read from standard input), as `packaging` shows a `ParserSyntaxError`. A message
of several lines (the regions of a gap) gets no snippet, and an analysis finding its
`example:` situation last.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Literal, TextIO

from intervene_rules.errors import Issue

ColourChoice = Literal["auto", "always", "never"]

MAX_SNIPPET = 100
"""Characters of a source line shown around the column (a minified JSON is one long line)."""

_MAX_SOURCE_BYTES = 4 << 20  # no snippet from a file larger than any input we accept

_SGR = {
    "bold": "1",
    "error": "1;31",
    "warning": "1;33",
    "info": "1;36",
    "help": "1;36",
}


def use_colour(stream: TextIO, choice: ColourChoice = "auto") -> bool:
    """Whether to colour what is written to `stream`.

    Never when `NO_COLOR` is set to a non-empty value (no-color.org), whatever `choice`
    says: a user who sets it asked for plain text everywhere. Otherwise `always`, `never`,
    or (`auto`) only when `stream` is a terminal.
    """
    if os.environ.get("NO_COLOR"):
        return False
    if choice != "auto":
        return choice == "always"
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def paint(text: str, style: str, colour: bool) -> str:
    """`text` in an ANSI style (`error`, `warning`, `info`, `help`, `bold`), or as is.

    Plain SGR codes, not `rich` or `colorama`: five fixed styles do not justify a dependency
    and its import time on every run, and terminals that show colour (Windows 10's console
    included) read these codes.
    """
    return f"\x1b[{_SGR[style]}m{text}\x1b[0m" if colour else text


class _Sources:
    """Source lines by file name, read once per rendering; None where there are none."""

    def __init__(self, texts: Mapping[str, str]) -> None:
        self._lines: dict[str, list[str] | None] = {
            name: text.splitlines() for name, text in texts.items()
        }

    def line(self, file: str, number: int) -> str | None:
        if file not in self._lines:
            self._lines[file] = _read_lines(file)
        lines = self._lines[file]
        if lines is None or not 1 <= number <= len(lines):
            return None
        return lines[number - 1]


def _read_lines(file: str) -> list[str] | None:
    candidates = [Path(file)]
    if file.startswith("rulesets/"):  # how the loader shows a bundled ruleset's file
        from intervene_rules.ruleset.load import bundled_dir

        candidates.append(bundled_dir() / file.removeprefix("rulesets/"))
    for path in candidates:
        try:
            if not path.is_file() or path.stat().st_size > _MAX_SOURCE_BYTES:
                continue
            return path.read_bytes().decode("utf-8").splitlines()
        except (OSError, UnicodeDecodeError, ValueError):
            continue
    return None


def snippet(source: str, column: int) -> tuple[str, str]:
    """The source line (cut to a window around `column`) and the caret line under it."""
    source = source.rstrip("\r\n")
    index = max(column - 1, 0)
    start = 0
    if len(source) > MAX_SNIPPET:
        start = max(0, min(index - MAX_SNIPPET // 2, len(source) - MAX_SNIPPET))
    shown = source[start : start + MAX_SNIPPET]
    before = shown[: index - start]
    pad = "".join(c if c == "\t" else " " for c in before) + " " * (index - start - len(before))
    if start:
        shown, pad = "…" + shown, " " + pad
    if start + MAX_SNIPPET < len(source):
        shown += "…"
    # control characters (a stray byte in a situation) would garble the terminal
    shown = "".join(c if c.isprintable() or c == "\t" else "\ufffd" for c in shown)
    return shown, pad + "^"


def render_issue(issue: Issue, *, colour: bool = False, sources: _Sources | None = None) -> str:
    """One issue: `file:line:col: severity[code]: message`, the snippet, then `help:`."""
    sources = sources or _Sources({})
    where = str(issue.loc)
    head = f"{paint(where, 'bold', colour)}: "
    head += paint(f"{issue.severity}[{issue.code}]", issue.severity, colour)
    head += f": {issue.message}"
    if issue.loc.dotted_path:
        head += f" (at {issue.loc.dotted_path})"
    lines = [head]
    # a message of several lines (a gap's regions) already shows what it is about
    wanted = issue.loc.line and issue.loc.column and "\n" not in issue.message
    source = sources.line(issue.loc.file, issue.loc.line) if wanted else None
    if source is not None:
        text, caret = snippet(source, issue.loc.column)
        lines += [f"    {text}", f"    {paint(caret, issue.severity, colour)}"]
    if issue.help:
        lines.append(f"  {paint('help', 'help', colour)}: {issue.help}")
    example = issue.ctx.get("example")
    if example is not None:
        lines.append(f"  example: {json.dumps(example, separators=(',', ':'))}")
    return "\n".join(lines)


def render_issues(
    issues: Iterable[Issue],
    *,
    colour: bool = False,
    texts: Mapping[str, str] | None = None,
    limit: int | None = None,
) -> str:
    """Every issue in the one layout, in the order given.

    Args:
        issues: what to show.
        colour: ANSI colours (see `use_colour`).
        texts: source text by file name for what is not on disk (standard input).
        limit: show at most this many, then a line counting the rest.

    """
    sources = _Sources(texts or {})
    shown: list[str] = []
    rest = 0
    for issue in issues:
        if limit is not None and len(shown) >= limit:
            rest += 1
            continue
        shown.append(render_issue(issue, colour=colour, sources=sources))
    if rest:
        shown.append(f"… and {rest:,} more issue(s)")
    return "\n".join(shown)


def fail(message: str, err: TextIO, code: int = 2) -> int:
    """Print a problem that has no place in a file (a usage error, an unknown example)."""
    print(f"intervene: error: {message}", file=err)
    return code


__all__ = ["fail", "paint", "render_issue", "render_issues", "snippet", "use_colour"]


def emit(text: str, path: str | None, out: TextIO) -> None:
    """`text` into the file `path` (`--out`), or onto `out`."""
    if path:
        Path(path).write_text(text, encoding="utf-8")
    else:
        print(text, file=out, end="" if text.endswith("\n") else "\n")
