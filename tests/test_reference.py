"""Generated reference pages and the comparison matrix say what the rulesets do."""

from __future__ import annotations

import datetime as dt

import pytest

from intervene_rules import evaluate, load_ruleset
from intervene_rules.reference import (
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
    aliases = rs.program.rank_aliases
    assert ("## Rank titles" in page) == bool(aliases)
    for title, rung in aliases.items():
        basis = ", ".join(f"`{b}`" for b in rs.program.alias_basis.get(title, ())) or "—"
        assert f"| {title} | {rung.value} | {basis} |" in page


def test_agency_titles_sit_on_their_rungs_with_their_sources() -> None:
    """The same title can mean different rungs in different agencies (commander)."""
    mpd = load_ruleset("minneapolis-pd").program
    nopd = load_ruleset("new-orleans-pd").program
    assert mpd.rank_aliases["commander"].value == "captain"
    assert nopd.rank_aliases["commander"].value == "major"
    assert mpd.alias_basis["commander"] == ("mpd_pp_1_401_rank_structure",)
    page = ruleset_page(load_ruleset("minneapolis-pd"))
    assert "Supersedes deputy chiefs" in page  # a shared rung is said, not hidden


def test_matrix_cells_are_the_decisions() -> None:
    rulesets = [load_ruleset(rid) for rid in bundled_ids()]
    day = dt.date(2026, 1, 2)
    text = comparison_matrix(rulesets, day)
    rows = [line for line in text.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(rows) == 2 + len(STANDARD_SITUATIONS)
    # the first row under the header gives each ruleset's period of force
    periods = dict(zip([rs.id for rs in rulesets], rows[1].strip("|").split("|")[1:], strict=True))
    assert periods["washington"].strip() == "2021-07-25 → in force"
    assert periods["oregon"].strip() == "not before 2020-06-24 (day not known) → in force"
    for row, (name, partial) in zip(rows[2:], STANDARD_SITUATIONS.items(), strict=True):
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert cells[0] == name
        for rs, cell in zip(rulesets, cells[1:], strict=True):
            expected = evaluate(rs, standard_situation(partial), as_of=day)
            assert cell.startswith(f"**{expected.action.value}**")
