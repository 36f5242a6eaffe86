"""The published Situation schemas accept exactly what `evaluate` accepts.

Thousands of generated situations — canonical ranks, a ruleset's rank titles in any case
and with surrounding spaces, other rulesets' titles, and invalid values — are validated
with `jsonschema` against the generic schema and a ruleset's own schema, and compared with
`evaluate()`'s acceptance of the same input.
"""

from __future__ import annotations

import copy
import random
from typing import Any

import pytest
from pydantic import ValidationError

jsonschema = pytest.importorskip("jsonschema", reason="the schema checks need jsonschema (dev)")

from intervene_rules import evaluate, list_rulesets, load_ruleset  # noqa: E402
from intervene_rules.situation import situation_schema  # noqa: E402
from tests.situations import random_situation_data  # noqa: E402

WITH_TITLES = [r["id"] for r in list_rulesets() if load_ruleset(r["id"]).program.rank_aliases]


def _variants(titles: list[str], others: list[str], rnd: random.Random) -> list[Any]:
    pick = rnd.choice(titles) if titles else "officer"
    return [
        rnd.choice(["officer", "sergeant", "chief"]),
        pick,
        pick.upper(),
        f"  {pick.title()} ",
        rnd.choice(others) if others else "boss",
        "Sergeant",  # canonical ranks are exact
        "",
        None,
        7,
    ]


def _accepts(rs: Any, data: dict[str, Any]) -> bool:
    try:
        evaluate(rs, data)
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize("rid", [*WITH_TITLES[:4], "federal-baseline"])
def test_a_rulesets_schema_accepts_exactly_what_evaluate_accepts(rid: str) -> None:
    rs = load_ruleset(rid)
    schema = rs.situation_schema()
    generic = situation_schema({})
    validator = jsonschema.Draft202012Validator(schema)
    generic_validator = jsonschema.Draft202012Validator(generic)
    plain = load_ruleset("federal-baseline")
    titles = sorted(rs.program.rank_aliases)
    others = sorted(
        {t for r in WITH_TITLES for t in load_ruleset(r).program.rank_aliases} - set(titles)
    )
    rnd = random.Random(rid)
    checked = 0
    for data in random_situation_data(300, len(rid), [None, 5.0, 60.0]):
        for role in ("actor", "observer"):
            for rank in _variants(titles, others, rnd):
                d = copy.deepcopy(data)
                d[role]["rank"] = rank
                if rnd.random() < 0.1:
                    d["subject"]["restrained"] = "yes"  # invalid for both
                assert validator.is_valid(d) == _accepts(rs, d), (rid, role, rank)
                assert generic_validator.is_valid(d) == _accepts(plain, d), (role, rank)
                checked += 1
    assert checked >= 5000


def test_the_generic_schema_says_titles_vary_by_ruleset() -> None:
    rank = situation_schema({})["$defs"]["Rank"]
    assert "vary by ruleset" in rank["description"]
