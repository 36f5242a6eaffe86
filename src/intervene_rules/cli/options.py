"""Option types shared by the subcommands: the date form and the colour choice."""

from __future__ import annotations

import argparse
import datetime as dt
import re
from typing import Literal

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def iso_date(text: str) -> dt.date:
    """A calendar date written `YYYY-MM-DD`, and only so.

    `date.fromisoformat` alone also takes `2026-W01-1` and `20260101` (Python 3.11), which
    the help does not promise and a reader of a review would not expect.
    """
    if _DATE.fullmatch(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    raise argparse.ArgumentTypeError(f"{text!r} is not a date written YYYY-MM-DD")


def date_or_all(text: str) -> str:
    """A `YYYY-MM-DD` date, or `all` (every date where the law changes)."""
    if text != "all":
        try:
            iso_date(text)
        except argparse.ArgumentTypeError:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not a date written YYYY-MM-DD, or 'all'"
            ) from None
    return text


Limit = int | float | Literal["none"] | None
"""A budget option as parsed: a number, `none` (no limit), or None (not given: the default)."""


def _limit(kind: type[float] | type[int], text: str) -> Limit:
    if text == "none":
        return "none"
    try:
        value = kind(text)
    except ValueError:
        value = 0
    if not value > 0 or value != value or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number, or 'none'")
    return value


def add_budget_options(parser: argparse.ArgumentParser) -> None:
    """`--max-points`, `--max-seconds`: the analysis budget (`analysis_too_large` names them).

    The defaults are the analysis's own (`budget` reads them), so that building the parser
    does not import the analysis.
    """
    parser.add_argument(
        "--max-points",
        type=lambda text: _limit(int, text),
        default=None,
        metavar="N",
        help="refuse a reduced input space of more than N situations (default 5,000,000; "
        "'none': no limit)",
    )
    parser.add_argument(
        "--max-seconds",
        type=lambda text: _limit(float, text),
        default=None,
        metavar="S",
        help="refuse an analysis expected to take more than S seconds (default 30; 'none': "
        "no limit)",
    )


def budget(args: argparse.Namespace) -> tuple[int | None, float | None]:
    """`(max_points, max_seconds)` for the analysis from the parsed budget options."""
    from intervene_rules.analysis.sweep import DEFAULT_MAX_POINTS, DEFAULT_MAX_SECONDS

    def pick(given: Limit, default: float) -> float | None:
        if given is None:
            return default
        return None if given == "none" else given

    points = pick(args.max_points, DEFAULT_MAX_POINTS)
    return (None if points is None else int(points)), pick(args.max_seconds, DEFAULT_MAX_SECONDS)


def jobs(text: str) -> int:
    """`--jobs N`: a positive whole number of processes."""
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return n


def add_colour_option(parser: argparse.ArgumentParser) -> None:
    """`--color`: how issues are printed (never coloured when NO_COLOR is set)."""
    parser.add_argument(
        "--color",
        choices=["auto", "always", "never"],
        default="auto",
        help="colour the issues (auto: when printed to a terminal; never when NO_COLOR is set)",
    )


__all__ = [
    "Limit",
    "add_budget_options",
    "add_colour_option",
    "budget",
    "date_or_all",
    "iso_date",
    "jobs",
]
