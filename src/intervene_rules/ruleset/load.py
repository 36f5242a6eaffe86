"""Stage 3 of loading: find files, validate each layer, follow `extends`, merge the layers.

Every problem in every file is collected as an `Issue` with its file:line:col; one
`RulesetError` carries them all. The merge refuses what would silently change meaning: a
rule id reused without `replaces`, a force grid wider than its base's, a source id
declared twice with different contents, conflicting rank aliases.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from intervene_rules.errors import Issue, RulesetError
from intervene_rules.location import SourceLocation
from intervene_rules.ruleset._yaml import MAX_BYTES, Document, parse, too_large
from intervene_rules.ruleset.model import (
    ForceGridSpec,
    NoticeSpec,
    OpportunitySpec,
    RulesetSpec,
    RuleSpec,
    SourceSpec,
)
from intervene_rules.vocabulary import ForceType, Rank, Resistance

SUFFIX = ".yaml"


def bundled_dir() -> Path:
    """Where the bundled rulesets live: inside the wheel, or the repository's `rulesets/`."""
    pkg = Path(__file__).resolve().parent.parent
    inside = pkg / "_rulesets"
    if inside.is_dir():
        return inside
    return pkg.parent.parent / "rulesets"


def bundled_ids() -> list[str]:
    """Ids of the bundled rulesets (file stems), sorted."""
    root = bundled_dir()
    if not root.is_dir():
        return []
    return sorted(p.stem for p in root.glob(f"*{SUFFIX}") if "." not in p.stem)


@dataclass
class Layer:
    """One validated file, with the document kept for locations."""

    spec: RulesetSpec
    doc: Document

    def loc(self, *path: str | int) -> SourceLocation:
        """Location of a path inside this file."""
        return self.doc.loc(path)


@dataclass
class Placed:
    """A merged element and where it was written."""

    value: Any
    layer: str
    loc: SourceLocation
    doc: Document | None = None
    path: tuple[str | int, ...] = ()


@dataclass
class Merged:
    """All layers merged, base first, before compilation."""

    top: RulesetSpec
    layers: list[Layer]
    sources: dict[str, Placed] = field(default_factory=dict)
    rank_aliases: dict[str, Placed] = field(default_factory=dict)
    force_grid: Placed | None = None
    grid_rows: dict[Resistance, frozenset[ForceType]] = field(default_factory=dict)
    opportunity: Placed | None = None
    notices: dict[str, Placed] = field(default_factory=dict)
    rules: dict[str, Placed] = field(default_factory=dict)
    exceptions: list[Placed] = field(default_factory=list)
    replaced: dict[str, Placed] = field(default_factory=dict)


def resolve(ref: str | Path, *, relative_to: Path | None = None) -> Path | None:
    """Find the file of a bundled id, a sibling layer id, or a path; None if there is none.

    A relative path written in a layer's `extends` is read from that layer's directory.
    """
    text = str(ref)
    candidates: list[Path] = []
    if relative_to is not None and "/" not in text and not text.endswith(SUFFIX):
        candidates.append(relative_to / f"{text}{SUFFIX}")
    if relative_to is not None and not Path(text).is_absolute():
        candidates.append(relative_to / text)
    candidates.append(Path(text))
    if "/" not in text and not text.endswith(SUFFIX):
        candidates.append(bundled_dir() / f"{text}{SUFFIX}")
    for path in candidates:
        try:
            if path.is_file():
                return path
        except OSError:  # e.g. a name longer than the file system allows: no file either
            continue
    return None


def _why_not_found(ref: str | Path) -> str:
    try:
        if Path(ref).is_dir():
            return "a directory, not a ruleset file"
    except OSError as exc:
        return f"not a bundled id, and not a usable path ({exc.strerror})"
    return "not a bundled id and no such file"


def load_layers(ref: str | Path) -> Merged:
    """Load `ref` and every layer it extends, validate, and merge.

    Raises:
        RulesetError: with every issue found in every file involved.

    """
    issues: list[Issue] = []
    path = resolve(ref)
    if path is None:
        known = bundled_ids()
        hint = difflib.get_close_matches(str(ref), known, n=1)
        text = str(ref)
        shown = text if len(text) <= 100 else f"{text[:60]}… ({len(text):,} characters)"
        raise RulesetError(
            [
                Issue(
                    "ruleset_not_found",
                    f"no ruleset {shown!r}: {_why_not_found(ref)}",
                    SourceLocation(shown),
                    help=(f"did you mean {hint[0]!r}? " if hint else "")
                    + f"bundled rulesets: {', '.join(known) or '(none)'}",
                )
            ]
        )
    order: list[Layer] = []
    _visit(path, [], {}, order, issues, None)
    if any(i.severity == "error" for i in issues):
        raise RulesetError(issues)
    merged = _merge(order, issues)
    if any(i.severity == "error" for i in issues):
        raise RulesetError(issues)
    return merged


def _display(path: Path) -> str:
    """Show a path relative to the bundled dir or the cwd when it is inside them."""
    resolved = path.resolve()
    for base, prefix in ((bundled_dir().resolve(), "rulesets/"), (Path.cwd().resolve(), "")):
        try:
            return prefix + str(resolved.relative_to(base))
        except ValueError:
            continue
    return str(path)


def _visit(
    path: Path,
    stack: list[Path],
    seen: dict[Path, Layer],
    order: list[Layer],
    issues: list[Issue],
    from_loc: SourceLocation | None,
) -> Layer | None:
    real = path.resolve()
    if real in seen:
        return seen[real]
    if real in stack:
        chain = " -> ".join(_display(p) for p in [*stack[stack.index(real) :], real])
        issues.append(
            Issue(
                "ruleset_extends_cycle",
                f"`extends` forms a cycle: {chain}",
                from_loc or SourceLocation(_display(path)),
                help="a layer may only extend layers below it; remove one `extends` entry",
            )
        )
        return None
    layer = _read_layer(path, issues)
    if layer is None:
        return None
    stack.append(real)
    parent_dir = path.parent
    for i, parent_ref in enumerate(layer.spec.extends):
        loc = layer.loc("extends", i)
        parent = resolve(parent_ref, relative_to=parent_dir)
        if parent is None:
            known = sorted({*bundled_ids(), *(p.stem for p in parent_dir.glob(f"*{SUFFIX}"))})
            hint = difflib.get_close_matches(parent_ref, known, n=1)
            issues.append(
                Issue(
                    "ruleset_unknown_layer",
                    f"extends unknown layer {parent_ref!r}",
                    loc,
                    help=(f"did you mean {hint[0]!r}? " if hint else "")
                    + "write a bundled ruleset id, a sibling file's id, or a path",
                )
            )
            continue
        _visit(parent, stack, seen, order, issues, loc)
    stack.pop()
    seen[real] = layer
    order.append(layer)
    return layer


def _read_layer(path: Path, issues: list[Issue]) -> Layer | None:
    shown = _display(path)
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_BYTES + 1)  # never read a huge file whole to refuse it
        if len(raw) > MAX_BYTES:
            issues.append(too_large(SourceLocation(shown, 1, 1), path.stat().st_size))
            return None
    except OSError as exc:
        issues.append(
            Issue(
                "ruleset_unreadable",
                f"cannot read: {exc.strerror}",
                SourceLocation(shown),
                help="check that the file exists and is readable",
            )
        )
        return None
    doc, found = parse(raw, shown)
    issues.extend(found)
    if doc is None:
        return None
    if not isinstance(doc.data, dict):
        if found:  # the YAML stage refused the root already (an unsupported tag)
            return None
        if doc.data is None:  # `---` alone, or `~`: a document with nothing in it
            issues.append(
                Issue(
                    "ruleset_empty",
                    "the file holds an empty document",
                    SourceLocation(shown, 1, 1),
                    help="write a ruleset mapping",
                )
            )
            return None
        issues.append(
            Issue(
                "ruleset_not_mapping",
                "a ruleset file must be a mapping (id:, title:, rules:, ...), "
                f"not a {_yaml_type(doc.data)}",
                SourceLocation(shown, 1, 1),
                help="write top-level `key: value` lines: id, title, version, jurisdiction, "
                "sources, rules",
            )
        )
        return None
    try:
        spec = RulesetSpec.model_validate(doc.data)
    except ValidationError as exc:
        # a value the YAML stage already refused (and replaced) is not reported twice
        refused = [i.loc.path for i in found]
        issues.extend(
            i
            for i in _pydantic_issues(exc, doc)
            if not any(i.loc.path[: len(p)] == p for p in refused)
        )
        return None
    return Layer(spec, doc)


def _yaml_type(value: Any) -> str:
    return "list" if isinstance(value, list) else "single value"


# --- pydantic errors -> Issues with advice ------------------------------------------------


def _unwrap(annotation: Any) -> Any:
    """Return the model class inside list[...], dict[..., ...], X | None; else the annotation."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            if arg is not type(None):
                return _unwrap(arg)
    if origin in (list, tuple):
        return _unwrap(typing.get_args(annotation)[0])
    if origin is dict:
        return _unwrap(typing.get_args(annotation)[1])
    return annotation


def _model_at(path: tuple[Any, ...]) -> type[BaseModel] | None:
    model: Any = RulesetSpec
    for part in path:
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return None
        if isinstance(part, str) and part in model.model_fields:
            model = _unwrap(model.model_fields[part].annotation)
        # list indices and dict keys keep the item model
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


_QUOTED = re.compile(r"'([^']*)'")

#: What to write instead, by pydantic error type (the YAML names of the types).
_TYPE_HELP = {
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


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _pydantic_issues(exc: ValidationError, doc: Document) -> list[Issue]:
    out: list[Issue] = []
    for err in exc.errors(include_url=False):
        path = tuple(
            p
            for p in err["loc"]
            if not (isinstance(p, str) and (p.startswith("function-") or p == "[key]"))
        )
        loc = doc.loc(path)
        kind = err["type"]
        msg = err["msg"]
        ctx = err.get("ctx") or {}
        help_ = str(ctx.get("help", ""))
        code = "ruleset_invalid_value"
        if kind == "extra_forbidden":
            code = "ruleset_unknown_key"
            model = _model_at(path[:-1])
            known = sorted(model.model_fields) if model else []
            key = str(path[-1])
            msg = f"unknown key {key!r}"
            hint = difflib.get_close_matches(key, known, n=1)
            help_ = (f"did you mean {hint[0]!r}? " if hint else "") + (
                f"allowed keys: {', '.join(known)}" if known else ""
            )
        elif kind == "missing":
            code = "ruleset_missing_key"
            msg = f"missing required key {str(path[-1])!r}"
            help_ = f"add `{path[-1]}:` here"
        elif kind in ("enum", "literal_error"):
            code = "ruleset_unknown_value"
            expected = str(ctx.get("expected", ""))
            allowed = _QUOTED.findall(expected)
            given = str(err.get("input"))
            hint = difflib.get_close_matches(given, allowed, n=1)
            msg = f"unknown value {_short(given)}"
            help_ = (f"did you mean {hint[0]!r}? " if hint else "") + (
                f"allowed: {', '.join(allowed) if allowed else expected}"
            )
        else:
            msg = f"{msg} (got {_short(err.get('input'))})" if "input" in err else msg
            if not help_:
                template = _TYPE_HELP.get(kind, "")
                try:
                    help_ = template.format(**ctx)
                except (KeyError, IndexError, ValueError):
                    help_ = template
            if not help_:
                help_ = "write a value of the type this key takes (see the format reference)"
        out.append(Issue(code, msg, loc, help=help_))
    return out


# --- merge ------------------------------------------------------------------------------


def _merge(layers: list[Layer], issues: list[Issue]) -> Merged:
    merged = Merged(top=layers[-1].spec, layers=layers)
    for layer in layers:
        spec, lid = layer.spec, layer.spec.id
        _merge_sources(merged, layer, issues)
        for alias, entry in spec.rank_aliases.items():
            rank = entry.rank
            loc = layer.loc("rank_aliases", alias)
            key = alias.strip().lower()
            if key in {r.value for r in Rank}:
                issues.append(
                    Issue(
                        "ruleset_alias_shadows_rank",
                        f"alias {alias!r} is itself a canonical rank",
                        loc,
                        help="aliases name an agency's own titles; remove this one",
                    )
                )
                continue
            prev = merged.rank_aliases.get(key)
            if prev is not None and prev.value.rank != rank:
                issues.append(
                    Issue(
                        "ruleset_alias_conflict",
                        f"alias {alias!r} maps to {rank.value!r} here but to "
                        f"{prev.value.rank.value!r} in layer {prev.layer!r} ({prev.loc})",
                        loc,
                        help="one title must mean one rung across all layers",
                    )
                )
                continue
            merged.rank_aliases[key] = Placed(
                entry, lid, loc, doc=layer.doc, path=("rank_aliases", alias)
            )
        if spec.force_grid is not None:
            _merge_grid(merged, layer, spec.force_grid, issues)
        if spec.opportunity is not None:
            merged.opportunity = Placed(
                spec.opportunity, lid, layer.loc("opportunity"), layer.doc, ("opportunity",)
            )
        for i, notice in enumerate(spec.notices):
            merged.notices[notice.id] = Placed(
                notice, lid, layer.loc("notices", i), layer.doc, ("notices", i)
            )
        for i, exc in enumerate(spec.exceptions):
            merged.exceptions.append(
                Placed(exc, lid, layer.loc("exceptions", i), layer.doc, ("exceptions", i))
            )
        _merge_rules(merged, layer, issues)
    return merged


def _merge_sources(merged: Merged, layer: Layer, issues: list[Issue]) -> None:
    seen_here: set[str] = set()
    for i, src in enumerate(layer.spec.sources):
        loc = layer.loc("sources", i, "id")
        if src.id in seen_here:
            issues.append(
                Issue(
                    "ruleset_duplicate_source",
                    f"source {src.id!r} declared twice in this file",
                    loc,
                    help="keep one declaration, or give the other source its own id",
                )
            )
            continue
        seen_here.add(src.id)
        prev = merged.sources.get(src.id)
        if prev is not None and prev.value != src:
            issues.append(
                Issue(
                    "ruleset_source_conflict",
                    f"source {src.id!r} is declared differently in layer {prev.layer!r} "
                    f"({prev.loc})",
                    loc,
                    help="cite the base layer's declaration (omit it here) or use a new id",
                )
            )
            continue
        if prev is None:
            merged.sources[src.id] = Placed(src, layer.spec.id, loc)


def _merge_grid(merged: Merged, layer: Layer, grid: ForceGridSpec, issues: list[Issue]) -> None:
    base = dict(merged.grid_rows)
    for resistance, forces in grid.allows.items():
        row = frozenset(forces)
        loc = layer.loc("force_grid", "allows", resistance.value)
        if resistance in base and not row <= base[resistance]:
            wider = sorted(f.value for f in row - base[resistance])
            issues.append(
                Issue(
                    "ruleset_grid_weakens_base",
                    f"allows {', '.join(wider)} at {resistance.value}, which the base layer "
                    f"{merged.force_grid.layer if merged.force_grid else '?'!r} does not allow",
                    loc,
                    help="a layer may only narrow the force grid; remove these force types",
                )
            )
            continue
        base[resistance] = row
    merged.grid_rows = base
    merged.force_grid = Placed(
        grid, layer.spec.id, layer.loc("force_grid"), layer.doc, ("force_grid",)
    )


def _merge_rules(merged: Merged, layer: Layer, issues: list[Issue]) -> None:
    here: dict[str, SourceLocation] = {}
    replaced: dict[str, str] = {}  # base rule id -> id of the rule in this layer replacing it
    for i, rule in enumerate(layer.spec.rules):
        loc = layer.loc("rules", i)
        id_loc = layer.loc("rules", i, "id")
        if rule.id in here:
            issues.append(
                Issue(
                    "ruleset_duplicate_rule",
                    f"rule id {rule.id!r} is used twice in this file (first at {here[rule.id]})",
                    id_loc,
                    help="give each rule its own id",
                )
            )
            continue
        here[rule.id] = id_loc
        if rule.replaces is not None:
            target = merged.rules.get(rule.replaces)
            if rule.replaces in replaced:
                issues.append(
                    Issue(
                        "ruleset_replaces_unknown",
                        f"replaces {rule.replaces!r}, which rule {replaced[rule.replaces]!r} "
                        "of this layer already replaces",
                        layer.loc("rules", i, "replaces"),
                        help="a base rule is replaced by one rule; merge the two or drop "
                        "`replaces` here",
                    )
                )
                continue
            if target is None or target.layer == layer.spec.id:
                known = [k for k, v in merged.rules.items() if v.layer != layer.spec.id]
                hint = difflib.get_close_matches(rule.replaces, known, n=1)
                issues.append(
                    Issue(
                        "ruleset_replaces_unknown",
                        f"replaces {rule.replaces!r}, which no base layer defines",
                        layer.loc("rules", i, "replaces"),
                        help=(f"did you mean {hint[0]!r}? " if hint else "")
                        + "name a rule of a base layer",
                    )
                )
                continue
            # kept: on a date when the replacing layer is not in force, the original applies
            merged.replaced[rule.id] = merged.rules.pop(rule.replaces)
            replaced[rule.replaces] = rule.id
        prev = merged.rules.get(rule.id)
        if prev is not None:
            issues.append(
                Issue(
                    "ruleset_shadowed_rule",
                    f"rule {rule.id!r} is already defined in layer {prev.layer!r} ({prev.loc})",
                    id_loc,
                    help=f"to replace it, give this rule a new id and write `replaces: {rule.id}`",
                )
            )
            continue
        merged.rules[rule.id] = Placed(rule, layer.spec.id, loc, layer.doc, ("rules", i))


__all__ = [
    "Layer",
    "Merged",
    "NoticeSpec",
    "OpportunitySpec",
    "Placed",
    "RuleSpec",
    "SourceSpec",
    "bundled_dir",
    "bundled_ids",
    "load_layers",
    "resolve",
]
