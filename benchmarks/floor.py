"""FLOOR: federal-baseline.yaml written by hand as one plain-Python function.

Not generated from the IR: the force grid, the 10 s opportunity assumption and the five
stages are copied by hand from rulesets/federal-baseline.yaml. It is the cheapest honest
implementation of that logic on an already-validated `Situation`, and every other row of
the benchmark is reported as a multiple of it. If the YAML changes, this file must be
changed by hand too (run.py's cross-check will report the mismatches).
"""

from __future__ import annotations

from intervene_rules.situation import Situation
from intervene_rules.vocabulary import ForceType as F
from intervene_rules.vocabulary import Misconduct, Rank, Resistance

# force_grid.allows, copied from the YAML
_BASE = (F.NONE, F.VERBAL, F.SOFT_CONTROL)
_PASSIVE = (*_BASE, F.TAKEDOWN)
_ACTIVE = (*_PASSIVE, F.HARD_EMPTY_HAND, F.CHEMICAL_AGENT, F.CEW)
_AGGRESSION = (*_ACTIVE, F.IMPACT_WEAPON, F.K9, F.LESS_LETHAL_PROJECTILE, F.BODYWEIGHT_COMPRESSION)
_AGGRAVATED = (*_AGGRESSION, F.NECK_RESTRAINT, F.FIREARM)
ALLOWS = {
    Resistance.COMPLIANT: frozenset(_BASE),
    Resistance.PASSIVE_RESISTANCE: frozenset(_PASSIVE),
    Resistance.ACTIVE_RESISTANCE: frozenset(_ACTIVE),
    Resistance.ACTIVE_AGGRESSION: frozenset(_AGGRESSION),
    Resistance.AGGRAVATED_AGGRESSION: frozenset(_AGGRAVATED),
}

MIN_DURATION_S = 10  # opportunity.min_duration_s
_NOT_PHYSICAL = frozenset((F.NONE, F.VERBAL))  # force_no_longer_needed: type not_in [none, verbal]
# the rights_violation rules: unlawful_arrest_or_search, sexual_assault_of_person_in_custody,
# denial_of_medical_care_to_person_held (the prolonged-bodyweight rule only adds a citation)
_RIGHTS = frozenset(
    (
        Misconduct.UNLAWFUL_DETENTION,
        Misconduct.UNLAWFUL_SEARCH,
        Misconduct.SEXUAL_ASSAULT_IN_CUSTODY,
        Misconduct.DENIAL_OF_MEDICAL_CARE,
    )
)
_LEVEL = {r: i for i, r in enumerate(Rank)}  # the rank ladder, low to high

Result = tuple[str, tuple[str, ...], tuple[str, ...]]

_NONE: Result = ("none", (), ())
_AID: Result = ("none", ("render_aid",), ())
_ACK: Result = ("acknowledge", (), ())
_ACK_AID: Result = ("acknowledge", ("render_aid",), ())
_METHODS = ("direct", "delegate")


def decide(s: Situation) -> Result:
    """(action, duties, methods) federal-baseline requires; duties, methods in contract order."""
    force = s.force
    ftype = force.type
    # stage 1: see the problem (excessive_force, force_no_longer_needed, rights_violation)
    problem = (
        ftype not in ALLOWS[s.subject.resistance]
        or (ftype not in _NOT_PHYSICAL and not force.still_needed)
        or not _RIGHTS.isdisjoint(s.misconduct)
    )
    aid = s.subject.medical_distress  # stage 5: render_aid
    if not problem:
        return _AID if aid else _NONE
    # observer.has_opportunity: stated, else derived from the force's duration when there
    # is force; with no force an unstated opportunity is unknown: the rules run without one
    # (the decision adds a notice with the answer with one, not part of this tuple)
    observer = s.observer
    opportunity = observer.realistic_opportunity
    if opportunity is None:
        duration = force.duration_s
        opportunity = ftype is not F.NONE and duration is not None and duration >= MIN_DURATION_S
    # stage 2: determine action
    if not opportunity:
        return _ACK_AID if aid else _ACK
    # stages 3-5: action is intervene
    junior = _LEVEL[observer.rank] < _LEVEL[s.actor.rank]
    duties: tuple[str, ...]
    if aid:
        duties = (
            ("intervene", "render_aid", "request_supervisor")
            if junior
            else ("intervene", "render_aid")
        )
    else:
        duties = ("intervene", "request_supervisor") if junior else ("intervene",)
    return ("intervene", duties, _METHODS)
