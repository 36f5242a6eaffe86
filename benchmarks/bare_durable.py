"""BARE: federal-baseline.yaml hand-written as a durable_rules 2.0.28 data ruleset.

What a careful developer would write directly against durable_rules, with the safe driving
pattern of /work/shared/notes/durable-rules.md section 2: a `Host` subclass with `_run`
overridden (no timer threads), `get_action` returning an appender, a fresh sid and
`delete_state` per call, a catch-all rule, one lock around assert -> collect -> delete.

One rule (action name) per conclusion: action=intervene, action=acknowledge, duty=intervene,
methods=direct+delegate, duty=request_supervisor, duty=render_aid (+ the catch-all).
The fact is the situation as a nested dict (`force.type`, `observer.realistic_opportunity`,
...). The force grid, the 10 s opportunity derivation and the stage-1 facts are durable
conditions. The engine sees one fact once, so a stage-3/4 rule cannot read the action a
stage-2 rule concluded: each such rule repeats the condition that makes the action
intervene (the alternative, a second assertion with the action, costs a second session).

Precomputed in Python (durable cannot express it): only each rank's position on the rank
ladder (`actor.level`, `observer.level`), because durable compares strings
alphabetically and has no custom order; `observer.level < actor.level` is then a durable
same-fact comparison (`$m`). Everything else is evaluated by the engine.

Each conclusion is six durable rules sharing one action name, one per group of force types
(PROBLEM), because one pattern holds at most 31 expressions (durable's
MAX_SEQUENCE_EXPRESSIONS, error 113, as the project's adapter documents), so the whole grid
does not fit one pattern, and `any` with several nested alternatives loses matches in 2.0.28
(see `_rules`). The groups are disjoint and every `$or` has exclusive branches, so each
conclusion fires at most once per evaluation.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import threading
from typing import Any

import durable_rules_engine
from durable.engine import Host, MessageNotHandledException

from intervene_rules.situation import Situation
from intervene_rules.vocabulary import Rank

RULESET = "federal_baseline"
CATCH_ALL = "~seen"
_LEVEL = {r: i for i, r in enumerate(Rank)}

Result = tuple[str, tuple[str, ...], tuple[str, ...]]

# --- conditions (pure data) --------------------------------------------------------------

CASE = {"kind": "case"}  # positive first test of every pattern (notes T6)


def one_of(path: str, values: list[str]) -> dict[str, Any]:
    """`path` equals one of `values` (durable has no `$in`)."""
    if len(values) == 1:
        return {path: values[0]}
    return {"$or": [{path: v} for v in values]}


# stage 1 pieces
NOT_NEEDED = {"force.still_needed": False}  # with a physical force type: force_no_longer_needed
RIGHTS_VIOLATION = {
    "$iany": {
        "misconduct": {
            "$or": [
                {"$i": "unlawful_detention"},
                {"$i": "unlawful_search"},
                {"$i": "sexual_assault_in_custody"},
                {"$i": "denial_of_medical_care"},
            ]
        }
    }
}

# observer.has_opportunity: stated, else force (type not none) lasted >= 10 s (null
# duration: no opportunity; `$gte`/`$lt` never match a null, and null equals null); with no
# force an unstated opportunity is unknown and the rules run without one
OPPORTUNITY = {
    "$or": [
        {"observer.realistic_opportunity": True},
        {
            "$and": [
                {"observer.realistic_opportunity": None},
                {"$neq": {"force.type": "none"}},
                {"$gte": {"force.duration_s": 10}},
            ]
        },
    ]
}
NO_OPPORTUNITY = {
    "$or": [
        {"observer.realistic_opportunity": False},
        {"$and": [{"observer.realistic_opportunity": None}, {"force.type": "none"}]},
        {
            "$and": [
                {"observer.realistic_opportunity": None},
                {"$neq": {"force.type": "none"}},
                {"$or": [{"force.duration_s": None}, {"$lt": {"force.duration_s": 10}}]},
            ]
        },
    ]
}

JUNIOR = {"$lt": {"observer.level": {"$m": "actor.level"}}}

# Stage 1, "there is a problem" (excessive_force or force_no_longer_needed or
# rights_violation), one alternative per group of force types. The branches of every `$or`
# are mutually exclusive, because durable fires a pattern once per true branch of an `$or`
# and every firing costs a Python call and a JSON round trip; this way each conclusion fires
# at most once. The force grid of the YAML is written transposed: per group of force types,
# the resistance levels at which the grid does not allow it.
STILL_NEEDED = {"force.still_needed": True}
# physical force within the grid: force_no_longer_needed, or else a rights violation
NOT_NEEDED_OR_RIGHTS = {"$or": [NOT_NEEDED, {"$and": [STILL_NEEDED, RIGHTS_VIOLATION]}]}
PROBLEM: list[list[dict[str, Any]]] = [
    # none, verbal: allowed at every level and not physical force -> only a rights violation
    [one_of("force.type", ["none", "verbal"]), RIGHTS_VIOLATION],
    # soft_control: allowed at every level
    [{"force.type": "soft_control"}, NOT_NEEDED_OR_RIGHTS],
    # takedown: beyond the grid against a compliant subject
    [
        {"force.type": "takedown"},
        {
            "$or": [
                {"subject.resistance": "compliant"},
                {"$and": [{"$neq": {"subject.resistance": "compliant"}}, NOT_NEEDED_OR_RIGHTS]},
            ]
        },
    ],
    # hard_empty_hand, chemical_agent, cew: beyond the grid below active_resistance
    [
        one_of("force.type", ["hard_empty_hand", "chemical_agent", "cew"]),
        {
            "$or": [
                one_of("subject.resistance", ["compliant", "passive_resistance"]),
                {
                    "$and": [
                        one_of(
                            "subject.resistance",
                            ["active_resistance", "active_aggression", "aggravated_aggression"],
                        ),
                        NOT_NEEDED_OR_RIGHTS,
                    ]
                },
            ]
        },
    ],
    # impact_weapon, k9, less_lethal_projectile, bodyweight_compression: below active_aggression
    [
        one_of(
            "force.type",
            ["impact_weapon", "k9", "less_lethal_projectile", "bodyweight_compression"],
        ),
        {
            "$or": [
                one_of(
                    "subject.resistance",
                    ["compliant", "passive_resistance", "active_resistance"],
                ),
                {
                    "$and": [
                        one_of(
                            "subject.resistance", ["active_aggression", "aggravated_aggression"]
                        ),
                        NOT_NEEDED_OR_RIGHTS,
                    ]
                },
            ]
        },
    ],
    # neck_restraint, firearm: allowed only against aggravated_aggression
    [
        one_of("force.type", ["neck_restraint", "firearm"]),
        {
            "$or": [
                {"$neq": {"subject.resistance": "aggravated_aggression"}},
                {"$and": [{"subject.resistance": "aggravated_aggression"}, NOT_NEEDED_OR_RIGHTS]},
            ]
        },
    ],
]


def _rules(conclusion: str, *extra: dict[str, Any]) -> dict[str, Any]:
    """The rules for one conclusion: one per alternative of PROBLEM, all running `conclusion`.

    Not one rule with `any` of the alternatives: in durable_rules 2.0.28 an `any`
    alternative other than the first that nests `$and`/`$or` never matches (measured:
    `{"any": [{"m0": {"$and": [K, {"a": 7}]}}, {"m1": {"$and": [K, {"$or": [{"b": 2},
    {"b": 5}]}]}}]}` does not fire for `{"a": 1, "b": 2}`; with the alternatives swapped, or
    as two rules, it does). Separate rules sharing one action name have no such problem.
    """
    return {
        f"{conclusion}#{i}": {"all": [{"m": {"$and": [CASE, *problem, *extra]}}], "run": conclusion}
        for i, problem in enumerate(PROBLEM)
    }


def ruleset() -> dict[str, Any]:
    """A NEW definition each call (Host deletes the `run` keys of the dict it is given)."""
    return {
        # stage 2
        **_rules("action_intervene", OPPORTUNITY),
        **_rules("action_acknowledge", NO_OPPORTUNITY),
        # stage 3: action >= intervene
        **_rules("duty_intervene", OPPORTUNITY),
        # stage 4: action >= intervene
        **_rules("methods_direct_delegate", OPPORTUNITY),
        # stage 4: action >= intervene and the observer is junior to the actor
        **_rules("duty_request_supervisor", OPPORTUNITY, JUNIOR),
        # stage 5
        "duty_render_aid": {
            "all": [{"m": {"$and": [CASE, {"subject.medical_distress": True}]}}],
            "run": "duty_render_aid",
        },
        CATCH_ALL: {"all": [{"m": CASE}], "run": CATCH_ALL},
    }


# --- the section-2 wrapper -------------------------------------------------------------


class BareDurable(Host):  # type: ignore[misc]
    """Evaluates one situation at a time; returns (action, duties, methods) like the floor."""

    def __init__(self) -> None:
        self._gate = threading.Lock()
        self._next = itertools.count()
        self._hits: list[str] = []
        super().__init__({RULESET: ruleset()})

    def _run(self) -> None:
        """Never start the timer threads."""

    def get_action(self, action_name: str) -> Any:
        def action(c: Any) -> None:
            c._start_time = math.inf  # durable_rules' wall-clock action timeout (durable.py)
            self._hits.append(action_name)

        return action

    @staticmethod
    def fact(s: Situation) -> dict[str, Any]:
        """The situation as a nested JSON fact (plus the ranks' ladder positions)."""
        o, f, sub = s.observer, s.force, s.subject
        return {
            "kind": "case",
            "actor": {"rank": s.actor.rank.value, "level": _LEVEL[s.actor.rank]},
            "observer": {
                "rank": o.rank.value,
                "level": _LEVEL[o.rank],
                "realistic_opportunity": o.realistic_opportunity,
                "prior_intervention": o.prior_intervention.value,
            },
            "force": {
                "type": f.type.value,
                "still_needed": f.still_needed,
                "duration_s": f.duration_s,
            },
            "subject": {
                "resistance": sub.resistance.value,
                "restrained": sub.restrained,
                "medical_distress": sub.medical_distress,
            },
            "misconduct": [m.value for m in s.misconduct],
        }

    def fire(self, s: Situation) -> list[str]:
        """Names of the rules that fired (the catch-all excluded)."""
        fact = self.fact(s)
        with self._gate:
            sid = f"c{next(self._next)}"
            fact["sid"] = sid
            self._hits = []
            try:
                state = self.assert_fact(RULESET, fact)
                if state and "exception" in state:
                    raise RuntimeError(state["exception"])
            except MessageNotHandledException:
                pass
            finally:
                with contextlib.suppress(durable_rules_engine.error):  # 309: no such session
                    self.delete_state(RULESET, sid)
            hits = self._hits
        if CATCH_ALL not in hits:
            raise RuntimeError("catch-all rule did not fire: the engine lost this evaluation")
        return hits

    def decide(self, s: Situation) -> Result:
        """(action, duties, methods), duties and methods in contract order."""
        hits = self.fire(s)
        if "action_intervene" in hits:
            action = "intervene"
        elif "action_acknowledge" in hits:
            action = "acknowledge"
        else:
            action = "none"
        duties = tuple(
            d
            for d, rule in (
                ("intervene", "duty_intervene"),
                ("render_aid", "duty_render_aid"),
                ("request_supervisor", "duty_request_supervisor"),
            )
            if rule in hits
        )
        methods = ("direct", "delegate") if "methods_direct_delegate" in hits else ()
        return action, duties, methods

    def close(self) -> None:
        """Free the engine's copy of the ruleset (durable never frees it itself, notes T4)."""
        durable_rules_engine.delete_ruleset(self.get_ruleset(RULESET)._handle)
