"""Stage 3 of loading: find files, validate each layer, follow `extends`, merge the layers.

Every problem in every file is collected as an `Issue` with its file:line:col; one
`RulesetError` carries them all. The merge refuses what would silently change meaning: a
rule id reused without `replaces`, a force grid wider than its base's, a source id
declared twice with different contents, conflicting rank aliases.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from intervene_rules._validation import issues as to_issues
from intervene_rules._validation import translate
from intervene_rules.errors import Issue, RulesetError
from intervene_rules.location import SourceLocation
from intervene_rules.ruleset._yaml import MAX_BYTES, Document, parse, too_large
from intervene_rules.ruleset.model import (
    ForceGridSpec,
    RulesetSpec,
    RuleSpec,
)
from intervene_rules.suggest import did_you_mean
from intervene_rules.vocabulary import ForceType, Rank, Resistance

SUFFIX = ".yaml"

#: Limits on one load, over all its layers (each file is also capped at `MAX_BYTES`): a
#: ruleset is written by people; far beyond these, loading would take minutes and gigabytes.
MAX_RULES = 20_000
MAX_TOTAL_BYTES = 4 * MAX_BYTES
MAX_LAYERS = 64


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


T = TypeVar("T")


@dataclass
class Layer:
    """One validated file, with the document kept for locations.

    When some items of the file failed validation, `spec` holds the others and `kept`
    gives, per list section (`rules`, `sources`, ...), the position in the file of each item
    kept, so every location still points at what was written.
    """

    spec: RulesetSpec
    doc: Document
    kept: dict[str, tuple[int, ...]] = field(default_factory=dict)
    parents: list[Layer] = field(default_factory=list)
    """The layers its `extends` entries named, in order (a bundle records them)."""
    path: Path | None = None
    """The file it was read from (resolved); None for a document of a bundle."""

    def loc(self, *path: str | int) -> SourceLocation:
        """Location of a path inside this file."""
        return self.doc.loc(path)

    def numbered(self, section: str, items: Sequence[T]) -> list[tuple[int, T]]:
        """The items of a list section with their positions in the file."""
        index = self.kept.get(section)
        return list(zip(index, items, strict=True)) if index is not None else list(enumerate(items))


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
    """All layers merged, base first, before compilation.

    `issues` holds the problems found while loading and merging: `compile_program` reports
    them together with its own, so one run shows the errors of every phase. `unchecked_*`
    name what was written in items left out (they failed validation, or the merge refused
    them): reading such a fact, citing such a source or replacing such a rule is not
    reported as a second error.
    """

    top: RulesetSpec
    layers: list[Layer]
    sources: dict[str, Placed] = field(default_factory=dict)
    rank_aliases: dict[str, Placed] = field(default_factory=dict)
    force_grid: Placed | None = None
    grid_rows: dict[Resistance, frozenset[ForceType]] = field(default_factory=dict)
    restrictions: list[Placed] = field(default_factory=list)
    opportunity: Placed | None = None
    notices: dict[str, Placed] = field(default_factory=dict)
    rules: dict[str, Placed] = field(default_factory=dict)
    exceptions: list[Placed] = field(default_factory=list)
    replaced: dict[str, Placed] = field(default_factory=dict)
    unchecked_facts: set[str] = field(default_factory=set)
    unchecked_sources: set[str] = field(default_factory=set)
    unchecked_rules: set[str] = field(default_factory=set)
    issues: list[Issue] = field(default_factory=list)


def _is_file(path: Path) -> bool:
    """`path.is_file()`, false for a name the file system refuses (too long, NUL)."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except (OSError, ValueError):
        return False


def resolve(ref: str | Path, *, relative_to: Path | None = None) -> Path | None:
    """Find the file of a bundled id, a sibling layer id, or a path; None if there is none.

    A relative path is read from `relative_to` when given. This serves the ruleset a caller
    names (any path); the `extends` of a layer are resolved more strictly, inside the
    ruleset's own folder (see `load_layers`).
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
        if _is_file(path):
            return path
    return None


def _not_found(ref: str | Path) -> Issue:
    text = str(ref)
    shown = text if len(text) <= 100 else f"{text[:60]}… ({len(text):,} characters)"
    where = SourceLocation(shown)
    if _is_dir(Path(text)):
        return Issue(
            "ruleset_not_a_file",
            f"{shown!r} is a directory, not a ruleset file",
            where,
            help=f"name one ruleset file in it (*{SUFFIX}) or a bundled id",
        )
    known = bundled_ids()
    why = "no such file"
    try:
        Path(text).exists()
    except OSError as exc:  # e.g. a name longer than the file system allows
        why = (exc.strerror or "not a usable file name").lower()
    except ValueError:
        why = "not a usable file name"
    return Issue(
        "ruleset_not_found",
        f"no ruleset {shown!r}: not a bundled id and {why}",
        where,
        help=did_you_mean(text, known) + f"bundled rulesets: {', '.join(known) or '(none)'}",
    )


@dataclass
class _Load:
    """The state of one load: what was read, the budgets left, where `extends` may lead."""

    roots: tuple[Path, ...]
    issues: list[Issue] = field(default_factory=list)
    order: list[Layer] = field(default_factory=list)
    seen: dict[Path, Layer] = field(default_factory=dict)
    stack: list[Path] = field(default_factory=list)
    bytes_read: int = 0
    rules: int = 0
    complete: bool = True  # every layer was read and validated (perhaps only in part)
    over_budget: bool = False
    unchecked_facts: set[str] = field(default_factory=set)
    unchecked_sources: set[str] = field(default_factory=set)
    unchecked_rules: set[str] = field(default_factory=set)


def load_layers(ref: str | Path, *, allow_paths: Iterable[str | Path] = ()) -> Merged:
    """Load `ref` and every layer it extends, validate, and merge.

    `extends` may name bundled ids and files inside the folder of `ref` (the resolved path:
    no `..` or symbolic link leads out of it); `allow_paths` adds folders it may also read.

    Problems of files that were read are returned in `Merged.issues` (compilation adds its
    own and raises once); a file that could not be read or validated at all stops here.

    Raises:
        RulesetError: a layer is missing, unreadable, not a ruleset, or over a limit; with
            every issue found in every file involved.

    """
    path = resolve(ref)
    if path is None:
        raise RulesetError([_not_found(ref)])
    roots = [path.resolve().parent, bundled_dir().resolve()]
    for extra in allow_paths:
        with contextlib.suppress(OSError, ValueError):
            roots.append(Path(extra).resolve())
    state = _Load(roots=tuple(roots))
    _visit(path, state, None)
    return _merged(state)


def merge_documents(docs: Sequence[Document]) -> Merged:
    """Validate and merge documents already read (a bundle's layers), base first.

    The layers are merged in the order given (`extends` is not followed: the caller checks
    it against the order); each is validated as a file of the same content would be.

    Raises:
        RulesetError: a document is not a ruleset or cannot be validated, or is over a limit.

    """
    state = _Load(roots=())
    for doc in docs:
        if state.over_budget:
            break
        layer = _accept(doc, [], state)
        if layer is None:
            state.complete = False
            continue
        state.order.append(layer)
    return _merged(state)


def _merged(state: _Load) -> Merged:
    issues = state.issues
    if not state.complete or not state.order:
        # a missing or unreadable layer: what the others cite or conclude may be in it
        raise RulesetError(issues)
    merged = Merged(
        top=state.order[-1].spec,
        layers=state.order,
        unchecked_facts=state.unchecked_facts,
        unchecked_sources=state.unchecked_sources,
        unchecked_rules=state.unchecked_rules,
        issues=issues,
    )
    _merge(merged, issues)
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


def _inside(path: Path, roots: Sequence[Path]) -> bool:
    real = path.resolve()
    return any(real == root or root in real.parents for root in roots)


def _resolve_extends(ref: str, layer_dir: Path, roots: Sequence[Path]) -> Path | str:
    """The file a layer's `extends` entry names, or why it may not be read (a message)."""
    is_id = "/" not in ref and "\\" not in ref and not ref.endswith(SUFFIX)
    candidates = [layer_dir / f"{ref}{SUFFIX}"] if is_id else []
    candidates.append(layer_dir / ref)  # an absolute path stays absolute
    outside = False
    for path in candidates:
        if _is_file(path):
            if _inside(path, roots):
                return path
            outside = True
    if is_id:
        bundled = bundled_dir() / f"{ref}{SUFFIX}"
        if _is_file(bundled):
            return bundled
    if outside:
        return (
            f"extends {ref!r}, which is outside the ruleset's folder; a layer may extend "
            "bundled rulesets and files in its ruleset's folder"
        )
    return ""


def _visit(path: Path, state: _Load, from_loc: SourceLocation | None) -> None:
    real = path.resolve()
    if real in state.seen or state.over_budget:
        return
    if real in state.stack:
        chain = " -> ".join(_display(p) for p in [*state.stack[state.stack.index(real) :], real])
        state.issues.append(
            Issue(
                "ruleset_extends_cycle",
                f"`extends` forms a cycle: {chain}",
                from_loc or SourceLocation(_display(path)),
                help="a layer may only extend layers below it; remove one `extends` entry",
            )
        )
        state.complete = False
        return
    if len(state.seen) + len(state.stack) >= MAX_LAYERS:
        state.issues.append(
            Issue(
                "ruleset_too_large",
                f"the ruleset has more than {MAX_LAYERS} layers",
                from_loc or SourceLocation(_display(path)),
                help="merge layers; a ruleset needs a few (federal, state, agency)",
            )
        )
        state.complete = False
        state.over_budget = True
        return
    layer = _read_layer(path, state)
    if layer is None:
        state.complete = False
        return
    state.stack.append(real)
    parent_dir = path.parent
    for i, parent_ref in enumerate(layer.spec.extends):
        loc = layer.loc("extends", i)
        parent = _resolve_extends(parent_ref, parent_dir, state.roots)
        if isinstance(parent, str):
            state.complete = False
            if parent:
                state.issues.append(
                    Issue(
                        "ruleset_extends_outside",
                        parent,
                        loc,
                        help="move the layer into the ruleset's folder, or let the caller allow "
                        "its folder: load_ruleset(path, allow_paths=[folder])",
                    )
                )
                continue
            siblings = _sibling_ids(parent_dir)
            known = sorted({*bundled_ids(), *siblings})
            state.issues.append(
                Issue(
                    "ruleset_unknown_layer",
                    f"extends unknown layer {parent_ref!r}",
                    loc,
                    help=did_you_mean(parent_ref, known)
                    + "write a bundled ruleset id, a sibling file's id, or a path",
                )
            )
            continue
        _visit(parent, state, loc)
        found = state.seen.get(parent.resolve())
        if found is not None:
            layer.parents.append(found)
    state.stack.pop()
    state.seen[real] = layer
    state.order.append(layer)


def _sibling_ids(directory: Path) -> list[str]:
    try:
        return [p.stem for p in directory.glob(f"*{SUFFIX}")]
    except OSError:
        return []


def _read_layer(path: Path, state: _Load) -> Layer | None:
    shown = _display(path)
    issues = state.issues
    left = MAX_TOTAL_BYTES - state.bytes_read
    try:
        with path.open("rb") as fh:
            raw = fh.read(min(MAX_BYTES, left) + 1)  # never read a huge file whole to refuse it
        if len(raw) > MAX_BYTES:
            issues.append(too_large(SourceLocation(shown, 1, 1), path.stat().st_size))
            return None
    except OSError as exc:
        issues.append(
            Issue(
                "ruleset_unreadable",
                f"cannot read: {exc.strerror or type(exc).__name__}",
                SourceLocation(shown),
                help="check that the file exists and is readable",
            )
        )
        return None
    if len(raw) > left:
        issues.append(
            Issue(
                "ruleset_too_large",
                f"the layers of this ruleset hold more than {MAX_TOTAL_BYTES} bytes together "
                f"(the limit for one load)",
                SourceLocation(shown, 1, 1),
                help="a ruleset needs far less; merge or drop layers",
            )
        )
        state.over_budget = True
        return None
    state.bytes_read += len(raw)
    doc, found = parse(raw, shown)
    issues.extend(found)
    if doc is None:
        return None
    layer = _accept(doc, found, state)
    if layer is not None:
        layer.path = path.resolve()
    return layer


def _accept(doc: Document, found: list[Issue], state: _Load) -> Layer | None:
    """Check that a parsed document is a ruleset within the limits, then validate it."""
    issues = state.issues
    if not isinstance(doc.data, dict):
        if found:  # the YAML stage refused the root already (an unsupported tag)
            return None
        if doc.data is None:  # `---` alone, or `~`: a document with nothing in it
            issues.append(
                Issue(
                    "ruleset_empty",
                    "the file holds an empty document",
                    doc.loc(()),
                    help="write a ruleset mapping",
                )
            )
            return None
        issues.append(
            Issue(
                "ruleset_not_mapping",
                "a ruleset file must be a mapping (id:, title:, rules:, ...), "
                f"not a {_yaml_type(doc.data)}",
                doc.loc(()),
                help="write top-level `key: value` lines: id, title, version, jurisdiction, "
                "sources, rules",
            )
        )
        return None
    known = sum(1 for k in doc.data if k in RulesetSpec.model_fields)
    if not known or 2 * known < len(doc.data):
        # not a ruleset (a configuration, /etc/passwd): say so without quoting its content
        issues.append(
            Issue(
                "ruleset_not_a_ruleset",
                "this file is not a ruleset: most of its keys are not ruleset keys",
                doc.loc(()),
                help="a ruleset is a mapping with id, title, version, jurisdiction and rules",
            )
        )
        return None
    written = doc.data.get("rules")
    state.rules += len(written) if isinstance(written, list) else 0
    if state.rules > MAX_RULES:
        issues.append(
            Issue(
                "ruleset_too_large",
                f"the ruleset has {state.rules} rules with this layer; one load takes at most "
                f"{MAX_RULES} rules over all its layers",
                doc.loc(("rules",)),
                help="a ruleset needs far fewer rules; merge rules that share a conclusion",
            )
        )
        state.over_budget = True
        return None
    refused = [i.loc.path for i in found]
    return _validate(doc, refused, state)


def _yaml_type(value: Any) -> str:
    return "list" if isinstance(value, list) else "single value"


# --- validation, keeping what can still be checked ----------------------------------------

_SECTIONS = ("rules", "sources", "notices", "exceptions")
#: Placeholders for a required top-level value that is wrong, so the rest can be checked.
_PLACEHOLDERS = {"id": "invalid-id", "title": "?", "version": "?", "jurisdiction": "?"}
#: Without these, checking the rest would report what is only a consequence.
_VITAL = ("extends", "sources", "format")
#: Union members pydantic names in error locations (not keys written in the file).
_TAGS = frozenset({"str", "BasisRef"})


def _validate(doc: Document, refused: list[tuple[str | int, ...]], state: _Load) -> Layer | None:
    """Validate a layer; when some items are wrong, report them and keep the rest."""
    data: dict[str, Any] = doc.data
    try:
        return Layer(RulesetSpec.model_validate(data), doc)
    except ValidationError as exc:
        problems = translate(exc, data, root=RulesetSpec, tags=_TAGS)
    # a value the YAML stage already refused (and replaced) is not reported twice
    state.issues.extend(
        i
        for i in to_issues(problems, doc, "ruleset")
        if not any(i.loc.path[: len(p)] == p for p in refused)
    )
    units = {_unit(p.path) for p in problems}
    if any(len(u) <= 1 and (not u or u[0] in _VITAL) for u in units):
        state.complete = False
        return None
    pruned = dict(data)
    kept: dict[str, tuple[int, ...]] = {}
    for key in {str(u[0]) for u in units if len(u) == 1}:
        if key in _PLACEHOLDERS:
            pruned[key] = _PLACEHOLDERS[key]
        else:
            pruned.pop(key, None)
    for section in _SECTIONS:
        drop = {u[1] for u in units if len(u) == 2 and u[0] == section and isinstance(u[1], int)}
        items = pruned.get(section)
        if drop and isinstance(items, list):
            keep = [i for i in range(len(items)) if i not in drop]
            kept[section] = tuple(keep)
            pruned[section] = [items[i] for i in keep]
            _note_left_out([items[i] for i in sorted(drop)], section, state)
    aliases = pruned.get("rank_aliases")
    drop_aliases = {u[1] for u in units if len(u) == 2 and u[0] == "rank_aliases"}
    if drop_aliases and isinstance(aliases, dict):
        pruned["rank_aliases"] = {k: v for k, v in aliases.items() if k not in drop_aliases}
    try:
        spec = RulesetSpec.model_validate(pruned)
    except ValidationError:
        state.complete = False
        return None
    return Layer(spec, doc, kept)


def _unit(path: tuple[str | int, ...]) -> tuple[str | int, ...]:
    """What to leave out for an error at `path`: the item of a section, or the top-level key."""
    if len(path) >= 2 and (
        (path[0] in _SECTIONS and isinstance(path[1], int)) or path[0] == "rank_aliases"
    ):
        return path[:2]
    return path[:1]


def _note_left_out(items: list[Any], section: str, state: _Load) -> None:
    """Remember the ids and facts written in items left out (see `Merged.unchecked_*`)."""
    for item in items:
        if not isinstance(item, dict):
            continue
        ident = item.get("id")
        if isinstance(ident, str):
            if section == "sources":
                state.unchecked_sources.add(ident)
            elif section == "rules":
                state.unchecked_rules.add(ident)
        then = item.get("then")
        facts = then.get("facts") if isinstance(then, dict) else None
        if section == "rules" and isinstance(facts, list):
            state.unchecked_facts.update(f for f in facts if isinstance(f, str))


# --- merge ------------------------------------------------------------------------------


def _merge(merged: Merged, issues: list[Issue]) -> None:
    for layer in merged.layers:
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
        for i, notice in layer.numbered("notices", spec.notices):
            merged.notices[notice.id] = Placed(
                notice, lid, layer.loc("notices", i), layer.doc, ("notices", i)
            )
        for i, exc in layer.numbered("exceptions", spec.exceptions):
            merged.exceptions.append(
                Placed(exc, lid, layer.loc("exceptions", i), layer.doc, ("exceptions", i))
            )
        _merge_rules(merged, layer, issues)


def _merge_sources(merged: Merged, layer: Layer, issues: list[Issue]) -> None:
    seen_here: set[str] = set()
    for i, src in layer.numbered("sources", layer.spec.sources):
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
    for i, restriction in enumerate(grid.restricts):
        merged.restrictions.append(
            Placed(
                restriction,
                layer.spec.id,
                layer.loc("force_grid", "restricts", i),
                layer.doc,
                ("force_grid", "restricts", i),
            )
        )
    merged.force_grid = Placed(
        grid, layer.spec.id, layer.loc("force_grid"), layer.doc, ("force_grid",)
    )


def _merge_rules(merged: Merged, layer: Layer, issues: list[Issue]) -> None:
    here: dict[str, SourceLocation] = {}
    replaced: dict[str, str] = {}  # base rule id -> id of the rule in this layer replacing it
    for i, rule in layer.numbered("rules", layer.spec.rules):
        issue = _place_rule(merged, layer, i, rule, here, replaced)
        if issue is not None:
            issues.append(issue)
            # left out: what it concludes is not reported again where other rules read it
            merged.unchecked_facts.update(rule.then.facts)


def _place_rule(
    merged: Merged,
    layer: Layer,
    i: int,
    rule: RuleSpec,
    here: dict[str, SourceLocation],
    replaced: dict[str, str],
) -> Issue | None:
    """Add one rule to the merge, or return why it cannot be added."""
    loc = layer.loc("rules", i)
    id_loc = layer.loc("rules", i, "id")
    if rule.id in here:
        return Issue(
            "ruleset_duplicate_rule",
            f"rule id {rule.id!r} is used twice in this file (first at {here[rule.id]})",
            id_loc,
            help="give each rule its own id",
        )
    here[rule.id] = id_loc
    if rule.replaces is not None:
        target = merged.rules.get(rule.replaces)
        if rule.replaces in replaced:
            return Issue(
                "ruleset_replaces_unknown",
                f"replaces {rule.replaces!r}, which rule {replaced[rule.replaces]!r} "
                "of this layer already replaces",
                layer.loc("rules", i, "replaces"),
                help="a base rule is replaced by one rule; merge the two or drop `replaces` here",
            )
        if target is None and rule.replaces in merged.unchecked_rules:
            target = None  # the base rule was refused already; say nothing more of it
        elif target is None or target.layer == layer.spec.id:
            known = [k for k, v in merged.rules.items() if v.layer != layer.spec.id]
            return Issue(
                "ruleset_replaces_unknown",
                f"replaces {rule.replaces!r}, which no base layer defines",
                layer.loc("rules", i, "replaces"),
                help=did_you_mean(rule.replaces, known) + "name a rule of a base layer",
            )
        if target is not None:
            # kept: on a date when the replacing layer is not in force, the original applies
            merged.replaced[rule.id] = merged.rules.pop(rule.replaces)
        replaced[rule.replaces] = rule.id
    prev = merged.rules.get(rule.id)
    if prev is not None:
        return Issue(
            "ruleset_shadowed_rule",
            f"rule {rule.id!r} is already defined in layer {prev.layer!r} ({prev.loc})",
            id_loc,
            help=f"to replace it, give this rule a new id and write `replaces: {rule.id}`",
        )
    merged.rules[rule.id] = Placed(rule, layer.spec.id, loc, layer.doc, ("rules", i))
    return None


__all__ = [
    "Layer",
    "Merged",
    "Placed",
    "bundled_dir",
    "bundled_ids",
    "load_layers",
    "merge_documents",
    "resolve",
]
