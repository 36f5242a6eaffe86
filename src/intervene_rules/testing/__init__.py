"""Tools for testing rulesets (testing stage): scenario files, rule coverage, pytest plugin.

- `load_scenarios` / `run_scenarios` (`testing.scenarios`): `*.scenarios.yaml` files, each
  a list of situations with the decision its ruleset must give.
- `CoverageObserver` (`testing.coverage`, and `coverage()` over results): rules fired and
  conditions exercised both ways, observed from the decisions' traces.
- `testing.plugin`: the pytest plugin (entry point `pytest11`) that collects scenario files.

Names load on first use, so importing the plugin does not import the ruleset loader.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from intervene_rules.testing.coverage import CoverageObserver, RulesetCoverage
    from intervene_rules.testing.scenarios import (
        DEFAULT_SITUATION,
        Scenario,
        ScenarioFile,
        ScenarioResult,
        load_scenarios,
        run_scenarios,
    )

_LAZY = {
    "CoverageObserver": "coverage",
    "RulesetCoverage": "coverage",
    "DEFAULT_SITUATION": "scenarios",
    "Scenario": "scenarios",
    "ScenarioFile": "scenarios",
    "ScenarioResult": "scenarios",
    "load_scenarios": "scenarios",
    "run_scenarios": "scenarios",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'intervene_rules.testing' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"intervene_rules.testing.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "DEFAULT_SITUATION",
    "CoverageObserver",
    "RulesetCoverage",
    "Scenario",
    "ScenarioFile",
    "ScenarioResult",
    "load_scenarios",
    "run_scenarios",
]
