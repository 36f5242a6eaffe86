"""Rule coverage of scenario tests (testing stage): one more observer of decision traces.

For each ruleset the scenarios ran against, `CoverageObserver` counts the rules that fired
(the `fire` steps of each decision's trace) and, for every `Test` in every rule's `when`,
whether it was ever true and ever false. A test is evaluated with the native evaluator's
own `compile_cond` against the scenario's row plus the conclusions of the rules that fired
(`engine.row.with_conclusions`); nothing is decided a second time.

A ruleset may declare the minimum share of rules its scenarios must fire
(`coverage: {fail_under: 90}`); `intervene test --fail-under PCT` overrides it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any

from intervene_rules.location import SourceLocation

if TYPE_CHECKING:
    from intervene_rules.decision import Decision
    from intervene_rules.engine.native import Pred
    from intervene_rules.ruleset.ir import Rule, Test
    from intervene_rules.ruleset.ruleset import Ruleset
    from intervene_rules.situation import Situation
    from intervene_rules.testing.scenarios import ScenarioResult


def format_value(value: Any) -> str:
    """A test operand as a ruleset would write it (`[none, verbal]`, `true`, `null`)."""
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, tuple | list | frozenset | set):
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    return str(value)


@dataclass(frozen=True)
class UnfiredRule:
    """A rule no scenario fired."""

    id: str
    origin: SourceLocation

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return {"rule": self.id, "origin": str(self.origin)}


@dataclass(frozen=True)
class OneWayCondition:
    """A test of a rule's `when` that the scenarios only ever made true, or only false."""

    rule: str
    field: str
    op: str
    value: Any
    origin: SourceLocation
    outcome: bool

    @property
    def text(self) -> str:
        """The test as `field op value`."""
        return f"{self.field} {self.op} {format_value(self.value)}"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return {
            "rule": self.rule,
            "field": self.field,
            "op": self.op,
            "value": format_value(self.value),
            "origin": str(self.origin),
            "only": self.outcome,
        }


@dataclass(frozen=True)
class RulesetCoverage:
    """Coverage of one ruleset by the scenarios that ran against it."""

    ruleset: str
    version: str
    digest: str
    files: tuple[str, ...]
    decisions: int
    rules: int
    fired: tuple[str, ...]
    never_fired: tuple[UnfiredRule, ...]
    conditions: int
    both_ways: int
    one_way: tuple[OneWayCondition, ...]
    fail_under: float | None = None

    @property
    def percent(self) -> float:
        """Rules fired by at least one scenario, as a percentage of all rules."""
        return 100.0 * len(self.fired) / self.rules if self.rules else 100.0

    @property
    def conditions_percent(self) -> float:
        """Tests exercised both ways, as a percentage of all tests."""
        return 100.0 * self.both_ways / self.conditions if self.conditions else 100.0

    @property
    def ok(self) -> bool:
        """Whether the rule coverage meets the minimum (always, without one)."""
        # compared without division, so 9 of 10 rules meets exactly 90
        return self.fail_under is None or len(self.fired) * 100 >= self.fail_under * self.rules

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return {
            "ruleset": self.ruleset,
            "version": self.version,
            "digest": self.digest,
            "decisions": self.decisions,
            "rules": self.rules,
            "fired": list(self.fired),
            "percent": round(self.percent, 2),
            "never_fired": [r.to_dict() for r in self.never_fired],
            "conditions": self.conditions,
            "conditions_both_ways": self.both_ways,
            "one_way": [c.to_dict() for c in self.one_way],
            "fail_under": self.fail_under,
            "ok": self.ok,
        }


@dataclass
class _Tally:
    ruleset: Ruleset
    tests: list[tuple[Rule, Test, Pred]]
    rules: dict[str, Rule]
    hits: dict[str, int] = field(default_factory=dict)
    outcomes: list[set[bool]] = field(default_factory=list)
    decisions: int = 0


class CoverageObserver:
    """Counts, per ruleset, the rules fired and the test outcomes of observed decisions."""

    def __init__(self) -> None:
        self._tallies: dict[str, _Tally] = {}

    def _tally(self, ruleset: Ruleset) -> _Tally:
        from intervene_rules.engine.classes import tests_of
        from intervene_rules.engine.native import compile_cond

        tally = self._tallies.get(ruleset.digest)
        if tally is None:
            tests = [
                (rule, test, compile_cond(test))
                for rule in ruleset.program.rules
                for test in tests_of(rule.when)
            ]
            program = ruleset.program
            rules = {r.id: r for r in (*program.replaced.values(), *program.rules)}
            tally = _Tally(ruleset, tests, rules, outcomes=[set() for _ in tests])
            self._tallies[ruleset.digest] = tally
        return tally

    def observe(self, ruleset: Ruleset, situation: Situation, decision: Decision) -> None:
        """Record one decision of `ruleset` for `situation` (any backend's).

        The rules that fired are read from the decision's trace by id; their conclusions
        enter the row through the engine's one `with_conclusions`.
        """
        from intervene_rules.engine.row import make_row, with_conclusions

        tally = self._tally(ruleset)
        tally.decisions += 1
        fired = [tally.rules[step.rule] for step in decision.trace if step.op == "fire"]
        for rule in fired:
            tally.hits[rule.id] = tally.hits.get(rule.id, 0) + 1
        row = with_conclusions(make_row(ruleset.program, situation), fired)
        for (_, _, pred), seen in zip(tally.tests, tally.outcomes, strict=True):
            seen.add(bool(pred(row)))

    def observe_result(self, result: ScenarioResult) -> None:
        """Record every decision of a scenario result (one per backend that ran)."""
        for decision in result.decisions:
            self.observe(result.ruleset, result.scenario.situation, decision)

    def report(self, fail_under: float | None = None) -> list[RulesetCoverage]:
        """Coverage of every ruleset observed, in order of first observation.

        Args:
            fail_under: minimum percentage of rules fired; None uses each ruleset's own
                `coverage: {fail_under: ...}` declaration (none: no minimum).

        """
        out = []
        for tally in self._tallies.values():
            rs = tally.ruleset
            rules = rs.program.rules
            one_way = [
                OneWayCondition(
                    rule.id, test.field, test.op, test.value, test.origin, next(iter(s))
                )
                for (rule, test, _), s in zip(tally.tests, tally.outcomes, strict=True)
                if len(s) == 1
            ]
            out.append(
                RulesetCoverage(
                    ruleset=rs.id,
                    version=rs.version,
                    digest=rs.digest,
                    files=rs.files,
                    decisions=tally.decisions,
                    rules=len(rules),
                    fired=tuple(r.id for r in rules if r.id in tally.hits),
                    never_fired=tuple(
                        UnfiredRule(r.id, r.origin) for r in rules if r.id not in tally.hits
                    ),
                    conditions=len(tally.tests),
                    both_ways=sum(1 for s in tally.outcomes if len(s) == 2),
                    one_way=tuple(one_way),
                    fail_under=fail_under if fail_under is not None else rs.coverage_fail_under,
                )
            )
        return out


def coverage(
    results: Iterable[ScenarioResult], fail_under: float | None = None
) -> list[RulesetCoverage]:
    """Coverage of the rulesets by these scenario results (see `CoverageObserver.report`)."""
    observer = CoverageObserver()
    for result in results:
        observer.observe_result(result)
    return observer.report(fail_under)


def render_text(report: RulesetCoverage) -> str:
    """A coverage table in plain text."""
    lines = [
        f"coverage {report.ruleset} {report.version}: {len(report.fired)}/{report.rules} rules "
        f"fired ({report.percent:.1f}%); {report.both_ways}/{report.conditions} conditions "
        f"exercised both ways ({report.conditions_percent:.1f}%); "
        f"{report.decisions} decision(s)"
    ]
    if report.never_fired:
        lines.append("  rules never fired:")
        width = max(len(r.id) for r in report.never_fired)
        lines += [f"    {r.id:<{width}}  {r.origin}" for r in report.never_fired]
    if report.one_way:
        lines.append("  conditions exercised one way only:")
        width = max(len(c.text) for c in report.one_way)
        for c in report.one_way:
            only = "true" if c.outcome else "false"
            lines.append(f"    {c.text:<{width}}  only {only:<5}  {c.origin}  (rule {c.rule})")
    if report.fail_under is not None:
        verdict = "met" if report.ok else "NOT MET"
        lines.append(
            f"  minimum {report.fail_under:g}% of rules fired: {verdict} ({report.percent:.1f}%)"
        )
    return "\n".join(lines)


__all__ = [
    "CoverageObserver",
    "OneWayCondition",
    "RulesetCoverage",
    "UnfiredRule",
    "coverage",
    "format_value",
    "render_text",
]
