"""Option types shared by the subcommands: the date form and the colour choice."""

from __future__ import annotations

import argparse
import datetime as dt
import re

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


def add_colour_option(parser: argparse.ArgumentParser) -> None:
    """`--color`: how issues are printed (never coloured when NO_COLOR is set)."""
    parser.add_argument(
        "--color",
        choices=["auto", "always", "never"],
        default="auto",
        help="colour the issues (auto: when printed to a terminal; never when NO_COLOR is set)",
    )


__all__ = ["add_colour_option", "date_or_all", "iso_date"]
