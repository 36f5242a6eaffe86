"""Input model (contract): what the observing officer sees.

Boundary of the pipeline: a plain mapping or JSON becomes a validated, frozen `Situation`.
Unknown fields and unknown values are refused with pydantic's `ValidationError`, which names
the field path (`force.type`) and the allowed values. Booleans and numbers are strict, so
`"yes"` is not silently read as true in a record meant for audit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from intervene_rules.vocabulary import ForceType, Misconduct, PriorIntervention, Rank, Resistance

_MODEL_CONFIG = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)


def _canonical_rank(value: Any, info: ValidationInfo) -> Any:
    """Map a ruleset's own rank title (passed in the validation context) to its rung."""
    if isinstance(value, str) and info.context:
        aliases: Mapping[str, Rank] = info.context.get("rank_aliases", {})
        hit = aliases.get(value) or aliases.get(value.strip().lower())
        if hit is not None:
            return hit
    return value


class Actor(BaseModel):
    """The officer using force or committing misconduct."""

    model_config = _MODEL_CONFIG

    rank: Rank = Field(description="Rank on the canonical ladder (or a ruleset alias of a rung).")

    _alias = field_validator("rank", mode="before")(_canonical_rank)


class Observer(BaseModel):
    """The officer who sees it and whose duties the decision states."""

    model_config = _MODEL_CONFIG

    rank: Rank = Field(description="Rank on the canonical ladder (or a ruleset alias of a rung).")
    realistic_opportunity: bool | None = Field(
        default=None,
        strict=True,
        description=(
            "Whether the observer has a realistic opportunity to intervene; null lets the "
            "ruleset derive it (for example from force.duration_s)."
        ),
    )
    prior_intervention: PriorIntervention = Field(
        default=PriorIntervention.NONE,
        description="'verbal' when a verbal intervention was already tried and ignored.",
    )

    _alias = field_validator("rank", mode="before")(_canonical_rank)


class Force(BaseModel):
    """The force being used, if any."""

    model_config = _MODEL_CONFIG

    type: ForceType = Field(description="Force option in the contract's vocabulary.")
    still_needed: bool = Field(
        strict=True,
        description="Whether force is still needed to control the subject or a threat.",
    )
    duration_s: float | None = Field(
        default=None,
        ge=0,
        allow_inf_nan=False,
        strict=True,  # `true` or "5" is not a duration; an audit record keeps numbers numbers
        description="Seconds the force has lasted so far; null when unknown.",
    )


class Subject(BaseModel):
    """The person force or misconduct is directed at."""

    model_config = _MODEL_CONFIG

    resistance: Resistance = Field(description="Resistance level, least to most.")
    restrained: bool = Field(strict=True, description="Whether the subject is restrained.")
    medical_distress: bool = Field(
        strict=True, description="Whether the subject shows signs of medical distress."
    )


class Situation(BaseModel):
    """What an observing officer sees while an acting officer uses force or commits misconduct."""

    model_config = _MODEL_CONFIG

    actor: Actor = Field(description="The officer acting.")
    observer: Observer = Field(description="The officer observing.")
    force: Force = Field(description="The force being used ('none' when only misconduct).")
    subject: Subject = Field(description="The person affected.")
    misconduct: tuple[Misconduct, ...] = Field(
        default=(),
        description="Non-force misconduct observed (order and repeats do not matter).",
    )

    @field_validator("misconduct", mode="after")
    @classmethod
    def _normalise_misconduct(cls, value: tuple[Misconduct, ...]) -> tuple[Misconduct, ...]:
        # A set in meaning; one canonical order keeps decisions and cache keys deterministic.
        if len(value) < 2:
            return value
        return tuple(sorted(set(value), key=_MISCONDUCT_ORDER.__getitem__))


_MISCONDUCT_ORDER = {m: i for i, m in enumerate(Misconduct)}
