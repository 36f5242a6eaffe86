"""`intervene check`: a thin shell over `analyze`.

Exit codes: 0 clean, 1 findings, 2 unreadable input — every ruleset error printed with its
location, never a traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path
from typing import Any, TextIO

from intervene_rules.cli.options import add_colour_option, date_or_all
from intervene_rules.cli.render import render_issues, use_colour
from intervene_rules.cli.sarif import to_sarif
from intervene_rules.errors import Issue, RulesetError


def add_parser(sub: Any) -> None:
    """Add the `check` subcommand."""
    ck = sub.add_parser(
        "check",
        help="validate rulesets and analyse them over the whole discrete input space",
    )
    ck.add_argument("paths", nargs="+", help="ruleset files, directories, or bundled ids")
    ck.add_argument("--format", choices=["text", "json", "sarif"], default="text")
    add_colour_option(ck)
    ck.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
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


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run `intervene check` with parsed `args`; returns the exit code."""
    from intervene_rules._progress import ProgressBar
    from intervene_rules.analysis.check import AnalysisReport, analyze
    from intervene_rules.ruleset import load_ruleset

    load_errors: list[Issue] = []
    reports: list[AnalysisReport] = []
    for target in _targets(args.paths):
        try:
            ruleset = load_ruleset(target)
        except RulesetError as exc:
            load_errors.extend(exc.issues)
            continue
        if args.as_of == "all":
            days = sorted({dt.date.min, *ruleset.periods(), dt.date.today()})
        else:
            days = [day(args.as_of)]
        for when in days:
            label = f"checking {ruleset.id}" + (f" as of {when}" if len(days) > 1 else "")
            bar = ProgressBar(label, err, enabled=None if not args.no_progress else False)
            reports.append(analyze(ruleset.at(when), progress=bar))
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
        print(json.dumps(to_sarif(issues), indent=2), file=out)
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
            print(f"{len(load_errors)} ruleset error(s): not analysed", file=out)
    if load_errors:
        return 2
    return 0 if all(r.ok for r in reports) else 1


__all__ = ["add_parser", "day", "run"]
