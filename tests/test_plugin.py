"""The pytest plugin: scenario files collected as test items, failures without tracebacks."""

from __future__ import annotations

import pytest

# pytester's in-process runs restore `sys.modules` afterwards, dropping modules first
# imported during a run; PyYAML's C loader cannot be imported twice (it keeps the first
# `yaml.nodes` classes), so everything a run loads is imported here, once.
import yaml  # noqa: F401

import intervene_rules.engine.durable
import intervene_rules.engine.table
import intervene_rules.testing.coverage
import intervene_rules.testing.scenarios

pytest_plugins = ["pytester"]

PASSING = """\
ruleset: federal-baseline
scenarios:
  - name: lawful_takedown
    situation:
      force: {type: takedown, still_needed: true}
      subject: {resistance: active_resistance}
    expect: {action: none, duties: []}
  - name: unlawful_detention
    situation: {misconduct: [unlawful_detention]}
    expect:
      action: intervene
      fired: [intervene_against_rights_violation]
"""

FAILING = """\
ruleset: federal-baseline
scenarios:
  - name: still_right
    expect: {action: none}
  - name: wrong_action
    situation:
      force: {type: bodyweight_compression, still_needed: false}
      subject: {restrained: true}
    expect:
      action: acknowledge
      duties: [intervene, render_aid]
"""

INVALID = """\
ruleset: federal-baseline
scenarios:
  - name: typo
    situation: {force: {type: taser}}
    expect: {fired: [no_such_rule]}
"""


def test_scenarios_are_items_with_outcomes(pytester: pytest.Pytester) -> None:
    pytester.makefile(".scenarios.yaml", ok=PASSING, bad=FAILING)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(["*FAILED bad.scenarios.yaml::wrong_action*"])


def test_failure_shows_differences_and_location_without_traceback(
    pytester: pytest.Pytester,
) -> None:
    pytester.makefile(".scenarios.yaml", bad=FAILING)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    out = result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "*scenario 'wrong_action' failed at bad.scenarios.yaml:5 (ruleset federal-baseline*",
            "    action: expected acknowledge, got intervene",
            "    duties: missing render_aid (got: intervene)",
        ]
    )
    assert "Traceback" not in out
    assert "runtest" not in out and "ScenarioFailure" not in out.split("short test summary")[0]
    assert "plugin.py" not in out


def test_items_are_named_after_scenarios_and_report_their_line(
    pytester: pytest.Pytester,
) -> None:
    pytester.makefile(".scenarios.yaml", ok=PASSING)
    items = pytester.getitems(pytester.path / "ok.scenarios.yaml")
    assert [i.name for i in items] == ["lawful_takedown", "unlawful_detention"]
    assert [i.location for i in items] == [
        ("ok.scenarios.yaml", 2, "scenario lawful_takedown"),
        ("ok.scenarios.yaml", 7, "scenario unlawful_detention"),
    ]
    path, line, _ = items[1].reportinfo()
    assert str(path).endswith("ok.scenarios.yaml") and line == 7
    assert all(i.get_closest_marker("intervene_scenario") is not None for i in items)


def test_an_invalid_file_is_one_failing_item_listing_its_issues(
    pytester: pytest.Pytester,
) -> None:
    pytester.makefile(".scenarios.yaml", ok=PASSING, broken=INVALID)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, failed=1)
    out = result.stdout.str()
    assert "2 error(s) in scenario file:" in out
    assert (
        "broken.scenarios.yaml:4:25: error[scenario_invalid_situation]: situation: force.type: "
        "unknown value 'taser'" in out
    )
    assert (
        "broken.scenarios.yaml:5:22: error[scenario_unknown_rule]: unknown rule 'no_such_rule'"
        in out
    )
    result.stdout.fnmatch_lines(["*FAILED broken.scenarios.yaml::scenario_file*"])
    assert "Traceback" not in out


def test_a_broken_ruleset_fails_the_file_with_its_issues(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", rs="id: rs\nrulez: []\n")
    pytester.makefile(".scenarios.yaml", rs="scenarios: [{name: a, expect: {}}]\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    assert "error(s) in ruleset" in out and "error[ruleset_unknown_key]" in out
    assert "rs.yaml:2:1" in out and "Traceback" not in out


def test_marker_option_and_selection(pytester: pytest.Pytester) -> None:
    pytester.makefile(".scenarios.yaml", ok=PASSING)
    pytester.makepyfile(test_other="def test_plain():\n    pass\n")
    result = pytester.runpytest(
        "-p", "no:cacheprovider", "--strict-markers", "-m", "intervene_scenario"
    )
    result.assert_outcomes(passed=2, deselected=1)
    result = pytester.runpytest("-p", "no:cacheprovider", "-k", "unlawful_detention")
    result.assert_outcomes(passed=1, deselected=2)
    markers = pytester.runpytest("--markers")
    markers.stdout.fnmatch_lines(["@pytest.mark.intervene_scenario:*"])
    helptext = pytester.runpytest("--help")
    helptext.stdout.fnmatch_lines(["intervene_rules scenario files:", "*--intervene-backend*"])


def test_backend_option(pytester: pytest.Pytester) -> None:
    pytest.importorskip("durable.engine")
    pytester.makefile(".scenarios.yaml", ok=PASSING, bad=FAILING)
    result = pytester.runpytest("-p", "no:cacheprovider", "--intervene-backend", "both")
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(["*backend native+durable*"])
    bad = pytester.runpytest("-p", "no:cacheprovider", "--intervene-backend", "fast")
    assert bad.ret == pytest.ExitCode.USAGE_ERROR


def test_files_without_the_suffix_are_ignored(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", cases=PASSING)
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_loading_the_plugin_imports_nothing_heavy() -> None:
    import subprocess
    import sys

    code = (
        "import sys, intervene_rules.testing.plugin; "
        "print(sorted(m for m in ('yaml', 'intervene_rules.ruleset.load', "
        "'intervene_rules.ruleset.compile', 'intervene_rules.testing.scenarios', 'durable') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    from intervene_rules import testing

    assert testing.load_scenarios is intervene_rules.testing.scenarios.load_scenarios
    assert "CoverageObserver" in dir(testing)


def test_the_coverage_gate_fails_under_pytest_naming_what_is_not_covered(
    pytester: pytest.Pytester,
) -> None:
    """`--intervene-fail-under` (as `intervene test --fail-under`): two scenarios of
    federal-baseline fire few of its rules; the gate fails naming the rules never fired."""
    pytester.makefile(".scenarios.yaml", ok=PASSING)
    result = pytester.runpytest("-p", "no:cacheprovider", "--intervene-fail-under", "90")
    result.assert_outcomes(passed=2, failed=1)
    out = result.stdout.str()
    assert "rules never fired:" in out and "federal-baseline.yaml:" in out
    assert "minimum 90% of rules fired: NOT MET" in out
    # a minimum the scenarios meet passes, and none means no gate item
    pytester.runpytest("-p", "no:cacheprovider", "--intervene-fail-under", "1").assert_outcomes(
        passed=3
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_a_rulesets_declared_minimum_is_a_gate_everywhere(
    pytester: pytest.Pytester, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A ruleset's own `coverage: {fail_under: ...}` fails plain pytest and plain
    `intervene test`, not only `intervene test --coverage`."""
    import io

    from intervene_rules.cli import main
    from intervene_rules.ruleset.load import bundled_dir

    base = (bundled_dir() / "federal-baseline.yaml").read_text(encoding="utf-8")
    assert "\ncoverage:" not in base
    gated = base.replace("\nrules:\n", "\ncoverage: {fail_under: 95}\nrules:\n", 1)
    pytester.makefile(".yaml", **{"federal-baseline": gated})
    pytester.makefile(
        ".scenarios.yaml", ok=PASSING.replace("federal-baseline", "./federal-baseline.yaml")
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, failed=1)
    out, err = io.StringIO(), io.StringIO()
    code = main(["test", str(pytester.path / "ok.scenarios.yaml")], out=out, err=err)
    assert code == 1 and "FAIL coverage" in out.getvalue()
