"""The canonical layout of ruleset and scenario files (`intervene fmt`), comments kept.

Four passes, each simple enough to trust:

1. `ruamel.yaml` reads and writes the file round trip: comments, quoting and block scalars
   stay as written; indentation becomes 2 per mapping level (list items indented 2 under
   their key), `null` is written out, and no line is wrapped.
2. Keys are put in the order of the format's own models (`RulesetSpec`, `RuleSpec`,
   `ScenarioSpec`, ...): whole blocks of lines move, each with the comments written just above
   it, so a comment stays with the key it describes. Keys the models do not know keep their
   place after the known ones (the loader reports them; the formatter does not judge).
3. Blank lines: never two in a row, none at either end, exactly one before each rule and
   each scenario.
4. A flow list longer than a line (`basis: [a, b, ...]`) is written as the bundled files
   write it: the list on the next line, wrapped at `WIDTH` under its opening bracket.

The result must mean what the input meant: `format_text` parses both with the loader's own
YAML reader and refuses (`FormatError`) a result whose data differ. `ruamel.yaml` is
imported here only, so that no other command pays for it.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel

from intervene_rules.errors import FileIssuesError, Issue
from intervene_rules.location import SourceLocation

WIDTH = 100
"""Longest line the formatter writes where it chooses the breaks (flow lists)."""

Kind = Literal["ruleset", "scenarios"]


class FormatError(FileIssuesError):
    """A file the formatter would not rewrite: unreadable YAML, or not a file of ours.

    Codes are `fmt_*` (plus the loader's `ruleset_yaml_*` for YAML errors), each located;
    the file is left as it was.
    """

    what = "file to format"


@dataclass(frozen=True)
class Shape:
    """What the formatter knows of a mapping: its key order, and the shapes below it.

    `children[key]` is the shape of the key's value when that is a mapping, or of each item
    (a list) or each value (a mapping by name) when those are mappings.
    """

    order: tuple[str, ...]
    children: dict[str, Shape] = field(default_factory=dict)


RULE_ORDER = ("id", "replaces", "stage", "effective", "ended", "when", "then", "because", "basis")
"""A rule's keys: what it is (and what it replaces), when it applies, what it concludes, why.

The bundled rulesets' own order; `RuleSpec` declares the same fields in another order."""


def fields_of(model: type[BaseModel]) -> tuple[str, ...]:
    """A model's keys in the order it declares them."""
    return tuple(info.alias or name for name, info in model.model_fields.items())


def shapes() -> dict[Kind, Shape]:
    """The shape of each kind of file: its top-level keys, and each rule's or scenario's.

    Other mappings (sources, expectations, situations) keep the order they were written in.
    """
    from intervene_rules.ruleset.model import RulesetSpec
    from intervene_rules.testing.scenarios.format import ScenarioFileSpec, ScenarioSpec

    return {
        "ruleset": Shape(fields_of(RulesetSpec), {"rules": Shape(RULE_ORDER)}),
        "scenarios": Shape(
            fields_of(ScenarioFileSpec), {"scenarios": Shape(fields_of(ScenarioSpec))}
        ),
    }


def kind_of(name: str, data: Any) -> Kind | None:
    """Which kind of file `data` is (a parsed document), or None when it is neither."""
    if not isinstance(data, dict):
        return None
    if name.endswith((".scenarios.yaml", ".scenarios.yml")) or (
        "scenarios" in data and "id" not in data
    ):
        return "scenarios" if "scenarios" in data else None
    if "id" in data and ({"title", "jurisdiction", "rules", "extends"} & data.keys()):
        return "ruleset"
    return None


# --- pass 1: round trip -------------------------------------------------------------------


def _round_trip(text: str, file: str) -> str:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 1 << 16  # no wrapping: pass 4 breaks the lines it should
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.representer.add_representer(
        type(None), lambda rep, _: rep.represent_scalar("tag:yaml.org,2002:null", "null")
    )
    try:
        data = yaml.load(text)
        out = io.StringIO()
        yaml.dump(data, out)
    except YAMLError as exc:  # what PyYAML accepts and ruamel.yaml does not
        mark = getattr(exc, "problem_mark", None) if isinstance(exc, MarkedYAMLError) else None
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        problem = getattr(exc, "problem", None) or str(exc)
        raise FormatError(
            [
                Issue(
                    "fmt_yaml_unsupported",
                    f"the formatter cannot read this YAML: {problem}",
                    SourceLocation(file, line, col),
                    help="write it more plainly (block mappings and lists, plain or quoted "
                    "scalars)",
                )
            ]
        ) from None
    return out.getvalue()


# --- lines ----------------------------------------------------------------------------------

_BLOCK_SCALAR = re.compile(r"(?:^|:|-)\s+[|>][0-9+-]*\s*(?:#.*)?$")
_KEY = re.compile(r"""((?:- )*)("[^"]*"|'[^']*'|[^\s#'"\-\[{][^:#]*?|-[^\s:#][^:#]*?):(?: |$)""")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _in_scalars(lines: list[str]) -> list[bool]:
    """Per line: whether it is the content of a block scalar (`|`, `>`): text, not layout."""
    marks: list[bool] = []
    parent: int | None = None
    for line in lines:
        if parent is not None and (not line.strip() or _indent(line) > parent):
            marks.append(True)
            continue
        parent = None
        marks.append(False)
        stripped = line.lstrip(" ")
        if not stripped.startswith("#") and _BLOCK_SCALAR.search(line):
            # content is indented past the key (a `- ` item marker counts as indentation)
            key = _KEY.match(stripped)
            parent = _indent(line) + (len(key.group(1)) if key else 0)
    return marks


def _is_comment(line: str) -> bool:
    return line.lstrip(" ").startswith("#")


def _align_comments(lines: list[str]) -> list[str]:
    """Each comment line indented as the line after it: the line it is written about.

    `ruamel.yaml` keeps a comment at the column it was written at, which after re-indenting
    may no longer say which key it belongs to; the order pass reads that from the column.
    """
    scalar = _in_scalars(lines)
    out = list(lines)
    below = 0  # indentation of the next line that is neither blank nor a comment
    for i in range(len(lines) - 1, -1, -1):
        line = lines[i]
        if scalar[i] or not line.strip():
            if scalar[i]:
                below = _indent(line)
            continue
        if _is_comment(line) and not _continues_end_comment(lines, i):
            out[i] = " " * below + line.lstrip(" ")
        else:
            below = _indent(line)
    return out


def _continues_end_comment(lines: list[str], i: int) -> bool:
    """Whether comment line `i` continues, in its column, a comment ending the line above."""
    column = _indent(lines[i])
    above = lines[i - 1] if i else ""
    return (
        column > 0
        and not _is_comment(above)
        and above[column : column + 1] == "#"
        and above[:column].endswith(" ")
    )


# --- pass 2: key order ----------------------------------------------------------------------


def _key_at(line: str, indent: int) -> str | None:
    """The key written on `line` when it starts a key of a mapping at `indent`."""
    if _indent(line) != indent or _is_comment(line):
        return None
    m = _KEY.fullmatch(line[indent:].split(" ", 1)[0] + " ") or _KEY.match(line[indent:])
    if m is None or m.group(1):
        return None
    return m.group(2).strip("'\"")


def _reorder(lines: list[str], indent: int, shape: Shape, scalar: list[bool]) -> list[str]:
    """The lines of a block mapping at `indent`, keys in `shape`'s order, then inner levels."""
    starts = [i for i, line in enumerate(lines) if not scalar[i] and _key_at(line, indent)]
    if not starts:
        return lines
    # every line that is not a key here must be deeper, blank, or a comment
    for i, line in enumerate(lines):
        if scalar[i] or i in starts or not line.strip() or _is_comment(line):
            continue
        if _indent(line) <= indent:
            return lines  # not a plain block mapping: leave it as written
    # a key's block begins with the comments (at its level or shallower) and blank lines
    # written just above it; the comments above the first key stay first
    bounds = [starts[0]]
    for s in starts[1:]:
        b = s
        while b > bounds[-1] + 1 and (
            not lines[b - 1].strip()
            or (_is_comment(lines[b - 1]) and not scalar[b - 1] and _indent(lines[b - 1]) <= indent)
        ):
            b -= 1
        bounds.append(b)
    # comments and blank lines after the last key, shallower than the keys, are about what
    # follows the mapping: they stay at its end
    end_at = len(lines)
    while end_at > starts[-1] + 1 and (
        not lines[end_at - 1].strip()
        or (
            _is_comment(lines[end_at - 1])
            and not scalar[end_at - 1]
            and _indent(lines[end_at - 1]) < indent
        )
    ):
        end_at -= 1
    if any(lines[k].strip() for k in range(end_at, len(lines))):
        tail_lines, lines, scalar = lines[end_at:], lines[:end_at], scalar[:end_at]
        return _reorder(lines, indent, shape, scalar) + tail_lines
    head = lines[: bounds[0]]
    blocks: list[tuple[str, list[str], list[bool]]] = []
    for n, (b, s) in enumerate(zip(bounds, starts, strict=True)):
        end = bounds[n + 1] if n + 1 < len(bounds) else len(lines)
        key = _key_at(lines[s], indent) or ""
        blocks.append((key, lines[b:end], scalar[b:end]))
    rank = {k: i for i, k in enumerate(shape.order)}
    ordered = sorted(
        enumerate(blocks), key=lambda ib: (rank.get(ib[1][0], len(rank)), ib[0])
    )  # stable: unknown keys after the known, as written
    trailing: list[str] = []
    if [i for i, _ in ordered] != list(range(len(blocks))):
        # keys moved: the blank lines between them go (they grouped the old order), those
        # after the last key stay at the end of the mapping
        last = blocks[-1][1]
        tail = len(last) - len(list(_trailing_blanks(last)))
        trailing = last[tail:]
        blocks[-1] = (blocks[-1][0], last[:tail], blocks[-1][2][:tail])
        blocks = [_drop_leading_blanks(*block) for block in blocks]
        ordered = [(i, blocks[i]) for i, _ in ordered]
    out = list(head)
    for _, (key, block, marks) in ordered:
        child = shape.children.get(key)
        out.extend(_reorder_value(block, marks, indent, child) if child else block)
    return out + trailing


def _drop_leading_blanks(
    key: str, block: list[str], marks: list[bool]
) -> tuple[str, list[str], list[bool]]:
    n = 0
    while n < len(block) and not block[n].strip():
        n += 1
    return key, block[n:], marks[n:]


def _trailing_blanks(lines: list[str]) -> Iterator[str]:
    for line in reversed(lines):
        if line.strip():
            return
        yield line


def _reorder_value(block: list[str], marks: list[bool], indent: int, shape: Shape) -> list[str]:
    """A key's block with its value's own keys (a mapping, or mappings in a list) ordered."""
    at = next(i for i, line in enumerate(block) if _key_at(line, indent) is not None)
    body, body_marks = block[at + 1 :], marks[at + 1 :]
    first = next((line for line in body if line.strip() and not _is_comment(line)), None)
    if first is None:
        return block
    deeper = _indent(first)
    if first.lstrip(" ").startswith("- "):
        return block[: at + 1] + _reorder_items(body, deeper, shape, body_marks)
    return block[: at + 1] + _reorder(body, deeper, shape, body_marks)


def _reorder_items(lines: list[str], indent: int, shape: Shape, scalar: list[bool]) -> list[str]:
    """The items of a block list at `indent` whose items are mappings, each ordered."""
    starts = [
        i
        for i, line in enumerate(lines)
        if not scalar[i] and _indent(line) == indent and line[indent:].startswith("- ")
    ]
    if not starts:
        return lines
    out = lines[: starts[0]]
    for n, s in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        # comments (at the items' column or shallower) and blank lines that end an item are
        # written above the next item, or after the list: not part of this item
        cut = end
        while cut > s + 1 and (
            not lines[cut - 1].strip()
            or (
                _is_comment(lines[cut - 1])
                and not scalar[cut - 1]
                and _indent(lines[cut - 1]) <= indent
            )
        ):
            cut -= 1
        item, marks = lines[s:cut], scalar[s:cut]
        after = lines[cut:end]
        inner = indent + 2
        if _key_at(" " * inner + item[0][inner:], inner) is None:
            out.extend(item + after)  # a scalar or flow item: nothing to order
            continue
        # read the item as a mapping at `inner`, order it, and put the marker back
        plain = [" " * inner + item[0][inner:], *item[1:]]
        done = _reorder(plain, inner, shape, marks)
        lead = next(i for i, line in enumerate(done) if _key_at(line, inner) is not None)
        done[lead] = " " * indent + "- " + done[lead][inner:]
        out.extend(done + after)
    return out


# --- pass 3: blank lines ------------------------------------------------------------------


def _blank_lines(lines: list[str], spaced: tuple[str, ...]) -> list[str]:
    """No blank line twice or at the ends; one before each item of the `spaced` lists."""
    scalar = _in_scalars(lines)
    out: list[str] = []
    out_scalar: list[bool] = []
    section: str | None = None
    seen_item = False
    for line, in_scalar in zip(lines, scalar, strict=True):
        if not in_scalar and line.strip():
            if _indent(line) == 0 and not _is_comment(line):
                section = _key_at(line, 0)
                seen_item = False
            elif section in spaced and line.startswith("  - "):
                if seen_item:
                    # one blank line above the item and the comments written over it
                    at = len(out)
                    while at > 0 and _is_comment(out[at - 1]) and not out_scalar[at - 1]:
                        at -= 1
                    if at > 0 and out[at - 1].strip():
                        out.insert(at, "")
                        out_scalar.insert(at, False)
                seen_item = True
        if not line.strip() and not in_scalar and (not out or not out[-1].strip()):
            continue  # a second blank line in a row, or one at the top
        out.append(line if line.strip() or in_scalar else "")
        out_scalar.append(in_scalar)
    while out and not out[-1].strip():
        out.pop()
    return out


# --- pass 4: long flow lists ----------------------------------------------------------------

_FLOW_LIST = re.compile(r"^(\s*(?:- )*)([^\s#\[{][^#]*?):\s\[(.*)\]$")


def _split_flow(inner: str) -> list[str] | None:
    """The items of a flow list's inside, split at its own commas; None if unsure."""
    items, depth, quote, start, i = [], 0, "", 0, 0
    while i < len(inner):
        c = inner[i]
        if quote:
            if c == "\\" and quote == '"':
                i += 1
            elif c == quote:
                quote = ""
        elif c in "\"'":
            quote = c
        elif c in "[{":
            depth += 1
        elif c in "]}":
            depth -= 1
        elif c == "#":
            return None  # a comment inside a flow list: leave the line as it is
        elif c == "," and depth == 0:
            items.append(inner[start:i].strip())
            start = i + 1
        i += 1
    if quote or depth:
        return None
    items.append(inner[start:].strip())
    return [item for item in items if item]


def _wrap_flow(lines: list[str]) -> list[str]:
    scalar = _in_scalars(lines)
    out: list[str] = []
    for line, in_scalar in zip(lines, scalar, strict=True):
        m = None if in_scalar or len(line) <= WIDTH else _FLOW_LIST.match(line)
        items = _split_flow(m.group(3)) if m else None
        if m is None or not items:
            out.append(line)
            continue
        col = len(m.group(1)) + 2  # under the key, indented one level
        out.append(f"{m.group(1)}{m.group(2)}:")
        row = " " * col + "["
        for n, item in enumerate(items):
            text = item + ("]" if n == len(items) - 1 else ",")
            if row.strip() != "[" and len(row) + 1 + len(text) > WIDTH:
                out.append(row)
                row = " " * (col + 1) + text
            else:
                row += ("" if row.strip() == "[" else " ") + text
        out.append(row)
    return out


# --- the whole --------------------------------------------------------------------------------


def format_text(text: str, file: str) -> tuple[str, Kind]:
    """The canonical layout of a ruleset or scenario file's text, and its kind.

    Raises:
        FormatError: the YAML does not parse (every error located), the file is neither a
            ruleset nor a scenario file, or (a bug) the layout would change what it says.

    """
    from intervene_rules.ruleset._yaml import parse

    doc, issues = parse(text, file)
    errors = [i for i in issues if i.severity == "error"]
    if doc is None or errors:
        raise FormatError(errors)
    kind = kind_of(file, doc.data)
    if kind is None:
        raise FormatError(
            [
                Issue(
                    "fmt_not_ours",
                    "neither a ruleset (`id:`, `title:`, `rules:` ...) nor a scenario file "
                    "(`scenarios:`): left as it is",
                    SourceLocation(file, 1, 1),
                    help="name only ruleset and scenario files (or the folders holding them)",
                )
            ]
        )
    lines = _align_comments(_round_trip(text, file).splitlines())
    lines = _reorder(lines, 0, shapes()[kind], _in_scalars(lines))
    lines = _blank_lines(lines, ("rules", "scenarios"))
    result = "\n".join(_wrap_flow(lines)) + "\n"
    after, _ = parse(result, file)
    if after is None or after.data != doc.data:
        raise FormatError(
            [
                Issue(
                    "fmt_changed_meaning",
                    "the canonical layout of this file would not read back to the same data "
                    "(a formatter bug): left as it is",
                    SourceLocation(file, 1, 1),
                    help="please report it with the file; `intervene check` is unaffected",
                )
            ]
        )
    return result, kind


__all__ = [
    "RULE_ORDER",
    "WIDTH",
    "FormatError",
    "Shape",
    "fields_of",
    "format_text",
    "kind_of",
    "shapes",
]
