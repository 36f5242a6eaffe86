"""`intervene check` and `intervene diff`: thin shells over `analyze` and `diff`.

Exit codes: 0 clean (or no difference), 1 findings (or differences), 2 unreadable input —
every ruleset error printed with its location, never a traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path
from typing import Any, TextIO

from intervene_rules.errors import Issue, RulesetError

SEVERITY_COLOUR = {"error": "31", "warning": "33", "info": "36"}
SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
CODE_TEXT = {
    "analysis_gap": "Situations that no determine_action rule decides",
    "analysis_conflict": "An explicit no-action rule and an action rule decide one situation",
    "analysis_never_fires": "A rule that fires in no situation",
    "analysis_masked": "A rule that never changes a decision",
    "analysis_unused_source": "A declared source that no rule cites",
    "analysis_unverified_source": "A cited source that is not fully verified",
    "analysis_invariant": "A violated invariant, with a minimal counterexample",
}


def _date_or_all(text: str) -> str:
    if text != "all":
        try:
            dt.date.fromisoformat(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not a date (YYYY-MM-DD) or 'all'"
            ) from None
    return text


def add_parsers(sub: Any) -> None:
    """Add the `check` and `diff` subcommands."""
    ck = sub.add_parser(
        "check",
        help="validate rulesets and analyse them over the whole discrete input space",
    )
    ck.add_argument("paths", nargs="+", help="ruleset files, directories, or bundled ids")
    ck.add_argument("--format", choices=["text", "json", "sarif"], default="text")
    ck.add_argument("--color", choices=["auto", "always", "never"], default="auto")
    ck.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    ck.add_argument(
        "--as-of",
        type=_date_or_all,
        default=None,
        metavar="YYYY-MM-DD|all",
        help="analyse the rules in force on this date (default: today), or on every date "
        "where a source or layer enters or leaves force ('all')",
    )
    df = sub.add_parser("diff", help="the exact semantic difference of two rulesets")
    df.add_argument("a", help="ruleset A (bundled id or path)")
    df.add_argument("b", help="ruleset B (bundled id or path)")
    df.add_argument("--format", choices=["text", "json"], default="text")
    df.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    df.add_argument(
        "--as-of",
        type=_date_or_all,
        default=None,
        metavar="YYYY-MM-DD",
        help="compare as in force on this date",
    )


def _targets(paths: list[str]) -> list[str]:
    out: list[str] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            out.extend(
                str(f)
                for f in sorted(path.glob("*.yaml"))
                if not f.name.endswith(".scenarios.yaml")
            )
        else:
            out.append(p)
    return out


def _day(text: str | None) -> dt.date:
    return dt.date.fromisoformat(text) if text else dt.date.today()


def _paint(text: str, code: str, colour: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if colour else text


def render_issues_text(issues: list[Issue], colour: bool) -> str:
    """Issues grouped by file, sorted by position."""
    lines: list[str] = []
    by_file: dict[str, list[Issue]] = {}
    for issue in issues:
        by_file.setdefault(issue.loc.file, []).append(issue)
    for file in sorted(by_file):
        lines.append(_paint(file, "1", colour))
        for i in sorted(by_file[file], key=lambda i: (i.loc.line, i.loc.column, i.code)):
            sev = _paint(f"{i.severity:<7}", SEVERITY_COLOUR[i.severity], colour)
            lines.append(f"  {i.loc.line}:{i.loc.column}\t{sev} {i.code}  {i.message}")
            if i.help:
                lines.append(f"\t        help: {i.help}")
            example = i.ctx.get("example")
            if example is not None:
                lines.append(f"\t        example: {json.dumps(example, separators=(',', ':'))}")
    return "\n".join(lines)


def to_sarif(issues: list[Issue]) -> dict[str, Any]:
    """SARIF 2.1.0, so code-review tools can annotate the YAML lines."""
    from intervene_rules import __version__

    codes = sorted({i.code for i in issues})
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "intervene check",
                        "version": __version__,
                        "rules": [
                            {"id": c, "shortDescription": {"text": CODE_TEXT.get(c, c)}}
                            for c in codes
                        ],
                    }
                },
                "results": [
                    {
                        "ruleId": i.code,
                        "level": SARIF_LEVEL[i.severity],
                        "message": {"text": i.message + (f"\nhelp: {i.help}" if i.help else "")},
                        "locations": [
                            {
                                "physicalLocation": {
                                    "artifactLocation": {"uri": i.loc.file},
                                    "region": {
                                        "startLine": max(i.loc.line, 1),
                                        "startColumn": max(i.loc.column, 1),
                                    },
                                }
                            }
                        ],
                    }
                    for i in issues
                ],
            }
        ],
    }


def run_check(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """`intervene check`."""
    from intervene_rules._progress import ProgressBar
    from intervene_rules.analysis.check import AnalysisReport, analyze
    from intervene_rules.ruleset import load_ruleset

    colour = args.color == "always" or (args.color == "auto" and out.isatty())
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
            days = [_day(args.as_of)]
        for day in days:
            label = f"checking {ruleset.id}" + (f" as of {day}" if len(days) > 1 else "")
            bar = ProgressBar(label, err, enabled=None if not args.no_progress else False)
            reports.append(analyze(ruleset.at(day), progress=bar))
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
            print(render_issues_text(issues, colour), file=out)
        for r in reports:
            rate = r.situations / max(r.seconds, 1e-9)
            counts = (
                f"{len(r.errors)} error(s), {len(r.warnings)} warning(s), "
                f"{len(r.findings) - len(r.errors) - len(r.warnings)} note(s)"
            )
            when = f" as of {r.as_of}" if r.as_of else ""
            print(
                f"{r.ruleset} {r.version}{when}: {r.situations:,} situations in {r.seconds:.1f} s "
                f"({rate:,.0f}/s): {counts}",
                file=out,
            )
        if load_errors:
            print(f"{len(load_errors)} ruleset error(s): not analysed", file=out)
    if load_errors:
        return 2
    return 0 if all(r.ok for r in reports) else 1


def run_diff(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """`intervene diff`."""
    from intervene_rules._progress import ProgressBar
    from intervene_rules.analysis.diff import diff
    from intervene_rules.ruleset import load_ruleset

    try:
        a = load_ruleset(args.a)
        b = load_ruleset(args.b)
    except RulesetError as exc:
        print(render_issues_text(list(exc.issues), colour=False), file=err)
        return 2
    day = _day(None if args.as_of == "all" else args.as_of)
    bar = ProgressBar(f"diff {a.id} {b.id}", err, enabled=None if not args.no_progress else False)
    report = diff(a.at(day), b.at(day), progress=bar)
    if args.format == "json":
        print(json.dumps(report.to_dict(), indent=2), file=out)
        return 0 if report.identical else 1
    print(
        f"{a.id} {a.version} ({a.digest[:19]}…) → {b.id} {b.version} ({b.digest[:19]}…)",
        file=out,
    )
    print(f"space: {report.space}", file=out)
    if report.identical:
        print("no difference: every situation gets the same action, duties and methods", file=out)
    else:
        share = 100 * report.changed / report.situations
        print(
            f"{report.changed:,} of {report.situations:,} situations ({share:.1f}%) change "
            "decision:",
            file=out,
        )
        print("(each change is described by regions, which may overlap)", file=out)
        for g in report.groups:
            print(f"\n  {g.change}  ({len(g.points):,} situations)", file=out)
            for region in g.regions:
                print(f"    • {region['where']}  ({region['size']:,})", file=out)
            if g.example is not None:
                example = json.dumps(g.example.model_dump(mode="json"), separators=(",", ":"))
                print(f"    example: {example}", file=out)
                print(
                    f"    deciding rules: A {g.example_rules[0] or '—'}, "
                    f"B {g.example_rules[1] or '—'}",
                    file=out,
                )
    if report.citations_only:
        print(
            f"\n{report.citations_only:,} further situation(s) keep their decision but cite "
            "different sources",
            file=out,
        )
    return 0 if report.identical else 1
