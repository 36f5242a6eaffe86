"""`intervene evaluate`: read one situation, decide it, print the decision.

The situation is read as a careless integrator may hand it over: it may be huge, not UTF-8,
not JSON, nested a thousand levels deep, or a directory. Each of these is an issue with a
`situation_*` code and the position in the input, printed as every other issue is, with
exit code 2 — never a traceback.
"""

from __future__ import annotations

import argparse
import json
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from intervene_rules.cli.bundle import add_pin_option
from intervene_rules.cli.options import add_colour_option, iso_date
from intervene_rules.cli.render import fail, render_issues, use_colour
from intervene_rules.errors import Issue
from intervene_rules.location import SourceLocation
from intervene_rules.situation import MAX_SITUATION_BYTES

if TYPE_CHECKING:
    from pydantic import ValidationError

DEFAULT_RULESET = "model-policy"

MAX_ISSUES = 20
"""Validation errors listed before the rest are only counted."""

STDIN = "<stdin>"

_JSON_MESSAGES = {  # the json module's messages that end in "at", before its position
    "Unterminated string starting at": "unterminated string starting here",
    "Invalid control character at": "invalid control character (escape it)",
}


class _Unreadable(Exception):
    """The situation could not be read; carries the issue that says why."""

    def __init__(self, issue: Issue) -> None:
        super().__init__(issue.message)
        self.issue = issue


def _examples() -> dict[str, str]:
    root = resources.files("intervene_rules") / "examples"
    return {
        p.name.removesuffix(".json"): p.read_text(encoding="utf-8")
        for p in root.iterdir()
        if p.name.endswith(".json")
    }


def add_parser(sub: Any) -> None:
    """Add the `evaluate` subcommand."""
    ev = sub.add_parser(
        "evaluate",
        help="evaluate a situation (JSON) against a ruleset; with unknown facts, the range",
        description="Evaluate a situation. A situation with unknown facts (fields omitted or "
        "null) gets the exact range of decisions over every completion of them "
        "(`intervene schema decision-range`); --explain then ends with the facts that decide "
        "the action, and for a complete situation with what would change it.",
    )
    ev.add_argument("situation", nargs="?", help="situation JSON file, or - for stdin")
    ev.add_argument("--example", help="use a bundled example situation (see --list-examples)")
    ev.add_argument("--list-examples", action="store_true", help="list the bundled examples")
    ev.add_argument(
        "--ruleset",
        default=DEFAULT_RULESET,
        help="bundled ruleset id, ruleset file path, or bundle (*.bundle.json)",
    )
    ev.add_argument("--explain", action="store_true", help="print the explanation, not JSON")
    ev.add_argument(
        "--partial",
        action="store_true",
        help="read the situation as partial even when complete (its nulls are then unknown)",
    )
    ev.add_argument("--backend", choices=["native", "durable"], default=None)
    ev.add_argument(
        "--as-of",
        type=iso_date,
        default=None,
        metavar="YYYY-MM-DD",
        help="apply the law and policy in force on this date (default: today)",
    )
    add_pin_option(ev)
    add_colour_option(ev)


def _issue(code: str, message: str, loc: SourceLocation, help: str = "") -> _Unreadable:
    return _Unreadable(Issue(code, message, loc, help=help))


def _read_bytes(name: str, stdin: TextIO) -> bytes:
    """At most one byte more than the limit, so that a huge input is refused unread."""
    if name == STDIN:
        buffer = getattr(stdin, "buffer", None)
        if buffer is not None:
            data: bytes = buffer.read(MAX_SITUATION_BYTES + 1)
            return data
        try:
            return stdin.read(MAX_SITUATION_BYTES + 1).encode("utf-8", "surrogateescape")
        except UnicodeDecodeError as exc:  # a text stream decoding as it reads
            raise _issue(
                "situation_encoding",
                f"the situation is not UTF-8 text ({exc.reason})",
                SourceLocation(name),
                help="save the situation as UTF-8",
            ) from None
    path = Path(name)
    try:
        if path.is_dir():
            raise _issue(
                "situation_unreadable",
                "this is a directory, not a situation file",
                SourceLocation(name),
                help="name a JSON file, or - to read standard input",
            )
        with path.open("rb") as fh:
            return fh.read(MAX_SITUATION_BYTES + 1)
    except FileNotFoundError:
        raise _issue(
            "situation_not_found",
            "no such file",
            SourceLocation(name),
            help="check the path; - reads standard input",
        ) from None
    except OSError as exc:
        raise _issue(
            "situation_unreadable",
            f"cannot read it: {exc.strerror or exc}",
            SourceLocation(name),
            help="check the path and that the file is readable",
        ) from None


def _line_col(text: str, offset: int) -> tuple[int, int]:
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _decode(name: str, data: bytes) -> str:
    if len(data) > MAX_SITUATION_BYTES:
        raise _issue(
            "situation_too_large",
            f"the situation is larger than 1 MiB ({MAX_SITUATION_BYTES:,} bytes), "
            "the most accepted",
            SourceLocation(name),
            help="a situation is a JSON object of a few hundred bytes; "
            "see `intervene schema situation`",
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = data[: exc.start].decode("utf-8", "replace")
        line, col = _line_col(before, len(before))
        raise _issue(
            "situation_encoding",
            f"the situation is not UTF-8 text: byte 0x{data[exc.start]:02x} ({exc.reason})",
            SourceLocation(name, line, col),
            help="save the situation as UTF-8",
        ) from None


def _parse(name: str, text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        reason = _JSON_MESSAGES.get(exc.msg, exc.msg)
        raise _issue(
            "situation_invalid_json",
            f"situation is not valid JSON: {reason}",
            SourceLocation(name, exc.lineno, exc.colno),
            help="a situation is one JSON object; see `intervene schema situation`",
        ) from None
    except RecursionError:
        # the json module recurses once per level; a situation is three levels deep
        raise _issue(
            "situation_too_deep",
            "the situation nests too deeply to be read",
            SourceLocation(name),
            help="a situation is a JSON object at most three levels deep; "
            "see `intervene schema situation`",
        ) from None
    except ValueError as exc:  # a number of more than 4,300 digits
        raise _issue(
            "situation_invalid_json",
            f"situation is not valid JSON: {exc}",
            SourceLocation(name),
        ) from None
    if not isinstance(data, dict):
        stripped = len(text) - len(text.lstrip())
        line, col = _line_col(text, stripped)
        raise _issue(
            "situation_not_object",
            f"the situation must be a JSON object, not {type(data).__name__}",
            SourceLocation(name, line, col),
            help="write {...} with the fields of `intervene schema situation`",
        )
    return data


def _invalid(name: str, exc: ValidationError) -> list[Issue]:
    return [
        Issue(
            "situation_invalid",
            str(e["msg"]),
            SourceLocation(name, path=tuple(e["loc"])),
            help="see `intervene schema situation` for the fields and their values",
            ctx={"type": e["type"]},
        )
        for e in exc.errors(include_url=False, include_input=False, include_context=False)
    ]


def run(args: argparse.Namespace, out: TextIO, err: TextIO, stdin: TextIO) -> int:
    """Run `intervene evaluate` with parsed `args`; returns the exit code."""
    from pydantic import ValidationError

    from intervene_rules._evaluate import evaluate
    from intervene_rules.errors import BackendUnavailableError, EvaluationError, RulesetError
    from intervene_rules.ruleset import load_ruleset

    colour = use_colour(err, args.color)
    if args.list_examples:
        for name in sorted(_examples()):
            print(name, file=out)
        return 0
    try:
        ruleset = load_ruleset(args.ruleset, pin=args.pin)
    except RulesetError as exc:
        print(render_issues(exc.issues, colour=colour), file=err)
        return 2
    name = STDIN if args.situation in (None, "-") else args.situation
    text = ""
    try:
        if args.example:
            examples = _examples()
            if args.example not in examples:
                return fail(
                    f"no example {args.example!r}; bundled examples: {', '.join(sorted(examples))}",
                    err,
                )
            name, text = f"<example {args.example}>", examples[args.example]
        else:
            text = _decode(name, _read_bytes(name, stdin))
        data = _parse(name, text)
        if args.partial:
            return _partial(ruleset, data, args, out)
        try:
            decision = evaluate(ruleset, data, backend=args.backend, as_of=args.as_of)
        except ValidationError as exc:
            from intervene_rules.partial import partial_error

            if not partial_error(exc):
                raise
            # facts are missing: the range over every completion of them
            return _partial(ruleset, data, args, out)
    except _Unreadable as exc:
        print(render_issues([exc.issue], colour=colour, texts={name: text}), file=err)
        return 2
    except ValidationError as exc:
        issues = _invalid(name, exc)
        print(render_issues(issues, colour=colour, limit=MAX_ISSUES), file=err)
        return 2
    except (BackendUnavailableError, EvaluationError) as exc:
        return fail(str(exc), err, code=1)
    if args.explain:
        from intervene_rules._evaluate import as_situation

        print(decision.explain(as_situation(ruleset, data)), file=out)
        print("", file=out)
        print(decision.what_would_change(data, ruleset).explain(), file=out)
    else:
        print(decision.model_dump_json(indent=2), file=out)
    return 0


def _partial(ruleset: Any, data: dict[str, Any], args: argparse.Namespace, out: TextIO) -> int:
    """Print the range of a partial situation (validation errors go to the caller)."""
    from intervene_rules._evaluate_partial import evaluate_partial

    result = evaluate_partial(ruleset, data, as_of=args.as_of)
    if args.explain:
        print(result.explain(), file=out)
    else:
        print(result.model_dump_json(indent=2), file=out)
    return 0


__all__ = ["add_parser", "run"]
