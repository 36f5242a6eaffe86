"""Law in time: a ruleset as in force during one legal period.

A legal period is an interval between consecutive dates on which some source or layer of the
ruleset enters or leaves force. Every day of one period has the same sources and layers in
force, hence the same rules, citations and notices: decisions made on two days of a period
differ only in the date they state. So the dated view is built once per period and shared by
every day in it; finding the period of a day is a bisection over the boundary dates.

Case law in time: a case source enters force on the day it was decided (`effective`), so a
decision dated earlier never cites it. Two things follow for each rule of a period, kept in
its `Standing`:

- its reason (`because`) is shown as written only if it names no case or citation that is
  out of force in the period; otherwise a generated reason replaces it, naming only the
  sources the rule rests on in the period (`shown_because`). So a trace never names a later
  decision, whatever the ruleset's prose says;
- which appellate holdings it rests on in the period, and whether one of them is of the
  ruleset's own circuit or of the Supreme Court (`established`); and whether every source
  it rests on in the period is guidance that binds no one (`guidance_only`). The merge turns
  these into the notices `not_clearly_established` and `guidance_only.*`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property

from intervene_rules.decision import Citation, Notice, RulesetRef
from intervene_rules.ruleset.ir import GridRestriction, Program, Rule
from intervene_rules.vocabulary import ForceType, Resistance, SourceKind

LayerPeriods = Mapping[str, tuple[dt.date | None, dt.date | None, str | None]]
Bounds = Mapping[str, tuple[dt.date, dt.date | None]]
"""Per source or layer with no known start: its lower bound (`not_before`) and the day by
which it is known to be in force (`in_force_by`, or None). It is taken to be in force from
the lower bound; the days from it up to `in_force_by` (or for good) are its uncertain window,
and every decision dated in the window carries a notice saying so."""

NOTICE_PREFIX = "period."
"""Id prefix of the notices on a period of force (uncertain windows), not policy assurances."""


@dataclass(frozen=True)
class Standing:
    """What a rule rests on in one period (see the module's docstring)."""

    guidance_only: bool
    """Every source the rule rests on in the period is guidance (`SourceKind.binding` false)."""
    cites_holdings: bool
    """The rule's declared basis includes appellate holdings (case sources with a circuit)."""
    holdings: tuple[str, ...]
    """The holdings it rests on in the period (ids)."""
    established: bool
    """One of `holdings` is of the ruleset's circuit or of the Supreme Court (any holding when
    the ruleset states no circuit)."""


def circuit_name(circuit: str) -> str:
    """How a circuit is written in notices and docs: '5th Circuit', 'Supreme Court'."""
    return {
        "supreme_court": "Supreme Court",
        "dc": "D.C. Circuit",
        "federal": "Federal Circuit",
    }.get(circuit, f"{circuit} Circuit")


def cited_name(c: Citation) -> str:
    """A source as a generated text names it: 'Byrd v. Brishke, 466 F.2d 6 (7th Cir. 1972)'.

    A statute by its citation, any other source by its title.
    """
    if c.kind is SourceKind.CASE and c.title:
        return f"{c.title}, {c.citation}"
    return c.citation if c.kind is SourceKind.STATUTE or not c.title else c.title


_PLAINTIFF_ONLY = ("United States", "State", "People", "Commonwealth")


def case_name(title: str) -> str:
    """The party name prose uses for a case, e.g. 'Byrd' for 'Byrd v. Brishke'.

    'Thao' for 'United States v. Thao, Kueng and Lane'; 'City of Revere' for 'City of Revere
    v. Massachusetts General Hospital'.
    """
    first, _, rest = title.partition(" v. ")
    if first in _PLAINTIFF_ONLY and rest:
        return re.split(r"[ ,(]", rest.strip(), maxsplit=1)[0]
    return first.strip()


def names_any(text: str, cited: Iterable[Citation]) -> list[str]:
    """The ids of the sources `text` names.

    A case is named by its party name, any source by its formal citation.
    """
    out = []
    for c in cited:
        names = [c.citation]
        if c.kind is SourceKind.CASE and c.title:
            names.append(case_name(c.title))
        if any(re.search(r"(?<![\w'])" + re.escape(n) + r"(?!\w)", text) for n in names if n):
            out.append(c.id)
    return out


def _in_force_text(basis: tuple[str, ...], sources: Mapping[str, Citation]) -> str:
    return "; ".join(cited_name(sources[b]) for b in basis) or "none"


def _concludes(rule: Rule) -> str:
    return "Concludes " + ", ".join(rule.concludes) + ". " if rule.concludes else ""


def shown_because(
    because: str,
    declared: tuple[str, ...],
    kept: tuple[str, ...],
    sources: Mapping[str, Citation],
    prefix: str = "",
) -> str:
    """`because`, or a generated reason if it names a source of `declared` not in `kept`.

    The generated reason names only the sources in `kept` (those in force in the period).
    """
    dropped = [sources[b] for b in declared if b not in kept and b in sources]
    if not names_any(because, dropped):
        return because
    hidden = (
        "the ruleset's own reason names decisions or sources not in force on this date, so "
        "it is not shown"
    )
    if not kept:
        return f"{prefix}No source of it is in force on this date ({hidden})."
    return f"{prefix}Rests, on this date, on: {_in_force_text(kept, sources)} ({hidden})."


@dataclass(frozen=True, eq=False)
class PeriodView:
    """What decides in one legal period: the rules and notices in force, the sources, the ref.

    This is all `engine.merge.build_decision` reads besides the situation and the date.
    Compared by identity: the engine keys its caches on the view object.
    """

    start: dt.date | None  # first day of the period; None: since ever
    end: dt.date | None  # first day after it; None: still running
    program: Program
    sources: Mapping[str, Citation]
    notices: tuple[Notice, ...]
    ref: RulesetRef
    digest: str
    period_notices: tuple[Notice, ...] = ()
    """Notices on the period itself (a law whose start is uncertain): in every decision."""
    standing: Mapping[str, Standing] = field(default_factory=dict)
    """Per rule id of `program.rules`: what it rests on in this period."""
    circuit: str | None = None
    """The ruleset's federal circuit, if it states one."""
    dropped: tuple[str, ...] = ()
    """Ids of the rules that conclude an action but are not in force in this period."""
    unseen: frozenset[str] = frozenset()
    """Facts some rule of the ruleset concludes but no rule in force in this period does."""

    def contains(self, day: dt.date) -> bool:
        """Whether `day` falls in this period."""
        return _covers(self.start, self.end, day)

    @cached_property
    def signature(self) -> str:
        """Identity of what this view evaluates: rules and their sources (for evaluator hosts)."""
        program = self.program
        text = repr(
            (
                self.digest,
                [(r.id, r.basis, r.sections) for r in program.rules],
                program.grid_basis,
                sorted(
                    (r.value, sorted(f.value for f in fs)) for r, fs in program.force_grid.items()
                ),
                program.opportunity.basis,
            )
        )
        return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def _covers(effective: dt.date | None, ended: dt.date | None, day: dt.date) -> bool:
    return (effective is None or effective <= day) and (ended is None or day < ended)


def _start(day: dt.date | None, sid: str, bounds: Bounds | None) -> dt.date | None:
    if day is None and bounds and sid in bounds:
        return bounds[sid][0]
    return day


def in_force(
    sources: Mapping[str, Citation],
    layers: LayerPeriods,
    day: dt.date,
    source_bounds: Bounds | None = None,
    layer_bounds: Bounds | None = None,
) -> tuple[set[str], set[str]]:
    """The ids of the sources and of the layers in force on `day`.

    A source or layer with only a lower bound of its start is in force from that bound.
    """
    src = {
        sid
        for sid, c in sources.items()
        if _covers(_start(c.effective, sid, source_bounds), c.ended, day)
    }
    lay = {
        lid
        for lid, (eff, end, _) in layers.items()
        if _covers(_start(eff, lid, layer_bounds), end, day)
    }
    return src, lay


def boundaries(
    sources: Mapping[str, Citation],
    layers: LayerPeriods,
    program: Program | None = None,
    source_bounds: Bounds | None = None,
    layer_bounds: Bounds | None = None,
) -> tuple[dt.date, ...]:
    """Every date on which something enters or leaves force (or an uncertain window), sorted.

    Sources, layers, the bounds of uncertain windows, and restricted techniques, rank titles
    and rules with periods of their own.
    """
    days = {d for c in sources.values() for d in (c.effective, c.ended) if d}
    days |= {d for eff, end, _ in layers.values() for d in (eff, end) if d}
    for bounds in (source_bounds or {}, layer_bounds or {}):
        days |= {d for pair in bounds.values() for d in pair if d}
    if program is not None:
        days |= {d for r in program.restrictions for d in (r.effective, r.ended) if d}
        days |= {d for pair in program.alias_periods.values() for d in pair if d}
        rules = (*program.rules, *program.replaced.values())
        days |= {d for r in rules for d in (r.effective, r.ended) if d}
    return tuple(sorted(days))


def restricted_because(because: str, restrictions: Iterable[GridRestriction]) -> str:
    """The grid's `because` followed by that of each restriction applied."""
    return " ".join([because, *(r.because for r in restrictions)])


def restricted_basis(
    basis: tuple[str, ...], restrictions: Iterable[GridRestriction]
) -> tuple[str, ...]:
    """The grid's basis and that of each restriction applied, without repeats."""
    return tuple(dict.fromkeys([*basis, *(b for r in restrictions for b in r.basis)]))


def restricted_grid(
    base: dict[Resistance, frozenset[ForceType]], restrictions: Iterable[GridRestriction]
) -> dict[Resistance, frozenset[ForceType]]:
    """The grid `base` with each of `restrictions` applied."""
    out = dict(base)
    for r in restrictions:
        for level in r.levels:
            out[level] = out[level] - {r.technique}
    return out


def uncertain_notices(
    sources: Mapping[str, Citation],
    layers: LayerPeriods,
    day: dt.date,
    source_bounds: Bounds | None,
    layer_bounds: Bounds | None,
) -> tuple[Notice, ...]:
    """One notice per uncertain window containing `day`, naming the layers and sources in it."""
    windows: dict[tuple[dt.date, dt.date | None], list[str]] = {}
    for bounds, names in (
        (layer_bounds or {}, {lid: f"layer {lid}" for lid in layers}),
        (source_bounds or {}, {sid: f"{c.citation} ({sid})" for sid, c in sources.items()}),
    ):
        for key, (low, known) in sorted(bounds.items()):
            if key in names and _covers(low, known, day):
                windows.setdefault((low, known), []).append(names[key])
    out: list[Notice] = []
    for (low, known), names_in in sorted(windows.items(), key=lambda w: w[0][0]):
        until = (
            f" and known to be in force by {known.isoformat()}"
            if known
            else "; no day by which it was in force is recorded"
        )
        who = " and ".join(names_in)
        out.append(
            Notice(
                id=f"{NOTICE_PREFIX}uncertain.{low.isoformat()}",
                text=f"Period of force uncertain: the day {who} took effect is not known. It "
                f"is not in force before {low.isoformat()}{until}. For a date in that window "
                "this decision applies it as in force; if it had not yet taken effect on that "
                "date, its duties, report deadlines and restrictions did not yet bind - check "
                "the official text.",
            )
        )
    return tuple(out)


def period_view(
    program: Program,
    sources: Mapping[str, Citation],
    notices: tuple[Notice, ...],
    layers: LayerPeriods,
    ref: RulesetRef,
    digest: str,
    start: dt.date | None,
    end: dt.date | None,
    source_bounds: Bounds | None = None,
    layer_bounds: Bounds | None = None,
    circuit: str | None = None,
) -> PeriodView:
    """The view of the period [start, end).

    A rule fires only while its layer is in force, its own period (if it has one) covers
    the day, and at least one of its sources is in force; sources not in force are dropped
    from every basis. A restricted technique narrows the force grid only while its layer and
    one of its sources (and its own dates) are in force; a rank title with sources or dates of
    its own is in use only while they are.
    """
    day = start or dt.date.min
    src, lay = in_force(sources, layers, day, source_bounds, layer_bounds)

    def active(rule: Rule | None) -> tuple[Rule, Rule] | None:
        # a rule whose layer (or own period) is not in force gives way to the rule it
        # replaced, if any; returned: the rule as declared, and as in force in the period
        while rule is not None and (
            rule.layer not in lay or not _covers(rule.effective, rule.ended, day)
        ):
            rule = program.replaced.get(rule.id)
        if rule is None or not any(b in src for b in rule.basis):
            return None
        basis = tuple(b for b in rule.basis if b in src)
        shown = shown_because(rule.because, rule.basis, basis, sources, _concludes(rule))
        return rule, replace(
            rule,
            basis=basis,
            sections=tuple(x for x in rule.sections if x[0] in src),
            because=shown,
        )

    def holding(sid: str) -> bool:
        c = sources.get(sid)
        return c is not None and c.kind is SourceKind.CASE and c.circuit is not None

    def standing(declared: Rule, rule: Rule) -> Standing:
        held = tuple(b for b in rule.basis if holding(b))
        home = {"supreme_court", circuit} if circuit else None
        return Standing(
            guidance_only=all(not sources[b].kind.binding for b in rule.basis),
            cites_holdings=any(holding(b) for b in declared.basis),
            holdings=held,
            established=bool(held)
            and (home is None or any(sources[b].circuit in home for b in held)),
        )

    pairs = [p for p in map(active, program.rules) if p is not None]
    rules = tuple(a for _, a in pairs)
    declared = {a.id: d for d, a in pairs}
    grid, because, all_grid_basis = program.force_grid, program.grid_because, program.grid_basis
    if program.grid_unrestricted is not None:
        applied = [
            r
            for r in program.restrictions
            if r.layer in lay
            and _covers(r.effective, r.ended, day)
            and any(b in src for b in r.basis)
        ]
        base, base_because, base_basis = program.grid_unrestricted
        grid = restricted_grid(base, applied)
        because = restricted_because(base_because, applied)
        all_grid_basis = restricted_basis(base_basis, applied)
    grid_basis = tuple(b for b in all_grid_basis if b in src)
    opp_basis = tuple(b for b in program.opportunity.basis if b in src)
    aliases = program.rank_aliases
    if program.alias_periods or program.alias_basis:
        aliases = {
            title: rank
            for title, rank in aliases.items()
            if _covers(*program.alias_periods.get(title, (None, None)), day)
            and (
                not program.alias_basis.get(title)
                or any(b in src for b in program.alias_basis[title])
            )
        }
    view_program = replace(
        program,
        rules=rules,
        force_grid=grid,
        rank_aliases=aliases,
        # a title's sources not in force are never cited (`engine.merge.cite_rank_titles`)
        alias_basis={
            title: tuple(b for b in basis if b in src)
            for title, basis in program.alias_basis.items()
            if title in aliases
        },
        grid_basis=grid_basis,
        grid_because=shown_because(because, all_grid_basis, grid_basis, sources),
        opportunity=replace(
            program.opportunity,
            basis=opp_basis,
            because=shown_because(
                program.opportunity.because, program.opportunity.basis, opp_basis, sources
            ),
        ),
        facts=tuple(f for f in program.facts if any(f in r.facts for r in rules)),
        exceptions=tuple(
            replace(e, basis=tuple(b for b in e.basis if b in src))
            for e in program.exceptions
            if e.layer in lay and any(b in src for b in e.basis)
        ),
    )
    kept = tuple(
        n.model_copy(
            update={
                "basis": (nb := tuple(b for b in n.basis if b in src)),
                "text": shown_because(n.text, n.basis, nb, sources),
            }
        )
        for n in notices
        if any(b in src for b in n.basis)
    )
    uncertain = uncertain_notices(sources, layers, day, source_bounds, layer_bounds)
    standings = {a.id: standing(declared[a.id], a) for a in rules}
    dropped = tuple(r.id for r in program.rules if r.action is not None and r.id not in standings)
    unseen = frozenset(program.facts) - {f for r in rules for f in r.facts}
    return PeriodView(
        start,
        end,
        view_program,
        sources,
        kept,
        ref,
        digest,
        period_notices=uncertain,
        standing=standings,
        circuit=circuit,
        dropped=dropped,
        unseen=unseen,
    )
