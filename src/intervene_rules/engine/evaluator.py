"""What every evaluator is: a function from a row to the rules that fired, in order.

Evaluators never build decisions: `merge.build_decision` does, once, for every backend, so
backends can only differ in which rules they say fired (and the tests compare exactly
that). Which backend to use is chosen here, by name, in one place.
"""

from __future__ import annotations

from typing import Literal, Protocol

from intervene_rules.engine.row import Row
from intervene_rules.errors import BackendUnavailableError
from intervene_rules.ruleset.ir import Rule
from intervene_rules.ruleset.periods import PeriodView

Firings = tuple[Rule, ...]
Backend = Literal["native", "durable"]
BACKENDS: tuple[Backend, ...] = ("native", "durable")


class Evaluator(Protocol):
    """Fires a compiled program's rules for one row."""

    def fire(self, row: Row) -> Firings:
        """The rules that fire for `row`, in the program's evaluation order."""
        ...


def evaluator_for(backend: str, view: PeriodView) -> Evaluator:
    """The evaluator of `backend` for the program of `view`.

    Native evaluators are cheap and built per call (evaluation uses the one in the view's
    engine); durable_rules hosts are costly and kept per view signature
    (see `durable.durable_for`).

    Raises:
        BackendUnavailableError: the backend is unknown or cannot run in this interpreter.

    """
    if backend == "native":
        from intervene_rules.engine.native import NativeEvaluator

        return NativeEvaluator(view.program)
    if backend == "durable":
        from intervene_rules.engine.durable import durable_for

        return durable_for(view)
    raise BackendUnavailableError(f"unknown backend {backend!r}; use one of: {', '.join(BACKENDS)}")
