"""The public API is exactly what __all__ lists (as httpx pins its exported members)."""

from __future__ import annotations

import intervene_rules

EXPECTED = [
    "Action",
    "BackendUnavailableError",
    "Citation",
    "Decision",
    "Duty",
    "EvaluationError",
    "EvaluatorMismatchError",
    "InterveneRulesError",
    "Method",
    "Ruleset",
    "RulesetError",
    "Situation",
    "TraceStep",
    "__version__",
    "evaluate",
    "list_rulesets",
    "load_ruleset",
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
