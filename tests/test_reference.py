"""Generated reference pages and the comparison matrix say what the rulesets do."""

from __future__ import annotations

import datetime as dt

import pytest

from intervene_rules import evaluate, load_ruleset
from intervene_rules.analysis.reference import (
    STANDARD_SITUATIONS,
    comparison_matrix,
    ruleset_page,
    standard_situation,
)
from intervene_rules.ruleset.load import bundled_ids


@pytest.mark.parametrize("rid", bundled_ids())
def test_page_lists_every_rule_and_source(rid: str) -> None:
    rs = load_ruleset(rid)
    page = ruleset_page(rs)
    for rule in rs.program.rules:
        assert f"`{rule.id}`" in page
    for sid, citation in rs.sources.items():
        assert f"`{sid}`" in page
        if citation.verification.value != "verified":
            assert "⚠" in page
    assert rs.digest in page and "not legal advice" in page


def test_matrix_cells_are_the_decisions() -> None:
    rulesets = [load_ruleset(rid) for rid in bundled_ids()]
    day = dt.date(2026, 1, 2)
    text = comparison_matrix(rulesets, day)
    rows = [line for line in text.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(rows) == 1 + len(STANDARD_SITUATIONS)
    for row, (name, partial) in zip(rows[1:], STANDARD_SITUATIONS.items(), strict=True):
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert cells[0] == name
        for rs, cell in zip(rulesets, cells[1:], strict=True):
            expected = evaluate(rs, standard_situation(partial), as_of=day)
            assert cell.startswith(f"**{expected.action.value}**")
