"""Errors as `application/problem+json` (RFC 9457): what went wrong, where, what is allowed.

Every error the service returns is a `Problem`: `type` names the kind of problem (a URN,
`urn:intervene-rules:problem:<code>`, stable like the library's issue codes), `status`
the HTTP status, `detail` a sentence for a person, and `errors` one entry per invalid field
with its path (`force.type`) and, for a field with a fixed set of values, those values.
"""

from __future__ import annotations

import enum
import json
import types
import typing
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from intervene_rules.situation import Situation

MEDIA_TYPE = "application/problem+json"
PREFIX = "urn:intervene-rules:problem:"


class FieldError(BaseModel):
    """One invalid field of a request body."""

    model_config = ConfigDict(extra="forbid")

    path: str = Field(description="Dotted path of the field in the body, e.g. `force.type`.")
    loc: list[str | int] = Field(description="The same path as a list (list items by index).")
    message: str
    type: str = Field(description="pydantic's error type, e.g. `enum`, `missing`.")
    allowed: list[Any] | None = Field(
        default=None, description="The values the field accepts, where they are a fixed set."
    )


class Problem(BaseModel):
    """An RFC 9457 problem detail, with our `code` and the invalid fields."""

    model_config = ConfigDict(extra="forbid")

    type: str = Field(description="`urn:intervene-rules:problem:<code>`.")
    title: str
    status: int
    detail: str
    code: str = Field(description="Stable machine-readable code (the URN's last part).")
    instance: str | None = Field(default=None, description="The request path.")
    errors: list[FieldError] | None = None
    more_errors: int | None = Field(
        default=None, description="How many further invalid fields were not listed."
    )
    request_id: str | None = None


MAX_LISTED = 20
"""Invalid fields listed in one problem; the rest are counted (`more_errors`)."""


class ServiceError(Exception):
    """A request that cannot be served: carries its `Problem`."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.detail)
        self.problem = problem


def problem(
    status: int,
    code: str,
    title: str,
    detail: str,
    *,
    errors: list[FieldError] | None = None,
    more: int | None = None,
) -> ServiceError:
    """A `ServiceError` with its problem (raise it)."""
    return ServiceError(
        Problem(
            type=PREFIX + code,
            title=title,
            status=status,
            detail=detail,
            code=code,
            errors=errors,
            more_errors=more or None,
        )
    )


def _enum_values(annotation: Any) -> list[Any] | None:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _enum_values(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            if arg is not type(None) and (values := _enum_values(arg)) is not None:
                return [*values, None]
        return None
    if origin in (tuple, list):
        return _enum_values(typing.get_args(annotation)[0])
    if annotation is bool:
        return [True, False]
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return [m.value for m in annotation]
    return None


def allowed_at(loc: Sequence[str | int], titles: Sequence[str] = ()) -> list[Any] | None:
    """The values the `Situation` field at `loc` accepts, if they are a fixed set.

    `titles`: the ruleset's own rank titles, also accepted for either rank.
    """
    model: Any = Situation
    annotation: Any = None
    for part in loc:
        if isinstance(part, int):
            continue
        fields = getattr(model, "model_fields", None)
        if fields is None or part not in fields:
            return None
        annotation = fields[part].annotation
        model = annotation
    if annotation is None:
        return None
    values = _enum_values(annotation)
    if values is not None and list(loc)[-1:] == ["rank"]:
        values = [*values, *titles]
    return values


def invalid_situation(
    exc: ValidationError, titles: Sequence[str] = (), *, prefix: Sequence[str | int] = ()
) -> ServiceError:
    """The problem of a situation pydantic refused: 400 for unreadable JSON, else 422."""
    errs = exc.errors(include_url=False, include_input=False, include_context=False)
    unreadable = [e for e in errs if e["type"] in ("json_invalid", "json_type")]
    if unreadable:
        return problem(
            400,
            "situation_invalid_json",
            "The body is not valid JSON",
            f"the body is not a JSON document: {unreadable[0]['msg']}",
        )
    own = [e for e in errs if e["type"].startswith("situation_")]
    if own:  # the library's own refusals (too large, too deep)
        status = 413 if own[0]["type"] == "situation_too_large" else 422
        return problem(status, own[0]["type"], "The situation was refused", own[0]["msg"])
    fields = [
        FieldError(
            path=".".join(str(p) for p in (*prefix, *e["loc"])) or "(body)",
            loc=[*prefix, *e["loc"]],
            message=e["msg"],
            type=e["type"],
            allowed=allowed_at(e["loc"], titles),
        )
        for e in errs[:MAX_LISTED]
    ]
    first = fields[0]
    return problem(
        422,
        "situation_invalid",
        "The situation is not valid",
        f"{len(errs)} invalid field(s); first: {first.path}: {first.message}"
        + ("" if first.allowed is None else f" (allowed: {json.dumps(first.allowed)})")
        + "; see GET /v1/rulesets/{id}/schema/situation",
        errors=fields,
        more=len(errs) - len(fields),
    )
