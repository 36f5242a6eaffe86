"""`intervene check`: exact findings over the whole discrete input space of a ruleset.

Analysis never raises for a finding (Cedar's validator): it returns an `AnalysisReport` of
`Issue` records with stable `analysis_*` codes, each pointing at the rule or source it is
about, with an example situation where one exists.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from intervene_rules.analysis.invariants import check_invariants, simplicity
from intervene_rules.analysis.regions import cover
from intervene_rules.analysis.space import Evaluated, Point, Space, evaluate_space
from intervene_rules.errors import Issue
from intervene_rules.location import SourceLocation
from intervene_rules.ruleset.ir import Rule
from intervene_rules.ruleset.ruleset import Ruleset
from intervene_rules.situation import Situation
from intervene_rules.vocabulary import Action, Stage, Verification

MAX_REGIONS_SHOWN = 12


@dataclass
class AnalysisReport:
    """What `check` found in one ruleset. `ok` is true when nothing but notes was found."""

    as_of: dt.date | None
    ruleset: str
    version: str
    digest: str
    files: tuple[str, ...]
    space: str
    situations: int
    seconds: float
    findings: list[Issue] = field(default_factory=list)

    @property
    def errors(self) -> list[Issue]:
        """Findings of severity error."""
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        """Findings of severity warning."""
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def ok(self) -> bool:
        """No errors and no warnings (notes do not count)."""
        return not self.errors and not self.warnings

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "ruleset": self.ruleset,
            "version": self.version,
            "digest": self.digest,
            "files": list(self.files),
            "space": self.space,
            "situations": self.situations,
            "seconds": round(self.seconds, 3),
            "ok": self.ok,
            "findings": [{**f.to_dict(), "ctx": f.ctx} for f in self.findings],
        }


def _sit(s: Situation) -> dict[str, Any]:
    return s.model_dump(mode="json")


def _top(ruleset: Ruleset) -> SourceLocation:
    return SourceLocation(ruleset.files[-1] if ruleset.files else ruleset.id, 1, 1)


def _masked(fired: tuple[Rule, ...], extra_basis: set[str]) -> set[str]:
    """Ids of fired rules that add nothing to the decision.

    A rule adds nothing when another fired rule (or a derivation) also gives each of its
    conclusions and cites each of its sources.
    """
    out: set[str] = set()
    for r in fired:
        others = [o for o in fired if o is not r]
        top = max((o.action for o in others if o.action is not None), default=None)
        if r.action is not None and (top is None or top < r.action):
            continue
        given = {c for o in others for c in o.concludes if not c.startswith("action=")}
        if any(c not in given for c in r.concludes if not c.startswith("action=")):
            continue
        cited = extra_basis | {sid for o in others for sid in o.basis}
        if all(sid in cited for sid in r.basis):
            out.add(r.id)
    return out


def analyze(
    ruleset: Ruleset,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> AnalysisReport:
    """Every finding for `ruleset`, decided exactly over its whole reduced input space."""
    start = time.perf_counter()
    space = Space(ruleset.program)
    rules = {r.id: r for r in ruleset.program.rules}
    stage2 = {r.id for r in ruleset.program.rules if r.stage is Stage.DETERMINE_ACTION}
    gaps: list[Point] = []
    gap_example: Situation | None = None
    fired_count: Counter[str] = Counter()
    masked_everywhere: dict[str, bool] = {}
    masked_cache: dict[tuple[Any, ...], set[str]] = {}
    conflicts: dict[tuple[str, str], tuple[int, Situation]] = {}
    decisions: list[tuple[Situation, Any]] = []
    evaluated: Evaluated
    for evaluated in evaluate_space(ruleset, space, progress):
        fired = evaluated.fired
        decisions.append((evaluated.situation, evaluated.decision))
        ids = [r.id for r in fired]
        fired_count.update(ids)
        deciding = [r for r in fired if r.id in stage2]
        if not deciding:
            gaps.append(evaluated.point)
            if gap_example is None or simplicity(evaluated.situation) < simplicity(gap_example):
                gap_example = evaluated.situation
        explicit_none = [r for r in deciding if r.action is Action.NONE]
        acting = [r for r in deciding if r.action is not None and r.action > Action.NONE]
        for quiet in explicit_none:
            for loud in acting:
                n, ex = conflicts.get((quiet.id, loud.id), (0, evaluated.situation))
                conflicts[(quiet.id, loud.id)] = (n + 1, ex)
        derivation_basis = {
            sid for t in evaluated.decision.trace if t.op == "derive" for sid in t.basis
        }
        key = (tuple(ids), tuple(sorted(derivation_basis)))
        masked = masked_cache.get(key)
        if masked is None:
            masked = masked_cache[key] = _masked(fired, derivation_basis)
        for rid in ids:
            masked_everywhere[rid] = masked_everywhere.get(rid, True) and rid in masked
    findings: list[Issue] = []
    top = _top(ruleset)
    if gaps:
        regions = cover(gaps, space)
        shown = regions[:MAX_REGIONS_SHOWN]
        listing = "\n".join(f"    {r.describe(space.dims)}  ({r.size:,})" for r in shown)
        more = (
            f"\n    … and {len(regions) - len(shown)} more region(s)"
            if len(regions) > len(shown)
            else ""
        )
        findings.append(
            Issue(
                "analysis_gap",
                f"{len(gaps):,} situation(s) in {len(regions)} region(s) are decided by no "
                f"stage-2 (determine_action) rule, so they fall to the default action 'none':\n"
                f"{listing}{more}",
                top,
                help="add a determine_action rule for these regions (an explicit "
                "`action: none` rule with its legal basis where no action is owed)",
                severity="warning",
                ctx={
                    "count": len(gaps),
                    "regions": [
                        {
                            "where": r.describe(space.dims),
                            "conditions": r.conditions(space.dims),
                            "size": r.size,
                        }
                        for r in regions
                    ],
                    "example": _sit(gap_example) if gap_example else None,
                },
            )
        )
    for (a, b), (n, ex) in sorted(conflicts.items()):
        higher = rules[b].action
        findings.append(
            Issue(
                "analysis_conflict",
                f"rules {a!r} (action none) and {b!r} (action "
                f"{higher.value if higher else '?'}) both decide {n:,} situation(s); the "
                f"higher action wins, contradicting {a!r}",
                rules[a].origin,
                help=f"narrow {a!r} so it excludes what {b!r} covers, or replace one of them",
                severity="error",
                ctx={"rules": [a, b], "count": n, "example": _sit(ex)},
            )
        )
    for r in ruleset.program.rules:
        if fired_count[r.id] == 0:
            findings.append(
                Issue(
                    "analysis_never_fires",
                    f"rule {r.id!r} fires in no situation",
                    r.origin,
                    help="its condition is unsatisfiable (or reads a fact no rule can give "
                    "together with it); fix or remove it",
                    severity="warning",
                    ctx={"rule": r.id},
                )
            )
        elif masked_everywhere.get(r.id):
            findings.append(
                Issue(
                    "analysis_masked",
                    f"rule {r.id!r} fires in {fired_count[r.id]:,} situation(s) but never changes "
                    "a decision: other rules always give its conclusions and cite its sources",
                    r.origin,
                    help="remove it, or give it a conclusion or a source of its own",
                    severity="warning",
                    ctx={"rule": r.id, "fires": fired_count[r.id]},
                )
            )
    findings.extend(_source_findings(ruleset))
    for v in check_invariants(ruleset, decisions=decisions):
        findings.append(
            Issue(
                "analysis_invariant",
                str(v).split("\n")[0],
                top,
                help="change the rules so the invariant holds, or declare the departure "
                "(see the invariants page)",
                severity="error",
                ctx={**v.to_dict(), "example": v.situation.model_dump(mode="json")},
            )
        )
    return AnalysisReport(
        as_of=ruleset.as_of,
        ruleset=ruleset.id,
        version=ruleset.version,
        digest=ruleset.digest,
        files=ruleset.files,
        space=space.describe(),
        situations=space.size,
        seconds=time.perf_counter() - start,
        findings=findings,
    )


def _source_findings(ruleset: Ruleset) -> list[Issue]:
    program = ruleset.program
    cited = {sid for r in program.rules for sid in r.basis}
    cited |= set(program.grid_basis) | set(program.opportunity.basis)
    cited |= {sid for n in ruleset.notices for sid in n.basis}
    cited |= {sid for e in program.exceptions for sid in e.basis}
    cited |= {sid for ids in program.alias_basis.values() for sid in ids}
    in_force = ruleset.in_force(ruleset.as_of)[0] if ruleset.as_of else set(ruleset.sources)
    out: list[Issue] = []
    for sid, citation in ruleset.sources.items():
        loc = ruleset.source_origins.get(sid, _top(ruleset))
        if sid not in in_force:
            continue  # a source of another period: `check --as-of all` covers its period
        if sid not in cited:
            out.append(
                Issue(
                    "analysis_unused_source",
                    f"source {sid!r} is declared but no rule cites it",
                    loc,
                    help="cite it from the rule it supports, or remove the declaration",
                    severity="warning",
                    ctx={"source": sid},
                )
            )
        elif citation.verification is not Verification.VERIFIED:
            acknowledged = bool(citation.note)
            out.append(
                Issue(
                    "analysis_unverified_source",
                    f"cited source {sid!r} is {citation.verification.value}"
                    + (
                        f": {citation.note}"
                        if citation.note
                        else " and says nothing of what is unverified"
                    ),
                    loc,
                    help="verify it against a primary text, or say in `note:` what was not seen",
                    severity="info" if acknowledged else "warning",
                    ctx={"source": sid, "verification": citation.verification.value},
                )
            )
    return out
