"""Defect 8: a rank given as a ruleset's title cites the source that places the title.

The title is mapped to its rung while the situation is validated; the titles used are kept
with the situation, and the decision (made from the shared table, keyed by rungs) gets the
titles' sources, with their verification status, and a step saying which title was read as
which rung. A canonical rank cites no title source.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from intervene_rules import Decision, Verification, evaluate, load_ruleset
from intervene_rules.situation import rank_titles

DAY = dt.date(2026, 12, 1)
ROOT = Path(__file__).resolve().parent.parent


def situation(actor: str, observer: str) -> dict[str, Any]:
    return {
        "actor": {"rank": actor},
        "observer": {"rank": observer, "realistic_opportunity": True},
        "force": {"type": "chemical_agent", "still_needed": False, "duration_s": 10},
        "subject": {"resistance": "compliant", "restrained": False, "medical_distress": False},
    }


def _cited(d: Decision) -> dict[str, Verification]:
    return {c.id: c.verification for c in d.basis}


def test_a_baltimore_colonel_cites_the_unverified_title_source() -> None:
    rs = load_ruleset("baltimore-pd")
    d = evaluate(rs, situation("colonel", "officer"), as_of=DAY)
    assert _cited(d)["bpd_rank_titles_secondary"] is Verification.UNVERIFIED
    step = d.trace[0]
    assert (step.op, step.rule, step.basis) == (
        "derive",
        "observer.relation",
        ("bpd_rank_titles_secondary",),
    )
    assert "'colonel'" in step.because and "deputy_chief" in step.because
    assert "bpd_rank_titles_secondary, unverified" in step.because
    assert step.concludes == ("actor.rank=deputy_chief",)
    text = d.explain()
    assert "bpd_rank_titles_secondary" in text and "[UNVERIFIED]" in text
    assert "'colonel'" in " ".join(text.split())


def test_a_canonical_rank_cites_no_title_source() -> None:
    rs = load_ruleset("baltimore-pd")
    titled = evaluate(rs, situation("colonel", "officer"), as_of=DAY)
    plain = evaluate(rs, situation("deputy_chief", "officer"), as_of=DAY)
    again = evaluate(rs, situation("colonel", "officer"), as_of=DAY)
    assert "bpd_rank_titles_secondary" not in _cited(plain)
    assert all(s.rule != "observer.relation" for s in plain.trace)
    # the same decision otherwise, and the shared table is not changed by either
    assert (plain.action, plain.duties, plain.supervisor_above) == (
        titled.action,
        titled.duties,
        titled.supervisor_above,
    )
    assert titled.basis[: len(plain.basis)] == plain.basis
    assert again == titled


@pytest.mark.parametrize(
    ("rid", "title", "sid", "status"),
    [
        ("minneapolis-pd", "inspector", "mpd_pp_1_401_rank_structure", "partly_verified"),
        ("houston-pd", "executive_assistant_chief", "hpd_rank_titles_secondary", "unverified"),
        ("new-orleans-pd", "commander", "nopd_rank_titles_secondary", "unverified"),
    ],
)
def test_each_title_source_is_cited_with_its_status(
    rid: str, title: str, sid: str, status: str
) -> None:
    rs = load_ruleset(rid)
    for data in (situation("officer", title), json.dumps(situation("officer", title))):
        d = evaluate(rs, data, as_of=DAY)
        assert _cited(d)[sid].value == status
        assert f"observer's rank was given as the title '{title}'" in d.trace[0].because
    assert sid not in _cited(evaluate(rs, situation("officer", "major"), as_of=DAY))


def test_the_durable_backend_cites_the_title_too() -> None:
    rs = load_ruleset("baltimore-pd")
    native = evaluate(rs, situation("commissioner", "colonel"), as_of=DAY)
    durable = evaluate(rs, situation("commissioner", "colonel"), as_of=DAY, backend="durable")
    assert native == durable
    assert native.trace[0].concludes == ("actor.rank=chief", "observer.rank=deputy_chief")


def test_the_decision_json_round_trips() -> None:
    rs = load_ruleset("baltimore-pd")
    d = evaluate(rs, situation("colonel", "police_officer"), as_of=DAY)
    text = d.model_dump_json()
    assert text == Decision.model_dump_json(d, round_trip=False)
    assert Decision.model_validate_json(text) == d


def test_scenario_situations_keep_their_titles() -> None:
    from intervene_rules.testing.scenarios import load_scenarios

    sf = load_scenarios(ROOT / "rulesets" / "baltimore-pd.scenarios.yaml")
    titled = [sc for sc in sf.scenarios if sc.name == "officer_watches_a_colonel_by_title"]
    assert rank_titles(titled[0].situation) == (
        ("actor", "colonel"),
        ("observer", "police_officer"),
    )
