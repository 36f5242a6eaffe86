"""intervene_rules: what duty-to-intervene law and policy require of an observing officer.

Decision support, not legal advice. The public API is what `__all__` lists; everything
else is private and may change.
"""

from typing import TYPE_CHECKING, Any

from intervene_rules._evaluate import evaluate
from intervene_rules.decision import Citation, Decision, TraceStep
from intervene_rules.errors import (
    BackendUnavailableError,
    EvaluationError,
    EvaluatorMismatchError,
    InterveneRulesError,
    RulesetError,
)
from intervene_rules.situation import Situation
from intervene_rules.vocabulary import Action, Duty, Method

if TYPE_CHECKING:
    from intervene_rules.ruleset import Ruleset, list_rulesets, load_ruleset

_LAZY = {"Ruleset", "list_rulesets", "load_ruleset"}


def __getattr__(name: str) -> Any:
    # The YAML loader and compiler load on first use, which keeps `import intervene_rules`
    # cheap for services that only evaluate.
    if name in _LAZY:
        from intervene_rules import ruleset

        value = getattr(ruleset, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'intervene_rules' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _LAZY)


__version__ = "0.1.0"

__all__ = [
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
