"""`evaluate()`: a situation and a ruleset in, a decision out. Pure and thread-safe."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal

from pydantic import ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from intervene_rules.decision import Decision
from intervene_rules.ruleset.ruleset import Ruleset
from intervene_rules.situation import (
    TITLES_USED,
    Situation,
    refused,
    too_large,
    with_rank_titles,
)

if TYPE_CHECKING:
    from intervene_rules.engine.table import Engine
    from intervene_rules.ruleset.periods import PeriodView

Backend = Literal["native", "durable"]

DEFAULT_BACKEND: Backend = "native"
"""Chosen by measurement (README, "Backends"; docs, "How evaluation works"): the native
evaluator answers from the compiled decision table in about a microsecond, durable_rules
needs hundreds of microseconds per call and cannot be imported on Python 3.13+."""


def as_situation(
    ruleset: Ruleset, situation: Situation | Mapping[str, Any] | str | bytes
) -> Situation:
    """Validate a mapping or JSON text into a `Situation`, reading the ruleset's rank titles.

    Raises:
        pydantic.ValidationError: naming the field path and the allowed values, or
            (`situation_too_large`) text over `MAX_SITUATION_BYTES`, or
            (`situation_too_deep`) a mapping nested too deeply to be validated.

    """
    return _validated(ruleset.program.rank_aliases, situation)


def _validated(
    aliases: Mapping[str, Any], situation: Situation | Mapping[str, Any] | str | bytes
) -> Situation:
    """`as_situation` with the rank titles in use (those of a dated view)."""
    if isinstance(situation, Situation):
        return situation
    # the titles used are kept with the situation: the decision cites their sources
    used: list[tuple[str, str]] = []
    ctx = {"rank_aliases": aliases, TITLES_USED: used} if aliases else None
    try:
        if isinstance(situation, str | bytes):
            if (big := too_large(situation)) is not None:
                raise big
            s = Situation.model_validate_json(situation, context=ctx)
        else:
            s = Situation.model_validate(situation, context=ctx)
        return with_rank_titles(s, used) if aliases else s
    except ValidationError as exc:
        raise _pointed(exc) from None
    except RecursionError:  # printing a value nested ~1,000 deep (a JSON text is refused earlier)
        raise refused(
            "situation_too_deep", "the situation nests too deeply to be validated", "<nested>"
        ) from None


PARTIAL_HINT = (
    "a complete situation holds every fact; for one with unknown facts (omitted or null) use "
    "evaluate_partial(), which gives the range of decisions over every completion"
)


def _pointed(exc: ValidationError) -> ValidationError:
    """`exc`, each message pointing to `evaluate_partial` when the facts are only missing.

    The error types and locations stay (`missing` is still `missing`); only when every
    error is a missing field or a null is the situation taken for a partial one.
    """
    from intervene_rules.partial import partial_error

    if not partial_error(exc):
        return exc
    details: list[InitErrorDetails] = [
        {
            "type": PydanticCustomError(
                e["type"], "{msg}: {hint}", {"msg": e["msg"], "hint": PARTIAL_HINT}
            ),
            "loc": e["loc"],
            "input": e.get("input"),
        }
        for e in exc.errors(include_url=False)
    ]
    return ValidationError.from_exception_data(exc.title, details)


class _Today:
    """Today's local date, read from the clock only when a day may have passed."""

    def __init__(self) -> None:
        self.day = dt.date.min
        self.until = 0.0

    def __call__(self) -> dt.date:
        now = time.time()
        if now >= self.until:
            self.day = dt.date.today()
            midnight = dt.datetime.combine(self.day + dt.timedelta(days=1), dt.time())
            # a clock set back must not keep a date from the future: re-read within a minute
            self.until = min(midnight.timestamp(), now + 60.0)
        return self.day


today = _Today()


def _first_engine(view: PeriodView) -> Engine:
    # the engine (generated code, tables) is imported on the first evaluation, which keeps
    # `import intervene_rules` light; then `_engine_for` is the registry's own function
    global _engine_for
    from intervene_rules.engine.table import engine_for

    _engine_for = engine_for
    return engine_for(view)


_engine_for: Callable[[PeriodView], Engine] = _first_engine


def _check(ruleset: object, as_of: object) -> None:
    if not isinstance(ruleset, Ruleset):
        if isinstance(ruleset, str):
            raise TypeError(
                f"evaluate() takes a loaded Ruleset, not the id {ruleset!r}: "
                f"call load_ruleset({ruleset!r}) once and pass what it returns"
            )
        raise TypeError(
            f"evaluate() takes a Ruleset from load_ruleset(), not {type(ruleset).__name__}"
        )
    if as_of is not None and type(as_of) is not dt.date:
        if isinstance(as_of, dt.datetime):
            raise TypeError(
                "as_of must be a datetime.date, not a datetime: pass as_of.date() (the law in "
                "force is decided by the day; the time of day and time zone are yours to apply)"
            )
        if not isinstance(as_of, dt.date):
            raise TypeError(
                f"as_of must be a datetime.date (or None for today), not "
                f"{type(as_of).__name__} {as_of!r}"
            )


def evaluate(
    ruleset: Ruleset,
    situation: Situation | Mapping[str, Any] | str | bytes,
    *,
    backend: Backend | None = None,
    as_of: dt.date | None = None,
) -> Decision:
    """Decide what `ruleset` requires of the observer in `situation`.

    Args:
        ruleset: from `load_ruleset`.
        situation: a `Situation`, a plain mapping, or JSON text of one.
        backend: "native" (default) or "durable"; both give identical decisions.
        as_of: apply the law and policy in force on this date (the incident date for a
            review); default today. Sources not in force then are never cited, and rules
            resting only on them do not fire. The decision states the date applied.

    Raises:
        TypeError: `ruleset` is not a `Ruleset` (an id: call `load_ruleset` first), or
            `as_of` is not a `datetime.date` (a `datetime` is refused: pass its `.date()`).
        pydantic.ValidationError: the situation is invalid (names the field path).
        BackendUnavailableError: the backend is unknown or cannot run in this interpreter.
        EvaluationError: the backend failed.

    """
    if type(ruleset) is not Ruleset or (as_of is not None and type(as_of) is not dt.date):
        _check(ruleset, as_of)
    day = as_of or ruleset.as_of or today()
    view = ruleset.period(day)
    # the rank titles in use on `day` (a title with sources is in use while one of them is)
    s = (
        situation
        if type(situation) is Situation
        else _validated(view.program.rank_aliases, situation)
    )
    engine = _engine_for(view)
    if backend is None or backend == "native":
        d = engine.decide(s, day)  # the native evaluator through the decision table
    else:
        from intervene_rules.engine.evaluator import evaluator_for

        d = engine.decide_by(evaluator_for(backend, view), s, day)
    if s.__pydantic_private__:  # rank titles were used (`situation.rank_titles`)
        from intervene_rules.engine.merge import cite_rank_titles

        return cite_rank_titles(view, d, s)
    return d
