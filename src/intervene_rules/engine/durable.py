"""The durable_rules evaluator: the same IR, emitted as a durable_rules ruleset (pure data).

durable_rules 2.0.28 has sharp edges (see the project's notes); this adapter is the only
code that touches it and guards every one:

- one fresh session per evaluation, deleted afterwards (past 1,024 live sessions every call
  fails with an empty `MemoryError`; past a few thousand the interpreter crashes);
- one lock per host around assert -> collect -> delete (the engine is not thread-safe), and
  the host's timer threads never started (they raced actions and crashed);
- a catch-all rule so every session fires (deleting a session that never fired crashed),
  and its absence from the firings is an error, never "no rule matched";
- every action disarms durable_rules' 10-second action clock: the engine compares naive
  *local wall-clock* times (`datetime.now()`) and, when more than 10 s seem to pass between
  starting an action and completing it, silently drops that action's successors. A clock
  step (NTP, a daylight-saving change) or a stall in the middle of one evaluation lost the
  rest of its rules (seen once in CI, caught by the catch-all check; reproduced in tests);
- only operators from a closed list are emitted (an unknown one such as `$ne` is accepted
  and never matches), and a ruleset over the engine's limits is refused up front;
- every backend exception becomes `EvaluationError(code="eval_backend_error")`.

The patterns themselves are pure data built in `durable_patterns.py`; this module is only
the guarded host. Facts are flat: conclusions are inlined (`inline.py`) and derived fields
are computed in Python, so every rule is a single-fact test.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import math
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from intervene_rules.engine.classes import ValueClasses
from intervene_rules.engine.durable_patterns import CATCH_ALL, build_definition, to_fact
from intervene_rules.engine.native import Firings
from intervene_rules.engine.row import Row
from intervene_rules.errors import BackendUnavailableError, EvaluationError
from intervene_rules.ruleset.ir import Program, Rule
from intervene_rules.ruleset.periods import PeriodView
from intervene_rules.vocabulary import Action


def _import_engine() -> tuple[Any, Any, Any]:
    if sys.version_info >= (3, 13):
        raise BackendUnavailableError(
            "the durable backend needs durable_rules 2.0.28, which cannot be imported on "
            f"Python {sys.version_info[0]}.{sys.version_info[1]} (it calls "
            "PyEval_CallObject, removed from the C API in 3.13); use backend='native'"
        )
    try:
        import durable_rules_engine
        from durable.engine import Host, MessageNotHandledException
    except ImportError as exc:
        raise BackendUnavailableError(
            "the durable backend needs durable_rules: pip install 'durable_rules==2.0.28' "
            f"(builds from source with a C compiler) - {exc}"
        ) from exc
    return Host, MessageNotHandledException, durable_rules_engine


class DurableEvaluator:
    """Fires a program's rules in durable_rules. Safe for any number of calls and threads."""

    def __init__(self, program: Program) -> None:
        host_cls, self._not_handled, self._engine = _import_engine()
        bodies, self._names = build_definition(program)
        self._strata = [f"p{i}" for i in range(len(bodies))]
        self._order = {r.id: i for i, r in enumerate(program.rules)}
        classes = ValueClasses.of(program)
        reps = {classes.duration_class(d): d for d in classes.durations() if d is not None}
        if any("e" in json.dumps(r) for r in reps.values()):
            raise EvaluationError(
                "a duration threshold is too small or too large for durable_rules' JSON reader",
                code="eval_backend_limit",
            )
        self._number: Callable[[float], float] = lambda x: reps[classes.duration_class(x)]
        self._lock = threading.Lock()
        self._sids = itertools.count()
        self._hits: list[str] = []
        hits = self._hits

        class _Host(host_cls):  # type: ignore[misc, valid-type]
            def _run(self) -> None:
                """Never start the timer threads (they race actions and crash the engine)."""

            def get_action(self, action_name: str) -> Any:
                def action(c: Any) -> None:
                    # Closure._has_completed() treats an action as timed out when
                    # _unix_now() - _start_time > 10; an infinite start never times out.
                    c._start_time = math.inf
                    hits.append(action_name)

                return action

        try:
            # a fresh dict: Host deletes the `run` keys of what it is given
            self._host = _Host(dict(zip(self._strata, bodies, strict=True)))
        except Exception as exc:
            raise EvaluationError(
                f"durable_rules refused the ruleset: {exc!r}", code="eval_backend_error"
            ) from exc

    def _assert(self, stratum: str, fact: dict[str, Any]) -> list[str]:
        sid = fact["sid"]
        self._hits.clear()
        try:
            state = self._host.assert_fact(stratum, fact)
            if isinstance(state, dict) and "exception" in state:
                raise EvaluationError(
                    f"a rule action failed inside durable_rules: {state['exception']}",
                    code="eval_backend_error",
                )
        except self._not_handled:
            pass  # nothing matched; the catch-all check below turns this into an error
        except EvaluationError:
            raise
        except MemoryError as exc:
            raise EvaluationError(
                "durable_rules raised an empty MemoryError: its live-session limit (1,024) "
                "was reached; sessions are deleted after each call, so this is a bug",
                code="eval_backend_error",
            ) from exc
        except Exception as exc:
            raise EvaluationError(
                f"durable_rules failed: {exc!r}", code="eval_backend_error"
            ) from exc
        finally:
            # 309 = no such session (the assert failed before creating it): nothing to free
            with contextlib.suppress(self._engine.error):
                self._host.delete_state(stratum, sid)
        hits = list(self._hits)
        if CATCH_ALL not in hits:
            raise EvaluationError(
                "durable_rules' catch-all rule did not fire: the engine lost this evaluation",
                code="eval_backend_error",
            )
        return hits

    def fire(self, row: Row) -> Firings:
        """The rules that fire for `row`, in the program's evaluation order.

        Raises:
            EvaluationError: the engine failed, or its catch-all rule did not fire.

        """
        fired: dict[str, Rule] = {}
        with self._lock:
            fact = to_fact(row, "", self._number)
            for stratum in self._strata:
                fact["sid"] = f"s{next(self._sids)}"
                for hit in self._assert(stratum, fact):
                    if hit != CATCH_ALL:
                        rule = self._names[hit]
                        fired[rule.id] = rule
                actions = [r.action for r in fired.values() if r.action is not None]
                fact["action"] = max(actions, default=Action.NONE).value
        return tuple(sorted(fired.values(), key=lambda r: self._order[r.id]))

    def close(self) -> None:
        """Free the engine's copies of the rulesets (durable_rules never frees them itself)."""
        with self._lock:
            for stratum in self._strata:
                try:
                    handle = self._host.get_ruleset(stratum)._handle
                    self._engine.delete_ruleset(handle)
                except Exception:
                    pass


_CACHE: OrderedDict[str, DurableEvaluator] = OrderedDict()
_CACHE_LOCK = threading.Lock()
MAX_HOSTS = 32


def durable_for(view: PeriodView) -> DurableEvaluator:
    """One host per view signature (what the view evaluates), created once and kept.

    Hosts are costly and durable_rules never frees them, so at most `MAX_HOSTS` are kept.
    """
    key = view.signature
    with _CACHE_LOCK:
        ev = _CACHE.get(key)
        if ev is not None:
            _CACHE.move_to_end(key)
            return ev
        ev = DurableEvaluator(view.program)
        _CACHE[key] = ev
        while len(_CACHE) > MAX_HOSTS:
            _, old = _CACHE.popitem(last=False)
            old.close()
        return ev
