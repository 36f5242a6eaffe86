"""pytest plugin (testing stage): each scenario of a `*.scenarios.yaml` file is a test item.

Registered through the `pytest11` entry point, so `pytest rulesets/` runs every scenario
beside the rulesets as its own test, named after the scenario and reported at the file and
line where it is written. A failed expectation shows the readable differences ("action:
expected intervene, got acknowledge"), not a Python traceback; a scenario file that does
not load becomes one failing item listing every issue with its file:line:col.

Options (group "intervene-rules"): ``--intervene-backend native|durable|both``,
``--intervene-fail-under PCT`` (the coverage gate; default: the ruleset's own minimum, which
is enforced as by ``intervene test``). Items carry
the ``intervene_scenario`` marker, so ``-m intervene_scenario`` selects them.

Nothing heavy is imported here: the ruleset loader and the evaluators load when a scenario
file is collected, so the plugin costs nothing in test runs that have none.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from _pytest._code.code import TerminalRepr, TracebackStyle

    from intervene_rules.errors import RulesetError, ScenarioError
    from intervene_rules.ruleset.ruleset import Ruleset
    from intervene_rules.testing.scenarios import Scenario, ScenarioResult

SUFFIX = ".scenarios.yaml"  # as `testing.scenarios.SUFFIX`, without importing it
MARKER = "intervene_scenario"
BACKENDS = ("native", "durable", "both")


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add the ``--intervene-*`` options."""
    group = parser.getgroup("intervene-rules", "intervene_rules scenario files")
    group.addoption(
        "--intervene-backend",
        dest="intervene_backend",
        choices=BACKENDS,
        default="native",
        help="evaluator for *.scenarios.yaml scenarios: native (default), durable, or both "
        "(each must pass; durable is skipped with a note where it cannot run)",
    )
    group.addoption(
        "--intervene-fail-under",
        dest="intervene_fail_under",
        type=float,
        default=None,
        metavar="PCT",
        help="each scenario file must fire at least PCT%% of its ruleset's rules (default: the "
        "ruleset's own `coverage: {fail_under: ...}`; none: no minimum)",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker scenario items carry."""
    config.addinivalue_line(
        "markers", f"{MARKER}: a scenario of an intervene_rules *.scenarios.yaml file"
    )


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    """Collect scenario files."""
    if file_path.name.endswith(SUFFIX):
        collector: pytest.Collector = ScenarioFileCollector.from_parent(parent, path=file_path)
        return collector
    return None


class ScenarioFailure(AssertionError):
    """A scenario's decision differs from its expectation (shown without a traceback)."""

    def __init__(self, result: ScenarioResult) -> None:
        self.result = result
        super().__init__("; ".join(result.differences))


class ScenarioFileCollector(pytest.File):
    """A `*.scenarios.yaml` file: one item per scenario."""

    def collect(self) -> Iterator[pytest.Item]:
        """Load the file and its ruleset; a file that does not load yields one failing item."""
        from intervene_rules.errors import RulesetError, ScenarioError
        from intervene_rules.testing.scenarios import load_scenarios

        try:
            loaded = load_scenarios(self.path)
        except (ScenarioError, RulesetError) as exc:
            yield InvalidScenarioFile.from_parent(self, name="scenario_file", error=exc)
            return
        for scenario in loaded.scenarios:
            yield ScenarioItem.from_parent(
                self, name=scenario.name, scenario=scenario, ruleset=loaded.ruleset
            )
        minimum = self.config.getoption("intervene_fail_under")
        if minimum is None:
            minimum = loaded.ruleset.coverage_fail_under
        if minimum is not None:
            yield CoverageItem.from_parent(
                self,
                name="coverage",
                scenarios=loaded.scenarios,
                ruleset=loaded.ruleset,
                minimum=minimum,
            )


class ScenarioItem(pytest.Item):
    """One scenario, run on the backend chosen with ``--intervene-backend``."""

    def __init__(self, *, scenario: Scenario, ruleset: Ruleset, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scenario = scenario
        self.ruleset = ruleset
        self.add_marker(MARKER)

    def runtest(self) -> None:
        """Evaluate the scenario and compare the decision with its expectation."""
        from intervene_rules.errors import BackendUnavailableError
        from intervene_rules.testing.scenarios import run_scenario

        backend = self.config.getoption("intervene_backend")
        try:
            result = run_scenario(self.scenario, self.ruleset, backend)
        except BackendUnavailableError as exc:
            pytest.skip(str(exc))
        for note in result.notes:
            self.user_properties.append(("intervene_note", note))
            self.add_report_section("call", "intervene", note)
        if not result.passed:
            raise ScenarioFailure(result)

    def repr_failure(
        self,
        excinfo: pytest.ExceptionInfo[BaseException],
        style: TracebackStyle | None = None,
    ) -> str | TerminalRepr:
        """The expected/actual differences and where the scenario is written."""
        if isinstance(excinfo.value, ScenarioFailure):
            r = excinfo.value.result
            when = f", as of {r.scenario.as_of}" if r.scenario.as_of else ""
            lines = [
                f"scenario {r.name!r} failed at {r.location} "
                f"(ruleset {r.ruleset.id}, backend {'+'.join(r.backends) or 'none'}{when}):"
            ]
            lines += [f"    {d}" for d in r.differences]
            lines += [f"    note: {n}" for n in r.notes]
            return "\n".join(lines)
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> tuple[Path, int, str]:
        """The scenario file and the (0-based) line of the scenario."""
        return self.path, self.scenario.line - 1, f"scenario {self.scenario.name}"


class CoverageFailure(AssertionError):
    """A scenario file fires fewer of its ruleset's rules than the minimum."""


class CoverageItem(pytest.Item):
    """The coverage gate of one scenario file.

    Its scenarios must fire the minimum share of its ruleset's rules
    (`--intervene-fail-under`, else the ruleset's own minimum). One item runs the file's
    scenarios again and measures, so the gate holds under `pytest -n` as without it.
    """

    def __init__(
        self, *, scenarios: tuple[Scenario, ...], ruleset: Ruleset, minimum: float, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.scenarios = scenarios
        self.ruleset = ruleset
        self.minimum = minimum
        self.add_marker(MARKER)

    def runtest(self) -> None:
        """Measure the rules fired; fail naming what was not covered, with file:line."""
        from intervene_rules.testing.coverage import coverage, render_text
        from intervene_rules.testing.scenarios import run_scenario

        results = [run_scenario(s, self.ruleset, "native") for s in self.scenarios]
        for report in coverage(results, self.minimum):
            if not report.ok:
                raise CoverageFailure(render_text(report))

    def repr_failure(
        self,
        excinfo: pytest.ExceptionInfo[BaseException],
        style: TracebackStyle | None = None,
    ) -> str | TerminalRepr:
        """The coverage table: rules never fired and one-way conditions, at file:line."""
        if isinstance(excinfo.value, CoverageFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> tuple[Path, int, str]:
        """The scenario file."""
        return self.path, 0, f"coverage of {self.ruleset.id} (minimum {self.minimum:g}%)"


class InvalidScenarioFile(pytest.Item):
    """Stands for a scenario file that does not load; fails listing every issue."""

    def __init__(self, *, error: ScenarioError | RulesetError, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.error = error
        self.add_marker(MARKER)

    def runtest(self) -> None:
        """Fail with the loading error."""
        raise self.error

    def repr_failure(
        self,
        excinfo: pytest.ExceptionInfo[BaseException],
        style: TracebackStyle | None = None,
    ) -> str | TerminalRepr:
        """Every issue of the file, with its file:line:col."""
        if excinfo.value is self.error:
            return str(self.error)
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> tuple[Path, int, str]:
        """The scenario file, at its first issue when it is in this file."""
        here = self.path.resolve()
        lines = [i.loc.line for i in self.error.issues if Path(i.loc.file).resolve() == here]
        return self.path, max(min(lines, default=1) - 1, 0), "invalid scenario file"


__all__ = [
    "CoverageFailure",
    "CoverageItem",
    "InvalidScenarioFile",
    "ScenarioFailure",
    "ScenarioFileCollector",
    "ScenarioItem",
    "pytest_addoption",
    "pytest_collect_file",
    "pytest_configure",
]
