"""Generated reference pages and the comparison matrix say what the rulesets do."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

import pytest

from intervene_rules import evaluate, load_ruleset
from intervene_rules.reference import (
    QUESTIONS,
    STANDARD_SITUATIONS,
    comparison_matrix,
    ruleset_page,
    standard_situation,
)
from intervene_rules.reference.grid import FILL, Cell, Row, svg_grid
from intervene_rules.ruleset.load import bundled_ids
from intervene_rules.ruleset.ruleset import Ruleset


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
        card = _card(page, f"rank-{title}")
        assert f"**{title}** is a **{rung.value}**" in card
        assert f"Basis\n:   {basis}\n" in card


def _card(page: str, ident: str) -> str:
    """The text of the card with this id on a generated page."""
    start = page.index(f'<div class="ir-card" id="{ident}"')
    return page[start : page.index("</div>", start)]


ISO_DURATION = re.compile(r"\bP(?:\d+[YMWD])+(?:T(?:\d+[HMS])+)?\b|\bPT(?:\d+[HMS])+\b")


def raw_durations(page: str) -> list[str]:
    """ISO-8601 durations left in a page (`PT0S`, `P10D`): a reader wants words."""
    return ISO_DURATION.findall(page)


def test_pages_give_durations_in_words() -> None:
    for rid in bundled_ids():
        page = ruleset_page(load_ruleset(rid))
        assert raw_durations(page) == [], rid
    page = ruleset_page(load_ruleset("colorado"))  # its YAML: a report within P10D
    assert "within 10 days" in page
    # plant: the checker sees the codes the old pages showed
    assert raw_durations("report to the chief within P10D; PT0S; within PT24H") == [
        "P10D",
        "PT0S",
        "PT24H",
    ]


def test_agency_titles_sit_on_their_rungs_with_their_sources() -> None:
    """The same title can mean different rungs in different agencies (commander)."""
    mpd = load_ruleset("minneapolis-pd").program
    nopd = load_ruleset("new-orleans-pd").program
    assert mpd.rank_aliases["commander"].value == "captain"
    assert nopd.rank_aliases["commander"].value == "major"
    assert mpd.alias_basis["commander"] == ("mpd_pp_1_401_rank_structure",)
    page = ruleset_page(load_ruleset("minneapolis-pd"))
    assert "Supersedes deputy chiefs" in page  # a shared rung is said, not hidden


SVG = "{http://www.w3.org/2000/svg}"


def _grid(text: str, ident: str) -> ET.Element:
    start = text.index(f'<svg class="ir-grid" id="{ident}"')
    return ET.fromstring(text[start : text.index("</svg>", start) + len("</svg>")])


def _cells(svg: ET.Element) -> list[tuple[str, str, str, str]]:
    """(href, tooltip, first label, fill) of each answer cell, rows first."""
    out = []
    for a in svg.iter(f"{SVG}a"):
        rect = a.find(f"{SVG}rect")
        texts = [t.text or "" for t in a.iter(f"{SVG}text")]
        title = a.findtext(f"{SVG}title") or ""
        if rect is not None and rect.get("rx") == "4":  # an answer, not a row heading
            out.append((a.get("href") or "", title, texts[0], rect.get("fill") or ""))
    return out


@pytest.fixture(scope="module")
def matrix_2026() -> tuple[list[Ruleset], str]:
    rulesets = [load_ruleset(rid) for rid in bundled_ids()]
    return rulesets, comparison_matrix(rulesets, dt.date(2026, 1, 2))


def test_situation_cells_are_the_decisions(matrix_2026: tuple[list[Ruleset], str]) -> None:
    rulesets, text = matrix_2026
    cells = _cells(_grid(text, "situations-grid"))
    assert len(cells) == len(rulesets) * len(STANDARD_SITUATIONS)
    fill = {"intervene": FILL["strong"], "acknowledge": FILL["medium"], "none": FILL["none"]}
    it = iter(cells)
    for rs in rulesets:
        for partial in STANDARD_SITUATIONS.values():
            href, title, label, colour = next(it)
            expected = evaluate(rs, standard_situation(partial), as_of=dt.date(2026, 1, 2))
            word = expected.action.value.split("_")[0]
            assert label == word and colour == fill[word], (rs.id, title)
            assert title.startswith(f"{rs.id}: ") and href.startswith(f"{rs.id}/#")


def test_every_grid_link_lands_on_a_section_of_its_page(
    matrix_2026: tuple[list[Ruleset], str],
) -> None:
    rulesets, text = matrix_2026
    pages = {rs.id: ruleset_page(rs) for rs in rulesets}
    grids = ("key-questions-grid", "situations-grid")
    hrefs = [c[0] for grid in grids for c in _cells(_grid(text, grid))]
    assert len(hrefs) == len(rulesets) * (len(QUESTIONS) + len(STANDARD_SITUATIONS))
    for href in hrefs:
        rid, _, anchor = href.partition("/#")
        assert "{#" + anchor + "}" in pages[rid], href


def _answers(text: str, rid: str) -> dict[str, str]:
    """The key answers of one ruleset: question -> "label / second line"."""
    answers: dict[str, str] = {}
    for a in _grid(text, "key-questions-grid").iter(f"{SVG}a"):
        title = a.findtext(f"{SVG}title") or ""
        rect = a.find(f"{SVG}rect")
        if title.startswith(f"{rid}: ") and rect is not None and rect.get("rx") == "4":
            question = title[len(rid) + 2 :].split(":")[0]
            answers[question] = " / ".join(t.text or "" for t in a.iter(f"{SVG}text"))
    return answers


def test_key_answers_say_what_the_yaml_says(matrix_2026: tuple[list[Ruleset], str]) -> None:
    """Expected values read from the ruleset files, not from the output."""
    _, text = matrix_2026
    mpd = _answers(text, "minneapolis-pd")
    assert set(mpd) == {q.head for q in QUESTIONS}
    assert mpd["Report clock"] == "immediately"  # mpd_report_on_scene: within PT0S
    assert mpd["In force since"] == "not before / 2016-01-01"  # not_before: 2016-01-01
    assert mpd["Retaliation"] == "protected / notice"  # notice mpd_no_retaliation
    assert _answers(text, "colorado")["Report clock"] == "within / 10 days"  # P10D
    assert _answers(text, "minnesota")["Report clock"] == "within / 24 hours"  # PT24H
    base = _answers(text, "federal-baseline")
    assert base["Report clock"] == "no report / duty stated"  # it has no report rule
    assert base["Retaliation"] == "not stated"  # it has no notices
    washington = _answers(text, "washington")
    # washington restricts neck restraints at every level of resistance
    assert washington["Neck restraint"] == "banned / in every case"
    assert washington["In force since"] == "2021 / 2021-07-25"
    # texas has a neck-restraint rule of its own (tx_prohibited_neck_restraint)
    assert _answers(text, "texas")["Neck restraint"] != "force grid / only"


def test_a_label_too_long_for_its_cell_is_refused() -> None:
    """Plant: the grid refuses to draw a label its cell would cut off."""
    rows, columns = [Row("x")], [("q", "")]
    fine = [[Cell("yes", "strong", "detail")]]
    svg = svg_grid(
        ident="g", title="t", description="d", columns=columns, rows=rows, cells=fine, legend=[]
    )
    assert ">yes</text>" in svg
    long = [[Cell("a label far too long to fit in any cell of this grid " * 3, "strong", "d")]]
    with pytest.raises(ValueError, match="does not fit"):
        svg_grid(
            ident="g", title="t", description="d", columns=columns, rows=rows, cells=long, legend=[]
        )
