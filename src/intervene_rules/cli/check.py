"""`intervene check`: a thin shell over `analyze_many` (rulesets checked in parallel).

Exit codes: 0 clean, 1 findings, 2 a ruleset not analysed (it does not load, or its space
is over the budget) — every such issue printed with its location, never a traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, Literal, TextIO

from intervene_rules.cli.options import (
    add_budget_options,
    add_colour_option,
    budget,
    date_or_all,
    jobs,
)
from intervene_rules.cli.render import fail, render_issues, use_colour
from intervene_rules.cli.sarif import to_sarif
from intervene_rules.errors import Issue


def add_parser(sub: Any) -> None:
    """Add the `check` subcommand."""
    ck = sub.add_parser(
        "check",
        help="validate rulesets and analyse them over the whole discrete input space",
    )
    ck.add_argument("paths", nargs="+", help="ruleset files, directories, or bundled ids")
    ck.add_argument("--format", choices=["text", "json", "sarif"], default="text")
    ck.add_argument(
        "--sarif-root",
        type=Path,
        default=None,
        metavar="DIR",
        help="with --format sarif: give file locations relative to DIR (default: the git work "
        "tree of the first checked file, else the current directory)",
    )
    add_colour_option(ck)
    ck.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    ck.add_argument(
        "--quick",
        action="store_true",
        help="load, validate and compile only: every located error, no analysis (well under "
        "a second: for pre-commit hooks and editors)",
    )
    ck.add_argument(
        "--jobs",
        type=jobs,
        default=None,
        metavar="N",
        help="check N rulesets at a time, each in its own process (default: one per usable "
        "core, at most one per ruleset; 1: one after another in this process)",
    )
    add_budget_options(ck)
    ck.add_argument(
        "--as-of",
        type=date_or_all,
        default=None,
        metavar="YYYY-MM-DD|all",
        help="analyse the rules in force on this date (default: today), or on every date "
        "where a source or layer enters or leaves force ('all')",
    )


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:  # a name longer than the file system allows: the loader says so
        return False


def _targets(paths: list[str]) -> list[str]:
    out: list[str] = []
    for p in paths:
        path = Path(p)
        if _is_dir(path):
            out.extend(
                str(f)
                for f in sorted(path.glob("*.yaml"))
                if not f.name.endswith(".scenarios.yaml")
            )
        else:
            out.append(p)
    return out


def day(text: str | None) -> dt.date:
    """The date of an `--as-of` value (already checked), or today."""
    return dt.date.fromisoformat(text) if text else dt.date.today()


def _position(issue: Issue) -> tuple[str, int, int, str]:
    return (issue.loc.file, issue.loc.line, issue.loc.column, issue.code)


def _as_of(text: str | None) -> dt.date | Literal["all"] | None:
    if text == "all":
        return "all"
    return dt.date.fromisoformat(text) if text else None


def _sarif(args: argparse.Namespace, issues: list[Issue]) -> dict[str, Any]:
    return to_sarif(issues, _targets(args.paths), args.sarif_root)


def _quick(args: argparse.Namespace, out: TextIO) -> int:
    """`check --quick`: every ruleset loaded and compiled, its errors located; no analysis."""
    from intervene_rules.errors import RulesetError
    from intervene_rules.ruleset import load_ruleset

    issues: list[Issue] = []
    loaded = []
    for target in _targets(args.paths):
        try:
            rs = load_ruleset(target)
        except RulesetError as exc:
            issues.extend(exc.issues)
            continue
        loaded.append(rs)
    if args.format == "json":
        payload = {
            "ok": not issues,
            "errors": [i.to_dict() for i in issues],
            "rulesets": [
                {
                    "id": r.id,
                    "version": r.version,
                    "digest": r.digest,
                    "rules": len(r.program.rules),
                }
                for r in loaded
            ],
        }
        print(json.dumps(payload, indent=2), file=out)
    elif args.format == "sarif":
        print(json.dumps(_sarif(args, issues), indent=2), file=out)
    else:
        if issues:
            print(
                render_issues(sorted(issues, key=_position), colour=use_colour(out, args.color)),
                file=out,
            )
        for r in loaded:
            print(
                f"{r.id} {r.version}: loads and compiles ({len(r.program.rules)} rules; "
                "not analysed: --quick)",
                file=out,
            )
    return 2 if issues else 0


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run `intervene check` with parsed `args`; returns the exit code."""
    if args.quick:
        return _quick(args, out)
    from intervene_rules._progress import ProgressBar
    from intervene_rules.analysis.check import AnalysisReport, CheckResult, analyze_many

    targets = _targets(args.paths)
    bar = ProgressBar(
        "checking", err, enabled=None if not args.no_progress else False, unit="rulesets"
    )
    finished = 0

    def done(_: CheckResult) -> None:
        nonlocal finished
        finished += 1
        bar(finished, len(targets))

    max_points, max_seconds = budget(args)
    bar(0, len(targets))
    try:
        results = analyze_many(
            targets,
            as_of=_as_of(args.as_of),
            jobs=args.jobs,
            max_points=max_points,
            max_seconds=max_seconds,
            done=done,
        )
    except BrokenProcessPool:
        return fail(
            "a worker process stopped (out of memory?): check fewer rulesets at a time "
            "(`--jobs 1`) or lower the budget (`--max-points`)",
            err,
            code=1,
        )
    # a ruleset that does not load, or whose space is over the budget, is not analysed
    load_errors: list[Issue] = [i for r in results for i in r.issues]
    reports: list[AnalysisReport] = [rep for r in results for rep in r.reports]
    stopped = sum(1 for r in results if r.issues)
    # a base layer's finding (e.g. an unverified source it declares) shows once, not once
    # per ruleset that extends it
    seen: set[tuple[str, str, int, int, str]] = set()
    findings: list[Issue] = []
    for f in (f for r in reports for f in r.findings):
        key = (f.code, f.loc.file, f.loc.line, f.loc.column, f.message)
        if key not in seen:
            seen.add(key)
            findings.append(f)
    issues = load_errors + findings
    if args.format == "json":
        payload = {
            "ok": not load_errors and all(r.ok for r in reports),
            "errors": [i.to_dict() for i in load_errors],
            "rulesets": [r.to_dict() for r in reports],
        }
        print(json.dumps(payload, indent=2), file=out)
    elif args.format == "sarif":
        print(json.dumps(_sarif(args, issues), indent=2), file=out)
    else:
        if issues:
            text = render_issues(sorted(issues, key=_position), colour=use_colour(out, args.color))
            print(text, file=out)
        for r in reports:
            rate = r.situations / max(r.seconds, 1e-9)
            counts = (
                f"{len(r.errors)} error(s), {len(r.warnings)} warning(s), "
                f"{len(r.findings) - len(r.errors) - len(r.warnings)} note(s)"
            )
            when_text = f" as of {r.as_of}" if r.as_of else ""
            print(
                f"{r.ruleset} {r.version}{when_text}: {r.situations:,} situations in "
                f"{r.seconds:.1f} s ({rate:,.0f}/s): {counts}",
                file=out,
            )
        if load_errors:
            print(f"{len(load_errors)} error(s): {stopped} ruleset(s) not analysed", file=out)
    if load_errors:
        return 2
    return 0 if all(r.ok for r in reports) else 1
