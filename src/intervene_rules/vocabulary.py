"""The closed vocabulary of the public contract: ranks, force, resistance, actions, duties.

Every stage of the pipeline (input model, ruleset format, IR, evaluators, analysis) speaks
these enums, so a value that is not here is refused at the boundary with the allowed list.
The orders defined here (rank ladder, force severity, resistance, action) are part of the
contract: the invariants in ARCHITECTURE.md are stated over them.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum


class _Ordered(StrEnum):
    """A string enum whose comparison follows declaration order, not the alphabet."""

    _idx: int

    @property
    def position(self) -> int:
        """Position in declaration order (0 = lowest)."""
        return self._idx

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, _Ordered) or type(other) is not type(self):
            return NotImplemented
        return self._idx < other._idx

    def __le__(self, other: object) -> bool:
        if not isinstance(other, _Ordered) or type(other) is not type(self):
            return NotImplemented
        return self._idx <= other._idx

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, _Ordered) or type(other) is not type(self):
            return NotImplemented
        return self._idx > other._idx

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, _Ordered) or type(other) is not type(self):
            return NotImplemented
        return self._idx >= other._idx

    __hash__ = StrEnum.__hash__


class Rank(_Ordered):
    """Canonical rank ladder, low to high. Rulesets map their own titles onto these rungs."""

    OFFICER = "officer"
    CORPORAL = "corporal"
    SERGEANT = "sergeant"
    LIEUTENANT = "lieutenant"
    CAPTAIN = "captain"
    MAJOR = "major"
    DEPUTY_CHIEF = "deputy_chief"
    CHIEF = "chief"


class ForceType(StrEnum):
    """Force options in the contract's vocabulary; see `FORCE_SEVERITY` for their order."""

    NONE = "none"
    VERBAL = "verbal"
    SOFT_CONTROL = "soft_control"
    TAKEDOWN = "takedown"
    HARD_EMPTY_HAND = "hard_empty_hand"
    CHEMICAL_AGENT = "chemical_agent"
    CEW = "cew"
    IMPACT_WEAPON = "impact_weapon"
    K9 = "k9"
    LESS_LETHAL_PROJECTILE = "less_lethal_projectile"
    NECK_RESTRAINT = "neck_restraint"
    BODYWEIGHT_COMPRESSION = "bodyweight_compression"
    FIREARM = "firearm"

    @property
    def severity(self) -> int:
        """Severity level; types on the same level are not more severe than each other."""
        return FORCE_SEVERITY[self]


FORCE_SEVERITY: dict[ForceType, int] = {
    ForceType.NONE: 0,
    ForceType.VERBAL: 1,
    ForceType.SOFT_CONTROL: 2,
    ForceType.TAKEDOWN: 3,
    ForceType.HARD_EMPTY_HAND: 3,
    ForceType.CHEMICAL_AGENT: 4,
    ForceType.CEW: 4,
    ForceType.IMPACT_WEAPON: 5,
    ForceType.K9: 5,
    ForceType.LESS_LETHAL_PROJECTILE: 5,
    ForceType.BODYWEIGHT_COMPRESSION: 5,
    ForceType.NECK_RESTRAINT: 6,
    ForceType.FIREARM: 6,
}
"""Severity levels of force. Invariant 3 ("more severe force never lowers the action")
compares levels; types sharing a level are incomparable, which lets a policy ban a
technique (a neck restraint) without that ban reading as "firearms are milder"."""


class Resistance(_Ordered):
    """Subject resistance levels, least to most."""

    COMPLIANT = "compliant"
    PASSIVE_RESISTANCE = "passive_resistance"
    ACTIVE_RESISTANCE = "active_resistance"
    ACTIVE_AGGRESSION = "active_aggression"
    AGGRAVATED_AGGRESSION = "aggravated_aggression"


class PriorIntervention(StrEnum):
    """What the observer has already tried."""

    NONE = "none"
    VERBAL = "verbal"


class Misconduct(StrEnum):
    """Non-force misconduct an observer may witness.

    Some values name conduct that is itself a violation of the person's constitutional
    rights (see `CONSTITUTIONAL_MISCONDUCT`); the others name conduct that may or may not be,
    depending on facts the situation does not hold (`sexual_misconduct` covers harassment and
    consensual conduct on duty as well as assault; `theft` may be of anyone's property), so
    only agency or state rules act on them.
    """

    UNLAWFUL_DETENTION = "unlawful_detention"
    """An arrest or detention without legal justification (constitutional)."""
    UNLAWFUL_SEARCH = "unlawful_search"
    """A search without legal justification (constitutional)."""
    FALSE_STATEMENT = "false_statement"
    DISCRIMINATORY_CONDUCT = "discriminatory_conduct"
    THEFT = "theft"
    SEXUAL_MISCONDUCT = "sexual_misconduct"
    """Sexual harassment or misconduct of any kind; for an assault of a person held by
    police use `sexual_assault_in_custody` (the narrower value)."""
    RETALIATION = "retaliation"
    UNETHICAL_CONDUCT = "unethical_conduct"
    OTHER_POLICY_VIOLATION = "other_policy_violation"
    SEXUAL_ASSAULT_IN_CUSTODY = "sexual_assault_in_custody"
    """Sexual assault or abuse of a person the police hold or control (arrest, detention,
    custody) by the acting officer (constitutional); also a kind of `sexual_misconduct`."""
    DENIAL_OF_MEDICAL_CARE = "denial_of_medical_care"
    """The acting officer withholds needed medical care from a person injured in an
    apprehension or held by police (constitutional)."""


CONSTITUTIONAL_MISCONDUCT: frozenset[Misconduct] = frozenset(
    (
        Misconduct.UNLAWFUL_DETENTION,
        Misconduct.UNLAWFUL_SEARCH,
        Misconduct.SEXUAL_ASSAULT_IN_CUSTODY,
        Misconduct.DENIAL_OF_MEDICAL_CARE,
    )
)
"""The misconduct values that name a violation of constitutional rights: the ones the
federal floor (bystander liability for any constitutional violation in the officer's
presence) acts on. `rulesets/federal-baseline.yaml` lists exactly these; a test holds the two
together."""


class Action(_Ordered):
    """The observer's required action, ordered from least to most demanding."""

    NONE = "none"
    ACKNOWLEDGE = "acknowledge"
    INTERVENE = "intervene"
    INTERVENE_PHYSICALLY = "intervene_physically"


class Duty(StrEnum):
    """Duties that follow from the situation."""

    INTERVENE = "intervene"
    RENDER_AID = "render_aid"
    REQUEST_SUPERVISOR = "request_supervisor"
    REPORT = "report"


class Method(StrEnum):
    """The 3 D's of intervention."""

    DISTRACT = "distract"
    DIRECT = "direct"
    DELEGATE = "delegate"


class Relation(_Ordered):
    """The observer's rank relative to the actor's (derived, never input)."""

    JUNIOR = "junior"
    SAME = "same"
    SENIOR = "senior"


class Stage(IntEnum):
    """The five stages of intervention (IACP), which are also the evaluation phases."""

    SEE_THE_PROBLEM = 1
    DETERMINE_ACTION = 2
    TAKE_RESPONSIBILITY = 3
    DETERMINE_HOW = 4
    TAKE_ACTION = 5

    @property
    def key(self) -> str:
        """The name used in ruleset files (`see_the_problem`, ...)."""
        return self.name.lower()

    @property
    def title(self) -> str:
        """Plain-language heading for explanations."""
        return _STAGE_TITLES[self]


_STAGE_TITLES = {
    Stage.SEE_THE_PROBLEM: "See the problem",
    Stage.DETERMINE_ACTION: "Determine whether action is required",
    Stage.TAKE_RESPONSIBILITY: "Take personal responsibility to act",
    Stage.DETERMINE_HOW: "Determine how to intervene",
    Stage.TAKE_ACTION: "Take action",
}


class SourceKind(StrEnum):
    """Kinds of legal or policy source a ruleset may cite."""

    CASE = "case"
    STATUTE = "statute"
    FEDERAL_POLICY = "federal_policy"
    AGENCY_POLICY = "agency_policy"
    MODEL_POLICY = "model_policy"
    GUIDANCE = "guidance"
    """A programme, guide or brief that binds no one (training, advocacy, recommendations)."""

    @property
    def binding(self) -> bool:
        """Whether a source of this kind can bind anyone (all kinds but `guidance`)."""
        return self is not SourceKind.GUIDANCE


class Verification(StrEnum):
    """How far a source's stated facts were checked against a retrieved text."""

    VERIFIED = "verified"
    PARTLY_VERIFIED = "partly_verified"
    UNVERIFIED = "unverified"


for _cls in (Rank, Resistance, Action, Relation):
    for _i, _member in enumerate(_cls):
        _member._idx = _i


def relation(observer: Rank, actor: Rank) -> Relation:
    """The observer's standing relative to the actor."""
    diff = observer._idx - actor._idx
    if diff < 0:
        return Relation.JUNIOR
    return Relation.SENIOR if diff else Relation.SAME
