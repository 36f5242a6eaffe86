"""Scenario tests for rulesets (testing stage): `*.scenarios.yaml` files, loaded and run.

A scenario file names a ruleset and lists situations with the decision the ruleset must
give. It normally sits beside its ruleset as `rulesets/<id>.scenarios.yaml`::

    ruleset: model-policy        # bundled id, or a path relative to this file;
                                 # default: the file name before ".scenarios.yaml"
    defaults:                    # optional partial situation merged under every scenario
      observer: {rank: sergeant}
    as_of: 2024-01-31            # optional: the date whose law and policy apply (a scenario
                                 # may set its own); default: the day the scenarios run
    scenarios:
      - name: force_continues_after_restraint    # unique in the file, lower_snake_case
        description: optional text
        source: timpa_v_dillard_2021             # optional: source id(s) that decide it
        section: optional section text
        situation: {force: {type: bodyweight_compression}, subject: {restrained: true}}
        expect:
          action: intervene
          duties: [intervene, render_aid]        # the exact set; or {include: [..]},
          methods: {include: [direct]}           #   {exclude: [..]}, or both
          cites: [timpa_v_dillard_2021]          # source ids the decision's basis must include
          fired: [force_no_longer_needed]        # rule ids that must fire
          not_fired: [no_violation_no_duty]      # rule ids that must not fire
          supervisor_above: sergeant             # with request_supervisor (null: none)
          reports:                               # reports that must be owed (others may be);
            - {to: immediate supervisor, within: P10D, rule: co_report_to_immediate_supervisor}
                                                 # `reports: []`: no report may be owed

A situation may be partial: what it leaves out comes from the file's `defaults`, then from
`DEFAULT_SITUATION`:

- actor.rank ``officer``
- observer.rank ``officer``, observer.realistic_opportunity ``true``,
  observer.prior_intervention ``none``
- force.type ``none``, force.still_needed ``false``, force.duration_s ``null``
- subject.resistance ``compliant``, subject.restrained ``false``,
  subject.medical_distress ``false``
- misconduct ``[]``

Mappings merge key by key; a list or value written in a scenario replaces the default. The
ruleset's rank titles (`rank_aliases`) may be used for ranks.

Every problem of a file is reported at once, as one `ScenarioError` whose issues point at
the line and column of the scenario file (for a situation value that came from `defaults`,
at the default). A ruleset that does not load raises its own `RulesetError`.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import difflib
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    field_validator,
)

from intervene_rules.errors import BackendUnavailableError, EvaluationError, Issue, ScenarioError
from intervene_rules.location import SourceLocation
from intervene_rules.ruleset.model import check_iso_duration
from intervene_rules.situation import Situation
from intervene_rules.vocabulary import Action, Duty, Method, Rank

if TYPE_CHECKING:
    from intervene_rules.decision import Decision, ReportDue
    from intervene_rules.ruleset._yaml import Document
    from intervene_rules.ruleset.ruleset import Ruleset

SUFFIX = ".scenarios.yaml"
"""File names ending in this are scenario files (`intervene test`, the pytest plugin)."""

DEFAULT_SITUATION: Mapping[str, Any] = {
    "actor": {"rank": "officer"},
    "observer": {"rank": "officer", "realistic_opportunity": True, "prior_intervention": "none"},
    "force": {"type": "none", "still_needed": False, "duration_s": None},
    "subject": {"resistance": "compliant", "restrained": False, "medical_distress": False},
    "misconduct": [],
}
"""What a partial situation leaves out (under the file's own `defaults`)."""

Backend = Literal["native", "durable", "both"]
BACKENDS: tuple[str, ...] = ("native", "durable", "both")

Path_ = tuple[str | int, ...]

# --- the file format --------------------------------------------------------------------

_CFG = ConfigDict(extra="forbid", frozen=True)
_NAME = r"^[a-z][a-z0-9_]*$"


class DutySet(BaseModel):
    """Duties the decision must include and must not include (other duties may appear)."""

    model_config = _CFG

    include: list[Duty] = Field(default=[], description="Duties the decision must include.")
    exclude: list[Duty] = Field(default=[], description="Duties the decision must not include.")


class MethodSet(BaseModel):
    """Methods the decision must include and must not include (other methods may appear)."""

    model_config = _CFG

    include: list[Method] = Field(default=[], description="Methods the decision must include.")
    exclude: list[Method] = Field(default=[], description="Methods it must not include.")


def _set_form(value: Any) -> str:
    return "mapping" if isinstance(value, dict | BaseModel) else "list"


_FORM_TAGS = frozenset({"list", "mapping"})

DutiesExpect = Annotated[
    Annotated[list[Duty], Tag("list")] | Annotated[DutySet, Tag("mapping")],
    Discriminator(_set_form),
]
MethodsExpect = Annotated[
    Annotated[list[Method], Tag("list")] | Annotated[MethodSet, Tag("mapping")],
    Discriminator(_set_form),
]


class ReportExpect(BaseModel):
    """A report the decision must owe; only the keys written are compared."""

    model_config = _CFG

    to: str | None = Field(
        default=None,
        min_length=1,
        description="Text the recipient must contain (case-insensitive).",
    )
    within: str | None = Field(
        default=None,
        description="The deadline exactly as the ruleset writes it (an ISO-8601 duration such "
        "as P10D); null: no fixed clock.",
    )
    rule: str | None = Field(default=None, min_length=1, description="The rule that owes it.")

    @field_validator("within")
    @classmethod
    def _iso_duration(cls, value: str | None) -> str | None:
        return check_iso_duration(value)


class ExpectSpec(BaseModel):
    """What the decision must be; every key is optional and only what is written is checked."""

    model_config = _CFG

    action: Action | None = Field(default=None, description="The required action.")
    duties: DutiesExpect | None = Field(
        default=None, description="The exact set of duties, or {include: [...], exclude: [...]}."
    )
    methods: MethodsExpect | None = Field(
        default=None, description="The exact set of methods, or {include: [...], exclude: [...]}."
    )
    cites: list[str] = Field(default=[], description="Source ids the basis must include.")
    fired: list[str] = Field(default=[], description="Rule ids that must fire.")
    not_fired: list[str] = Field(default=[], description="Rule ids that must not fire.")
    supervisor_above: str | None = Field(
        default=None,
        description="The rank the requested supervisor must outrank (null: no supervisor).",
    )
    reports: list[ReportExpect] | None = Field(
        default=None,
        description="Reports the decision must owe (others may appear); [] means none may be.",
    )


class ScenarioSpec(BaseModel):
    """One scenario: a (partial) situation and what the ruleset must decide for it."""

    model_config = _CFG

    name: str = Field(pattern=_NAME, description="Unique in the file, lower_snake_case.")
    description: str = Field(default="", description="What the scenario shows.")
    source: list[str] = Field(
        default=[], description="Id(s) of the ruleset's sources that decide the scenario."
    )
    section: str | None = Field(default=None, description="Section of the source relied on.")
    as_of: dt.date | None = Field(
        default=None, description="Date whose law and policy apply (default: the file's)."
    )
    situation: dict[str, Any] = Field(
        default={}, description="A partial situation; the rest comes from the defaults."
    )
    expect: ExpectSpec = Field(description="What the decision must be.")

    @field_validator("source", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class ScenarioFileSpec(BaseModel):
    """A scenario file."""

    model_config = _CFG

    ruleset: str | None = Field(
        default=None,
        min_length=1,
        description="Bundled ruleset id or a path relative to this file; default: the file "
        "name before '.scenarios.yaml'.",
    )
    defaults: dict[str, Any] = Field(
        default={}, description="A partial situation merged under every scenario."
    )
    as_of: dt.date | None = Field(
        default=None,
        description="Date whose law and policy apply to every scenario (default: the day the "
        "scenarios run).",
    )
    scenarios: list[Any] = Field(
        min_length=1, description="The scenarios (each checked as a `ScenarioSpec`)."
    )


_KEYS: dict[tuple[str, ...], tuple[str, ...]] = {
    (): tuple(ScenarioFileSpec.model_fields),
    ("scenarios",): tuple(ScenarioSpec.model_fields),
    ("scenarios", "expect"): tuple(ExpectSpec.model_fields),
    ("scenarios", "expect", "duties"): tuple(DutySet.model_fields),
    ("scenarios", "expect", "methods"): tuple(MethodSet.model_fields),
    ("scenarios", "expect", "reports"): tuple(ReportExpect.model_fields),
}

# --- loaded scenarios ---------------------------------------------------------------------


@dataclass(frozen=True)
class SetExpectation:
    """An expectation on a set of values: exact, or what it must / must not include."""

    exact: tuple[str, ...] | None = None
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReportExpectation:
    """A report the decision must owe: each field given must match (`to` as a substring)."""

    to: str | None = None
    check_within: bool = False
    within: str | None = None
    rule: str | None = None

    def matches(self, report: ReportDue) -> bool:
        """Whether `report` is this one."""
        return (
            (self.to is None or self.to.casefold() in report.to.casefold())
            and (not self.check_within or report.within == self.within)
            and (self.rule is None or report.rule == self.rule)
        )

    def describe(self) -> str:
        """The expectation as written, for messages."""
        parts = []
        if self.to is not None:
            parts.append(f"to ~ {self.to!r}")
        if self.check_within:
            parts.append(f"within {self.within or 'null'}")
        if self.rule is not None:
            parts.append(f"rule {self.rule}")
        return "{" + ", ".join(parts) + "}"


@dataclass(frozen=True)
class Expectation:
    """What a scenario requires of the decision (only what the file states is checked)."""

    action: Action | None = None
    duties: SetExpectation | None = None
    methods: SetExpectation | None = None
    cites: tuple[str, ...] = ()
    fired: tuple[str, ...] = ()
    not_fired: tuple[str, ...] = ()
    check_supervisor: bool = False
    supervisor_above: Rank | None = None
    reports: tuple[ReportExpectation, ...] | None = None


@dataclass(frozen=True)
class Scenario:
    """One loaded scenario: a valid situation and its expectation."""

    name: str
    situation: Situation
    expect: Expectation
    loc: SourceLocation
    description: str = ""
    sources: tuple[str, ...] = ()
    section: str | None = None
    as_of: dt.date | None = None

    @property
    def file(self) -> str:
        """The scenario file, as shown in reports."""
        return self.loc.file

    @property
    def line(self) -> int:
        """Line of the scenario in its file (1-based)."""
        return self.loc.line

    @property
    def location(self) -> str:
        """`file:line` of the scenario."""
        return f"{self.loc.file}:{self.loc.line}"


@dataclass(frozen=True)
class ScenarioFile:
    """A loaded scenario file and the ruleset its scenarios run against."""

    path: Path
    file: str
    ruleset: Ruleset
    scenarios: tuple[Scenario, ...]


# --- loading ------------------------------------------------------------------------------

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


def _hint(given: Any, known: Iterable[str]) -> str:
    hit = difflib.get_close_matches(str(given), list(known), n=1)
    return f"did you mean {hit[0]!r}? " if hit else ""


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _clean_loc(loc: Sequence[Any], data: Any) -> Path_:
    """A pydantic error location as a path in the YAML data (union tags dropped)."""
    out: list[str | int] = []
    here = data
    for part in loc:
        internal = isinstance(part, str) and (
            part.startswith("function-") or part == "[key]" or part in _FORM_TAGS
        )
        if internal and not (isinstance(here, dict) and part in here):
            continue  # a union tag or validator step, not a key written in the file
        out.append(part)
        if isinstance(here, dict):
            here = here.get(part)
        elif isinstance(here, list) and isinstance(part, int) and 0 <= part < len(here):
            here = here[part]
        else:
            here = None
    return tuple(out)


_QUOTED = re.compile(r"'([^']*)'")

_TYPE_HELP = {
    "string_type": "write text here (quote it if YAML would read it as a number or true/false)",
    "string_too_short": "write a non-empty text",
    "string_pattern_mismatch": "use lower_snake_case: lower-case letters, digits and '_', "
    "starting with a letter (e.g. lawful_takedown)",
    "list_type": "write a list, e.g. `[a, b]`, or one `- item` per line",
    "too_short": "give at least one item",
    "dict_type": "write a mapping of `key: value` lines",
    "model_type": "write a mapping of `key: value` lines",
    "bool_type": "write true or false",
    "float_type": "write a number without quotes, e.g. 10 or 2.5",
    "finite_number": "write a finite number (not .nan or .inf)",
    "greater_than_equal": "write a number of at least {ge}",
    "date_type": "write a date as YYYY-MM-DD, e.g. 2024-01-31",
    "date_parsing": "write a date as YYYY-MM-DD, e.g. 2024-01-31",
    "date_from_datetime_parsing": "write a date as YYYY-MM-DD, e.g. 2024-01-31",
    "date_from_datetime_inexact": "write a date as YYYY-MM-DD, without a time",
}

_SET_HELP = (
    "write the exact set as a list, e.g. `[intervene, report]`, or a mapping "
    "`{include: [...], exclude: [...]}`"
)


def _field_name(path: Path_) -> str:
    """The dotted name of a key, from the scenario (`expect.duties[1]`) or the file down."""
    rel = path[2:] if path[:1] == ("scenarios",) and len(path) > 2 else path
    out = ""
    for part in rel:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + part
    return out or "(file)"


def _structure_issues(exc: ValidationError, doc: Document, prefix: Path_ = ()) -> list[Issue]:
    """Errors of the file's structure (not of situations) as issues at their position."""
    out: list[Issue] = []
    for err in exc.errors(include_url=False):
        path = _clean_loc((*prefix, *err["loc"]), doc.data)
        kind = err["type"]
        ctx = err.get("ctx") or {}
        shape = tuple(p for p in path[:-1] if isinstance(p, str))
        where = _field_name(path)
        if kind == "extra_forbidden":
            known = _KEYS.get(shape, ())
            key = str(path[-1])
            parent = _field_name(path[:-1]) if len(path) > 1 else ""
            if len(path) == 3 and path[0] == "scenarios":
                parent = "the scenario"
            out.append(
                Issue(
                    "scenario_unknown_key",
                    f"unknown key {key!r}" + (f" in {parent}" if parent else ""),
                    doc.loc(path),
                    help=_hint(key, known) + f"allowed keys: {', '.join(known)}",
                )
            )
        elif kind == "missing":
            out.append(
                Issue(
                    "scenario_missing_key",
                    f"missing required key {str(path[-1])!r}",
                    doc.loc(path),
                    help=f"add `{path[-1]}:` here",
                )
            )
        elif kind in ("enum", "literal_error"):
            allowed = _QUOTED.findall(str(ctx.get("expected", "")))
            given = err.get("input")
            out.append(
                Issue(
                    "scenario_unknown_value",
                    f"{where}: unknown value {_short(given)}",
                    doc.loc(path),
                    help=_hint(given, allowed) + f"allowed: {', '.join(allowed)}",
                )
            )
        else:
            help_ = _TYPE_HELP.get(kind, "")
            last = [p for p in path if isinstance(p, str)][-1:]
            if last in (["duties"], ["methods"]) and kind in ("list_type", "model_type"):
                help_ = _SET_HELP
            with contextlib.suppress(KeyError, IndexError, ValueError):
                help_ = help_.format(**ctx)
            out.append(
                Issue(
                    "scenario_invalid_value",
                    f"{where}: {err['msg']} (got {_short(err.get('input'))})",
                    doc.loc(path),
                    help=help_,
                )
            )
    return out


def merge_situation(*layers: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge partial situations, later over earlier (mappings merge, the rest replaces)."""
    out: dict[str, Any] = {}
    for layer in layers:
        for key, value in layer.items():
            if isinstance(value, Mapping) and isinstance(out.get(key), dict):
                out[key] = merge_situation(out[key], value)
            else:
                out[key] = copy.deepcopy(value)
    return out


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


def _model_keys(loc: Sequence[Any]) -> list[str]:
    """The keys allowed at `loc` inside a situation."""
    model: Any = Situation
    for part in loc:
        fields = getattr(model, "model_fields", None)
        if fields is None or part not in fields:
            return []
        model = fields[part].annotation
    fields = getattr(model, "model_fields", None)
    return sorted(fields) if fields else []


def _situation_issues(
    exc: ValidationError,
    doc: Document,
    base: Path_,
    own: Any,
    defaults: Any,
    rank_titles: Sequence[str],
) -> list[Issue]:
    """A situation's errors, each at the scenario's key, or at the default it came from."""
    out: list[Issue] = []
    for err in exc.errors(include_url=False):
        loc = tuple(
            p
            for p in err["loc"]
            if not (isinstance(p, str) and (p.startswith("function-") or p == "[key]"))
        )
        mine, theirs = _depth(own, loc), _depth(defaults, loc)
        path = (*base, *loc) if mine == len(loc) or mine >= theirs else ("defaults", *loc)
        dotted = _field_name(loc) if loc else "situation"
        where = "situation" if path[0] == "scenarios" else "defaults"
        kind = err["type"]
        ctx = err.get("ctx") or {}
        if kind == "extra_forbidden":
            known = _model_keys(loc[:-1])
            out.append(
                Issue(
                    "scenario_unknown_key",
                    f"{where}: unknown key {dotted!r}",
                    doc.loc(path),
                    help=_hint(loc[-1], known) + f"allowed keys: {', '.join(known)}",
                )
            )
            continue
        if kind in ("enum", "literal_error"):
            allowed = _QUOTED.findall(str(ctx.get("expected", "")))
            given = err.get("input")
            titles = list(rank_titles) if loc[-1:] == ("rank",) else []
            help_ = _hint(given, [*allowed, *titles]) + f"allowed: {', '.join(allowed)}"
            if titles:
                help_ += f" (or this ruleset's titles: {', '.join(titles)})"
            message = f"{where}: {dotted}: unknown value {_short(given)}"
        else:
            help_ = _TYPE_HELP.get(kind, "")
            with contextlib.suppress(KeyError, IndexError, ValueError):
                help_ = help_.format(**ctx)
            message = f"{where}: {dotted}: {err['msg']} (got {_short(err.get('input'))})"
        out.append(Issue("scenario_invalid_situation", message, doc.loc(path), help=help_))
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
            help=_hint(ref, known) + f"known rulesets: {', '.join(known) or '(none)'}; a path is "
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
            help=_hint(name, names) + f"{what}s of {rs}: {', '.join(names)}",
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
        help_ = _hint(given, [*allowed, *aliases]) + f"allowed: {', '.join(allowed)}"
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
        try:
            return Situation.model_validate(merge_situation(base_situation, partial), context=ctx)
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
    rule_ids = [r.id for r in rs.program.rules]
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


# --- running -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScenarioResult:
    """The outcome of one scenario: passed, or the differences between expected and actual."""

    scenario: Scenario
    ruleset: Ruleset
    passed: bool
    differences: tuple[str, ...] = ()
    backends: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    decisions: tuple[Decision, ...] = field(default=(), repr=False)

    @property
    def name(self) -> str:
        """The scenario's name."""
        return self.scenario.name

    @property
    def file(self) -> str:
        """The scenario file."""
        return self.scenario.file

    @property
    def line(self) -> int:
        """The scenario's line in its file."""
        return self.scenario.line

    @property
    def location(self) -> str:
        """`file:line` of the scenario."""
        return self.scenario.location

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return {
            "name": self.name,
            "file": self.file,
            "line": self.line,
            "ruleset": self.ruleset.id,
            "as_of": self.scenario.as_of.isoformat() if self.scenario.as_of else None,
            "passed": self.passed,
            "differences": list(self.differences),
            "backends": list(self.backends),
            "notes": list(self.notes),
        }


def _names(values: Iterable[str]) -> str:
    return ", ".join(values) or "none"


def _set_differences(label: str, want: SetExpectation | None, got: Sequence[str]) -> list[str]:
    if want is None:
        return []
    have = set(got)
    if want.exact is not None:
        missing = [x for x in want.exact if x not in have]
        unexpected = [x for x in got if x not in want.exact]
    else:
        missing = [x for x in want.include if x not in have]
        unexpected = [x for x in got if x in want.exclude]
    parts = []
    if missing:
        parts.append("missing " + ", ".join(dict.fromkeys(missing)))
    if unexpected:
        parts.append("unexpected " + ", ".join(unexpected))
    if not parts:
        return []
    return [f"{label}: {'; '.join(parts)} (got: {_names(got)})"]


def differences(expect: Expectation, decision: Decision) -> list[str]:
    """What differs between an expectation and a decision, one readable line per field."""
    out: list[str] = []
    if expect.action is not None and decision.action != expect.action:
        out.append(f"action: expected {expect.action.value}, got {decision.action.value}")
    out += _set_differences("duties", expect.duties, [d.value for d in decision.duties])
    out += _set_differences("methods", expect.methods, [m.value for m in decision.methods])
    cited = [c.id for c in decision.basis]
    missing = [s for s in expect.cites if s not in cited]
    if missing:
        out.append(f"cites: missing {', '.join(missing)} (cited: {_names(cited)})")
    fired = [s.rule for s in decision.trace if s.op == "fire"]
    absent = [r for r in expect.fired if r not in fired]
    if absent:
        out.append(f"fired: {', '.join(absent)} did not fire (fired: {_names(fired)})")
    unwanted = [r for r in expect.not_fired if r in fired]
    if unwanted:
        out.append(f"not_fired: {', '.join(unwanted)} fired")
    if expect.check_supervisor and decision.supervisor_above != expect.supervisor_above:
        want = expect.supervisor_above.value if expect.supervisor_above else "null"
        got = decision.supervisor_above.value if decision.supervisor_above else "null"
        out.append(f"supervisor_above: expected {want}, got {got}")
    out += _report_differences(expect.reports, decision.reports)
    return out


def _describe_report(report: ReportDue) -> str:
    return f"{{to {report.to!r}, within {report.within or 'null'}, rule {report.rule}}}"


def _report_differences(
    want: tuple[ReportExpectation, ...] | None, got: Sequence[ReportDue]
) -> list[str]:
    if want is None:
        return []
    owed = "; ".join(_describe_report(r) for r in got) or "none"
    if not want:
        return [f"reports: expected none, got {owed}"] if got else []
    missing = [w.describe() for w in want if not any(w.matches(r) for r in got)]
    if not missing:
        return []
    return [f"reports: missing {'; '.join(missing)} (owed: {owed})"]


def run_scenario(
    scenario: Scenario, ruleset: Ruleset, backend: Backend = "native"
) -> ScenarioResult:
    """Evaluate one scenario on the backend(s) and compare with its expectation.

    With "both", the scenario must pass on each backend; when durable_rules cannot run here,
    the durable run is skipped and the result carries a note saying so.

    Raises:
        BackendUnavailableError: `backend` is unknown, or "durable" and it cannot run here.

    """
    from intervene_rules._evaluate import evaluate

    if backend not in BACKENDS:
        raise BackendUnavailableError(f"unknown backend {backend!r}; use {', '.join(BACKENDS)}")
    chosen: tuple[Literal["native", "durable"], ...] = (
        ("native", "durable") if backend == "both" else (backend,)
    )
    notes: list[str] = []
    per_backend: dict[str, list[str]] = {}
    decisions: list[Decision] = []
    for name in chosen:
        try:
            decision = evaluate(ruleset, scenario.situation, backend=name, as_of=scenario.as_of)
        except BackendUnavailableError as exc:
            if backend != "both":
                raise
            notes.append(f"durable backend skipped: {exc}")
            continue
        except EvaluationError as exc:
            per_backend[name] = [f"evaluation failed: {exc}"]
            continue
        decisions.append(decision)
        per_backend[name] = differences(scenario.expect, decision)
    ran = tuple(per_backend)
    lists = list(per_backend.values())
    if len(lists) > 1 and any(diff != lists[0] for diff in lists[1:]):
        diffs = [f"[{name}] {d}" for name, ds in per_backend.items() for d in ds]
    else:
        diffs = lists[0] if lists else []
    return ScenarioResult(
        scenario=scenario,
        ruleset=ruleset,
        passed=not diffs,
        differences=tuple(diffs),
        backends=ran,
        notes=tuple(notes),
        decisions=tuple(decisions),
    )


def run_file(scenarios: ScenarioFile, backend: Backend = "native") -> list[ScenarioResult]:
    """Run every scenario of a loaded file.

    Raises:
        BackendUnavailableError: as `run_scenario`.

    """
    return [run_scenario(s, scenarios.ruleset, backend) for s in scenarios.scenarios]


def iter_results(
    files: Iterable[ScenarioFile], backend: Backend = "native"
) -> Iterator[ScenarioResult]:
    """Results of every scenario of every file, in file order.

    Raises:
        BackendUnavailableError: as `run_scenario`.

    """
    for f in files:
        yield from run_file(f, backend)


def run_scenarios(paths: Iterable[str | Path], backend: Backend = "native") -> list[ScenarioResult]:
    """Load the scenario files (or directories of them) and run every scenario.

    Args:
        paths: scenario files, or directories searched recursively for `*.scenarios.yaml`.
        backend: "native" (default), "durable", or "both" (each must pass).

    Raises:
        ScenarioError: a path is missing, or a scenario file is invalid.
        RulesetError: a ruleset named by a scenario file does not load.
        BackendUnavailableError: as `run_scenario`.

    """
    files = [load_scenarios(p) for p in find_scenario_files(paths)]
    return list(iter_results(files, backend))


__all__ = [
    "BACKENDS",
    "DEFAULT_SITUATION",
    "SUFFIX",
    "Backend",
    "Expectation",
    "Scenario",
    "ScenarioFile",
    "ScenarioResult",
    "SetExpectation",
    "differences",
    "display_path",
    "find_scenario_files",
    "iter_results",
    "load_scenarios",
    "merge_situation",
    "run_file",
    "run_scenario",
    "run_scenarios",
]
