"""Stage 4 of loading: the merged layers become one `Program` (the IR), through named passes.

Each pass is a pure function that reads the `_State` and appends `Issue`s (OPA's compiler
stages): `lower` (conditions -> IR in negation normal form), `check_citations`,
`check_conclusions` (what may be concluded and read at which stage), `order` (evaluation
order: stage, then fact dependencies; cycles refused). Every pass runs, whatever the passes
before it found, so one run reports the errors of every phase; a rule whose condition did
not lower is left out of the passes that read conditions (its errors could hide others of
its own, never those of other rules). `digest` hashes the meaning.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from intervene_rules.errors import Issue
from intervene_rules.fields import FACT_PREFIX, FIELDS, FieldSpec, fact_field
from intervene_rules.location import SourceLocation
from intervene_rules.ruleset.ir import (
    AllOf,
    AnyOf,
    Cond,
    GridRestriction,
    InvariantException,
    Op,
    Opportunity,
    Program,
    Report,
    Rule,
    Test,
    ops_for,
)
from intervene_rules.ruleset.load import Merged, Placed
from intervene_rules.ruleset.model import RuleSpec, SourceSpec, basis_ids
from intervene_rules.ruleset.periods import (
    restricted_basis,
    restricted_because,
    restricted_grid,
)
from intervene_rules.suggest import did_you_mean
from intervene_rules.vocabulary import Duty, ForceType, Resistance, Stage

_COMBINATORS = ("all", "any", "not")


@dataclass
class _State:
    merged: Merged
    issues: list[Issue] = field(default_factory=list)
    lowered: list[tuple[Placed, Cond]] = field(default_factory=list)
    ordered: list[Rule] = field(default_factory=list)
    exceptions: list[InvariantException] = field(default_factory=list)
    replaced: dict[str, Rule] = field(default_factory=dict)
    broken: set[str] = field(default_factory=set)  # rules whose condition did not lower


Pass = Callable[[_State], None]


def negate(cond: Cond) -> Cond:
    """Negate `cond`, staying in negation normal form (no `not` node exists)."""
    if isinstance(cond, AllOf):
        return AnyOf(tuple(negate(c) for c in cond.items), cond.origin)
    if isinstance(cond, AnyOf):
        return AllOf(tuple(negate(c) for c in cond.items), cond.origin)
    if cond.op is Op.EMPTY:
        return Test(cond.field, Op.EMPTY, not cond.value, cond.origin)
    flipped = Test(cond.field, cond.op.negation, cond.value, cond.origin)
    spec = FIELDS.get(cond.field)
    if spec is not None and spec.kind == "number" and cond.op.is_order:
        # an unknown (null) number satisfies neither `x < v` nor `x >= v`
        return AnyOf((flipped, Test(cond.field, Op.EQ, None, cond.origin)), cond.origin)
    return flipped


# --- pass: lower ------------------------------------------------------------------------


def _lower(state: _State) -> None:
    everything = [*state.merged.rules.values(), *state.merged.replaced.values()]
    facts = {f for p in everything for f in p.value.then.facts} | state.merged.unchecked_facts
    for new_id, old in state.merged.replaced.items():
        original: RuleSpec = old.value
        state.replaced[new_id] = _build_rule(
            old,
            AllOf((), old.loc)
            if original.when is None
            else _parse(original.when, (*old.path, "when"), old, facts, state.issues),
        )
    for placed in state.merged.rules.values():
        rule: RuleSpec = placed.value
        assert placed.doc is not None
        path = (*placed.path, "when")
        if rule.when is None:
            cond: Cond = AllOf((), placed.loc)
        else:
            before = len(state.issues)
            cond = _parse(rule.when, path, placed, facts, state.issues)
            if len(state.issues) > before:
                state.broken.add(rule.id)
        state.lowered.append((placed, cond))
    for placed in state.merged.exceptions:
        exc = placed.value
        cond = _parse(exc.when, (*placed.path, "when"), placed, facts, state.issues)
        state.exceptions.append(
            InvariantException(
                invariant=exc.invariant,
                when=cond,
                reason=exc.reason.strip(),
                basis=tuple(basis_ids(exc.basis)),
                layer=placed.layer,
                origin=placed.loc,
            )
        )


def _loc(placed: Placed, path: tuple[str | int, ...]) -> SourceLocation:
    assert placed.doc is not None
    return placed.doc.loc(path)


def _parse(
    node: Any, path: tuple[str | int, ...], placed: Placed, facts: set[str], issues: list[Issue]
) -> Cond:
    loc = _loc(placed, path)
    if not isinstance(node, dict) or not node:
        issues.append(
            Issue(
                "ruleset_bad_condition",
                "a condition must be a non-empty mapping of field: test, all:, any: or not:",
                loc,
                help="write e.g. `force.type: {in: [cew, firearm]}`",
            )
        )
        return AllOf((), loc)
    parts: list[Cond] = []
    for key, value in node.items():
        sub = (*path, key)
        kloc = _loc(placed, sub)
        if key in ("all", "any"):
            if not isinstance(value, list) or not value:
                issues.append(
                    Issue(
                        "ruleset_bad_condition",
                        f"`{key}:` takes a non-empty list",
                        kloc,
                        help=f"write one condition per item, e.g. `{key}: [{{subject.restrained: "
                        "true}, {force.type: cew}]`",
                    )
                )
                continue
            items = tuple(
                _parse(item, (*sub, i), placed, facts, issues) for i, item in enumerate(value)
            )
            parts.append(AllOf(items, kloc) if key == "all" else AnyOf(items, kloc))
        elif key == "not":
            parts.append(negate(_parse(value, sub, placed, facts, issues)))
        else:
            parts.extend(_field_tests(str(key), value, sub, kloc, facts, issues))
    return parts[0] if len(parts) == 1 else AllOf(tuple(parts), loc)


def _field_spec(name: str, facts: set[str]) -> FieldSpec | None:
    if name.startswith(FACT_PREFIX):
        return fact_field(name[len(FACT_PREFIX) :]) if name[len(FACT_PREFIX) :] in facts else None
    return FIELDS.get(name)


def _field_tests(
    name: str,
    value: Any,
    path: tuple[str | int, ...],
    loc: SourceLocation,
    facts: set[str],
    issues: list[Issue],
) -> list[Cond]:
    spec = _field_spec(name, facts)
    if spec is None:
        concluded = [FACT_PREFIX + f for f in sorted(facts)]
        if name.startswith(FACT_PREFIX):
            # a fact is only ever confused with another fact
            hint = did_you_mean(name, concluded, cutoff=0.6)
            msg = f"no rule concludes fact {name[len(FACT_PREFIX) :]!r}"
            code = "ruleset_unknown_fact"
            advice = "read a fact some rule concludes (`then: {facts: [...]}`)" + (
                f": {', '.join(concluded)}" if concluded else ""
            )
        else:
            known = [*FIELDS, *concluded, *_COMBINATORS]
            hint = did_you_mean(name, known, cutoff=0.5)
            msg = f"unknown field {name!r}"
            code = "ruleset_unknown_field"
            advice = "see the field list in the ruleset format reference"
        issues.append(
            Issue(
                code,
                msg,
                loc,
                help=hint + advice,
                ctx={"field": name},
            )
        )
        return []
    if isinstance(value, dict):
        if not value:
            issues.append(
                Issue(
                    "ruleset_bad_condition",
                    f"no test for {name}: the operator mapping is empty",
                    loc,
                    help=f"write a value or an operator, e.g. `{name}: {{ne: ...}}`; "
                    f"allowed operators: {', '.join(sorted(ops_for(spec.kind)))}",
                )
            )
            return []
        tests: list[Cond] = []
        for op, operand in value.items():
            test = _make_test(spec, str(op), operand, loc, issues)
            if test is not None:
                tests.append(test)
        return tests
    if isinstance(value, list):
        op = "contains_any" if spec.kind == "set" else "in"
    elif spec.kind == "set":
        issues.append(
            Issue(
                "ruleset_bad_operand",
                f"{spec.name} is a set of values; a single value cannot equal it",
                loc,
                help=f"write `{spec.name}: {{contains_any: [{value}]}}` or a list",
            )
        )
        return []
    else:
        op = "eq"
    test = _make_test(spec, op, value, loc, issues)
    return [test] if test is not None else []


def _make_test(
    spec: FieldSpec, written: str, operand: Any, loc: SourceLocation, issues: list[Issue]
) -> Test | None:
    allowed_ops = ops_for(spec.kind)
    if written not in allowed_ops:
        issues.append(
            Issue(
                "ruleset_unknown_operator",
                f"operator {written!r} cannot be used on {spec.name} ({spec.kind})",
                loc,
                help=did_you_mean(written, sorted(op.value for op in allowed_ops))
                + f"allowed: {', '.join(sorted(allowed_ops))}",
            )
        )
        return None
    op = Op(written)
    if op.takes_list:
        if not isinstance(operand, list) or not operand:
            issues.append(
                Issue(
                    "ruleset_bad_operand",
                    f"`{op}` takes a non-empty list of values",
                    loc,
                    help=f"write e.g. `{{{op}: [a, b]}}`",
                )
            )
            return None
        values = [_coerce(spec, v, loc, issues) for v in operand]
        if any(v is _BAD for v in values):
            return None
        order = {v: i for i, v in enumerate(spec.domain)}
        return Test(spec.name, op, tuple(sorted(set(values), key=order.__getitem__)), loc)
    if op is Op.EMPTY:
        if not isinstance(operand, bool):
            issues.append(
                Issue(
                    "ruleset_bad_operand",
                    f"`empty` takes true or false, got {operand!r}",
                    loc,
                    help="write `{empty: true}` or `{empty: false}`",
                )
            )
            return None
        return Test(spec.name, op, operand, loc)
    if spec.kind == "number" and op in (Op.EQ, Op.NE) and operand is None:
        return Test(spec.name, op, None, loc)
    coerced = _coerce(spec, operand, loc, issues)
    if coerced is _BAD:
        return None
    return Test(spec.name, op, coerced, loc)


_BAD = object()


def _coerce(spec: FieldSpec, value: Any, loc: SourceLocation, issues: list[Issue]) -> Any:
    if spec.kind == "number":
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            issues.append(
                Issue(
                    "ruleset_bad_operand",
                    f"{spec.name} compares with finite numbers, got {value!r}",
                    loc,
                    help="write a plain number without quotes, e.g. `{gte: 10}` (not .nan or .inf)",
                )
            )
            return _BAD
        return float(value)
    domain = spec.domain
    if spec.kind in ("bool", "fact", "tribool"):
        if value in domain and (isinstance(value, bool) or value is None):
            return value
        allowed = "true, false" + (", null" if spec.kind == "tribool" else "")
        issues.append(
            Issue(
                "ruleset_bad_operand",
                f"{spec.name} is {allowed}; got {value!r}",
                loc,
                help=f"write {allowed.replace(', ', ' or ')} without quotes",
            )
        )
        return _BAD
    names = [m.value for m in domain]
    if isinstance(value, str) and value in names:
        return domain[names.index(value)]
    issues.append(
        Issue(
            "ruleset_unknown_value",
            f"unknown value {value!r} for {spec.name}",
            loc,
            help=did_you_mean(value, names) + f"allowed: {', '.join(names)}",
        )
    )
    return _BAD


# --- pass: check_citations ----------------------------------------------------------------


def _check_citations(state: _State) -> None:
    known = sorted(state.merged.sources)
    cited: list[tuple[str, SourceLocation]] = []
    others = [
        *state.merged.rules.values(),
        state.merged.force_grid,
        *state.merged.restrictions,
        state.merged.opportunity,
        *state.merged.notices.values(),
        *state.merged.exceptions,
        *state.merged.rank_aliases.values(),
    ]
    for placed_opt in others:
        if placed_opt is not None:
            cited.extend(
                (sid, _loc(placed_opt, (*placed_opt.path, "basis", i)))
                for i, sid in enumerate(basis_ids(placed_opt.value.basis))
            )
    unchecked = state.merged.unchecked_sources
    for sid, loc in cited:
        if sid not in state.merged.sources and sid not in unchecked:
            state.issues.append(
                Issue(
                    "ruleset_unknown_source",
                    f"cites source {sid!r}, which no layer declares",
                    loc,
                    help=did_you_mean(sid, known)
                    + "declare it under `sources:` with its verification status",
                )
            )


# --- pass: check_periods ------------------------------------------------------------------


def _source_period(spec: Any) -> tuple[dt.date | None, dt.date | None]:
    """The period a source may be in force: from its start (or lower bound) to its end."""
    return (spec.effective or spec.not_before, spec.ended)


def _outside(
    own: tuple[dt.date | None, dt.date | None], periods: list[tuple[dt.date | None, dt.date | None]]
) -> bool:
    """Whether no one of `periods` contains the period `own` (None: unbounded)."""
    start, end = own
    for s, e in periods:
        starts_ok = s is None or (start is not None and s <= start)
        ends_ok = e is None or (end is not None and end <= e)
        if starts_ok and ends_ok:
            return False
    return True


def _check_periods(state: _State) -> None:
    """A title or a restricted technique dated by hand must lie within its sources' period."""
    sources = state.merged.sources
    dated = [
        *(("rank title", p) for p in state.merged.rank_aliases.values()),
        *(("restricted technique", p) for p in state.merged.restrictions),
    ]
    for what, placed in dated:
        spec = placed.value
        if spec.effective is None and spec.ended is None:
            continue
        ids = [sid for sid in basis_ids(spec.basis) if sid in sources]
        if not ids:
            continue
        periods = [_source_period(sources[sid].value) for sid in ids]
        if not _outside((spec.effective, spec.ended), periods):
            continue
        shown = "; ".join(f"{sid} {_show(p)}" for sid, p in zip(ids, periods, strict=True))
        key = "effective" if spec.effective is not None else "ended"
        state.issues.append(
            Issue(
                "ruleset_period_outside_source",
                f"this {what}'s period {_show((spec.effective, spec.ended))} falls outside "
                f"the period of force of its sources ({shown})",
                _loc(placed, (*placed.path, key)),
                help="a title or restriction cannot be in force when no source of it is: "
                "correct the dates, or cite the source that covers them",
                ctx={"sources": ids},
            )
        )


def _show(period: tuple[dt.date | None, dt.date | None]) -> str:
    start, end = period
    return f"[{start.isoformat() if start else '…'}, {end.isoformat() if end else '…'})"


# --- pass: check_conclusions --------------------------------------------------------------


def _reads(cond: Cond) -> set[str]:
    if isinstance(cond, Test):
        read = cond.field == "action" or cond.field.startswith(FACT_PREFIX)
        return {cond.field} if read else set()
    out: set[str] = set()
    for item in cond.items:
        out |= _reads(item)
    return out


def _check_conclusions(state: _State) -> None:
    concluded_at: dict[str, list[Stage]] = {}
    for placed, _ in state.lowered:
        rule: RuleSpec = placed.value
        if rule.then.action is not None:
            concluded_at.setdefault("action", []).append(rule.stage)
            if rule.stage != Stage.DETERMINE_ACTION:
                state.issues.append(
                    Issue(
                        "ruleset_action_stage",
                        f"rule {rule.id!r} concludes an action in stage {rule.stage.key}",
                        _loc(placed, (*placed.path, "then", "action")),
                        help="only stage determine_action (2) concludes the action; move the rule "
                        "or conclude duties/methods instead",
                    )
                )
        for fact in rule.then.facts:
            concluded_at.setdefault(FACT_PREFIX + fact, []).append(rule.stage)
        then = rule.then
        if not (then.action or then.duties or then.methods or then.facts or then.reports):
            state.issues.append(
                Issue(
                    "ruleset_empty_conclusion",
                    f"rule {rule.id!r} concludes nothing",
                    _loc(placed, (*placed.path, "then")),
                    help="give `then:` an action, duties, methods or facts",
                )
            )
    for placed, cond in state.lowered:
        rule = placed.value
        if rule.id in state.broken:
            continue
        for name in sorted(_reads(cond)):
            stages = concluded_at.get(name, [])
            if name == "action" and rule.stage <= Stage.DETERMINE_ACTION:
                state.issues.append(
                    Issue(
                        "ruleset_stage_order",
                        f"rule {rule.id!r} (stage {rule.stage.key}) reads `action`, which is "
                        "concluded in stage determine_action",
                        _loc(placed, (*placed.path, "stage")),
                        help="read the action only from stages take_responsibility (3) and later",
                    )
                )
            late = [s for s in stages if s > rule.stage]
            if name != "action" and late:
                state.issues.append(
                    Issue(
                        "ruleset_stage_order",
                        f"rule {rule.id!r} (stage {rule.stage.key}) reads {name}, which is "
                        f"concluded in the later stage {max(late).key}",
                        _loc(placed, (*placed.path, "stage")),
                        help="a rule may read conclusions of its own or earlier stages only; "
                        "move this rule later or the concluding rule earlier",
                    )
                )


# --- pass: order --------------------------------------------------------------------------


def _order(state: _State) -> None:
    by_stage: dict[Stage, list[tuple[Placed, Cond]]] = {}
    for placed, cond in state.lowered:
        if placed.value.id in state.broken:
            continue
        by_stage.setdefault(placed.value.stage, []).append((placed, cond))
    for stage in sorted(by_stage):
        group = by_stage[stage]
        producers: dict[str, list[int]] = {}
        for i, (placed, _) in enumerate(group):
            for fact in placed.value.then.facts:
                producers.setdefault(FACT_PREFIX + fact, []).append(i)
        deps = {
            i: {j for name in _reads(cond) for j in producers.get(name, []) if j != i}
            for i, (_, cond) in enumerate(group)
        }
        self_reads = [
            i
            for i, (p, cond) in enumerate(group)
            if any(FACT_PREFIX + f in _reads(cond) for f in p.value.then.facts)
        ]
        done: list[int] = []
        remaining = dict(deps)
        while remaining:
            ready = [i for i, d in remaining.items() if d <= set(done)]
            if not ready:
                break
            for i in sorted(ready):
                done.append(i)
                del remaining[i]
        # report the rules on a cycle, not those merely waiting for one
        for i in sorted(_on_cycle(remaining) | set(self_reads)):
            placed = group[i][0]
            facts = sorted(_reads(group[i][1]) - {"action"})
            state.issues.append(
                Issue(
                    "ruleset_fact_cycle",
                    f"rule {placed.value.id!r} depends on a fact that depends on it "
                    f"(it reads {', '.join(facts)})",
                    placed.loc,
                    help="break the cycle: a fact must not be derived from itself; move one "
                    "rule to a later stage or derive the fact from situation fields",
                )
            )
        for i in done:
            placed, cond = group[i]
            state.ordered.append(_build_rule(placed, cond))


def _build_rule(placed: Placed, cond: Cond) -> Rule:
    spec: RuleSpec = placed.value
    return Rule(
        id=spec.id,
        stage=spec.stage,
        when=cond,
        action=spec.then.action,
        # a reporting obligation is the duty to report, with its details
        duties=tuple(
            dict.fromkeys([*spec.then.duties, *([Duty.REPORT] if spec.then.reports else [])])
        ),
        methods=tuple(dict.fromkeys(spec.then.methods)),
        facts=tuple(dict.fromkeys(spec.then.facts)),
        basis=tuple(dict.fromkeys(basis_ids(spec.basis))),
        sections=tuple(
            (b.id, b.section) for b in spec.basis if not isinstance(b, str) and b.section
        ),
        reports=tuple(
            Report(r.to, r.within, r.note.strip() if r.note else None) for r in spec.then.reports
        ),
        because=spec.because.strip(),
        layer=placed.layer,
        origin=placed.loc,
        reads=frozenset(_reads(cond)),
        effective=spec.effective,
        ended=spec.ended,
    )


def _on_cycle(deps: dict[int, set[int]]) -> set[int]:
    """Return the nodes that can reach themselves through `deps` (edges to other nodes)."""
    out: set[int] = set()
    for start in deps:
        seen: set[int] = set()
        todo = list(deps[start])
        while todo:
            node = todo.pop()
            if node == start:
                out.add(start)
                break
            if node in seen or node not in deps:
                continue
            seen.add(node)
            todo.extend(deps[node])
    return out


PASSES: tuple[tuple[str, Pass], ...] = (
    ("lower", _lower),
    ("check_citations", _check_citations),
    ("check_periods", _check_periods),
    ("check_conclusions", _check_conclusions),
    ("order", _order),
)


def compile_program(merged: Merged) -> tuple[Program | None, list[Issue]]:
    """Run every pass; return the program, or None with the issues.

    The issues include those of loading and merging (`merged.issues`), so the caller
    reports every phase's errors at once.
    """
    state = _State(merged, issues=list(merged.issues))
    for _, run in PASSES:
        run(state)
    if any(i.severity == "error" for i in state.issues):
        return None, state.issues
    grid = merged.grid_rows or {r: frozenset(ForceType) for r in Resistance}
    grid_base = {r: grid.get(r, frozenset(ForceType)) for r in Resistance}
    restrictions = tuple(
        GridRestriction(
            technique=p.value.technique,
            levels=frozenset(p.value.at or Resistance),
            because=" ".join(p.value.because.split()),
            basis=tuple(p.value.basis),
            layer=p.layer,
            origin=p.loc,
            effective=p.value.effective,
            ended=p.value.ended,
        )
        for p in merged.restrictions
    )
    gspec = merged.force_grid.value if merged.force_grid else None
    # undated, every restriction applies (a dated view applies those in force)
    full_grid = restricted_grid(grid_base, restrictions)
    grid_because = gspec.because.strip() if gspec else "No force grid: every force type allowed."
    grid_basis = tuple(gspec.basis) if gspec else ()
    ospec = merged.opportunity
    opportunity = Opportunity(
        min_duration_s=ospec.value.min_duration_s if ospec else None,
        because=ospec.value.because.strip() if ospec else "The ruleset derives no opportunity.",
        basis=tuple(ospec.value.basis) if ospec else (),
        origin=ospec.loc if ospec else SourceLocation(merged.layers[-1].doc.file),
    )
    program = Program(
        rules=tuple(state.ordered),
        force_grid=full_grid,
        grid_because=restricted_because(grid_because, restrictions),
        grid_basis=restricted_basis(grid_basis, restrictions),
        opportunity=opportunity,
        rank_aliases={k: p.value.rank for k, p in merged.rank_aliases.items()},
        alias_basis={
            k: tuple(basis_ids(p.value.basis))
            for k, p in merged.rank_aliases.items()
            if p.value.basis
        },
        alias_notes={
            k: " ".join(p.value.note.split())
            for k, p in merged.rank_aliases.items()
            if p.value.note
        },
        alias_periods={
            k: (p.value.effective, p.value.ended)
            for k, p in merged.rank_aliases.items()
            if p.value.effective or p.value.ended
        },
        facts=tuple(sorted({f for r in state.ordered for f in r.facts})),
        exceptions=tuple(state.exceptions),
        replaced=dict(state.replaced),
        grid_unrestricted=(grid_base, grid_because, grid_basis) if restrictions else None,
        restrictions=restrictions,
    )
    return program, state.issues


#: Keys of each model that format 1 had from the start (always part of the digest).
_FORMAT_1_KEYS: dict[type, tuple[str, ...]] = {SourceSpec: ("effective", "ended")}


def _source(dumped: dict[str, Any]) -> dict[str, Any]:
    # a field added later counts only where it is set, so older digests stay as they were
    if dumped.get("circuit") is None:
        dumped.pop("circuit", None)
    return dumped


def digest(merged: Merged, program: Program) -> str:
    """sha256 of the canonical merged ruleset: layout, comments and key order do not count."""

    def dump(model: Any) -> Any:
        out = model.model_dump(mode="json", exclude_defaults=False)
        # keys added after format 1 shipped count only when written (old digests stay)
        for key in ("not_before", "in_force_by", "effective", "ended", "restricts"):
            if key in out and not out[key] and key not in _FORMAT_1_KEYS.get(type(model), ()):
                del out[key]
        return out

    def dump_rule(model: RuleSpec) -> Any:
        # a rule's own period is hashed only when set, so rules without one keep their digest
        out = dump(model)
        for key in ("effective", "ended"):
            if out.get(key) is None:
                out.pop(key, None)
        return out

    rules = {p.value.id: p for p in merged.rules.values()}
    canonical = {
        "format": 1,
        "id": merged.top.id,
        "version": merged.top.version,
        "title": merged.top.title,
        "jurisdiction": merged.top.jurisdiction,
        "effective": str(merged.top.effective) if merged.top.effective else None,
        "layers": [[layer.spec.id, layer.spec.version] for layer in merged.layers],
        "sources": {k: _source(dump(p.value)) for k, p in sorted(merged.sources.items())},
        "rank_aliases": {
            k: p.value.rank.value
            if not (p.value.basis or p.value.note or p.value.effective or p.value.ended)
            else dump(p.value)
            for k, p in sorted(merged.rank_aliases.items())
        },
        "force_grid": {
            "rows": {r.value: sorted(f.value for f in fs) for r, fs in program.force_grid.items()},
            "because": program.grid_because,
            "basis": list(program.grid_basis),
        },
        "opportunity": [
            program.opportunity.min_duration_s,
            program.opportunity.because,
            list(program.opportunity.basis),
        ],
        "notices": {k: dump(p.value) for k, p in sorted(merged.notices.items())},
        "exceptions": [dump(p.value) for p in merged.exceptions],
        "replaced": {
            k: {**dump_rule(p.value), "layer": p.layer} for k, p in merged.replaced.items()
        },
        "periods": {
            layer.spec.id: [str(layer.spec.effective), str(layer.spec.ended)]
            + (
                [str(layer.spec.not_before), str(layer.spec.in_force_by)]
                if layer.spec.not_before
                else []
            )
            for layer in merged.layers
        },
        **(
            {"force_grid_restricts": [dump(p.value) for p in merged.restrictions]}
            if merged.restrictions
            else {}
        ),
        "rules": [
            {**dump_rule(rules[r.id].value), "layer": r.layer, "replaces": None}
            for r in program.rules
        ],
    }
    circuit = next((la.spec.circuit for la in reversed(merged.layers) if la.spec.circuit), None)
    if circuit is not None:  # only where stated: digests of rulesets without one unchanged
        canonical["circuit"] = circuit
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), default=str)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()
