"""Pydantic errors as located advice: the one translator for rulesets and scenario files.

Pydantic reports `loc`, `type`, `msg`, `input` and `ctx`; a policy team needs the key as
written in its file, what is allowed there ("did you mean …?"), and what to write instead.
Ruleset and scenario loading both read YAML into a `Document` that remembers where each key
was written, so one function serves both; each caller only names its code prefix and any
help of its own.
"""

from __future__ import annotations

import contextlib
import re
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ValidationError

from intervene_rules.errors import Issue
from intervene_rules.suggest import did_you_mean

if TYPE_CHECKING:
    from intervene_rules.ruleset._yaml import Document

Path = tuple[str | int, ...]
Kind = Literal["unknown_key", "missing_key", "unknown_value", "invalid_value"]

#: What to write instead, by pydantic error type (in the words of YAML files).
TYPE_HELP: Mapping[str, str] = {
    "string_type": "write text here; quote it if YAML would read it as a number, date or "
    'true/false (e.g. "1.0")',
    "string_too_short": "write a non-empty text",
    "string_pattern_mismatch": "use lower-case letters, digits, '_', '.' and '-', starting with "
    "a letter or digit (e.g. my_rule_1)",
    "list_type": "write a list, e.g. `[a, b]`, or one `- item` per line",
    "tuple_type": "write a list, e.g. `[a, b]`, or one `- item` per line",
    "too_short": "give at least one item",
    "dict_type": "write a mapping of `key: value` lines",
    "model_type": "write a mapping of `key: value` lines",
    "model_attributes_type": "write a mapping of `key: value` lines",
    "bool_type": "write true or false",
    "int_type": "write a whole number without quotes",
    "int_parsing": "write a whole number without quotes",
    "int_from_float": "write a whole number without quotes",
    "float_type": "write a number without quotes, e.g. 10 or 2.5",
    "float_parsing": "write a number without quotes, e.g. 10 or 2.5",
    "finite_number": "write a finite number (not .nan or .inf)",
    "greater_than_equal": "write a number of at least {ge}",
    "less_than_equal": "write a number of at most {le}",
    "date_type": "write a date as YYYY-MM-DD, e.g. 2024-01-31",
    "date_parsing": "write a date as YYYY-MM-DD, e.g. 2024-01-31",
    "date_from_datetime_parsing": "write a date as YYYY-MM-DD, e.g. 2024-01-31",
    "date_from_datetime_inexact": "write a date as YYYY-MM-DD, without a time",
}
_FALLBACK = "write a value of the type this key takes (see the format reference)"
_QUOTED = re.compile(r"'([^']*)'")


@dataclass(frozen=True)
class Problem:
    """One pydantic error, translated: what kind, where in the file, what to say and advise."""

    kind: Kind
    path: Path
    message: str
    help: str
    given: Any = None
    allowed: tuple[str, ...] = ()
    error_type: str = ""  # pydantic's own `type`, e.g. "list_type"


def short(value: Any, limit: int = 80) -> str:
    """`repr(value)`, cut to `limit` characters (a message never quotes a whole document)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _unwrap(annotation: Any) -> Any:
    """The model class inside `list[...]`, `dict[..., ...]`, unions and `Annotated`."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        args = [_unwrap(a) for a in typing.get_args(annotation) if a is not type(None)]
        models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
        return models[0] if models else (args[0] if args else annotation)
    if origin in (list, tuple):
        return _unwrap(typing.get_args(annotation)[0])
    if origin is dict:
        return _unwrap(typing.get_args(annotation)[1])
    return annotation


def model_at(root: type[BaseModel], path: Sequence[Any]) -> type[BaseModel] | None:
    """The model that validates the mapping at `path` below `root`, if any."""
    model: Any = root
    for part in path:
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return None
        if isinstance(part, str) and part in model.model_fields:
            model = _unwrap(model.model_fields[part].annotation)
        # list indices and dict keys keep the item model
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def clean_path(loc: Sequence[Any], data: Any, tags: frozenset[str] = frozenset()) -> Path:
    """A pydantic `loc` as a path in the YAML data: validator steps and union tags dropped."""
    out: list[str | int] = []
    here = data
    for part in loc:
        internal = isinstance(part, str) and (
            part.startswith("function-") or part == "[key]" or part in tags
        )
        if internal and not (isinstance(here, dict) and part in here):
            continue
        out.append(part)
        if isinstance(here, dict):
            here = here.get(part)
        elif isinstance(here, list) and isinstance(part, int) and 0 <= part < len(here):
            here = here[part]
        else:
            here = None
    return tuple(out)


def translate(
    exc: ValidationError,
    data: Any,
    *,
    root: type[BaseModel],
    base: Path = (),
    tags: frozenset[str] = frozenset(),
    type_help: Mapping[str, str] | None = None,
    where: Callable[[Path], str] | None = None,
) -> list[Problem]:
    """Translate every error of `exc` (raised validating the data at `base` with `root`).

    `data` is the whole document (paths are looked up in it); `type_help` overrides the
    advice by error type; `where` names a path for messages (None: messages name no path).
    """
    helps = {**TYPE_HELP, **(type_help or {})}
    out: list[Problem] = []
    for err in exc.errors(include_url=False):
        path = clean_path((*base, *err["loc"]), data, tags)
        rel = path[len(base) :]
        kind = err["type"]
        ctx = err.get("ctx") or {}
        given = err.get("input")
        if kind == "extra_forbidden":
            model = model_at(root, rel[:-1])
            known = tuple(model.model_fields) if model else ()  # in the order the docs list them
            key = str(path[-1])
            parent = where(path[:-1]) if where is not None and len(path) > 1 else ""
            message = f"unknown key {key!r}" + (f" in {parent}" if parent else "")
            advice = did_you_mean(key, known) + (
                f"allowed keys: {', '.join(known)}" if known else ""
            )
            out.append(Problem("unknown_key", path, message, advice, key, known, kind))
            continue
        if kind == "missing":
            message = f"missing required key {str(path[-1])!r}"
            out.append(
                Problem("missing_key", path, message, f"add `{path[-1]}:` here", error_type=kind)
            )
            continue
        named = f"{where(path)}: " if where is not None else ""
        if kind in ("enum", "literal_error"):
            expected = str(ctx.get("expected", ""))
            allowed = tuple(_QUOTED.findall(expected))
            message = f"{named}unknown value {short(given)}"
            advice = did_you_mean(given, allowed) + (
                f"allowed: {', '.join(allowed) if allowed else expected}"
            )
            out.append(Problem("unknown_value", path, message, advice, given, allowed, kind))
            continue
        # a period's message names its dates already
        shown = "input" in err and not kind.startswith("period_")
        message = f"{named}{err['msg']}" + (f" (got {short(given)})" if shown else "")
        advice = str(ctx.get("help", "")) or helps.get(kind, "")
        with contextlib.suppress(KeyError, IndexError, ValueError):
            advice = advice.format(**ctx)
        out.append(Problem("invalid_value", path, message, advice or _FALLBACK, given, (), kind))
    return out


def issues(problems: Sequence[Problem], doc: Document, prefix: str) -> list[Issue]:
    """The problems as issues of a file (codes `<prefix>_<kind>`), at their position in it."""
    return [Issue(f"{prefix}_{p.kind}", p.message, doc.loc(p.path), help=p.help) for p in problems]


__all__ = ["TYPE_HELP", "Problem", "clean_path", "issues", "model_at", "short", "translate"]
