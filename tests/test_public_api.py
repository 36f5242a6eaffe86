"""The public API is exactly what __all__ lists (as httpx pins its exported members)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import pytest

import intervene_rules

EXPECTED = [
    "Action",
    "Actor",
    "BackendUnavailableError",
    "Change",
    "Changes",
    "Citation",
    "Condition",
    "Deciding",
    "Decision",
    "DecisionLog",
    "DecisionLogError",
    "DecisionRange",
    "Duty",
    "EvaluationError",
    "EvaluatorMismatchError",
    "Force",
    "ForceType",
    "InterveneRulesError",
    "LogRecord",
    "Method",
    "Misconduct",
    "Notice",
    "Observer",
    "Outcome",
    "PartialSituation",
    "PriorIntervention",
    "Rank",
    "Relation",
    "ReportDue",
    "Resistance",
    "ResponsesError",
    "Review",
    "Ruleset",
    "RulesetError",
    "RulesetRef",
    "ScenarioError",
    "Situation",
    "SourceKind",
    "Stage",
    "Subject",
    "Timeline",
    "TimelineError",
    "TimelineResult",
    "TraceStep",
    "Verification",
    "__version__",
    "evaluate",
    "evaluate_batch",
    "evaluate_partial",
    "list_rulesets",
    "load_responses",
    "load_ruleset",
    "load_timeline",
    "review",
    "write_bundle",
]


def test_all_is_pinned_and_sorted() -> None:
    assert intervene_rules.__all__ == EXPECTED
    assert sorted(intervene_rules.__all__) == intervene_rules.__all__


def test_every_exported_name_exists_and_is_documented() -> None:
    for name in intervene_rules.__all__:
        obj = getattr(intervene_rules, name)
        if name != "__version__":
            assert obj.__doc__, f"{name} has no docstring"


def test_error_hierarchy() -> None:
    from intervene_rules import (
        BackendUnavailableError,
        EvaluationError,
        EvaluatorMismatchError,
        InterveneRulesError,
        RulesetError,
    )

    assert issubclass(RulesetError, InterveneRulesError) and issubclass(RulesetError, ValueError)
    assert issubclass(EvaluationError, RuntimeError)
    assert issubclass(EvaluatorMismatchError, EvaluationError)
    assert issubclass(BackendUnavailableError, ImportError)


def test_import_has_no_durable_side_effects() -> None:
    import subprocess
    import sys

    code = "import sys, intervene_rules; print('durable' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --- types that cannot be fooled (issue 9, point 10) ---------------------------------------

SITUATION = {
    "actor": {"rank": "sergeant"},
    "observer": {"rank": "officer", "realistic_opportunity": True},
    "force": {"type": "neck_restraint", "still_needed": False},
    "subject": {"resistance": "compliant", "restrained": True, "medical_distress": False},
}


def test_no_module_getattr_and_every_name_is_real() -> None:
    import importlib

    assert "__getattr__" not in vars(intervene_rules)
    with pytest.raises(AttributeError):
        intervene_rules.Rnak  # type: ignore[attr-defined]  # noqa: B018
    fresh = importlib.import_module("intervene_rules")
    for name in intervene_rules.__all__:
        assert name in vars(fresh), f"{name} is not a real attribute of the module"


def test_every_type_of_the_contract_is_exported() -> None:
    from intervene_rules import decision, situation, vocabulary

    def public_classes(module: Any) -> set[str]:
        return {
            n
            for n, v in vars(module).items()
            if isinstance(v, type) and not n.startswith("_") and v.__module__ == module.__name__
        }

    used = public_classes(decision) | public_classes(vocabulary) | public_classes(situation)
    used -= {"JsonMemo"}  # the decision's JSON cache: internal
    assert used <= set(intervene_rules.__all__), used - set(intervene_rules.__all__)
    assert {"ScenarioError", "Ruleset", "Rank", "ReportDue", "Misconduct"} <= set(
        intervene_rules.__all__
    )


@pytest.fixture(scope="module")
def rs() -> Any:
    return intervene_rules.load_ruleset("model-policy")


@pytest.mark.parametrize(
    "bad",
    [
        dt.datetime(2024, 5, 1, 12, 0),
        dt.datetime(2024, 5, 1, tzinfo=dt.UTC),
        0,
        20240501,
        "2024-05-01",
        1.5,
        False,
    ],
)
def test_as_of_takes_a_date_only(rs: Any, bad: Any) -> None:
    with pytest.raises(TypeError, match=r"as_of must be a datetime\.date"):
        intervene_rules.evaluate(rs, SITUATION, as_of=bad)


def test_as_of_datetime_says_to_pass_its_date(rs: Any) -> None:
    with pytest.raises(TypeError, match=r"\.date\(\)"):
        intervene_rules.evaluate(rs, SITUATION, as_of=dt.datetime(2024, 5, 1))
    day = dt.date(2024, 5, 1)
    assert intervene_rules.evaluate(rs, SITUATION, as_of=day).as_of == day


def test_a_ruleset_id_where_a_ruleset_is_expected() -> None:
    with pytest.raises(TypeError, match=r"load_ruleset\('model-policy'\)"):
        intervene_rules.evaluate("model-policy", SITUATION)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Ruleset"):
        intervene_rules.evaluate(None, SITUATION)  # type: ignore[arg-type]


def test_a_misspelt_name_fails_type_checking(tmp_path: Path) -> None:
    api = pytest.importorskip("mypy.api")
    good = tmp_path / "good.py"
    good.write_text(
        "from intervene_rules import Rank, load_ruleset\nprint(Rank.OFFICER, load_ruleset)\n"
    )
    bad = tmp_path / "bad.py"
    bad.write_text("from intervene_rules import Rnak\nprint(Rnak)\n")
    common = ["--strict", "--no-incremental", "--cache-dir", str(tmp_path / "cache")]
    limit = sys.getrecursionlimit()
    try:
        out, _err, status = api.run([*common, str(good)])
        assert status == 0, out
        out, _err, status = api.run([*common, str(bad)])
    finally:
        # mypy raises the interpreter's recursion limit and leaves it raised: restore it
        # so no later test runs under another interpreter state than a user's
        sys.setrecursionlimit(limit)
    assert status != 0
    assert "Rnak" in out


def test_import_stays_light() -> None:
    import subprocess
    import sys

    code = (
        "import sys, intervene_rules; print(sorted(m for m in ('yaml', 'fastapi', 'uvicorn', "
        "'starlette', 'intervene_rules.service', "
        "'intervene_rules.ruleset.load', 'intervene_rules.ruleset.compile') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
