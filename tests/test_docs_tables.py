"""The ruleset-format page's operator tables are held to `Op` and the field table."""

from __future__ import annotations

import re
from pathlib import Path

from intervene_rules.fields import FIELDS
from intervene_rules.ruleset.ir import Op, ops_for

PAGE = Path(__file__).resolve().parents[1] / "docs" / "ruleset-format.md"


def _section(title: str) -> list[str]:
    text = PAGE.read_text(encoding="utf-8")
    start = text.index(f"### {title}")
    end = text.find("\n### ", start + 1)
    return text[start : end if end != -1 else None].splitlines()


def _rows(lines: list[str], first: str) -> list[list[str]]:
    """The rows of the markdown table whose header starts with `| first |`."""
    out: list[list[str]] = []
    inside = False
    for line in lines:
        if line.startswith(f"| {first} |"):
            inside = True
            continue
        if inside and line.startswith("|---"):
            continue
        if inside and line.startswith("|"):
            out.append([cell.strip() for cell in line.strip().strip("|").split("|")])
        elif inside:
            break
    return out


def _names(cell: str) -> set[str]:
    return set(re.findall(r"`([a-z_.<>]+)`", cell))


def test_every_operator_is_documented_once() -> None:
    rows = _rows(_section("Operators"), "operator")
    documented = [name for row in rows for name in sorted(_names(row[0]))]
    assert sorted(documented) == sorted(op.value for op in Op)


def _kinds_mismatches(rows: list[list[str]]) -> list[str]:
    ops_named = {op.value for op in Op}
    bad: list[str] = []
    seen_fields: set[str] = set()
    for kind, fields, ops in rows:
        if kind not in {spec.kind for spec in FIELDS.values()} | {"fact"}:
            bad.append(f"unknown kind {kind!r}")
            continue
        if _names(ops) & ops_named != {op.value for op in ops_for(kind)}:  # type: ignore[arg-type]
            bad.append(f"operators of {kind}")
        names = {n for n in _names(fields) if n in FIELDS}
        seen_fields |= names
        bad += [f"{n} is not {kind}" for n in names if FIELDS[n].kind != kind]
    bad += [f"{n} is missing" for n in sorted(set(FIELDS) - seen_fields)]
    return bad


def test_the_kinds_table_matches_the_field_table_and_op_kinds() -> None:
    rows = _rows(_section("Operators"), "kind")
    assert rows, "the kinds table is missing"
    assert _kinds_mismatches(rows) == []


def test_a_wrong_row_is_caught() -> None:
    """Plant: drop `gte` from the number row, and move a field to the wrong kind."""
    rows = _rows(_section("Operators"), "kind")
    planted = [
        [kind, fields, ops.replace("`gte`", "") if kind == "number" else ops]
        for kind, fields, ops in rows
    ]
    assert _kinds_mismatches(planted) == ["operators of number"]
    moved = [[k, f.replace("`observer.prior_intervention`", ""), o] for k, f, o in rows]
    assert _kinds_mismatches(moved) == ["observer.prior_intervention is missing"]
