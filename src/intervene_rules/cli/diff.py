"""`intervene diff`: a thin shell over `analysis.diff`.

Exit codes: 0 no difference, 1 differences, 2 a ruleset does not load or the common space
is over the budget (the issues printed with their locations, never a traceback).
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any, TextIO

from intervene_rules.cli.check import day
from intervene_rules.cli.options import add_budget_options, add_colour_option, budget, date_or_all
from intervene_rules.cli.render import render_issues, use_colour
from intervene_rules.errors import AnalysisBudgetError, Issue, RulesetError

if TYPE_CHECKING:
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
        metavar="YYYY-MM-DD",
        help="compare as in force on this date",
    )


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run `intervene diff` with parsed `args`; returns the exit code."""
    from intervene_rules._progress import ProgressBar
    from intervene_rules.analysis.diff import COMPONENTS, diff
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
    when = day(None if args.as_of == "all" else args.as_of)
    bar = ProgressBar(f"diff {a.id} {b.id}", err, enabled=None if not args.no_progress else False)
    max_points, max_seconds = budget(args)
    try:
        report = diff(
            a.at(when),
            b.at(when),
            progress=bar,
            max_points=max_points,
            max_seconds=max_seconds,
            only=args.only or COMPONENTS,
        )
    except AnalysisBudgetError as exc:
        print(render_issues(exc.issues, colour=use_colour(err, args.color)), file=err)
        return 2
    if args.format == "json":
        print(json.dumps(report.to_dict(), indent=2), file=out)
        return 0 if report.identical else 1
    print(
        f"{a.id} {a.version} ({a.digest[:19]}…) → {b.id} {b.version} ({b.digest[:19]}…)",
        file=out,
    )
    print(f"space: {report.space}", file=out)
    names = list(report.only)
    compared = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    if report.identical:
        print(f"no difference: every situation gets the same {compared}", file=out)
    else:
        share = 100 * report.changed / report.situations
        print(
            f"{report.changed:,} of {report.situations:,} situations ({share:.1f}%) change "
            "decision:",
            file=out,
        )
        counts = ", ".join(f"{c} {n:,}" for c, n in report.by_component.items() if n)
        print(f"by component (situations): {counts}", file=out)
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


__all__ = ["add_parser", "run"]
