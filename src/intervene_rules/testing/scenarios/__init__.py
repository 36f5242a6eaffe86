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
          not_cites: [us_v_thao_kueng_lane_2022] # source ids it must not include
          notices: [no_retaliation]              # notice ids the decision must carry
          not_notices: [not_clearly_established] # notice ids it must not carry
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

The package holds three modules, by job: `format` (the pydantic models a file is checked
with, and the loaded scenarios and expectations), `load` (files to `ScenarioFile`) and `run`
(evaluating scenarios and describing the differences).
"""

from __future__ import annotations

from intervene_rules.testing.scenarios.format import (
    DEFAULT_SITUATION,
    SUFFIX,
    Expectation,
    ReportExpectation,
    Scenario,
    ScenarioFile,
    SetExpectation,
    merge_situation,
)
from intervene_rules.testing.scenarios.load import (
    display_path,
    find_scenario_files,
    load_scenarios,
)
from intervene_rules.testing.scenarios.run import (
    BACKENDS,
    Backend,
    ScenarioResult,
    differences,
    iter_results,
    run_file,
    run_scenario,
    run_scenarios,
)

__all__ = [
    "BACKENDS",
    "DEFAULT_SITUATION",
    "SUFFIX",
    "Backend",
    "Expectation",
    "ReportExpectation",
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
