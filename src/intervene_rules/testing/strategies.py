"""Hypothesis strategies for your own tests: situations, partial ones, timelines, classes.

Derived from the field table (`intervene_rules.fields`), so a field added to the contract
is drawn without an edit here. Needs Hypothesis (`pip install hypothesis`, or the `dev`
extra)::

    from hypothesis import given
    from intervene_rules import Action, ForceType, evaluate, load_ruleset
    from intervene_rules.testing.strategies import situations

    RULES = load_ruleset("model-policy")

    @given(situations(force_no_longer_needed=True, fixed={
        "force.type": ForceType.BODYWEIGHT_COMPRESSION,
        "observer.realistic_opportunity": True, "subject.restrained": True}))
    def test_force_after_control_needs_action(s):
        assert evaluate(RULES, s).action >= Action.INTERVENE

`situations(ruleset=rs, by_class=True)` draws one representative per value class of the
ruleset (numbers at and between its thresholds, one kind of misconduct per block the rules
tell apart), which finds boundaries far sooner than uniform numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

try:
    from hypothesis import strategies as st
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "intervene_rules.testing.strategies needs Hypothesis: pip install hypothesis "
        "(or the `dev` extra of intervene_rules)"
    ) from exc

from intervene_rules.fields import SITUATION_FIELDS, FieldSpec, nest
from intervene_rules.partial import PartialSituation
from intervene_rules.situation import Situation
from intervene_rules.vocabulary import ForceType, Misconduct, Rank, Resistance

if TYPE_CHECKING:
    from intervene_rules.ruleset.ruleset import Ruleset
    from intervene_rules.timeline.model import Timeline

_FIELDS = {f.name: f for f in SITUATION_FIELDS}

DURATIONS = st.one_of(
    st.none(),
    st.sampled_from([0.0, 5.0, 9.999, 10.0, 10.001, 30.0, 60.0, 240.0]),
    st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False),
)
"""Durations: unknown, values around common thresholds, and any finite number."""


def _plain(value: Any) -> Any:
    if isinstance(value, tuple | list | frozenset):
        return [_plain(v) for v in value]
    return getattr(value, "value", value)


def _values(spec: FieldSpec, classes: Any | None) -> st.SearchStrategy[Any]:
    if spec.kind == "number":
        if classes is not None:
            return st.sampled_from(classes.durations())
        return DURATIONS
    if spec.kind == "set":
        assert spec.enum is not None
        if classes is not None:  # one item per block: every class of the set
            blocks = classes.misconduct_blocks
            return st.lists(st.sampled_from(blocks), unique=True).map(
                lambda chosen: [b[0] for b in chosen]
            )
        return st.lists(st.sampled_from(list(spec.enum)), max_size=4)
    return st.sampled_from(spec.domain)


def _nest(flat: Mapping[str, Any]) -> dict[str, Any]:
    return nest({name: _plain(value) for name, value in flat.items()})


def situations(
    *,
    fixed: Mapping[str, Any] | None = None,
    force_no_longer_needed: bool = False,
    ruleset: Ruleset | None = None,
    by_class: bool = False,
) -> st.SearchStrategy[Situation]:
    """Valid situations.

    Args:
        fixed: field name -> value held fixed (e.g. `{"subject.restrained": True}`).
        force_no_longer_needed: force is used (not `none`) and no longer needed.
        ruleset: with `by_class`, draw numbers and misconduct by this ruleset's value
            classes (its law of today; `ruleset.at(day)` for another day).
        by_class: see `ruleset`.

    Raises:
        KeyError: `fixed` names a field that does not exist.

    """
    fixed = dict(fixed or {})
    for name in fixed:
        if name not in _FIELDS:
            raise KeyError(f"no field {name!r}; fields: {', '.join(_FIELDS)}")
    classes = None
    if by_class:
        if ruleset is None:
            raise ValueError("by_class needs the ruleset whose classes to draw")
        import datetime as dt

        from intervene_rules.engine.table import engine_for

        classes = engine_for(ruleset.period(ruleset.as_of or dt.date.today())).classes

    @st.composite
    def draw(d: st.DrawFn) -> Situation:
        flat: dict[str, Any] = {}
        for spec in SITUATION_FIELDS:
            if spec.name in fixed:
                flat[spec.name] = fixed[spec.name]
            elif force_no_longer_needed and spec.name == "force.type":
                flat[spec.name] = d(
                    st.sampled_from([f for f in ForceType if f is not ForceType.NONE])
                )
            elif force_no_longer_needed and spec.name == "force.still_needed":
                flat[spec.name] = False
            else:
                flat[spec.name] = d(_values(spec, classes))
        return Situation.model_validate(_nest(flat))

    return draw()


def partial_situations(
    *, max_unknown: int = 3, fixed: Mapping[str, Any] | None = None
) -> st.SearchStrategy[PartialSituation]:
    """Situations with up to `max_unknown` fields unknown (left out), for `evaluate_partial`."""
    names = [s.name for s in SITUATION_FIELDS if s.name not in (fixed or {})]

    @st.composite
    def draw(d: st.DrawFn) -> PartialSituation:
        s = d(situations(fixed=fixed))
        unknown = set(d(st.lists(st.sampled_from(names), max_size=max_unknown, unique=True)))
        flat = {spec.name: spec.get(s) for spec in SITUATION_FIELDS if spec.name not in unknown}
        # in a partial situation a null is unknown too: the known ones get a value
        for name, value in flat.items():
            if value is None:
                kind = _FIELDS[name].kind
                flat[name] = d(st.booleans() if kind == "tribool" else DURATIONS.filter(bool))
        return PartialSituation.model_validate(_nest(flat))

    return draw()


def timelines(*, officers: int = 3, max_events: int = 12) -> st.SearchStrategy[Timeline]:
    """Valid incident timelines: force that starts, changes and stops among other events."""
    from intervene_rules.timeline.model import Timeline

    ids = [chr(ord("A") + i) for i in range(max(2, officers))]

    @st.composite
    def draw(d: st.DrawFn) -> Timeline:
        at = 0.0
        events: list[dict[str, Any]] = []
        using: set[str] = set()
        for _ in range(d(st.integers(1, max_events))):
            at += d(st.sampled_from([0.0, 1.0, 2.5, 5.0, 9.0, 10.0, 30.0, 61.0]))
            who = d(st.sampled_from(ids))
            kind = d(st.sampled_from(["force", "restrain", "resistance", "distress", "verbal"]))
            if kind == "force" and who in using:
                if d(st.booleans()):
                    events.append({"at": at, "kind": "force_stopped", "officer": who})
                    using.discard(who)
                else:
                    events.append(
                        {
                            "at": at,
                            "kind": "force_changed",
                            "officer": who,
                            "still_needed": d(st.booleans()),
                        }
                    )
            elif kind == "force":
                force = d(st.sampled_from([f for f in ForceType if f is not ForceType.NONE]))
                events.append(
                    {"at": at, "kind": "force_started", "officer": who, "type": force.value}
                )
                using.add(who)
            elif kind == "restrain":
                events.append({"at": at, "kind": "subject_restrained"})
            elif kind == "resistance":
                r = d(st.sampled_from(list(Resistance)))
                events.append({"at": at, "kind": "resistance_changed", "resistance": r.value})
            elif kind == "distress":
                events.append({"at": at, "kind": "medical_distress"})
            elif using - {who}:
                outcome = d(st.sampled_from(["ignored", "heeded"]))
                events.append(
                    {"at": at, "kind": "verbal_intervention", "officer": who, "outcome": outcome}
                )
            else:
                kinds = d(st.lists(st.sampled_from(list(Misconduct)), min_size=1, max_size=2))
                events.append(
                    {"at": at, "kind": "misconduct", "officer": who, "kinds": _plain(kinds)}
                )
        ranks = [d(st.sampled_from(list(Rank))) for _ in ids]
        return Timeline.model_validate(
            {
                "incident": "generated",
                "date": "2024-06-01",
                "officers": [{"id": i, "rank": r.value} for i, r in zip(ids, ranks, strict=True)],
                "events": events,
            }
        )

    return draw()


__all__ = ["DURATIONS", "partial_situations", "situations", "timelines"]
