"""The loaded, validated, compiled ruleset that `evaluate()` takes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from intervene_rules.decision import Citation, Notice, RulesetRef
from intervene_rules.errors import RulesetError
from intervene_rules.location import SourceLocation
from intervene_rules.ruleset.compile import compile_program, digest
from intervene_rules.ruleset.ir import Program
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
        return f"<Ruleset {self.id} {self.version} {self.digest[:19]} layers={list(self.layers)}>"


def load_ruleset(ref: str | Path) -> Ruleset:
    """Load a bundled ruleset by id (e.g. ``"model-policy"``) or a ruleset file by path.

    Layers named in ``extends`` are loaded, validated and merged; the result is compiled.

    Raises:
        RulesetError: listing every problem found, each with file:line:col and advice.

    """
    merged = load_layers(ref)
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
            }
        )
    return out
