"""Running scenarios (testing stage): evaluate each one and say how the decision differs.

`differences` compares an `Expectation` with a `Decision`, one readable line per field;
`run_scenario` evaluates on one backend or both (each must pass).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from intervene_rules.errors import BackendUnavailableError, EvaluationError
from intervene_rules.testing.scenarios.format import (
    Expectation,
    ReportExpectation,
    Scenario,
    ScenarioFile,
    SetExpectation,
)
from intervene_rules.testing.scenarios.load import find_scenario_files, load_scenarios

if TYPE_CHECKING:
    from intervene_rules.decision import Decision, ReportDue
    from intervene_rules.ruleset.ruleset import Ruleset

Backend = Literal["native", "durable", "both"]
BACKENDS: tuple[str, ...] = ("native", "durable", "both")


@dataclass(frozen=True)
class ScenarioResult:
    """The outcome of one scenario: passed, or the differences between expected and actual."""

    scenario: Scenario
    ruleset: Ruleset
    passed: bool
    differences: tuple[str, ...] = ()
    backends: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    decisions: tuple[Decision, ...] = field(default=(), repr=False)

    @property
    def name(self) -> str:
        """The scenario's name."""
        return self.scenario.name

    @property
    def file(self) -> str:
        """The scenario file."""
        return self.scenario.file

    @property
    def line(self) -> int:
        """The scenario's line in its file."""
        return self.scenario.line

    @property
    def location(self) -> str:
        """`file:line` of the scenario."""
        return self.scenario.location

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return {
            "name": self.name,
            "file": self.file,
            "line": self.line,
            "ruleset": self.ruleset.id,
            "as_of": self.scenario.as_of.isoformat() if self.scenario.as_of else None,
            "passed": self.passed,
            "differences": list(self.differences),
            "backends": list(self.backends),
            "notes": list(self.notes),
        }


def _names(values: Iterable[str]) -> str:
    return ", ".join(values) or "none"


def _set_differences(label: str, want: SetExpectation | None, got: Sequence[str]) -> list[str]:
    if want is None:
        return []
    have = set(got)
    if want.exact is not None:
        missing = [x for x in want.exact if x not in have]
        unexpected = [x for x in got if x not in want.exact]
    else:
        missing = [x for x in want.include if x not in have]
        unexpected = [x for x in got if x in want.exclude]
    parts = []
    if missing:
        parts.append("missing " + ", ".join(dict.fromkeys(missing)))
    if unexpected:
        parts.append("unexpected " + ", ".join(unexpected))
    if not parts:
        return []
    return [f"{label}: {'; '.join(parts)} (got: {_names(got)})"]


def differences(expect: Expectation, decision: Decision) -> list[str]:
    """What differs between an expectation and a decision, one readable line per field."""
    out: list[str] = []
    if expect.action is not None and decision.action != expect.action:
        out.append(f"action: expected {expect.action.value}, got {decision.action.value}")
    out += _set_differences("duties", expect.duties, [d.value for d in decision.duties])
    out += _set_differences("methods", expect.methods, [m.value for m in decision.methods])
    cited = [c.id for c in decision.basis]
    missing = [s for s in expect.cites if s not in cited]
    if missing:
        out.append(f"cites: missing {', '.join(missing)} (cited: {_names(cited)})")
    wrong = [s for s in expect.not_cites if s in cited]
    if wrong:
        out.append(f"not_cites: {', '.join(wrong)} cited")
    notices = [n.id for n in decision.notices]
    lacking = [n for n in expect.notices if n not in notices]
    if lacking:
        out.append(f"notices: missing {', '.join(lacking)} (notices: {_names(notices)})")
    extra = [n for n in expect.not_notices if n in notices]
    if extra:
        out.append(f"not_notices: {', '.join(extra)} given")
    fired = [s.rule for s in decision.trace if s.op == "fire"]
    absent = [r for r in expect.fired if r not in fired]
    if absent:
        out.append(f"fired: {', '.join(absent)} did not fire (fired: {_names(fired)})")
    unwanted = [r for r in expect.not_fired if r in fired]
    if unwanted:
        out.append(f"not_fired: {', '.join(unwanted)} fired")
    if expect.check_supervisor and decision.supervisor_above != expect.supervisor_above:
        want = expect.supervisor_above.value if expect.supervisor_above else "null"
        got = decision.supervisor_above.value if decision.supervisor_above else "null"
        out.append(f"supervisor_above: expected {want}, got {got}")
    out += _report_differences(expect.reports, decision.reports)
    return out


def _describe_report(report: ReportDue) -> str:
    return f"{{to {report.to!r}, within {report.within or 'null'}, rule {report.rule}}}"


def _report_differences(
    want: tuple[ReportExpectation, ...] | None, got: Sequence[ReportDue]
) -> list[str]:
    if want is None:
        return []
    owed = "; ".join(_describe_report(r) for r in got) or "none"
    if not want:
        return [f"reports: expected none, got {owed}"] if got else []
    missing = [w.describe() for w in want if not any(w.matches(r) for r in got)]
    if not missing:
        return []
    return [f"reports: missing {'; '.join(missing)} (owed: {owed})"]


def run_scenario(
    scenario: Scenario, ruleset: Ruleset, backend: Backend = "native"
) -> ScenarioResult:
    """Evaluate one scenario on the backend(s) and compare with its expectation.

    With "both", the scenario must pass on each backend; when durable_rules cannot run here,
    the durable run is skipped and the result carries a note saying so.

    Raises:
        BackendUnavailableError: `backend` is unknown, or "durable" and it cannot run here.

    """
    from intervene_rules._evaluate import evaluate

    if backend not in BACKENDS:
        raise BackendUnavailableError(f"unknown backend {backend!r}; use {', '.join(BACKENDS)}")
    chosen: tuple[Literal["native", "durable"], ...] = (
        ("native", "durable") if backend == "both" else (backend,)
    )
    notes: list[str] = []
    per_backend: dict[str, list[str]] = {}
    decisions: list[Decision] = []
    for name in chosen:
        try:
            decision = evaluate(ruleset, scenario.situation, backend=name, as_of=scenario.as_of)
        except BackendUnavailableError as exc:
            if backend != "both":
                raise
            notes.append(f"durable backend skipped: {exc}")
            continue
        except EvaluationError as exc:
            per_backend[name] = [f"evaluation failed: {exc}"]
            continue
        decisions.append(decision)
        per_backend[name] = differences(scenario.expect, decision)
    ran = tuple(per_backend)
    lists = list(per_backend.values())
    if len(lists) > 1 and any(diff != lists[0] for diff in lists[1:]):
        diffs = [f"[{name}] {d}" for name, ds in per_backend.items() for d in ds]
    else:
        diffs = lists[0] if lists else []
    return ScenarioResult(
        scenario=scenario,
        ruleset=ruleset,
        passed=not diffs,
        differences=tuple(diffs),
        backends=ran,
        notes=tuple(notes),
        decisions=tuple(decisions),
    )


def run_file(scenarios: ScenarioFile, backend: Backend = "native") -> list[ScenarioResult]:
    """Run every scenario of a loaded file.

    Raises:
        BackendUnavailableError: as `run_scenario`.

    """
    return [run_scenario(s, scenarios.ruleset, backend) for s in scenarios.scenarios]


def iter_results(
    files: Iterable[ScenarioFile], backend: Backend = "native"
) -> Iterator[ScenarioResult]:
    """Results of every scenario of every file, in file order.

    Raises:
        BackendUnavailableError: as `run_scenario`.

    """
    for f in files:
        yield from run_file(f, backend)


def run_scenarios(paths: Iterable[str | Path], backend: Backend = "native") -> list[ScenarioResult]:
    """Load the scenario files (or directories of them) and run every scenario.

    Args:
        paths: scenario files, or directories searched recursively for `*.scenarios.yaml`.
        backend: "native" (default), "durable", or "both" (each must pass).

    Raises:
        ScenarioError: a path is missing, or a scenario file is invalid.
        RulesetError: a ruleset named by a scenario file does not load.
        BackendUnavailableError: as `run_scenario`.

    """
    files = [load_scenarios(p) for p in find_scenario_files(paths)]
    return list(iter_results(files, backend))


__all__ = [
    "BACKENDS",
    "Backend",
    "ScenarioResult",
    "differences",
    "iter_results",
    "run_file",
    "run_scenario",
    "run_scenarios",
]
