"""The `intervene` command: a thin shell over the public API, the analysis and the tests.

One module per subcommand group (`evaluate`, `catalogue` for `schema` and `list`, `check`,
`diff`, `test`, `serve`, `log`, `bundle` for `bundle`, `verify-bundle` and
`keygen`, `fmt` (its layout in `yamlfmt`), `init`, `completion`, `audit` for `audit` and
`crosswalks`), one renderer of issues (`render`). The library never imports this package.

Exit codes: 0 success, 1 the request could not be served (e.g. backend unavailable) or,
for check/test/diff/log, findings, failures or differences; 2 unreadable input (bad ruleset,
bad situation, bad JSON) or a usage error — never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence
from typing import TextIO

from intervene_rules.cli import (
    audit,
    bundle,
    catalogue,
    check,
    completion,
    diff,
    evaluate,
    fmt,
    init,
    log,
    review,
    scenarios,
    serve,
    test,
    timeline,
)


def _parser() -> argparse.ArgumentParser:
    from intervene_rules import __version__

    p = argparse.ArgumentParser(
        prog="intervene",
        description="What duty-to-intervene law and policy require of an observing officer. "
        "Decision support, not legal advice.",
    )
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    evaluate.add_parser(sub)
    catalogue.add_parsers(sub)
    check.add_parser(sub)
    diff.add_parser(sub)
    test.add_parser(sub)
    serve.add_parser(sub)
    bundle.add_parsers(sub)
    log.add_parser(sub)
    timeline.add_parser(sub)
    scenarios.add_parser(sub)
    review.add_parser(sub)
    fmt.add_parser(sub)
    init.add_parser(sub)
    completion.add_parser(sub)
    audit.add_parsers(sub)
    return p


def main(
    argv: Sequence[str] | None = None,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
    stdin: TextIO | None = None,
) -> int:
    """Run the command line; returns the exit code.

    Raises:
        SystemExit: with code 2 on a usage error (argparse prints why), 0 after `--version`.

    """
    out, err, stdin = out or sys.stdout, err or sys.stderr, stdin or sys.stdin
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "evaluate":
            return evaluate.run(args, out, err, stdin)
        if args.command == "schema":
            return catalogue.run_schema(args, out)
        if args.command == "list":
            return catalogue.run_list(args, out, err)
        if args.command == "check":
            return check.run(args, out, err)
        if args.command == "diff":
            return diff.run(args, out, err)
        if args.command == "serve":
            return serve.run(args, out, err)
        if args.command == "bundle":
            return bundle.run_bundle(args, out, err)
        if args.command == "verify-bundle":
            return bundle.run_verify(args, out, err)
        if args.command == "keygen":
            return bundle.run_keygen(args, out, err)
        if args.command == "log":
            return log.run(args, out, err)
        if args.command == "timeline":
            return timeline.run(args, out, err)
        if args.command == "scenarios":
            return scenarios.run(args, out, err)
        if args.command == "review":
            return review.run(args, out, err)
        if args.command == "fmt":
            return fmt.run(args, out, err)
        if args.command == "init":
            return init.run(args, out, err)
        if args.command == "completion":
            return completion.run(args, parser, out)
        if args.command == "audit":
            return audit.run(args, out, err)
        if args.command == "crosswalks":
            return audit.run_crosswalks(args, out, err)
        return test.run(args, out, err)
    except BrokenPipeError:  # `intervene list | head`: the reader left; not an error
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the exit flush
        return 0


__all__ = ["main"]
