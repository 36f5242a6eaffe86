"""Our exceptions, and the `Issue` record they carry.

Issues are data; exceptions only carry them (as pydantic-core's `ErrorDetails` and Cedar's
`ValidationResult`). The loader collects every issue of a file before raising once.

    InterveneRulesError(Exception)
    ├── FileIssuesError(InterveneRulesError, ValueError)   bad input file(s); .issues
    │   ├── RulesetError                                   bad ruleset file(s)
    │   ├── ScenarioError                                  bad scenario file
    │   ├── CrosswalkError                                 bad crosswalk (audit)
    │   └── AuditDataError                                 unreadable audit data files
    ├── EvaluationError(InterveneRulesError, RuntimeError)  an evaluator failed; .code
    │   └── EvaluatorMismatchError                          native and durable disagree
    ├── BackendUnavailableError(InterveneRulesError, ImportError)
    ├── DecisionLogError(InterveneRulesError, OSError)     log not writable, disk full
    └── AnalysisBudgetError(InterveneRulesError, ValueError)  space over the budget; .issues

A bad situation raises pydantic's own `ValidationError`, which names the field path.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from intervene_rules.location import SourceLocation

Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem found in a ruleset, with a stable `code` and advice in `help`."""

    code: str
    message: str
    loc: SourceLocation
    help: str = ""
    severity: Severity = "error"
    ctx: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        where = str(self.loc)
        path = self.loc.dotted_path
        text = f"{where}: {self.severity}[{self.code}]: {self.message}"
        if path:
            text += f" (at {path})"
        if self.help:
            text += f"\n  help: {self.help}"
        return text

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form, as pydantic's `errors()` gives."""
        return {
            "code": self.code,
            "message": self.message,
            "severity": self.severity,
            "file": self.loc.file,
            "line": self.loc.line,
            "column": self.loc.column,
            "path": list(self.loc.path),
            "help": self.help,
        }


def _sort_key(issue: Issue) -> tuple[str, int, int, str]:
    return (issue.loc.file, issue.loc.line, issue.loc.column, issue.code)


class InterveneRulesError(Exception):
    """Base of every exception this library raises on purpose."""


class FileIssuesError(InterveneRulesError, ValueError):
    """A file could not be loaded; `.issues` lists every problem found, sorted by location.

    Subclasses name the kind of file in `what` (the head of the message).
    """

    what = "file"

    def __init__(self, issues: Iterable[Issue]) -> None:
        self.issues: tuple[Issue, ...] = tuple(sorted(issues, key=_sort_key))
        errors = [i for i in self.issues if i.severity == "error"]
        head = f"{len(errors)} error(s) in {self.what}"
        super().__init__(head + ":\n" + "\n".join(str(i) for i in self.issues))

    def errors(self) -> list[dict[str, Any]]:
        """Every issue as a dict (for JSON output)."""
        return [i.to_dict() for i in self.issues]


class RulesetError(FileIssuesError):
    """A ruleset could not be loaded; `.issues` lists every problem found, sorted by location."""

    what = "ruleset"


class ScenarioError(FileIssuesError):
    """A scenario file could not be loaded; `.issues` lists every problem found, sorted by location.

    Codes are `scenario_*` (e.g. `scenario_unknown_rule`); each issue points at the line and
    column of the scenario file where the problem was written.
    """

    what = "scenario file"


class TimelineError(FileIssuesError):
    """A timeline could not be loaded; `.issues` lists every problem found, sorted by location.

    Codes are `timeline_*` (e.g. `timeline_out_of_order`), each at the line and column of
    the event or key where the problem was written.
    """

    what = "timeline"


class ResponsesError(FileIssuesError):
    """A responses file (for a review) could not be loaded or does not fit its timeline.

    Codes are `responses_*` (e.g. `responses_unknown_officer`), each at its line and column.
    """

    what = "responses file"


class CrosswalkError(FileIssuesError):
    """A crosswalk could not be loaded, or does not fit the data it is applied to.

    Codes are `crosswalk_*` (e.g. `crosswalk_unknown_column`), each at the line and column of
    the crosswalk where the table, column or value was written.
    """

    what = "crosswalk"


class AuditDataError(FileIssuesError):
    """Data could not be read through a crosswalk (a file missing, truncated, empty).

    Codes are `data_*`; each names the data file (and the crosswalk line that named it).
    Rows that cannot be used are not errors: they are counted and reported as rejections.
    """

    what = "audit data"


class EvaluationError(InterveneRulesError, RuntimeError):
    """An evaluator failed to produce a decision. `code` is stable (`eval_*`)."""

    def __init__(self, message: str, *, code: str = "eval_error") -> None:
        self.code = code
        super().__init__(f"[{code}] {message}")


class EvaluatorMismatchError(EvaluationError):
    """Two evaluators gave different decisions for one situation (always a bug)."""

    def __init__(self, message: str, *, situation: Any = None, diffs: Sequence[str] = ()) -> None:
        self.situation = situation
        self.diffs = tuple(diffs)
        super().__init__(message, code="eval_mismatch")


class BackendUnavailableError(InterveneRulesError, ImportError):
    """The requested evaluator backend cannot run in this interpreter."""

    def __init__(self, message: str) -> None:
        super().__init__(message)


class DecisionLogError(InterveneRulesError, OSError):
    """A decision log cannot be opened or written (read-only path, missing folder, full disk).

    Raised when the log is opened (not at the first request) whenever the fault can be seen
    then; the message names the path and what to do. `errno` is the system's.
    """

    def __init__(self, message: str, *, errno: int | None = None, path: str = "") -> None:
        super().__init__(message)
        self.errno = errno
        self.filename = path or None
        self.message = message

    def __str__(self) -> str:
        return self.message


class AnalysisBudgetError(InterveneRulesError, ValueError):
    """A ruleset's reduced input space is larger than the analysis budget allows.

    Raised before any work: `.issues` holds one `analysis_too_large` issue giving the size,
    the time expected and how to raise the budget.
    """

    def __init__(self, issue: Issue) -> None:
        self.issues: tuple[Issue, ...] = (issue,)
        super().__init__(str(issue))
