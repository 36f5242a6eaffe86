"""Explanations: five stages, the 3 D's phrased for the rank relation, sources flagged."""

from __future__ import annotations

from intervene_rules import evaluate, load_ruleset

RS = load_ruleset("model-policy")


def situation(actor: str, observer: str, **force: object) -> dict[str, object]:
    return {
        "actor": {"rank": actor},
        "observer": {"rank": observer, "realistic_opportunity": True},
        "force": {"type": "neck_restraint", "still_needed": False, **force},
        "subject": {"resistance": "compliant", "restrained": True, "medical_distress": False},
    }


def test_five_stages_in_order() -> None:
    text = evaluate(RS, situation("officer", "officer")).explain()
    positions = [text.index(f"{n}. ") for n in range(1, 6)]
    assert positions == sorted(positions)


def test_junior_is_told_how_to_raise_it_with_a_superior() -> None:
    text = evaluate(RS, situation("lieutenant", "officer")).explain()
    assert "present solutions, not problems" in text
    assert "mission" in text and "have their back" in text
    assert "supervisor of higher rank than the lieutenant" in text
    assert "order them to stop" not in text


def test_senior_may_order_the_actor_to_stop() -> None:
    text = evaluate(RS, situation("officer", "captain")).explain()
    assert "you outrank the officer; order them to stop" in text
    assert "present solutions" not in text
    assert "Request a supervisor" not in text


def test_chief_has_no_higher_rank() -> None:
    text = evaluate(RS, situation("chief", "major")).explain()
    assert "no rank in the agency is above the chief" in text


def test_no_action_says_so() -> None:
    calm = situation("officer", "officer", type="verbal")
    calm["force"] = {"type": "verbal", "still_needed": True}
    d = evaluate(RS, calm)
    assert d.action.value == "none"
    assert "requires no intervention" in d.explain()
