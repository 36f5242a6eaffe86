"""intervene_rules: what duty-to-intervene law and policy require of an observing officer.

Decision support, not legal advice. The public API is what `__all__` lists; everything
else is private and may change. `import intervene_rules` stays light: the YAML loader and
the compiler are imported when `load_ruleset` first runs.
"""

from intervene_rules._evaluate import evaluate
from intervene_rules._evaluate_batch import evaluate_batch
from intervene_rules._evaluate_partial import evaluate_partial
from intervene_rules.decision import (
    Citation,
    Decision,
    Notice,
    ReportDue,
    RulesetRef,
    TraceStep,
)
from intervene_rules.decision_log import DecisionLog, LogRecord
from intervene_rules.decision_range import (
    Change,
    Changes,
    Condition,
    Deciding,
    DecisionRange,
    Outcome,
)
from intervene_rules.errors import (
    BackendUnavailableError,
    DecisionLogError,
    EvaluationError,
    EvaluatorMismatchError,
    InterveneRulesError,
    ResponsesError,
    RulesetError,
    ScenarioError,
    TimelineError,
)
from intervene_rules.partial import PartialSituation
from intervene_rules.review import Review, load_responses, review
from intervene_rules.ruleset.ruleset import Ruleset, list_rulesets, load_ruleset, write_bundle
from intervene_rules.situation import Actor, Force, Observer, Situation, Subject
from intervene_rules.timeline import Timeline, TimelineResult, load_timeline
from intervene_rules.vocabulary import (
    Action,
    Duty,
    ForceType,
    Method,
    Misconduct,
    PriorIntervention,
    Rank,
    Relation,
    Resistance,
    SourceKind,
    Stage,
    Verification,
)

__version__ = "0.1.0"

__all__ = [
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
