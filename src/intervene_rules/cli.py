"""The `intervene` command: a thin shell over the public API.

Exit codes: 0 success, 1 the request could not be served (e.g. backend unavailable) or,
for check/test/diff, findings, failures or differences; 2 unreadable input (bad ruleset,
bad situation, bad JSON) - never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import sys
from collections.abc import Sequence
from importlib import resources
from typing import Any, TextIO

from pydantic import ValidationError

from intervene_rules._evaluate import evaluate
from intervene_rules.analysis import command as analysis_command
from intervene_rules.decision import Decision
from intervene_rules.errors import BackendUnavailableError, EvaluationError, RulesetError
from intervene_rules.ruleset import list_rulesets, load_ruleset
from intervene_rules.situation import Situation
from intervene_rules.testing import command as testing_command

DEFAULT_RULESET = "model-policy"


def _examples() -> dict[str, str]:
    root = resources.files("intervene_rules") / "examples"
    return {
        p.name.removesuffix(".json"): p.read_text(encoding="utf-8")
        for p in root.iterdir()
        if p.name.endswith(".json")
    }


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="intervene",
        description="What duty-to-intervene law and policy require of an observing officer. "
        "Decision support, not legal advice.",
    )
    sub = p.add_subparsers(dest="command", required=True)
    ev = sub.add_parser("evaluate", help="evaluate a situation (JSON) against a ruleset")
    ev.add_argument("situation", nargs="?", help="situation JSON file, or - for stdin")
    ev.add_argument("--example", help="use a bundled example situation (see --list-examples)")
    ev.add_argument("--list-examples", action="store_true", help="list the bundled examples")
    ev.add_argument(
        "--ruleset", default=DEFAULT_RULESET, help="bundled ruleset id or ruleset file path"
    )
    ev.add_argument("--explain", action="store_true", help="print the explanation, not JSON")
    ev.add_argument("--backend", choices=["native", "durable"], default=None)
    ev.add_argument(
        "--as-of",
        type=_date,
        default=None,
        metavar="YYYY-MM-DD",
        help="apply the law and policy in force on this date (default: today)",
    )
    sc = sub.add_parser("schema", help="print the JSON Schema of the input or the output")
    sc.add_argument("which", choices=["situation", "decision"])
    ls = sub.add_parser("list", help="list the bundled rulesets")
    ls.add_argument("--format", choices=["text", "json"], default="text")
    analysis_command.add_parsers(sub)
    testing_command.add_parser(sub)
    return p


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _fail(message: str, err: TextIO, code: int = 2) -> int:
    print(f"intervene: error: {message}", file=err)
    return code


def _read_situation(args: argparse.Namespace, stdin: TextIO) -> str:
    if args.example:
        examples = _examples()
        if args.example not in examples:
            raise LookupError(
                f"no example {args.example!r}; bundled examples: {', '.join(sorted(examples))}"
            )
        return examples[args.example]
    if args.situation in (None, "-"):
        return stdin.read()
    with open(args.situation, encoding="utf-8") as fh:
        return fh.read()


def _validation_message(exc: ValidationError) -> str:
    lines = [f"invalid situation ({exc.error_count()} error(s)):"]
    for e in exc.errors(include_url=False):
        path = ".".join(str(p) for p in e["loc"]) or "(root)"
        lines.append(f"  {path}: {e['msg']}")
    return "\n".join(lines)


def _cmd_evaluate(args: argparse.Namespace, out: TextIO, err: TextIO, stdin: TextIO) -> int:
    if args.list_examples:
        for name in sorted(_examples()):
            print(name, file=out)
        return 0
    try:
        ruleset = load_ruleset(args.ruleset)
    except RulesetError as exc:
        return _fail(str(exc), err)
    try:
        text = _read_situation(args, stdin)
        data: Any = json.loads(text)
    except (OSError, LookupError) as exc:
        return _fail(str(exc), err)
    except json.JSONDecodeError as exc:
        return _fail(
            f"situation is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}", err
        )
    if not isinstance(data, dict):
        return _fail("the situation must be a JSON object", err)
    try:
        decision: Decision = evaluate(ruleset, data, backend=args.backend, as_of=args.as_of)
    except ValidationError as exc:
        return _fail(_validation_message(exc), err)
    except (BackendUnavailableError, EvaluationError) as exc:
        return _fail(str(exc), err, code=1)
    if args.explain:
        print(decision.explain(), file=out)
    else:
        print(decision.model_dump_json(indent=2), file=out)
    return 0


def _cmd_schema(args: argparse.Namespace, out: TextIO) -> int:
    model = Situation if args.which == "situation" else Decision
    print(json.dumps(model.model_json_schema(), indent=2), file=out)
    return 0


def _cmd_list(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        rows = list_rulesets()
    except RulesetError as exc:
        return _fail(str(exc), err)
    if args.format == "json":
        print(json.dumps(rows, indent=2), file=out)
        return 0
    for r in rows:
        layers = " <- ".join(r["layers"])
        status = f"  [NO LONGER IN FORCE since {r['ended']}]" if r.get("ended") else ""
        print(
            f"{r['id']:<20} {r['version']:<8} {r['rules']:>3} rules  {r['title']}{status}",
            file=out,
        )
        print(f"{'':<20} layers: {layers}; {r['jurisdiction']}", file=out)
        for sid, ended, by in r.get("ended_sources", []):
            print(f"{'':<20} source {sid} ended {ended}" + (f" ({by})" if by else ""), file=out)
    return 0


def main(
    argv: Sequence[str] | None = None,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
    stdin: TextIO | None = None,
) -> int:
    """Run the command line; returns the exit code."""
    out, err, stdin = out or sys.stdout, err or sys.stderr, stdin or sys.stdin
    args = _parser().parse_args(argv)
    try:
        if args.command == "evaluate":
            return _cmd_evaluate(args, out, err, stdin)
        if args.command == "schema":
            return _cmd_schema(args, out)
        if args.command == "check":
            return analysis_command.run_check(args, out, err)
        if args.command == "diff":
            return analysis_command.run_diff(args, out, err)
        if args.command == "test":
            return testing_command.run(args, out, err)
        return _cmd_list(args, out, err)
    except BrokenPipeError:  # `intervene list | head`: the reader left; not an error
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the exit flush
        return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
