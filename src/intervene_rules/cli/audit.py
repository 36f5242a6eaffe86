"""`intervene audit` and `intervene crosswalks`: real use-of-force records, at scale."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, TextIO

from intervene_rules.cli.options import add_colour_option, iso_date
from intervene_rules.cli.render import fail, render_issues, use_colour

_MISSING_EXTRA = "the audit needs the [audit] extra (pyarrow): pip install 'intervene_rules[audit]'"


def _assumption(text: str) -> tuple[str, Any]:
    """`FIELD=VALUE`, the value as JSON (`misconduct=[]`, `subject.restrained=true`) or text."""
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"{text!r} is not FIELD=VALUE (e.g. misconduct=[])")
    try:
        return name.strip(), json.loads(value)
    except ValueError:
        return name.strip(), value.strip()


def add_parsers(sub: Any) -> None:
    """Add the `audit` and `crosswalks` subcommands."""
    p = sub.add_parser(
        "audit",
        help="read use-of-force records through a crosswalk, decide every observer pair, "
        "write per-record results and an HTML report",
        description="Pairs an officer who used force with each other officer on scene, "
        "decides each pair exactly over the facts the records do not hold, and writes "
        "results.parquet per ruleset, summary.json and report.html to --out. Decision "
        "support, not a finding about any officer.",
    )
    p.add_argument("data", help="folder holding the dataset's files, as published")
    p.add_argument("--crosswalk", required=True, help="crosswalk id (intervene crosswalks) or file")
    p.add_argument("--ruleset", required=True, help="ruleset id or path")
    p.add_argument("--compare", default=None, help="a second ruleset, side by side")
    when = p.add_mutually_exclusive_group()
    when.add_argument("--as-of", type=iso_date, default=None, help="the law of YYYY-MM-DD")
    when.add_argument(
        "--date-column",
        action="store_true",
        help="the law in force on each record's own date (the crosswalk's date)",
    )
    p.add_argument(
        "--assume",
        type=_assumption,
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="state a fact the data does not hold (e.g. misconduct=[]); shown in the report",
    )
    p.add_argument("--out", required=True, help="folder for the results (created)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_colour_option(p)
    c = sub.add_parser("crosswalks", help="list the bundled crosswalks")
    c.add_argument("--format", choices=["text", "json"], default="text")


def run_crosswalks(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run `intervene crosswalks`."""
    from intervene_rules.audit.crosswalk import list_crosswalks

    found = list_crosswalks()
    if args.format == "json":
        print(json.dumps([{"id": k, "title": v} for k, v in found.items()], indent=2), file=out)
    else:
        width = max(map(len, found), default=0)
        for k, v in found.items():
            print(f"{k:<{width}}  {v}", file=out)
    return 0


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run `intervene audit`; returns the exit code."""
    try:
        import pyarrow.parquet as pq

        from intervene_rules.audit.crosswalk import load_crosswalk
        from intervene_rules.audit.report import render_html
        from intervene_rules.audit.run import audit
        from intervene_rules.audit.summary import summary
    except ImportError:
        return fail(_MISSING_EXTRA, err)
    from intervene_rules._progress import ProgressBar
    from intervene_rules.errors import FileIssuesError
    from intervene_rules.ruleset import load_ruleset

    colour = use_colour(err, args.color)
    try:
        cw = load_crosswalk(args.crosswalk)
        rulesets = [load_ruleset(args.ruleset)]
        if args.compare:
            rulesets.append(load_ruleset(args.compare))
        bar = ProgressBar("audit", err, enabled=False if args.no_progress else None, unit="pairs")
        result = audit(
            cw,
            args.data,
            rulesets,
            as_of=args.as_of,
            by_record_date=args.date_column,
            assume=dict(args.assume),
            progress=bar,
        )
    except FileIssuesError as exc:
        print(render_issues(exc.issues, colour=colour), file=err)
        return 2
    folder = Path(args.out)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for a in result.audits:
            pq.write_table(a.results, folder / f"results-{a.ruleset.id}.parquet")
        (folder / "summary.json").write_text(
            json.dumps(summary(result), indent=2, default=str), encoding="utf-8"
        )
        (folder / "report.html").write_text(render_html(result), encoding="utf-8")
    except OSError as exc:
        return fail(f"cannot write to {folder}: {exc.strerror or exc}", err)
    p = result.prepared
    print(
        f"{p.records:,} records: {p.evaluable:,} evaluated as {result.pairs:,} observer pairs, "
        f"{sum(p.rejected.values()):,} rejected, {sum(p.not_evaluable.values()):,} not "
        f"evaluable ({'accounted' if p.accounted() else 'NOT ACCOUNTED'})",
        file=out,
    )
    for a in result.audits:
        o = a.overall
        print(
            f"{a.ruleset.id}: duty to intervene certain {o.certain:,}, possible {o.possible:,}, "
            f"absent {o.absent:,}",
            file=out,
        )
    print(f"wrote {folder / 'report.html'}", file=out)
    return 0


__all__ = ["add_parsers", "run", "run_crosswalks"]
