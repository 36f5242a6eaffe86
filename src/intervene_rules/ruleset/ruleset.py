"""The loaded, validated, compiled ruleset that `evaluate()` takes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from intervene_rules.decision import Citation, Notice, RulesetRef
from intervene_rules.errors import RulesetError
from intervene_rules.location import SourceLocation
from intervene_rules.ruleset.compile import compile_program, digest
from intervene_rules.ruleset.ir import Program, Rule
from intervene_rules.ruleset.load import bundled_ids, load_layers

if TYPE_CHECKING:
    from intervene_rules.engine.table import DecisionTable


@dataclass(frozen=True, eq=False)
class Ruleset:
    """A merged, compiled ruleset. Immutable and safe to share between threads."""

    id: str
    title: str
    version: str
    jurisdiction: str
    effective: dt.date | None
    layers: tuple[str, ...]
    sources: Mapping[str, Citation]
    notices: tuple[Notice, ...]
    program: Program
    digest: str
    files: tuple[str, ...] = ()
    source_origins: Mapping[str, SourceLocation] = field(default_factory=dict)
    coverage_fail_under: float | None = None
    layer_periods: Mapping[str, tuple[dt.date | None, dt.date | None, str | None]] = field(
        default_factory=dict
    )
    as_of: dt.date | None = None
    _views: dict[dt.date, Ruleset] = field(default_factory=dict, repr=False, compare=False)
    _base: Ruleset | None = field(default=None, repr=False, compare=False)

    def in_force(self, day: dt.date) -> tuple[set[str], set[str]]:
        """The ids of the sources and of the layers in force on `day`."""
        sources = {sid for sid, c in self.sources.items() if _covers(c.effective, c.ended, day)}
        layers = {
            lid for lid, (eff, end, _) in self.layer_periods.items() if _covers(eff, end, day)
        }
        return sources, layers

    def periods(self) -> list[dt.date]:
        """Every date on which some source or layer enters or leaves force, sorted."""
        days = {d for c in self.sources.values() for d in (c.effective, c.ended) if d}
        days |= {d for eff, end, _ in self.layer_periods.values() for d in (eff, end) if d}
        return sorted(days)

    @cached_property
    def signature(self) -> str:
        """Identity of what this (possibly dated) view evaluates: rules and their sources."""
        import hashlib

        program = self.program
        text = repr(
            (
                self.digest,
                [(r.id, r.basis, r.sections) for r in program.rules],
                program.grid_basis,
                program.opportunity.basis,
            )
        )
        return "sha256:" + hashlib.sha256(text.encode()).hexdigest()

    def undated(self) -> Ruleset:
        """The ruleset itself, for a dated view (views keep a link to it)."""
        return self._base or self

    def at(self, day: dt.date) -> Ruleset:
        """The ruleset as in force on `day`.

        A rule fires only while its layer is in force and at least one of its sources is;
        sources not in force are dropped from every basis. Views are cached per date.
        """
        if self.as_of is not None:
            return self.undated().at(day)
        view = self._views.get(day)
        if view is None:
            view = self._view(day)
            if len(self._views) >= 512:
                self._views.clear()
            self._views[day] = view
        return view

    def _view(self, day: dt.date) -> Ruleset:
        sources, layers = self.in_force(day)
        program = self.program

        def active(rule: Rule | None) -> Rule | None:
            # a rule whose layer is not in force gives way to the rule it replaced, if any
            while rule is not None and rule.layer not in layers:
                rule = program.replaced.get(rule.id)
            if rule is None or not any(b in sources for b in rule.basis):
                return None
            return replace(
                rule,
                basis=tuple(b for b in rule.basis if b in sources),
                sections=tuple(x for x in rule.sections if x[0] in sources),
            )

        rules = tuple(r for r in map(active, program.rules) if r is not None)
        kept = {r.id for r in rules}
        view_program = replace(
            program,
            rules=rules,
            grid_basis=tuple(b for b in program.grid_basis if b in sources),
            opportunity=replace(
                program.opportunity,
                basis=tuple(b for b in program.opportunity.basis if b in sources),
            ),
            facts=tuple(f for f in program.facts if any(f in r.facts for r in rules)),
            exceptions=tuple(
                replace(e, basis=tuple(b for b in e.basis if b in sources))
                for e in program.exceptions
                if e.layer in layers and any(b in sources for b in e.basis)
            ),
        )
        assert all(r.id in kept for r in view_program.rules)
        notices = tuple(
            n.model_copy(update={"basis": tuple(b for b in n.basis if b in sources)})
            for n in self.notices
            if any(b in sources for b in n.basis)
        )
        return replace(
            self, program=view_program, notices=notices, as_of=day, _views={}, _base=self
        )

    @property
    def ref(self) -> RulesetRef:
        """The identity stamped on every decision."""
        return RulesetRef(id=self.id, version=self.version, digest=self.digest)

    @cached_property
    def table(self) -> DecisionTable:
        """The compiled decision table (built on first use)."""
        from intervene_rules.engine.table import DecisionTable

        return DecisionTable(self)

    def __repr__(self) -> str:
        when = f" as of {self.as_of}" if self.as_of else ""
        return (
            f"<Ruleset {self.id} {self.version} {self.digest[:19]} "
            f"layers={list(self.layers)}{when}>"
        )


def _covers(effective: dt.date | None, ended: dt.date | None, day: dt.date) -> bool:
    return (effective is None or effective <= day) and (ended is None or day < ended)


def load_ruleset(ref: str | Path, *, allow_paths: Iterable[str | Path] = ()) -> Ruleset:
    """Load a bundled ruleset by id (e.g. ``"model-policy"``) or a ruleset file by path.

    Layers named in ``extends`` are loaded, validated and merged; the result is compiled.
    ``extends`` may name bundled ids and files inside the ruleset's own folder; folders in
    ``allow_paths`` may also be read.

    Raises:
        RulesetError: listing every problem found, each with file:line:col and advice.

    """
    merged = load_layers(ref, allow_paths=allow_paths)
    program, issues = compile_program(merged)
    if program is None:
        raise RulesetError(issues)
    citations = {
        sid: Citation(
            id=s.id,
            kind=s.kind,
            citation=s.citation,
            title=s.title,
            section=s.section,
            url=s.url,
            verification=s.verification,
            note=s.note.strip() if s.note else None,
            effective=s.effective,
            ended=s.ended,
            ended_by=s.ended_by.strip() if s.ended_by else None,
        )
        for sid, placed in merged.sources.items()
        for s in [placed.value]
    }
    notices = tuple(
        Notice(id=p.value.id, text=p.value.text.strip(), basis=tuple(p.value.basis))
        for p in merged.notices.values()
    )
    top = merged.top
    return Ruleset(
        id=top.id,
        title=top.title,
        version=top.version,
        jurisdiction=top.jurisdiction,
        effective=top.effective,
        layers=tuple(layer.spec.id for layer in merged.layers),
        sources=citations,
        notices=notices,
        program=program,
        digest=digest(merged, program),
        files=tuple(layer.doc.file for layer in merged.layers),
        source_origins={sid: placed.loc for sid, placed in merged.sources.items()},
        coverage_fail_under=top.coverage.fail_under if top.coverage else None,
        layer_periods={
            layer.spec.id: (layer.spec.effective, layer.spec.ended, layer.spec.ended_by)
            for layer in merged.layers
        },
    )


def list_rulesets() -> list[dict[str, Any]]:
    """The bundled rulesets: id, title, version, jurisdiction and the layers each extends."""
    out = []
    for rid in bundled_ids():
        rs = load_ruleset(rid)
        out.append(
            {
                "id": rs.id,
                "title": rs.title,
                "version": rs.version,
                "jurisdiction": rs.jurisdiction,
                "layers": list(rs.layers),
                "rules": len(rs.program.rules),
                "digest": rs.digest,
                "effective": str(rs.effective) if rs.effective else None,
                "ended": str(rs.layer_periods[rs.id][1]) if rs.layer_periods[rs.id][1] else None,
                "ended_sources": [
                    [sid, str(c.ended), c.ended_by]
                    for sid, c in sorted(rs.sources.items())
                    if c.ended is not None
                ],
            }
        )
    return out
