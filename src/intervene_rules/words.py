"""Plain words for the contract's codes: what a trainer or a reviewer reads instead of `cew`.

One home for the wording of a field's value, an action and a duration, so a range, a change
and an explanation say the same thing the same way. A test holds every enum member to a
phrase (no raw code leaks through).
"""

from __future__ import annotations

import re
from typing import Any

from intervene_rules.durations import iso_seconds
from intervene_rules.vocabulary import (
    Action,
    Duty,
    ForceType,
    Misconduct,
    PriorIntervention,
    Rank,
    Resistance,
)

FORCE: dict[ForceType, str] = {
    ForceType.NONE: "no force",
    ForceType.VERBAL: "verbal commands",
    ForceType.SOFT_CONTROL: "soft empty-hand control",
    ForceType.TAKEDOWN: "a takedown",
    ForceType.HARD_EMPTY_HAND: "strikes with the hands or feet",
    ForceType.CHEMICAL_AGENT: "a chemical agent (such as pepper spray)",
    ForceType.CEW: "a Taser (conducted energy weapon)",
    ForceType.IMPACT_WEAPON: "an impact weapon (such as a baton)",
    ForceType.K9: "a police dog",
    ForceType.LESS_LETHAL_PROJECTILE: "a less-lethal projectile",
    ForceType.NECK_RESTRAINT: "a neck restraint or chokehold",
    ForceType.BODYWEIGHT_COMPRESSION: "body weight on the subject (compression)",
    ForceType.FIREARM: "a firearm",
}

RESISTANCE: dict[Resistance, str] = {
    Resistance.COMPLIANT: "compliant",
    Resistance.PASSIVE_RESISTANCE: "resisting passively",
    Resistance.ACTIVE_RESISTANCE: "resisting actively",
    Resistance.ACTIVE_AGGRESSION: "actively aggressive",
    Resistance.AGGRAVATED_AGGRESSION: "showing aggravated aggression (a threat of serious harm)",
}

MISCONDUCT: dict[Misconduct, str] = {
    Misconduct.UNLAWFUL_DETENTION: "an unlawful detention",
    Misconduct.UNLAWFUL_SEARCH: "an unlawful search",
    Misconduct.FALSE_STATEMENT: "a false statement",
    Misconduct.DISCRIMINATORY_CONDUCT: "discriminatory conduct",
    Misconduct.THEFT: "theft",
    Misconduct.SEXUAL_MISCONDUCT: "sexual misconduct",
    Misconduct.RETALIATION: "retaliation",
    Misconduct.UNETHICAL_CONDUCT: "unethical conduct",
    Misconduct.OTHER_POLICY_VIOLATION: "another policy violation",
    Misconduct.SEXUAL_ASSAULT_IN_CUSTODY: "sexual assault of a person in custody",
    Misconduct.DENIAL_OF_MEDICAL_CARE: "denial of medical care to a person in custody",
}

ACTION: dict[Action, str] = {
    Action.NONE: "no intervention required",
    Action.ACKNOWLEDGE: "acknowledge (recognise the problem and note it)",
    Action.INTERVENE: "intervene",
    Action.INTERVENE_PHYSICALLY: "step in physically",
}

DUTY: dict[Duty, str] = {
    Duty.INTERVENE: "intervene",
    Duty.RENDER_AID: "render aid (get medical help)",
    Duty.REQUEST_SUPERVISOR: "request a supervisor",
    Duty.REPORT: "report",
}

RANK: dict[Rank, str] = {r: r.value.replace("_", " ") for r in Rank}

FIELD: dict[str, str] = {
    "actor.rank": "the acting officer's rank",
    "observer.rank": "the observer's rank",
    "observer.realistic_opportunity": "whether the observer has a realistic opportunity",
    "observer.prior_intervention": "whether a verbal intervention was already tried",
    "force.type": "the force used",
    "force.still_needed": "whether the force is still needed",
    "force.duration_s": "how long the force has lasted",
    "subject.resistance": "the subject's resistance",
    "subject.restrained": "whether the subject is restrained",
    "subject.medical_distress": "whether the subject shows medical distress",
    "misconduct": "the misconduct observed",
}
"""Each input field as a noun phrase (`fields.SITUATION_FIELDS` names; a test holds them equal)."""


VALUES: dict[str, dict[Any, str]] = {
    "force.type": dict(FORCE),
    "subject.resistance": dict(RESISTANCE),
    "actor.rank": dict(RANK),
    "observer.rank": dict(RANK),
}
"""Fields whose values are nouns, for "the force used is one of: ..."."""


def one_of_values(field: str, values: list[Any]) -> str:
    """A field restricted to several values: "the force used is one of: a Taser, a firearm"."""
    return f"{FIELD[field]} is one of: " + ", ".join(VALUES[field][v] for v in values)


def seconds(x: float) -> str:
    """`130` -> "130 seconds", `90.5` -> "90.5 seconds", `1` -> "1 second"."""
    return "1 second" if x == 1 else f"{x:g} seconds"


_ISO_PART = re.compile(r"(\d+(?:[.,]\d+)?)([YMWDHS])")
_UNITS = {
    ("date", "Y"): "year",
    ("date", "M"): "month",
    ("date", "W"): "week",
    ("date", "D"): "day",
    ("time", "H"): "hour",
    ("time", "M"): "minute",
    ("time", "S"): "second",
}


def duration(iso: str | None) -> str:
    """An ISO-8601 duration in the units it is written in: `PT24H` -> "within 24 hours".

    `PT0S` (or any zero) -> "immediately"; None (no fixed clock) -> "no deadline".
    """
    if iso is None:
        return "no deadline"
    if iso_seconds(iso) == 0:
        return "immediately"
    date, _, time = iso[1:].partition("T")
    parts = []
    for kind, text in (("date", date), ("time", time)):
        for number, unit in _ISO_PART.findall(text):
            n = float(number.replace(",", "."))
            name = _UNITS[(kind, unit)]
            parts.append(f"{n:g} {name}" + ("" if n == 1 else "s"))
    return "within " + " and ".join(parts) if parts else f"within {iso}"


def fact(field: str, value: Any) -> str:
    """One input fact as a clause: ("subject.restrained", True) -> "the subject is restrained"."""
    if field == "actor.rank":
        return f"the acting officer is a {RANK[value]}"
    if field == "observer.rank":
        return f"the observer is a {RANK[value]}"
    if field == "observer.realistic_opportunity":
        if value is None:
            return "the observer's opportunity to intervene is not stated"
        return (
            "the observer has a realistic opportunity to intervene"
            if value
            else ("the observer has no realistic opportunity to intervene")
        )
    if field == "observer.prior_intervention":
        return (
            "a verbal intervention was already tried and ignored"
            if value is PriorIntervention.VERBAL
            else "no intervention has been tried yet"
        )
    if field == "force.type":
        return "no force is used" if value is ForceType.NONE else f"the force is {FORCE[value]}"
    if field == "force.still_needed":
        return "the force is still needed" if value else "the force is no longer needed"
    if field == "force.duration_s":
        return (
            "how long the force lasted is not stated"
            if value is None
            else (f"the force has lasted {seconds(value)}")
        )
    if field == "subject.resistance":
        return f"the subject is {RESISTANCE[value]}"
    if field == "subject.restrained":
        return "the subject is restrained" if value else "the subject is not restrained"
    if field == "subject.medical_distress":
        return (
            "the subject shows medical distress"
            if value
            else ("the subject shows no medical distress")
        )
    if field == "misconduct":
        items = tuple(value)
        if not items:
            return "no misconduct is observed"
        return "the misconduct observed is " + _join([MISCONDUCT[m] for m in items])
    raise KeyError(field)


def one_of(items: tuple[Misconduct, ...]) -> str:
    """A misconduct block: "theft" or "one of theft or a false statement"."""
    words = [MISCONDUCT[m] for m in items]
    return words[0] if len(words) == 1 else "one of " + _join(words, "or")


def includes(items: tuple[Misconduct, ...], present: bool) -> str:
    """Whether the misconduct includes one of `items`, in words."""
    if present:
        return "the misconduct includes " + one_of(items)
    words = [MISCONDUCT[m] for m in items]
    if len(words) == 1:
        return "the misconduct does not include " + words[0]
    return "the misconduct includes none of " + _join(words, "or")


def _join(words: list[str], last: str = "and") -> str:
    if len(words) < 3:
        return f" {last} ".join(words)
    return ", ".join(words[:-1]) + f", {last} " + words[-1]
