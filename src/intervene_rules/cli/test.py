"""`intervene test`: run scenario files, optionally with rule coverage (a thin shell).

    intervene test PATH... [--backend native|durable|both] [--coverage] [--fail-under PCT]
                           [--format text|json]

PATHs are scenario files or directories (searched recursively for `*.scenarios.yaml`).
Exit codes: 0 every scenario passed (and coverage met its minimum), 1 a scenario failed or
coverage is below its minimum (or the backend cannot run here), 2 unreadable input (a
missing path, an invalid scenario file, a ruleset that does not load) - printed with
locations, never a traceback.
"""

from __future__ import annotations

import argparse
import json
from typing import Any, TextIO

from intervene_rules.cli.options import add_colour_option
from intervene_rules.cli.render import fail, render_issues, use_colour
from intervene_rules.errors import BackendUnavailableError, Issue, RulesetError, ScenarioError
from intervene_rules.location import SourceLocation


def _percent(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"a percentage from 0 to 100, not {text}")
    return value


def add_parser(subparsers: Any) -> None:
    """Add the `test` subcommand to the `intervene` command's subparsers."""
    p = subparsers.add_parser(
        "test",
        help="run ruleset scenario files (*.scenarios.yaml), optionally with rule coverage",
        description="Run the scenarios of scenario files against their rulesets. Exit 0 when "
        "all pass (and coverage meets its minimum), 1 on failures, 2 on unreadable input.",
    )
    p.add_argument(
        "paths", nargs="+", metavar="PATH", help="scenario files, or directories holding them"
    )
    p.add_argument(
        "--backend",
        choices=["native", "durable", "both"],
        default="native",
        help="evaluator to run the scenarios on; 'both' requires each to pass (default: native)",
    )
    p.add_argument(
        "--coverage", action="store_true", help="report the rules and conditions exercised"
    )
    p.add_argument(
        "--fail-under",
        type=_percent,
        default=None,
        metavar="PCT",
        help="fail when a ruleset has less than PCT%% of its rules fired (implies --coverage; "
        "default: the ruleset's own `coverage: {fail_under: ...}`)",
    )
    p.add_argument("--format", choices=["text", "json"], default="text")
    add_colour_option(p)


def _unreadable(args: argparse.Namespace, issues: list[Issue], out: TextIO, err: TextIO) -> int:
    if args.format == "json":
        print(json.dumps({"errors": [i.to_dict() for i in issues]}, indent=2), file=out)
    else:
        print(render_issues(issues, colour=use_colour(err, args.color)), file=err)
        print(f"{len(issues)} error(s) in the input: no scenario was run", file=err)
    return 2


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run `intervene test` with parsed `args`; returns the exit code."""
    from intervene_rules.testing.coverage import coverage, render_text
    from intervene_rules.testing.scenarios import (
        ScenarioFile,
        find_scenario_files,
        iter_results,
        load_scenarios,
    )

    try:
        paths = find_scenario_files(args.paths)
    except ScenarioError as exc:
        return _unreadable(args, list(exc.issues), out, err)
    if not paths:
        issue = Issue(
            "scenario_path_not_found",
            "no scenario files (*.scenarios.yaml) found",
            SourceLocation(", ".join(args.paths)),
            help="scenario files end in .scenarios.yaml",
        )
        return _unreadable(args, [issue], out, err)
    files: list[ScenarioFile] = []
    issues: list[Issue] = []
    for path in paths:
        try:
            files.append(load_scenarios(path))
        except (ScenarioError, RulesetError) as exc:
            issues.extend(exc.issues)
    if issues:
        return _unreadable(args, issues, out, err)
    try:
        results = list(iter_results(files, args.backend))
    except BackendUnavailableError as exc:
        return fail(str(exc), err, code=1)
    passed = sum(1 for r in results if r.passed)
    failed = len(results) - passed
    # a ruleset's declared minimum (`coverage: {fail_under: ...}`) is enforced whether or
    # not --coverage is given: the same gate as under pytest
    declared = any(f.ruleset.coverage_fail_under is not None for f in files)
    reports = (
        coverage(results, args.fail_under)
        if args.coverage or args.fail_under is not None or declared
        else None
    )
    coverage_ok = all(r.ok for r in reports or [])
    if args.format == "json":
        doc = {
            "results": [r.to_dict() for r in results],
            "passed": passed,
            "failed": failed,
            "coverage": [r.to_dict() for r in reports] if reports is not None else None,
            "ok": failed == 0 and coverage_ok,
        }
        print(json.dumps(doc, indent=2), file=out)
    else:
        for r in results:
            print(f"{'PASS' if r.passed else 'FAIL'} {r.name} {r.location}", file=out)
            for d in r.differences:
                print(f"    {d}", file=out)
        for note in dict.fromkeys(n for r in results for n in r.notes):
            print(f"note: {note}", file=out)
        for report in reports or []:
            print("", file=out)
            print(render_text(report), file=out)
        if reports:
            print("", file=out)
        for cov in reports or []:
            if not cov.ok:
                print(
                    f"FAIL coverage {cov.ruleset}: {cov.percent:.1f}% of rules fired, "
                    f"minimum {cov.fail_under:g}%",
                    file=out,
                )
        print(f"{passed} passed, {failed} failed", file=out)
    return 0 if failed == 0 and coverage_ok else 1


__all__ = ["add_parser", "run"]
