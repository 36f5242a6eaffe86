"""Loading scenario files (testing stage): YAML to a checked `ScenarioFile`.

Every problem of a file is collected as an `Issue` at its line and column (a situation value
that came from `defaults` at the default) and raised once as a `ScenarioError`; pydantic's
errors are translated by the same `_validation` module the ruleset loader uses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from intervene_rules._validation import Problem, translate
from intervene_rules._validation import issues as to_issues
from intervene_rules.errors import Issue, ScenarioError
from intervene_rules.location import SourceLocation
from intervene_rules.situation import TITLES_USED, Situation, with_rank_titles
from intervene_rules.suggest import did_you_mean
from intervene_rules.testing.scenarios.format import (
    DEFAULT_SITUATION,
    SUFFIX,
    DutySet,
    Expectation,
    ExpectSpec,
    MethodSet,
    ReportExpect,
    ReportExpectation,
    Scenario,
    ScenarioFile,
    ScenarioFileSpec,
    ScenarioSpec,
    SetExpectation,
    merge_situation,
)
from intervene_rules.vocabulary import Rank

if TYPE_CHECKING:
    from intervene_rules.ruleset._yaml import Document
    from intervene_rules.ruleset.ruleset import Ruleset

Path_ = tuple[str | int, ...]

_YAML_HELP = {
    "scenario_too_large": "split the scenarios into several files",
    "scenario_empty": "write a mapping with `scenarios:`",
}


def display_path(path: Path) -> str:
    """The path as reports show it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _renamed(issue: Issue) -> Issue:
    """An issue of the YAML stage, with the `scenario_` prefix of this file format."""
    code = "scenario_" + issue.code.removeprefix("ruleset_")
    return Issue(
        code,
        issue.message,
        issue.loc,
        help=_YAML_HELP.get(code, issue.help),
        severity=issue.severity,
        ctx=issue.ctx,
    )


def _field_name(path: Path_) -> str:
    """The dotted name of a key, from the scenario (`expect.duties[1]`) or the file down."""
    rel = path[2:] if path[:1] == ("scenarios",) and len(path) > 2 else path
    out = ""
    for part in rel:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + part
    return out or "(file)"


def _depth(data: Any, loc: Sequence[Any]) -> int:
    """How many leading parts of `loc` are written in `data`."""
    n = 0
    for part in loc:
        written = (isinstance(data, dict) and part in data) or (
            isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data)
        )
        if not written:
            break
        data = data[part]
        n += 1
    return n


#: Advice of this format where it differs from the shared table.
_TYPE_HELP = {
    "string_type": "write text here (quote it if YAML would read it as a number or true/false)",
    "string_pattern_mismatch": "use lower_snake_case: lower-case letters, digits and '_', "
    "starting with a letter (e.g. lawful_takedown)",
}
_SET_HELP = (
    "write the exact set as a list, e.g. `[intervene, report]`, or a mapping "
    "`{include: [...], exclude: [...]}`"
)
#: The tags of the list-or-mapping unions of `expect.duties` and `expect.methods`.
_FORM_TAGS = frozenset({"list", "mapping"})


def _where(path: Path_) -> str:
    """How messages name a key: `expect.duties[1]` inside a scenario, `the scenario` itself."""
    if len(path) == 2 and path[0] == "scenarios":
        return "the scenario"
    return _field_name(path)


def _structure_issues(exc: ValidationError, doc: Document, prefix: Path_ = ()) -> list[Issue]:
    """Errors of the file's structure (not of situations) as issues at their position."""
    problems = translate(
        exc,
        doc.data,
        root=ScenarioSpec if prefix else ScenarioFileSpec,
        base=prefix,
        tags=_FORM_TAGS,
        type_help=_TYPE_HELP,
        where=_where,
    )
    out = []
    for p in problems:
        last = [x for x in p.path if isinstance(x, str)][-1:]
        if last in (["duties"], ["methods"]) and p.error_type in ("list_type", "model_type"):
            p = Problem(p.kind, p.path, p.message, _SET_HELP)
        out.extend(to_issues([p], doc, "scenario"))
    return out


def _situation_issues(
    exc: ValidationError,
    doc: Document,
    base: Path_,
    own: Any,
    defaults: Any,
    rank_titles: Sequence[str],
) -> list[Issue]:
    """A situation's errors, each at the scenario's key, or at the default it came from."""

    def at(loc: Path_) -> Path_:
        mine, theirs = _depth(own, loc), _depth(defaults, loc)
        return (*base, *loc) if mine == len(loc) or mine >= theirs else ("defaults", *loc)

    def name(loc: Path_) -> str:
        which = "situation" if at(loc)[0] == "scenarios" else "defaults"
        return f"{which}: {_field_name(loc) if loc else 'situation'}"

    out: list[Issue] = []
    for p in translate(exc, None, root=Situation, type_help=_TYPE_HELP, where=name):
        loc, path = p.path, at(p.path)
        which = "situation" if path[0] == "scenarios" else "defaults"
        code, message, help_ = "scenario_invalid_situation", p.message, p.help
        if p.kind == "unknown_key":
            code, message = "scenario_unknown_key", f"{which}: unknown key {_field_name(loc)!r}"
        elif p.kind == "missing_key":
            message = f"{name(loc)}: {p.message}"
        elif p.kind == "unknown_value" and loc[-1:] == ("rank",) and rank_titles:
            help_ = (
                did_you_mean(p.given, [*p.allowed, *rank_titles])
                + f"allowed: {', '.join(p.allowed)} (or this ruleset's titles: "
                f"{', '.join(rank_titles)})"
            )
        out.append(Issue(code, message, doc.loc(path), help=help_))
    return out


def _resolve_ruleset(doc: Document, path: Path) -> tuple[Path | None, Issue | None]:
    """The ruleset file the scenario file names (or its file name implies), or the issue."""
    from intervene_rules.ruleset.load import bundled_ids, resolve

    data = doc.data if isinstance(doc.data, dict) else {}
    written = data.get("ruleset")
    if isinstance(written, str) and written:
        ref, loc = written, doc.loc(("ruleset",))
    elif written is not None:
        return None, None  # a structure error already says what is wrong
    elif path.name.endswith(SUFFIX):
        ref, loc = path.name[: -len(SUFFIX)], SourceLocation(doc.file, 1, 1)
    else:
        issue = Issue(
            "scenario_missing_key",
            f"no `ruleset:`, and the file name does not end with {SUFFIX!r}",
            SourceLocation(doc.file, 1, 1),
            help="add `ruleset: <bundled id or path>`",
        )
        return None, issue
    found = resolve(ref, relative_to=path.parent)
    if found is not None:
        return found, None
    known = sorted({*bundled_ids(), *_sibling_ids(path.parent)})
    how = "written in `ruleset:`" if written else f"taken from the file name {path.name!r}"
    return (
        None,
        Issue(
            "scenario_ruleset_not_found",
            f"no ruleset {ref!r} ({how}): not a bundled id and no such file",
            loc,
            help=did_you_mean(ref, known)
            + f"known rulesets: {', '.join(known) or '(none)'}; a path is "
            "read relative to this file",
        ),
    )


def _sibling_ids(directory: Path) -> list[str]:
    try:
        return [p.stem for p in directory.glob("*.yaml") if "." not in p.stem]
    except OSError:
        return []


def _duplicate_names(doc: Document) -> list[Issue]:
    out: list[Issue] = []
    items = doc.data.get("scenarios") if isinstance(doc.data, dict) else None
    if not isinstance(items, list):
        return out
    first: dict[str, int] = {}
    for i, item in enumerate(items):
        name = item.get("name") if isinstance(item, dict) else None
        if not isinstance(name, str):
            continue
        if name in first:
            out.append(
                Issue(
                    "scenario_duplicate_name",
                    f"scenario name {name!r} is used twice in this file (first at line "
                    f"{doc.loc(('scenarios', first[name], 'name')).line})",
                    doc.loc(("scenarios", i, "name")),
                    help="give each scenario its own name",
                )
            )
        else:
            first[name] = i
    return out


def _set_expectation(value: Any) -> SetExpectation | None:
    if value is None:
        return None
    if isinstance(value, list):
        return SetExpectation(exact=tuple(x.value for x in value))
    return SetExpectation(
        include=tuple(x.value for x in value.include),
        exclude=tuple(x.value for x in value.exclude),
    )


def _check_ids(
    ids: Sequence[str],
    known: Iterable[str],
    path: Path_,
    doc: Document,
    what: str,
    rs: str,
    *,
    indexed: bool = True,
) -> list[Issue]:
    """`scenario_unknown_<what>` for every id of `ids` that is not in `known`.

    `path` locates the list of ids (`indexed`) or, for a single id, the id itself.
    """
    names = sorted(known)
    return [
        Issue(
            f"scenario_unknown_{what}",
            f"unknown {what} {name!r}: ruleset {rs!r} has none of that id",
            doc.loc((*path, j) if indexed else path),
            help=did_you_mean(name, names) + f"{what}s of {rs}: {', '.join(names)}",
        )
        for j, name in enumerate(ids)
        if name not in names
    ]


def _rank(
    given: str, aliases: Mapping[str, Rank], doc: Document, path: Path_, issues: list[Issue]
) -> Rank | None:
    """A rank written in an expectation (a rung or one of the ruleset's titles)."""
    hit = aliases.get(given) or next((r for r in Rank if r.value == given), None)
    if hit is None:
        allowed = [r.value for r in Rank]
        help_ = did_you_mean(given, [*allowed, *aliases]) + f"allowed: {', '.join(allowed)}"
        if aliases:
            help_ += f" (or this ruleset's titles: {', '.join(sorted(aliases))})"
        issues.append(
            Issue(
                "scenario_unknown_value",
                f"expect.supervisor_above: unknown rank {given!r}",
                doc.loc(path),
                help=help_,
            )
        )
    return hit


def _contradictions(spec: ExpectSpec, doc: Document, base: Path_) -> list[Issue]:
    out = []
    both = [r for r in spec.fired if r in spec.not_fired]
    for r in both:
        out.append(
            Issue(
                "scenario_contradictory_expectation",
                f"rule {r!r} is expected both to fire and not to fire",
                doc.loc((*base, "not_fired", spec.not_fired.index(r))),
                help="keep it in `fired` or in `not_fired`, not both",
            )
        )
    for key in ("duties", "methods"):
        value = getattr(spec, key)
        if isinstance(value, DutySet | MethodSet):
            clash = [x.value for x in value.include if x in value.exclude]
            if clash:
                out.append(
                    Issue(
                        "scenario_contradictory_expectation",
                        f"{key}: {', '.join(clash)} both included and excluded",
                        doc.loc((*base, key)),
                        help="a value can be in `include` or in `exclude`, not both",
                    )
                )
    return out


def _scenarios(
    specs: Sequence[tuple[int, ScenarioSpec]],
    defaults: Mapping[str, Any],
    as_of: dt.date | None,
    doc: Document,
    rs: Ruleset,
    issues: list[Issue],
) -> list[Scenario]:
    aliases = rs.program.rank_aliases
    titles = sorted(aliases)
    ctx = {"rank_aliases": aliases}
    raw_items = doc.data["scenarios"]
    defaults_raw = doc.data.get("defaults") or {}
    base_situation = merge_situation(DEFAULT_SITUATION, defaults)
    try:
        Situation.model_validate(base_situation, context=ctx)
    except ValidationError as exc:
        issues.extend(_situation_issues(exc, doc, ("defaults",), defaults_raw, {}, titles))

    def check_situation(i: int, partial: Mapping[str, Any]) -> Situation | None:
        used: list[tuple[str, str]] = []  # the titles written, cited by the decision
        try:
            s = Situation.model_validate(
                merge_situation(base_situation, partial), context={**ctx, TITLES_USED: used}
            )
            return with_rank_titles(s, used)
        except ValidationError as exc:
            own = raw_items[i].get("situation") or {}
            base = ("scenarios", i, "situation")
            issues.extend(_situation_issues(exc, doc, base, own, defaults_raw, titles))
            return None

    # a scenario whose keys are wrong still has its situation checked
    valid = {i for i, _ in specs}
    for i, item in enumerate(raw_items):
        partial = item.get("situation") if isinstance(item, dict) else None
        if i not in valid and isinstance(partial, dict):
            check_situation(i, partial)
    # a replaced base rule still fires on dates before the layer replacing it is in force
    rule_ids = [r.id for r in rs.program.rules] + [r.id for r in rs.program.replaced.values()]
    out: list[Scenario] = []
    for i, sc in specs:
        base: Path_ = ("scenarios", i)
        n_before = len(issues)
        exp = sc.expect
        ebase: Path_ = (*base, "expect")
        issues += _check_ids(sc.source, rs.sources, (*base, "source"), doc, "source", rs.id)
        issues += _check_ids(exp.fired, rule_ids, (*ebase, "fired"), doc, "rule", rs.id)
        issues += _check_ids(exp.not_fired, rule_ids, (*ebase, "not_fired"), doc, "rule", rs.id)
        issues += _check_ids(exp.cites, rs.sources, (*ebase, "cites"), doc, "source", rs.id)
        issues += _check_ids(exp.not_cites, rs.sources, (*ebase, "not_cites"), doc, "source", rs.id)
        for k, rep in enumerate(exp.reports or ()):
            if rep.rule is not None:
                path = (*ebase, "reports", k, "rule")
                issues += _check_ids([rep.rule], rule_ids, path, doc, "rule", rs.id, indexed=False)
        issues += _contradictions(exp, doc, ebase)
        supervisor: Rank | None = None
        if exp.supervisor_above is not None:
            path = (*ebase, "supervisor_above")
            supervisor = _rank(exp.supervisor_above, aliases, doc, path, issues)
        situation = check_situation(i, sc.situation)
        if situation is None or len(issues) > n_before:
            continue
        out.append(
            Scenario(
                name=sc.name,
                situation=situation,
                expect=Expectation(
                    action=exp.action,
                    duties=_set_expectation(exp.duties),
                    methods=_set_expectation(exp.methods),
                    cites=tuple(exp.cites),
                    not_cites=tuple(exp.not_cites),
                    notices=tuple(exp.notices),
                    not_notices=tuple(exp.not_notices),
                    fired=tuple(exp.fired),
                    not_fired=tuple(exp.not_fired),
                    check_supervisor="supervisor_above" in exp.model_fields_set,
                    supervisor_above=supervisor,
                    reports=_report_expectations(exp.reports),
                ),
                loc=doc.loc(base),
                description=sc.description.strip(),
                sources=tuple(sc.source),
                section=sc.section,
                as_of=sc.as_of or as_of,
            )
        )
    return out


def _report_expectations(
    specs: Sequence[ReportExpect] | None,
) -> tuple[ReportExpectation, ...] | None:
    if specs is None:
        return None
    return tuple(
        ReportExpectation(
            to=r.to,
            check_within="within" in r.model_fields_set,
            within=r.within,
            rule=r.rule,
        )
        for r in specs
    )


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _unique(issues: Iterable[Issue]) -> list[Issue]:
    seen: set[tuple[str, str, int, int, str]] = set()
    out = []
    for i in issues:
        key = (i.code, i.loc.file, i.loc.line, i.loc.column, i.message)
        if key not in seen:
            seen.add(key)
            out.append(i)
    return out


def load_scenarios(path: str | Path) -> ScenarioFile:
    """Load and check a scenario file, and load the ruleset it names.

    Raises:
        ScenarioError: every problem of the file (`scenario_*` codes), each at its line and
            column: unreadable file, bad YAML, unknown keys, invalid situations, unknown rule
            or source ids, duplicate names, a ruleset that cannot be found.
        RulesetError: the ruleset was found but does not load.

    """
    from intervene_rules.ruleset._yaml import MAX_BYTES, parse
    from intervene_rules.ruleset.ruleset import load_ruleset

    p = Path(path)
    shown = display_path(p)
    try:
        with p.open("rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ScenarioError(
            [
                Issue(
                    "scenario_unreadable",
                    f"cannot read: {exc.strerror or exc}",
                    SourceLocation(shown),
                    help="check that the file exists and is readable",
                )
            ]
        ) from None
    doc, found = parse(raw, shown)
    issues = [_renamed(i) for i in found]
    if doc is None:
        raise ScenarioError(issues)
    if not isinstance(doc.data, dict):
        if not found:
            what = "an empty document" if doc.data is None else "not a mapping"
            issues.append(
                Issue(
                    "scenario_empty" if doc.data is None else "scenario_not_mapping",
                    f"a scenario file must be a mapping (ruleset:, defaults:, scenarios:); "
                    f"this is {what}",
                    SourceLocation(shown, 1, 1),
                    help="write `scenarios:` with one `- name: ...` item per scenario",
                )
            )
        raise ScenarioError(issues)
    spec: ScenarioFileSpec | None = None
    specs: list[tuple[int, ScenarioSpec]] = []
    structure: list[Issue] = []
    try:
        spec = ScenarioFileSpec.model_validate(doc.data)
    except ValidationError as exc:
        structure += _structure_issues(exc, doc)
    items = doc.data.get("scenarios")
    for i, item in enumerate(items if isinstance(items, list) else []):
        try:
            specs.append((i, ScenarioSpec.model_validate(item)))
        except ValidationError as exc:
            structure += _structure_issues(exc, doc, ("scenarios", i))
    refused = [i.loc.path for i in found]
    issues += [i for i in structure if not any(i.loc.path[: len(r)] == r for r in refused)]
    issues += _duplicate_names(doc)
    ruleset_path, not_found = _resolve_ruleset(doc, p)
    if not_found is not None:
        issues.append(not_found)
    if ruleset_path is None:
        raise ScenarioError(_unique(issues))
    rs = load_ruleset(ruleset_path)
    defaults = spec.defaults if spec is not None else _mapping(doc.data.get("defaults"))
    as_of = spec.as_of if spec is not None else None
    scenarios = _scenarios(specs, defaults, as_of, doc, rs, issues)
    if issues:
        raise ScenarioError(_unique(issues))
    return ScenarioFile(path=p, file=shown, ruleset=rs, scenarios=tuple(scenarios))


def find_scenario_files(paths: Iterable[str | Path]) -> list[Path]:
    """The scenario files named, and those under the directories named (recursively).

    Raises:
        ScenarioError: a path does not exist (`scenario_path_not_found`).

    """
    out: list[Path] = []
    missing: list[Issue] = []
    for entry in paths:
        p = Path(entry)
        if p.is_dir():
            out.extend(sorted(f for f in p.rglob(f"*{SUFFIX}") if f.is_file()))
        elif p.is_file():
            out.append(p)
        else:
            missing.append(
                Issue(
                    "scenario_path_not_found",
                    "no such file or directory",
                    SourceLocation(str(entry)),
                    help=f"name scenario files (*{SUFFIX}) or directories holding them",
                )
            )
    if missing:
        raise ScenarioError(missing)
    return list(dict.fromkeys(out))


__all__ = ["display_path", "find_scenario_files", "load_scenarios"]
