"""`intervene diff`: a thin shell over `analysis.diff`.

By default the rulesets are compared on every legal period of either (`--as-of all`);
`--as-of DATE` compares them as in force on that date only.

Exit codes: 0 no difference (in any period compared), 1 differences, 2 a ruleset does not
load or the common space (of some period) is over the budget (the issues printed with their
locations, never a traceback).
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any, TextIO

from intervene_rules.cli.check import day
from intervene_rules.cli.options import (
    add_budget_options,
    add_colour_option,
    budget,
    date_or_all,
    jobs,
)
from intervene_rules.cli.render import render_issues, use_colour
from intervene_rules.errors import AnalysisBudgetError, Issue, RulesetError

if TYPE_CHECKING:
    from intervene_rules.analysis.diff import DiffReport
    from intervene_rules.analysis.diff_periods import PeriodsReport
    from intervene_rules.ruleset.ruleset import Ruleset


def _components(text: str) -> tuple[str, ...]:
    from intervene_rules.analysis.diff import COMPONENTS

    names = tuple(x.strip() for x in text.split(",") if x.strip())
    bad = [x for x in names if x not in COMPONENTS]
    if bad or not names:
        raise argparse.ArgumentTypeError(
            f"unknown component(s) {', '.join(bad) or '(none given)'}; "
            f"components: {', '.join(COMPONENTS)}"
        )
    return names


def add_parser(sub: Any) -> None:
    """Add the `diff` subcommand."""
    df = sub.add_parser("diff", help="the exact semantic difference of two rulesets")
    df.add_argument("a", help="ruleset A (bundled id or path)")
    df.add_argument("b", help="ruleset B (bundled id or path)")
    df.add_argument("--format", choices=["text", "json"], default="text")
    add_colour_option(df)
    df.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    add_budget_options(df)
    df.add_argument(
        "--jobs",
        type=jobs,
        default=None,
        metavar="N",
        help="over every period: walk N periods at a time, each in its own process (default: "
        "one per usable core; 1: one after another in this process)",
    )
    df.add_argument(
        "--only",
        type=_components,
        default=None,
        metavar="COMPONENT,...",
        help="compare only these: action, duties, methods, reports, notices, basis, binding "
        "(default: all of them)",
    )
    df.add_argument(
        "--as-of",
        type=date_or_all,
        default=None,
        metavar="YYYY-MM-DD|all",
        help="compare as in force on this date only (default: all, every legal period of "
        "either ruleset)",
    )


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run `intervene diff` with parsed `args`; returns the exit code."""
    from intervene_rules._progress import ProgressBar
    from intervene_rules.analysis.diff import COMPONENTS, diff
    from intervene_rules.analysis.diff_periods import diff_periods, input_notes
    from intervene_rules.ruleset import load_ruleset

    issues: list[Issue] = []
    loaded: list[Ruleset] = []
    for ref in (args.a, args.b):
        try:
            loaded.append(load_ruleset(ref))
        except RulesetError as exc:
            issues.extend(exc.issues)
    if issues:
        print(render_issues(issues, colour=use_colour(err, args.color)), file=err)
        return 2
    a, b = loaded
    bar = ProgressBar(f"diff {a.id} {b.id}", err, enabled=None if not args.no_progress else False)
    max_points, max_seconds = budget(args)
    only = args.only or COMPONENTS
    try:
        if args.as_of in (None, "all"):
            periods = diff_periods(
                a,
                b,
                progress=bar,
                max_points=max_points,
                max_seconds=max_seconds,
                only=only,
                refs=(args.a, args.b),
                jobs=args.jobs,
            )
        else:
            when = day(args.as_of)
            report = diff(
                a.at(when),
                b.at(when),
                progress=bar,
                max_points=max_points,
                max_seconds=max_seconds,
                only=only,
            )
    except AnalysisBudgetError as exc:
        print(render_issues(exc.issues, colour=use_colour(err, args.color)), file=err)
        return 2
    notes = input_notes(a, b)
    if args.as_of in (None, "all"):
        if args.format == "json":
            print(json.dumps(periods.to_dict(), indent=2), file=out)
        else:
            _print_periods(periods, a, b, out)
        return 0 if periods.identical else 1
    if args.format == "json":
        print(json.dumps({**report.to_dict(), "notes": notes}, indent=2), file=out)
        return 0 if report.identical else 1
    _header(a, b, notes, out)
    print(f"space: {report.space}", file=out)
    _print_report(report, out, {}, "")
    return 0 if report.identical else 1


def _header(a: Ruleset, b: Ruleset, notes: list[dict[str, str]], out: TextIO) -> None:
    print(
        f"{a.id} {a.version} ({a.digest[:19]}…) → {b.id} {b.version} ({b.digest[:19]}…)",
        file=out,
    )
    for note in notes:
        print(f"note: {note['text']}", file=out)


def _compared(only: tuple[str, ...]) -> str:
    names = list(only)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _print_periods(report: PeriodsReport, a: Ruleset, b: Ruleset, out: TextIO) -> None:
    _header(a, b, report.notes, out)
    print(
        f"compared over {report.intervals} legal period(s) (between the dates on which "
        f"either ruleset changes), {report.pairs} distinct pair(s) of rules, "
        f"{report.walks} walked",
        file=out,
    )
    seen: dict[tuple[str, bytes], str] = {}
    space = ""
    for p in report.periods:
        r = p.report
        if r.identical:
            print(f"\n{p.label}: no difference", file=out, end="")
            if r.citations_only:
                print(f" ({r.citations_only:,} situation(s) cite different sources)", file=out)
            else:
                print(file=out)
            continue
        print(f"\n{p.label}:", file=out)
        if r.space != space:
            space = r.space
            print(f"  space: {space}", file=out)
        _print_report(r, out, seen, p.label, indent="  ")
    differing = report.differing
    counts = ", ".join(f"{c} in {n}" for c, n in report.by_component.items() if n)
    if differing:
        print(
            f"\nsummary: {len(differing)} of {len(report.periods)} period(s) differ ({counts})",
            file=out,
        )
    else:
        print(
            f"\nsummary: no difference in any period: every situation gets the same "
            f"{_compared(report.only)}",
            file=out,
        )


def _print_report(
    report: DiffReport,
    out: TextIO,
    seen: dict[tuple[str, bytes], str],
    label: str,
    indent: str = "",
) -> None:
    """One date's (or period's) differences; a group already described points back to it."""
    if report.identical:
        print(
            f"{indent}no difference: every situation gets the same {_compared(report.only)}",
            file=out,
        )
    else:
        share = 100 * report.changed / report.situations
        print(
            f"{indent}{report.changed:,} of {report.situations:,} situations ({share:.1f}%) "
            "change decision:",
            file=out,
        )
        counts = ", ".join(f"{c} {n:,}" for c, n in report.by_component.items() if n)
        print(f"{indent}by component (situations): {counts}", file=out)
        print(f"{indent}(each change is described by regions, which may overlap)", file=out)
        for g in report.groups:
            print(f"\n{indent}  {g.change}  ({len(g.points):,} situations)", file=out)
            key = (g.change, g.digest)
            if key in seen:
                print(f"{indent}    regions and example as in {seen[key]}", file=out)
                continue
            if label:
                seen[key] = label
            for region in g.regions:
                print(f"{indent}    • {region['where']}  ({region['size']:,})", file=out)
            if g.example is not None:
                example = json.dumps(g.example.model_dump(mode="json"), separators=(",", ":"))
                print(f"{indent}    example: {example}", file=out)
                print(
                    f"{indent}    deciding rules: A {g.example_rules[0] or '—'}, "
                    f"B {g.example_rules[1] or '—'}",
                    file=out,
                )
    if report.citations_only:
        print(
            f"\n{indent}{report.citations_only:,} further situation(s) keep their decision but "
            "cite different sources",
            file=out,
        )


__all__ = ["add_parser", "run"]
