"""Plain words: every code of the contract has a phrase, and none leaks into the text."""

from __future__ import annotations

from enum import Enum
from typing import Any

import pytest

from intervene_rules import words
from intervene_rules.fields import INPUT_NAMES, SITUATION_FIELDS
from intervene_rules.vocabulary import Action, Duty, ForceType, Misconduct, Rank, Resistance


@pytest.mark.parametrize(
    ("table", "enum"),
    [
        (words.FORCE, ForceType),
        (words.RESISTANCE, Resistance),
        (words.MISCONDUCT, Misconduct),
        (words.ACTION, Action),
        (words.RANK, Rank),
        (words.DUTY, Duty),
    ],
)
def test_every_member_has_words(table: dict[Any, str], enum: type[Enum]) -> None:
    assert set(table) == set(enum)
    for member, text in table.items():
        assert "_" not in text, (member, text)


def test_every_input_field_has_a_noun_phrase() -> None:
    assert set(words.FIELD) == set(INPUT_NAMES)


@pytest.mark.parametrize("spec", SITUATION_FIELDS, ids=lambda s: s.name)
def test_every_fact_reads_without_codes(spec) -> None:  # type: ignore[no-untyped-def]
    values = list(spec.domain) or [None, 0.0, 1.0, 90.5]
    if spec.kind == "set":
        values = [(), (Misconduct.THEFT,), (Misconduct.FALSE_STATEMENT, Misconduct.UNLAWFUL_SEARCH)]
    for value in values:
        text = words.fact(spec.name, value)
        assert text and "_" not in text, (spec.name, value, text)
        raw = getattr(value, "value", None)
        if isinstance(raw, str) and "_" in raw:
            assert raw not in text


@pytest.mark.parametrize(
    ("iso", "text"),
    [
        ("PT0S", "immediately"),
        ("PT24H", "within 24 hours"),
        ("PT2H", "within 2 hours"),
        ("P10D", "within 10 days"),
        ("PT90M", "within 90 minutes"),
        ("PT1.5H", "within 1.5 hours"),
        ("P1DT12H", "within 1 day and 12 hours"),
        ("P0D", "immediately"),
        (None, "no deadline"),
    ],
)
def test_durations_in_words(iso: str | None, text: str) -> None:
    assert words.duration(iso) == text


def test_an_unknown_field_is_an_error_not_silence() -> None:
    with pytest.raises(KeyError):
        words.fact("force.colour", "red")
