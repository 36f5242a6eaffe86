"""Role-play scenarios and quizzes: reproducible, weighted to teach, and never disagreeing
with the ruleset (every answer is checked against `evaluate()`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from intervene_rules import ForceType, PriorIntervention, evaluate, load_ruleset
from intervene_rules.cli import main
from intervene_rules.roleplay import answer_letter, generate, markdown, to_json
from intervene_rules.vocabulary import Relation, relation
from tests.test_explain_consistency import _raw

RS = load_ruleset("minneapolis-pd")


def test_the_same_seed_gives_the_same_scenarios() -> None:
    a, b = generate(RS, count=20, seed=7), generate(RS, count=20, seed=7)
    assert markdown(a) == markdown(b)
    assert markdown(a) != markdown(generate(RS, count=20, seed=8))


@pytest.mark.parametrize("focus", [None, "rank", "medical", "misconduct", "escalation"])
def test_every_answer_is_the_rulesets(focus: str | None) -> None:
    sset = generate(RS, count=60, seed=3, focus=focus)
    key = json.loads(to_json(sset, part="answers"))["answers"]
    for sc, k in zip(sset.scenarios, key, strict=True):
        d = evaluate(RS, sc.situation, as_of=sset.as_of)
        assert (sc.action, sc.duties) == (d.action, d.duties)
        assert k["action"] == d.action.value and k["letter"] == answer_letter(d.action)
        assert k["duties"] == [x.value for x in d.duties]
        assert _raw(sc.narrative) == [] and _raw(sc.answer) == []


def test_scenarios_are_weighted_to_teach() -> None:
    sset = generate(RS, count=300, seed=1)
    rel = [relation(s.situation.observer.rank, s.situation.actor.rank) for s in sset.scenarios]
    assert rel.count(Relation.JUNIOR) >= 0.4 * len(rel)  # junior observers facing seniors
    after = [
        s
        for s in sset.scenarios
        if s.situation.subject.restrained
        and s.situation.force.type is not ForceType.NONE
        and not s.situation.force.still_needed
    ]
    assert len(after) >= 0.1 * len(rel)  # force that goes on after restraint
    actions = {s.action for s in sset.scenarios}
    assert len(actions) >= 3  # the boundaries: several answers, not one


@pytest.mark.parametrize(
    ("focus", "holds"),
    [
        ("medical", lambda s: s.subject.medical_distress),
        ("misconduct", lambda s: s.misconduct and s.force.type is ForceType.NONE),
        ("escalation", lambda s: s.observer.prior_intervention is PriorIntervention.VERBAL),
    ],
)
def test_a_focus_is_kept(focus: str, holds: object) -> None:
    for sc in generate(RS, count=40, seed=2, focus=focus).scenarios:
        assert holds(sc.situation)  # type: ignore[operator]


def test_the_quiz_holds_no_answer_and_the_key_every_answer() -> None:
    sset = generate(RS, count=10, seed=5)
    questions = markdown(sset, part="questions")
    assert "Answer." not in questions and "Teaching points" not in questions
    qjson = json.loads(to_json(sset, part="questions"))
    assert all("action" not in q and "duties" not in q for q in qjson["questions"])
    key = markdown(sset, part="answers")
    for sc in sset.scenarios:
        assert f"**{answer_letter(sc.action)}**" in key


def test_cli_writes_questions_and_answers_apart(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "quiz"
    code = main(
        [
            "scenarios",
            "--ruleset",
            "minneapolis-pd",
            "--count",
            "5",
            "--seed",
            "1",
            "--quiz",
            "--format",
            "html",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    assert (out / "questions.html").is_file() and (out / "answers.html").is_file()
    assert "<script" not in (out / "questions.html").read_text()
    with pytest.raises(SystemExit) as info:
        main(["scenarios", "--count", "0"])
    assert info.value.code == 2


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="count"):
        generate(RS, count=0, seed=1)
    with pytest.raises(ValueError, match="focus"):
        generate(RS, count=1, seed=1, focus="speed")
