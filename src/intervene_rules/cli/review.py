"""`intervene review`: an incident's timeline and the officers' responses, judged."""

from __future__ import annotations

import argparse
from typing import Any, TextIO

from intervene_rules.cli.options import add_colour_option
from intervene_rules.cli.render import emit, fail, render_issues, use_colour


def add_parser(sub: Any) -> None:
    """Add the `review` subcommand."""
    p = sub.add_parser(
        "review",
        help="judge each observer's responses against each duty, in time (post-incident)",
        description="Per observer and duty: when it arose (event, rules, sources), whether "
        "and when it was met, how late, by the law of the incident's date. Decision "
        "support, not a finding of liability or misconduct.",
    )
    p.add_argument("timeline", help="timeline YAML file")
    p.add_argument("--responses", required=True, help="responses YAML file")
    p.add_argument("--ruleset", default=None, help="ruleset id or path (default: the timeline's)")
    p.add_argument("--format", choices=["text", "json", "html"], default="text")
    p.add_argument("--out", default=None, help="write to this file instead of standard output")
    add_colour_option(p)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run `intervene review`; returns the exit code."""
    from intervene_rules.errors import FileIssuesError, RulesetError
    from intervene_rules.review import load_responses, review
    from intervene_rules.ruleset import load_ruleset
    from intervene_rules.timeline import load_timeline

    colour = use_colour(err, args.color)
    try:
        timeline = load_timeline(args.timeline)
        responses, doc = load_responses(args.responses)
        ref = args.ruleset or timeline.ruleset
        if ref is None:
            return fail("no ruleset: give --ruleset, or `ruleset:` in the timeline", err)
        result = review(load_ruleset(ref), timeline, responses, doc=doc)
    except (FileIssuesError, RulesetError) as exc:
        print(render_issues(exc.issues, colour=colour), file=err)
        return 2
    if args.format == "json":
        text = result.model_dump_json(indent=2)
    elif args.format == "html":
        text = result.html()
    else:
        text = result.text()
    emit(text, args.out, out)
    return 0


__all__ = ["add_parser", "run"]
