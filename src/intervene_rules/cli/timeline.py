"""`intervene timeline`: an incident's events in, the duty over time per observer out."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, TextIO

from intervene_rules.cli.options import add_colour_option
from intervene_rules.cli.render import emit, fail, render_issues, use_colour


def add_parser(sub: Any) -> None:
    """Add the `timeline` subcommand."""
    p = sub.add_parser(
        "timeline",
        help="when each observer's duty arises and escalates, from an incident's events (YAML)",
        description="Evaluate an incident timeline: after every event, and whenever the "
        "force's duration crosses a threshold of the ruleset, what the ruleset requires of "
        "each observer by the law of the incident's date. See `intervene schema timeline`.",
    )
    p.add_argument("file", help="timeline YAML file")
    p.add_argument("--ruleset", default=None, help="ruleset id or path (default: the file's)")
    p.add_argument("--format", choices=["text", "json", "html"], default="text")
    p.add_argument("--out", default=None, help="write to this file instead of standard output")
    p.add_argument("--backend", choices=["native", "durable"], default=None)
    add_colour_option(p)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run `intervene timeline`; returns the exit code."""
    from intervene_rules.errors import BackendUnavailableError, RulesetError, TimelineError
    from intervene_rules.ruleset import load_ruleset
    from intervene_rules.timeline import load_timeline

    colour = use_colour(err, args.color)
    try:
        timeline = load_timeline(args.file)
    except TimelineError as exc:
        print(render_issues(exc.issues, colour=colour), file=err)
        return 2
    ref = args.ruleset or timeline.ruleset
    if ref is None:
        return fail("no ruleset: give --ruleset, or `ruleset:` in the timeline", err)
    if not args.ruleset and timeline.ruleset and not Path(ref).is_absolute():
        near = Path(args.file).parent / ref
        ref = str(near) if near.suffix in (".yaml", ".yml") and near.is_file() else ref
    try:
        rs = load_ruleset(ref)
        result = timeline.evaluate(rs, backend=args.backend)
    except RulesetError as exc:
        print(render_issues(exc.issues, colour=colour), file=err)
        return 2
    except BackendUnavailableError as exc:
        return fail(str(exc), err, code=1)
    if args.format == "json":
        text = result.model_dump_json(indent=2)
    elif args.format == "html":
        text = result.html()
    else:
        text = result.text()
    emit(text, args.out, out)
    return 0


__all__ = ["add_parser", "run"]
