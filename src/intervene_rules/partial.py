"""Input model for a situation with unknown facts: every field may be omitted or null.

The complete `Situation` and its JSON Schema stay as they are; a `PartialSituation` has the
same shape with every leaf optional, validated as strictly (unknown keys and values refused,
booleans and numbers strict, a ruleset's rank titles read). Omitted and `null` both mean
*unknown*: the facts exist, this record does not hold them. For the two fields whose
complete form takes `null` (`observer.realistic_opportunity`: not stated, let the ruleset
derive it; `force.duration_s`: not known), that `null` is one of the completions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from intervene_rules.fields import SITUATION_FIELDS, nest
from intervene_rules.situation import (
    _MISCONDUCT_ORDER,
    TITLES_USED,
    Situation,
    _actor_rank,
    _observer_rank,
    too_large,
    with_rank_titles,
)
from intervene_rules.vocabulary import ForceType, Misconduct, PriorIntervention, Rank, Resistance

_CONFIG = ConfigDict(extra="forbid", frozen=True)


class PartialActor(BaseModel):
    """The acting officer, as far as known."""

    model_config = _CONFIG
    rank: Rank | None = Field(default=None, description="Rank (or a ruleset title); null: unknown.")
    _alias = field_validator("rank", mode="before")(_actor_rank)


class PartialObserver(BaseModel):
    """The observing officer, as far as known."""

    model_config = _CONFIG
    rank: Rank | None = Field(default=None, description="Rank (or a ruleset title); null: unknown.")
    realistic_opportunity: bool | None = Field(
        default=None,
        strict=True,
        description="Null: unknown (true, false, or not stated and derived by the ruleset).",
    )
    prior_intervention: PriorIntervention | None = Field(default=None)
    _alias = field_validator("rank", mode="before")(_observer_rank)


class PartialForce(BaseModel):
    """The force, as far as known."""

    model_config = _CONFIG
    type: ForceType | None = Field(default=None)
    still_needed: bool | None = Field(default=None, strict=True)
    duration_s: float | None = Field(
        default=None,
        ge=0,
        allow_inf_nan=False,
        strict=True,
        description="Seconds; null: unknown (any duration, or none stated).",
    )


class PartialSubject(BaseModel):
    """The subject, as far as known."""

    model_config = _CONFIG
    resistance: Resistance | None = Field(default=None)
    restrained: bool | None = Field(default=None, strict=True)
    medical_distress: bool | None = Field(default=None, strict=True)


class PartialSituation(BaseModel):
    """A situation with unknown facts: any field omitted or null is unknown.

    `evaluate_partial` decides over every completion of the unknown fields.
    """

    model_config = _CONFIG

    actor: PartialActor = Field(default_factory=PartialActor)
    observer: PartialObserver = Field(default_factory=PartialObserver)
    force: PartialForce = Field(default_factory=PartialForce)
    subject: PartialSubject = Field(default_factory=PartialSubject)
    misconduct: tuple[Misconduct, ...] | None = Field(
        default=None, description="Null or omitted: unknown (any combination); [] : none."
    )

    @field_validator("actor", "observer", "force", "subject", mode="before")
    @classmethod
    def _null_part(cls, value: Any) -> Any:
        # a whole part given as null is a part with every field unknown
        return {} if value is None else value

    @field_validator("misconduct", mode="after")
    @classmethod
    def _normalise(cls, value: tuple[Misconduct, ...] | None) -> tuple[Misconduct, ...] | None:
        if value is None or len(value) < 2:
            return value
        return tuple(sorted(set(value), key=_MISCONDUCT_ORDER.__getitem__))

    def known(self) -> dict[str, Any]:
        """The known input fields by name (`fields.SITUATION_FIELDS` order).

        A null is unknown, except in one made from a complete `Situation` (`as_partial`),
        where it is the contract's own value.
        """
        private = self.__pydantic_private__
        nulls = private.get("known_nulls", ()) if private else ()
        out: dict[str, Any] = {}
        for spec in SITUATION_FIELDS:
            node: Any = self
            for part in spec.path:
                node = getattr(node, part)
            if node is not None or spec.name in nulls:
                out[spec.name] = node
        return out

    def unknown(self) -> tuple[str, ...]:
        """The unknown input fields by name."""
        known = self.known()
        return tuple(s.name for s in SITUATION_FIELDS if s.name not in known)


def as_partial(
    aliases: Mapping[str, Any],
    situation: PartialSituation | Situation | Mapping[str, Any] | str | bytes,
) -> PartialSituation:
    """Validate a mapping or JSON text into a `PartialSituation` (a complete one: its fields)."""
    if isinstance(situation, PartialSituation):
        return situation
    if isinstance(situation, Situation):
        # a complete situation is known throughout: its nulls are the contract's own values
        # (not stated), kept as known (`known_nulls`), and so are its rank titles
        out = PartialSituation.model_validate(situation.model_dump(mode="json"))
        private = dict(situation.__pydantic_private__ or {})
        private["known_nulls"] = tuple(
            spec.name for spec in SITUATION_FIELDS if spec.get(situation) is None
        )
        object.__setattr__(out, "__pydantic_private__", private)
        return out
    used: list[tuple[str, str]] = []
    ctx = {"rank_aliases": aliases, TITLES_USED: used} if aliases else None
    if isinstance(situation, str | bytes):
        if (big := too_large(situation)) is not None:
            raise big
        p = PartialSituation.model_validate_json(situation, context=ctx)
    else:
        p = PartialSituation.model_validate(situation, context=ctx)
    if used:
        object.__setattr__(p, "__pydantic_private__", {"rank_titles": tuple(used)})
    return p


def with_known_nulls(p: PartialSituation, names: tuple[str, ...]) -> PartialSituation:
    """`p`, its nulls in `names` taken as the contract's own values (not stated), not unknown.

    For a caller that knows a field is "not stated" (a timeline: the ruleset derives the
    opportunity), as a complete `Situation` given to `evaluate_partial` is read.
    """
    private = dict(p.__pydantic_private__ or {})
    private["known_nulls"] = tuple(private.get("known_nulls", ())) + names
    object.__setattr__(p, "__pydantic_private__", private)
    return p


def complete(p: PartialSituation, values: Mapping[str, Any]) -> Situation:
    """The `Situation` of `p` with `values` (field name -> value) for its unknown fields."""
    known = p.known()
    data = nest(
        {s.name: known[s.name] if s.name in known else values[s.name] for s in SITUATION_FIELDS}
    )
    parts = {
        name: (
            Situation.model_fields[name].annotation.model_construct(**value)  # type: ignore[union-attr]
            if isinstance(value, dict)
            else value
        )
        for name, value in data.items()
    }
    s = Situation.model_construct(**parts)
    titles = p.__pydantic_private__.get("rank_titles") if p.__pydantic_private__ else None
    return with_rank_titles(s, list(titles)) if titles else s


def partial_error(exc: ValidationError) -> bool:
    """Whether every error of a complete situation's validation is a missing or null field."""
    errors = exc.errors()
    return bool(errors) and all(
        e["type"] == "missing" or (e.get("input", 0) is None and e["loc"]) for e in errors
    )
