"""`intervene scenarios`: role-play scenarios and quizzes for training, from a seed."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, TextIO

from intervene_rules.cli.options import add_colour_option, iso_date
from intervene_rules.cli.render import emit, fail, render_issues, use_colour


def _count(text: str) -> int:
    n = int(text)
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {n}")
    return n


def add_parser(sub: Any) -> None:
    """Add the `scenarios` subcommand."""
    p = sub.add_parser(
        "scenarios",
        help="generate role-play scenarios (and a quiz with its answer key) from a ruleset",
        description="Role-play scenarios weighted toward what teaches (boundaries of the "
        "duty, junior observers facing senior actors, force after restraint), each with the "
        "ruleset's answer, the 3 D's for the rank relation and teaching points with sources. "
        "The same seed gives the same output.",
    )
    p.add_argument("--ruleset", default="model-policy", help="ruleset id or path")
    p.add_argument("--count", type=_count, default=10)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--focus", choices=["rank", "medical", "misconduct", "escalation"])
    p.add_argument("--format", choices=["md", "json", "html"], default="md")
    p.add_argument("--as-of", type=iso_date, default=None, metavar="YYYY-MM-DD")
    p.add_argument(
        "--quiz",
        action="store_true",
        help="write the questions and the answer key separately (into --out DIR, or one "
        "after the other on standard output)",
    )
    p.add_argument("--out", default=None, help="a file (or, with --quiz, a folder)")
    add_colour_option(p)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run `intervene scenarios`; returns the exit code."""
    from intervene_rules.errors import RulesetError
    from intervene_rules.roleplay import generate, render
    from intervene_rules.ruleset import load_ruleset

    try:
        rs = load_ruleset(args.ruleset)
    except RulesetError as exc:
        print(render_issues(exc.issues, colour=use_colour(err, args.color)), file=err)
        return 2
    sset = generate(rs, count=args.count, seed=args.seed, focus=args.focus, as_of=args.as_of)
    ext = {"md": "md", "json": "json", "html": "html"}[args.format]
    if not args.quiz:
        text = render(sset, args.format, "all")
        emit(text, args.out, out)
        return 0
    questions = render(sset, args.format, "questions")
    answers = render(sset, args.format, "answers")
    if args.out:
        folder = Path(args.out)
        if folder.exists() and not folder.is_dir():
            return fail(f"{folder} is a file: --quiz writes two files into a folder", err)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"questions.{ext}").write_text(questions, encoding="utf-8")
        (folder / f"answers.{ext}").write_text(answers, encoding="utf-8")
        print(f"wrote {folder / f'questions.{ext}'} and {folder / f'answers.{ext}'}", file=out)
        return 0
    print(questions, file=out, end="")
    print("\n\f\n", file=out, end="")  # a page break between the quiz and its key
    print(answers, file=out, end="")
    return 0


__all__ = ["add_parser", "run"]
