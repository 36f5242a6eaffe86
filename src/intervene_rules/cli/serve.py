"""`intervene serve`: the HTTP service on uvicorn (needs the `[service]` extra).

Everything that can be wrong is found before the port opens: the rulesets are loaded,
pinned and compiled, and the decision log is opened, so a bad ruleset, a wrong pin or an
unwritable log is a located error and exit code 2, not a failing first request. The
socket is bound here (port 0 picks a free one) and the address printed on stderr as
`intervene serve: listening on http://HOST:PORT`, which is what scripts and tests wait for.

SIGTERM or SIGINT: the port closes, requests in flight finish (up to
`--graceful-timeout` seconds), the decision log is flushed and closed, then the process
exits 0.
"""

from __future__ import annotations

import argparse
import os
import signal
from typing import Any, TextIO

from intervene_rules.cli.render import fail, render_issues, use_colour
from intervene_rules.errors import InterveneRulesError, RulesetError

APP_FACTORY = "intervene_rules.service.app:app_from_env"


def add_parser(sub: Any) -> None:
    """Add the `serve` subcommand."""
    sv = sub.add_parser("serve", help="serve decisions over HTTP (needs the [service] extra)")
    sv.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    sv.add_argument("--port", type=int, default=8080, help="port (default 8080; 0: any free)")
    sv.add_argument(
        "--ruleset",
        action="append",
        default=[],
        metavar="ID|PATH",
        help="a ruleset to serve (repeat for several; default: every bundled ruleset)",
    )
    sv.add_argument(
        "--pin",
        action="append",
        default=[],
        metavar="[ID=]sha256:HEX",
        help="refuse to start unless the ruleset's digest is this one (repeatable)",
    )
    sv.add_argument(
        "--require-pin",
        action="store_true",
        help="refuse to start unless every ruleset served has a --pin",
    )
    sv.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    sv.add_argument("--decision-log", metavar="PATH", help="append every decision to this file")
    sv.add_argument(
        "--durability",
        choices=["group", "fsync", "none"],
        default="group",
        help="decision log: fsync every record, in groups (default), or never",
    )
    sv.add_argument(
        "--max-body", type=int, default=None, metavar="BYTES", help="largest single request body"
    )
    sv.add_argument(
        "--max-batch-body", type=int, default=None, metavar="BYTES", help="largest batch body"
    )
    sv.add_argument(
        "--body-timeout",
        type=float,
        default=None,
        metavar="S",
        help="refuse (408) a request body not received within S seconds (default 10)",
    )
    sv.add_argument(
        "--graceful-timeout",
        type=float,
        default=30.0,
        metavar="S",
        help="on shutdown, wait this long for requests in flight (default 30)",
    )
    sv.add_argument("--access-log", action="store_true", help="log every request on stderr")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run `intervene serve` until a signal stops it; returns the exit code."""
    try:
        import uvicorn

        from intervene_rules.service.app import create_app
        from intervene_rules.service.config import ServiceConfig
    except ImportError as exc:
        return fail(
            f"the HTTP service needs the [service] extra ({exc.name} is not installed): "
            "pip install 'intervene_rules[service]'",
            err,
            code=1,
        )
    if args.workers < 1:
        return fail("--workers must be at least 1", err)
    limits: dict[str, Any] = {}
    if args.max_body is not None:
        limits["max_body_bytes"] = args.max_body
    if args.body_timeout is not None:
        limits["body_timeout_s"] = args.body_timeout
    if args.max_batch_body is not None:
        limits["max_batch_bytes"] = args.max_batch_body
    try:
        config = ServiceConfig(
            rulesets=tuple(args.ruleset),
            pins=tuple(args.pin),
            require_pins=args.require_pin,
            decision_log=args.decision_log,
            durability=args.durability,
            **limits,
        )
    except ValueError as exc:
        return fail(str(exc), err)
    try:
        app = create_app(config)
        if config.decision_log is not None:  # unwritable: say so now, not at a request
            from intervene_rules.decision_log import DecisionLog

            DecisionLog(config.decision_log, durability=config.durability).close()
    except RulesetError as exc:
        print(render_issues(exc.issues, colour=use_colour(err, "auto")), file=err)
        return 2
    except (InterveneRulesError, ValueError, OSError) as exc:
        return fail(str(exc), err)
    os.environ.update({k: v for k, v in config.to_env().items() if k.startswith("INTERVENE_")})
    uv = uvicorn.Config(
        APP_FACTORY if args.workers > 1 else app,
        host=args.host,
        port=args.port,
        factory=args.workers > 1,
        workers=args.workers,
        access_log=args.access_log,
        log_level="info" if args.access_log else "warning",
        timeout_graceful_shutdown=args.graceful_timeout,
        server_header=False,
    )
    try:
        sock = uv.bind_socket()
    except SystemExit:  # uvicorn logs why (address in use) and exits 1
        return fail(f"cannot listen on {args.host}:{args.port}", err, code=1)
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    served = ", ".join(config.rulesets) or "every bundled ruleset"
    print(
        f"intervene serve: listening on http://{shown}:{port} ({served}; {args.workers} worker(s))",
        file=err,
        flush=True,
    )
    # uvicorn re-raises the signal that stopped it once it has shut down gracefully, to end
    # the process the signal's default way (killed by SIGTERM): a handler of our own makes
    # that re-raise a no-op, so a graceful stop ends as one (exit code 0)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: None)
    if args.workers > 1:
        from uvicorn.supervisors import Multiprocess

        Multiprocess(uv, sockets=[sock]).run()
    else:
        uvicorn.Server(uv).run(sockets=[sock])
    print("intervene serve: stopped", file=err, flush=True)
    return 0


__all__ = ["add_parser", "run"]
