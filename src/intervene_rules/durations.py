"""ISO-8601 durations (`PT24H`, `P5D`, `PT0S`): the one parser, pydantic's own.

Rulesets write report deadlines as ISO-8601 durations and decisions carry the text as
written; this module only checks the text and measures it (to order reports by deadline).
Pydantic's `timedelta` parsing reads a year as 365 days and a month as 30, as this library
always has. It also reads plain `HH:MM:SS` times, numbers of seconds, negative durations and
a trailing `T` (`P1DT`); those are not ISO-8601 durations a ruleset may write, so they are
refused here. Decimal fractions of the last unit (`PT1.5H`), which ISO-8601 allows, are
accepted.
"""

from __future__ import annotations

import datetime as dt

from pydantic import TypeAdapter, ValidationError

_TIMEDELTA = TypeAdapter(dt.timedelta)


def parse_iso_duration(text: str) -> dt.timedelta:
    """The length of an ISO-8601 duration such as `PT24H`.

    Raises:
        ValueError: `text` is not an ISO-8601 duration.

    """
    if not text.startswith("P") or text.endswith("T"):
        raise ValueError(f"{text!r} is not an ISO-8601 duration")
    try:
        return _TIMEDELTA.validate_strings(text)
    except ValidationError:
        raise ValueError(f"{text!r} is not an ISO-8601 duration") from None


def iso_seconds(duration: str | None) -> float:
    """Seconds in an ISO-8601 duration; None (no fixed clock) or an invalid text -> inf."""
    if duration is None:
        return float("inf")
    try:
        return parse_iso_duration(duration).total_seconds()
    except ValueError:
        return float("inf")


__all__ = ["iso_seconds", "parse_iso_duration"]
