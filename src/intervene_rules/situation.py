"""Input model (contract): what the observing officer sees.

Boundary of the pipeline: a plain mapping or JSON becomes a validated, frozen `Situation`.
Unknown fields and unknown values are refused with pydantic's `ValidationError`, which names
the field path (`force.type`) and the allowed values. Booleans and numbers are strict, so
`"yes"` is not silently read as true in a record meant for audit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from intervene_rules.vocabulary import ForceType, Misconduct, PriorIntervention, Rank, Resistance

MAX_SITUATION_BYTES = 1 << 20
"""The largest situation text accepted (1 MiB). A situation is a few hundred bytes; the cap
refuses a pathological input before the JSON reader builds it (three million unknown keys
took 3.7 GiB and as many error lines)."""


def refused(code: str, message: str, shown: str) -> ValidationError:
    """A `ValidationError` of our own type: the contract's one error for a bad situation."""
    details: InitErrorDetails = {
        "type": PydanticCustomError(code, message),
        "loc": (),
        "input": shown,
    }
    return ValidationError.from_exception_data("Situation", [details])


def too_large(text: str | bytes) -> ValidationError | None:
    """The error refusing a situation text over `MAX_SITUATION_BYTES`, or None."""
    size = len(text)
    if isinstance(text, str) and MAX_SITUATION_BYTES // 4 < size <= MAX_SITUATION_BYTES:
        size = len(text.encode("utf-8", "surrogatepass"))
    if size <= MAX_SITUATION_BYTES:
        return None
    return refused(
        "situation_too_large",
        f"the situation text is larger than {MAX_SITUATION_BYTES} bytes (1 MiB), the most accepted",
        f"<{size:,} bytes>",
    )


_MODEL_CONFIG = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)


TITLES_USED = "rank_titles_used"
"""Context key of a list that `_canonical_rank` appends `(role, title)` to for each rank
given as a ruleset's title (`as_situation` passes a fresh one and keeps it with the
situation: `rank_titles`)."""


def _canonical_rank(value: Any, info: ValidationInfo, role: str) -> Any:
    """Map a ruleset's own rank title (passed in the validation context) to its rung."""
    if isinstance(value, str) and info.context:
        aliases: Mapping[str, Rank] = info.context.get("rank_aliases", {})
        title = value if value in aliases else value.strip().lower()
        hit = aliases.get(title)
        if hit is not None:
            used = info.context.get(TITLES_USED)
            if used is not None:
                used.append((role, title))
            return hit
    return value


def _actor_rank(value: Any, info: ValidationInfo) -> Any:
    return _canonical_rank(value, info, "actor")


def _observer_rank(value: Any, info: ValidationInfo) -> Any:
    return _canonical_rank(value, info, "observer")


class Actor(BaseModel):
    """The officer using force or committing misconduct."""

    model_config = _MODEL_CONFIG

    rank: Rank = Field(description="Rank on the canonical ladder (or a ruleset alias of a rung).")

    _alias = field_validator("rank", mode="before")(_actor_rank)


class Observer(BaseModel):
    """The officer who sees it and whose duties the decision states."""

    model_config = _MODEL_CONFIG

    rank: Rank = Field(description="Rank on the canonical ladder (or a ruleset alias of a rung).")
    realistic_opportunity: bool | None = Field(
        default=None,
        strict=True,
        description=(
            "Whether the observer has a realistic opportunity to intervene; null lets the "
            "ruleset derive it from force.duration_s when there is force (with no force it "
            "stays unknown: the decision gives the answer without one and a notice the "
            "answer with one)."
        ),
    )
    prior_intervention: PriorIntervention = Field(
        default=PriorIntervention.NONE,
        description="'verbal' when a verbal intervention was already tried and ignored.",
    )

    _alias = field_validator("rank", mode="before")(_observer_rank)


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


def rank_titles(s: Situation) -> tuple[tuple[str, str], ...]:
    """The ruleset rank titles `s` was written with: `(role, title)`, role actor/observer.

    Recorded when `as_situation` (so `evaluate`) or a scenario file validated it; empty for
    canonical ranks. Kept with the situation, not in its fields (it is no part of the
    contract's input and does not change what the situation means).
    """
    private = s.__pydantic_private__
    return private.get("rank_titles", ()) if private else ()


def with_rank_titles(s: Situation, titles: list[tuple[str, str]]) -> Situation:
    """`s`, remembering the rank titles it was written with (see `rank_titles`)."""
    if titles:
        object.__setattr__(s, "__pydantic_private__", {"rank_titles": tuple(titles)})
    return s


def situation_schema(aliases: Mapping[str, Rank], title: str | None = None) -> dict[str, Any]:
    """The `Situation` JSON Schema accepting exactly what `evaluate` accepts with `aliases`.

    A rank is a canonical rung (exactly as written) or one of the ruleset's titles, which
    `evaluate` reads ignoring case and surrounding white space: the schema says the same,
    with a pattern per title. Without titles it is the generic schema.
    """
    schema = Situation.model_json_schema()
    rank = schema["$defs"]["Rank"]
    if aliases:
        titles = sorted(aliases)
        letters = "|".join(
            "".join(
                f"[{c.lower()}{c.upper()}]" if c.isalpha() else c if c.isalnum() else f"[{c}]"
                for c in t
            )
            for t in titles
        )
        schema["$defs"]["Rank"] = {
            # the titles as written are in the first branch's enum (a client lists them);
            # the pattern takes them in any case and with surrounding spaces, as `evaluate`
            "anyOf": [
                {"enum": [*rank["enum"], *titles], "type": "string"},
                {"type": "string", "pattern": rf"^\s*(?:{letters})\s*$"},
            ],
            "description": "A rung of the canonical ladder, or one of this ruleset's titles "
            "(any case, surrounding spaces ignored): "
            + "; ".join(f"{t} = {aliases[t].value}" for t in titles)
            + ".",
        }
    else:
        rank["description"] = (
            "A rung of the canonical ladder. A ruleset may also accept its own rank titles "
            "(they vary by ruleset: see `intervene schema situation --ruleset ID`)."
        )
    if title:
        schema["title"] = title
    return schema
