"""intervene_rules: what duty-to-intervene law and policy require of an observing officer.

Decision support, not legal advice. The public API is what `__all__` lists; everything
else is private and may change.
"""

from intervene_rules.decision import Citation, Decision, TraceStep
from intervene_rules.errors import (
    BackendUnavailableError,
    EvaluationError,
    EvaluatorMismatchError,
    InterveneRulesError,
    RulesetError,
)
from intervene_rules._evaluate import evaluate
from intervene_rules.ruleset import Ruleset, list_rulesets, load_ruleset
from intervene_rules.situation import Situation
from intervene_rules.vocabulary import Action, Duty, Method

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
