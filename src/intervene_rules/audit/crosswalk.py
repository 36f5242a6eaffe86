"""The crosswalk format: how a dataset's files, columns and coded values become situations.

A crosswalk is YAML, validated like a ruleset (every problem at its `file:line:col`, all at
once). It names the dataset's tables (files stacked, joined on a key), the table whose rows
are the records, the incident column that groups the officers of one incident, the date, and
for each fact of the situation either where the data holds it and how its coded values map
onto the contract's vocabulary, or (in `unknown`) why the data never holds it. Every field of
the situation is accounted for one way or the other: a fact the data does not hold stays
unknown and is reasoned about exactly, never defaulted.

Value maps are written target first (`takedown: [TAKE DOWN/EMERGENCY HANDCUFFING]`), since
many coded values map to one value of the contract; values that say nothing about the fact
are listed in `unmappable` with the reason. A value found in the data that is in neither is
counted and reported by column and value (the fact stays unknown for that record).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from intervene_rules.errors import CrosswalkError, Issue
from intervene_rules.fields import SITUATION_FIELDS
from intervene_rules.location import SourceLocation

_CONFIG = ConfigDict(extra="forbid", frozen=True)
_SLUG = r"^[a-z0-9][a-z0-9_.-]*$"
_COLUMN = re.compile(r"^(?P<table>[a-z0-9_]+)\.(?P<column>.+)$")

FACTS: tuple[str, ...] = tuple(f.name for f in SITUATION_FIELDS if f.name != "observer.rank")
"""Facts a crosswalk maps per record. The observer's rank is the other record's actor rank
(or unknown), so it is never mapped from a column."""


class Table(BaseModel):
    """One table of the dataset: files stacked in order, joined to the records on `key`."""

    model_config = _CONFIG
    files: tuple[str, ...] = Field(
        min_length=1, description="File names or glob patterns in the data folder (CSV, .csv.gz)."
    )
    key: str | None = Field(default=None, description="Join key column (as in the file).")
    many: bool = Field(
        default=False,
        strict=True,
        description="Several rows per record (e.g. one per force option): facts read from it "
        "are combined per record.",
    )
    normalise_headers: bool = Field(
        default=False,
        strict=True,
        description="Collapse runs of white space in column names and strip them (header "
        "spellings that vary by year).",
    )


class Fact(BaseModel):
    """Where a fact is held and how its coded values map onto the contract's vocabulary."""

    model_config = _CONFIG
    columns: tuple[str, ...] = Field(
        default=(),
        description="`table.column` names; the items of every column are combined.",
    )
    flags: dict[str, str] = Field(
        default_factory=dict,
        description="Target value -> `table.column` of a yes/no column; a yes gives the value.",
    )
    yes_values: tuple[str, ...] = Field(
        default=("Yes",),
        description="What a yes is in `flags` (not `yes:`, which YAML 1.1 reads as true).",
    )
    where: dict[str, tuple[str, ...]] = Field(
        default_factory=dict,
        description="`table.column` -> values: only rows of a many-table with one of these.",
    )
    split: str | None = Field(default=None, description="Separator of a multi-select cell.")
    strip_prefixes: tuple[str, ...] = Field(
        default=(), description="Prefixes removed from each value before mapping."
    )
    values: dict[str, tuple[str, ...]] = Field(
        default_factory=dict, description="Target value -> the coded values that mean it."
    )
    unmappable: dict[str, str] = Field(
        default_factory=dict,
        description="Coded value -> why it says nothing about the fact (the fact stays unknown).",
    )
    ignore: dict[str, str] = Field(
        default_factory=dict,
        description="Coded value -> why it is no item of this fact (skipped; e.g. a count "
        "column of a multi-select that is not a force).",
    )
    combine: Literal["max", "only"] = Field(
        default="only",
        description="Several values in one record: `max` takes the most severe (force by "
        "severity level; resistance, rank by order; true over false); `only` needs them "
        "to agree (else the fact is unknown, counted as a conflict).",
    )
    note: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> Fact:
        if bool(self.columns) == bool(self.flags):
            raise ValueError("give either `columns` or `flags` (not both, not neither)")
        return self


class Date(BaseModel):
    """The date of each record (the law of that date applies with `--date-column`)."""

    model_config = _CONFIG
    column: str = Field(description="`table.column`.")
    formats: tuple[str, ...] = Field(
        min_length=1, description="strptime formats tried in order (e.g. `%Y-%m-%d`)."
    )


class Observers(BaseModel):
    """Who else was on scene: where the data says so."""

    model_config = _CONFIG
    same_incident: bool = Field(
        default=True,
        strict=True,
        description="The other records of the incident are officers on scene; each is an "
        "observer of the record's force, with that record's rank.",
    )
    flag: str | None = Field(
        default=None,
        description="`table.column` saying other officers were on scene (an observer of "
        "unknown rank when no other record of the incident exists).",
    )
    flag_yes: tuple[str, ...] = Field(default=("Yes", "1"), description="What a yes is.")
    count: str | None = Field(
        default=None,
        description="`table.column` with the number of officers involved (2 or more: an "
        "observer of unknown rank when no other record of the incident exists).",
    )


class Source(BaseModel):
    """Where the data come from (shown in the report)."""

    model_config = _CONFIG
    publisher: str
    url: str
    retrieved: str | None = None
    licence: str | None = None
    note: str | None = None


class Crosswalk(BaseModel):
    """A dataset mapped onto the situation (format reference: docs/crosswalks.md)."""

    model_config = _CONFIG
    crosswalk: str = Field(pattern=_SLUG, description="Id, e.g. chicago-trr-2004-2016.")
    title: str
    record: str = Field(description="What one record is, in words.")
    source: Source
    tables: dict[str, Table] = Field(min_length=1)
    records: str = Field(description="The table whose rows are the records.")
    id: str = Field(description="`table.column` identifying a record.")
    incident: str | None = Field(
        default=None, description="`table.column` grouping the records of one incident."
    )
    date: Date | None = None
    observers: Observers = Field(default_factory=Observers)
    facts: dict[str, Fact] = Field(default_factory=dict)
    unknown: dict[str, str] = Field(
        default_factory=dict, description="Fact -> why the data never holds it."
    )
    caveats: tuple[str, ...] = ()

    def columns_used(self) -> list[tuple[str, str, tuple[str | int, ...]]]:
        """Every `table.column` named, with where it is written (for checks against files)."""
        out: list[tuple[str, str, tuple[str | int, ...]]] = [(self.id, "id", ("id",))]
        if self.incident:
            out.append((self.incident, "incident", ("incident",)))
        if self.date:
            out.append((self.date.column, "date", ("date", "column")))
        if self.observers.flag:
            out.append((self.observers.flag, "observers", ("observers", "flag")))
        if self.observers.count:
            out.append((self.observers.count, "observers", ("observers", "count")))
        for name, fact in self.facts.items():
            for i, c in enumerate(fact.columns):
                out.append((c, name, ("facts", name, "columns", i)))
            for target, c in fact.flags.items():
                out.append((c, name, ("facts", name, "flags", target)))
            for c in fact.where:
                out.append((c, name, ("facts", name, "where", c)))
        return out


def split_column(ref: str) -> tuple[str, str]:
    """`table.column` -> (table, column); the column may itself contain dots or spaces."""
    m = _COLUMN.match(ref)
    if m is None:
        raise ValueError(ref)
    return m["table"], m["column"]


def _targets(name: str) -> tuple[str, ...]:
    """The values a fact may map to, in the contract's vocabulary (JSON forms)."""
    spec = next(f for f in SITUATION_FIELDS if f.name == name)
    if spec.kind in ("bool", "tribool"):
        return ("true", "false")
    if spec.kind == "set":
        assert spec.enum is not None
        return tuple(str(m.value) for m in spec.enum)
    if spec.enum is not None:
        return tuple(str(v.value) for v in spec.enum)
    return ()


def _check(cw: Crosswalk, doc: Any, shown: str) -> list[Issue]:
    """Cross-field checks, each at the place it was written."""
    from intervene_rules.suggest import did_you_mean

    out: list[Issue] = []

    def at(path: tuple[str | int, ...]) -> SourceLocation:
        return doc.loc(path) if doc is not None else SourceLocation(shown)

    if cw.records not in cw.tables:
        out.append(
            Issue(
                "crosswalk_unknown_table",
                f"records: no table {cw.records!r}",
                at(("records",)),
                help=did_you_mean(cw.records, tuple(cw.tables)) + f"tables: {', '.join(cw.tables)}",
            )
        )
    for ref, _owner, path in cw.columns_used():
        try:
            table, _ = split_column(ref)
        except ValueError:
            out.append(
                Issue(
                    "crosswalk_bad_column",
                    f"{ref!r} is not `table.column`",
                    at(path),
                    help=f"name the table first, e.g. {next(iter(cw.tables))}.{ref}",
                )
            )
            continue
        if table not in cw.tables:
            out.append(
                Issue(
                    "crosswalk_unknown_table",
                    f"{ref!r}: no table {table!r}",
                    at(path),
                    help=did_you_mean(table, tuple(cw.tables)) + f"tables: {', '.join(cw.tables)}",
                )
            )
        elif cw.tables[table].many and path[0] != "facts":
            out.append(
                Issue(
                    "crosswalk_many_table",
                    f"{ref!r}: table {table!r} has several rows per record",
                    at(path),
                    help="read the id, incident, date and observers from a table with one row "
                    "per record",
                )
            )
    for name in cw.tables:
        if name != cw.records and cw.tables[name].key is None:
            out.append(
                Issue(
                    "crosswalk_missing_key",
                    f"table {name!r} has no `key` to join it to the records",
                    at(("tables", name)),
                    help="add `key: <column>` (the column shared with the records table)",
                )
            )
    named = set(cw.facts) | set(cw.unknown)
    allowed = (*FACTS,)
    for where, names in (("facts", cw.facts), ("unknown", cw.unknown)):
        for name in names:
            if name not in allowed:
                hint = (
                    "the observer's rank is the other record's actor rank; it is not mapped"
                    if name == "observer.rank"
                    else did_you_mean(name, allowed) + f"facts: {', '.join(allowed)}"
                )
                out.append(
                    Issue(
                        "crosswalk_unknown_fact",
                        f"{where}: no fact {name!r}",
                        at((where, name)),
                        help=hint,
                    )
                )
    for name in set(cw.facts) & set(cw.unknown):
        out.append(
            Issue(
                "crosswalk_fact_twice",
                f"{name!r} is both mapped and declared unknown",
                at(("unknown", name)),
                help="keep one",
            )
        )
    missing = [n for n in FACTS if n not in named]
    if missing:
        out.append(
            Issue(
                "crosswalk_fact_unaccounted",
                "facts neither mapped nor declared unknown: " + ", ".join(missing),
                at(("facts",) if "facts" in (doc.data if doc else {}) else ()),
                help="map each from the data under `facts:`, or say under `unknown:` why the "
                "data never holds it (it then stays unknown, never defaulted)",
            )
        )
    for name, fact in cw.facts.items():
        if name not in allowed:
            continue
        targets = _targets(name)
        if not targets:
            out.append(
                Issue(
                    "crosswalk_unmappable_fact",
                    f"{name!r} is a number: it cannot be mapped from coded values",
                    at(("facts", name)),
                    help="declare it under `unknown:`",
                )
            )
            continue
        keys = [*fact.values, *fact.flags] if fact.flags else list(fact.values)
        for target in keys:
            if target not in targets:
                out.append(
                    Issue(
                        "crosswalk_unknown_value",
                        f"{name}: {target!r} is not a value of the fact",
                        at(("facts", name, "flags" if target in fact.flags else "values", target)),
                        help=did_you_mean(target, targets) + f"allowed: {', '.join(targets)}",
                    )
                )
        seen: dict[str, str] = {}
        for target, coded in fact.values.items():
            for i, c in enumerate(coded):
                if c in seen and seen[c] != target:
                    out.append(
                        Issue(
                            "crosswalk_value_twice",
                            f"{name}: {c!r} maps to both {seen[c]!r} and {target!r}",
                            at(("facts", name, "values", target, i)),
                            help="a coded value means one thing: keep one",
                        )
                    )
                seen[c] = target
        for c in (*fact.unmappable, *fact.ignore):
            if c in seen:
                out.append(
                    Issue(
                        "crosswalk_value_twice",
                        f"{name}: {c!r} is mapped to {seen[c]!r} and also listed as "
                        "unmappable or ignored",
                        at(("facts", name)),
                        help="keep one",
                    )
                )
    return out


def load_crosswalk(source: str | Path, *, text: str | None = None) -> Crosswalk:
    """Load a crosswalk: a bundled id (`intervene crosswalks`) or a YAML file.

    Raises:
        CrosswalkError: every problem of the file, each at its line and column
            (`crosswalk_*` codes).

    """
    from intervene_rules._validation import issues as to_issues
    from intervene_rules._validation import translate
    from intervene_rules.ruleset._yaml import read_mapping

    path = bundled_path(str(source)) if text is None else None
    target: str | Path = path if path is not None else source
    doc, issues = read_mapping(
        target,
        text,
        "crosswalk",
        "a crosswalk is a mapping starting with `crosswalk: <id>`",
        "see the crosswalk format reference (docs/crosswalks.md)",
    )
    if doc is None:
        if not issues:
            issues.append(Issue("crosswalk_unreadable", "empty", SourceLocation(str(target))))
        unread = all(i.code != "crosswalk_not_mapping" for i in issues)
        if path is None and unread and not Path(str(source)).suffix:
            known = ", ".join(list_crosswalks())
            issues = [
                Issue(
                    "crosswalk_unknown",
                    f"no bundled crosswalk {str(source)!r} and no such file",
                    SourceLocation(str(source)),
                    help=f"bundled crosswalks: {known}",
                )
            ]
        raise CrosswalkError(issues)
    try:
        cw = Crosswalk.model_validate(doc.data)
    except ValidationError as exc:
        problems = translate(exc, doc.data, root=Crosswalk)
        raise CrosswalkError([*issues, *to_issues(problems, doc, "crosswalk")]) from None
    issues += _check(cw, doc, str(target))
    if issues:
        raise CrosswalkError(issues)
    object.__setattr__(cw, "__pydantic_private__", {"doc": doc, "path": str(target)})
    return cw


def crosswalk_doc(cw: Crosswalk) -> Any:
    """The parsed document a crosswalk was loaded from (positions of its keys), or None."""
    private = cw.__pydantic_private__
    return private.get("doc") if private else None


def crosswalk_path(cw: Crosswalk) -> str:
    """The file a crosswalk was loaded from."""
    private = cw.__pydantic_private__
    return str(private.get("path", cw.crosswalk)) if private else cw.crosswalk


_BUNDLED = Path(__file__).parent / "crosswalks"


def bundled_path(ref: str) -> Path | None:
    """The bundled crosswalk file of id `ref`, or None."""
    if "/" in ref or "\\" in ref or ref.endswith((".yaml", ".yml")):
        return None
    p = _BUNDLED / f"{ref}.yaml"
    return p if p.is_file() else None


def list_crosswalks() -> dict[str, str]:
    """Bundled crosswalks: id -> title."""
    out: dict[str, str] = {}
    for p in sorted(_BUNDLED.glob("*.yaml")):
        cw = load_crosswalk(p)
        out[cw.crosswalk] = cw.title
    return out


def targets_of(name: str) -> tuple[str, ...]:
    """The values fact `name` may map to (public for the reader and the docs)."""
    return _targets(name)


def mapping_of(fact: Fact) -> Mapping[str, str]:
    """Coded value -> target value."""
    return {c: t for t, coded in fact.values.items() for c in coded}
