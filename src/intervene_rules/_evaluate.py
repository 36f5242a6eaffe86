"""`evaluate()`: a situation and a ruleset in, a decision out. Pure and thread-safe."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

from pydantic import ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from intervene_rules.decision import Decision
from intervene_rules.errors import BackendUnavailableError
from intervene_rules.situation import Situation

if TYPE_CHECKING:
    from intervene_rules.ruleset.ruleset import Ruleset

Backend = Literal["native", "durable"]

DEFAULT_BACKEND: Backend = "native"
"""Chosen by measurement (README, "Backends"; docs, "How evaluation works"): the native
evaluator answers from the compiled decision table in about a microsecond, durable_rules
needs hundreds of microseconds per call and cannot be imported on Python 3.13+."""


MAX_SITUATION_BYTES = 1 << 20
"""The largest situation text accepted (1 MiB). A situation is a few hundred bytes; the cap
refuses a pathological input before the JSON reader builds it (three million unknown keys
took 3.7 GiB and as many error lines)."""


def _refused(code: str, message: str, shown: str) -> ValidationError:
    """A `ValidationError` of our own type: the contract's one error for a bad situation."""
    details: InitErrorDetails = {
        "type": PydanticCustomError(code, message),
        "loc": (),
        "input": shown,
    }
    return ValidationError.from_exception_data("Situation", [details])


def _too_large(text: str | bytes) -> ValidationError | None:
    size = len(text)
    if isinstance(text, str) and MAX_SITUATION_BYTES // 4 < size <= MAX_SITUATION_BYTES:
        size = len(text.encode("utf-8", "surrogatepass"))
    if size <= MAX_SITUATION_BYTES:
        return None
    return _refused(
        "situation_too_large",
        f"the situation text is larger than {MAX_SITUATION_BYTES} bytes (1 MiB), the most accepted",
        f"<{size:,} bytes>",
    )


def as_situation(
    ruleset: Ruleset, situation: Situation | Mapping[str, Any] | str | bytes
) -> Situation:
    """Validate a mapping or JSON text into a `Situation`, reading the ruleset's rank titles.

    Raises:
        pydantic.ValidationError: naming the field path and the allowed values, or
            (`situation_too_large`) text over `MAX_SITUATION_BYTES`, or
            (`situation_too_deep`) a mapping nested too deeply to be validated.

    """
    if isinstance(situation, Situation):
        return situation
    ctx = {"rank_aliases": ruleset.program.rank_aliases} if ruleset.program.rank_aliases else None
    if isinstance(situation, str | bytes):
        if (too_large := _too_large(situation)) is not None:
            raise too_large
        return Situation.model_validate_json(situation, context=ctx)
    try:
        return Situation.model_validate(situation, context=ctx)
    except RecursionError:  # printing a value nested ~1,000 deep (a JSON text is refused earlier)
        raise _refused(
            "situation_too_deep", "the situation nests too deeply to be validated", "<nested>"
        ) from None


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
        pydantic.ValidationError: the situation is invalid (names the field path).
        BackendUnavailableError: the backend is unknown or cannot run in this interpreter.
        EvaluationError: the backend failed.

    """
    s = as_situation(ruleset, situation)
    if ruleset.as_of is None:
        ruleset = ruleset.at(as_of or dt.date.today())
    elif as_of is not None and as_of != ruleset.as_of:
        ruleset = ruleset.undated().at(as_of)
    chosen = backend or DEFAULT_BACKEND
    if chosen == "native":
        return ruleset.table.decide(s)
    if chosen == "durable":
        from intervene_rules.engine.durable import durable_for
        from intervene_rules.engine.row import make_row

        ev = durable_for(ruleset.signature, ruleset.program)
        row = make_row(ruleset.program, s)
        return ruleset.table.from_firings(row, ev.fire(row))
    raise BackendUnavailableError(f"unknown backend {chosen!r}; use 'native' or 'durable'")
