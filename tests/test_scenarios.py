"""Scenario files (`*.scenarios.yaml`): format, defaults, errors with locations, the runner.

The bundled scenario files replace the old `tests/cases/real_cases.yaml`: every real case
still runs, on both evaluators, here and through `pytest rulesets/`.
"""

from __future__ import annotations

import argparse
import io
import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

import intervene_rules._evaluate as evaluate_module
from intervene_rules import (
    BackendUnavailableError,
    Decision,
    InterveneRulesError,
    RulesetError,
    Situation,
    evaluate,
    load_ruleset,
)
from intervene_rules.cli import test as command
from intervene_rules.errors import FileIssuesError, ScenarioError
from intervene_rules.ruleset.load import bundled_dir
from intervene_rules.testing.scenarios import (
    DEFAULT_SITUATION,
    Expectation,
    ReportExpectation,
    SetExpectation,
    differences,
    find_scenario_files,
    load_scenarios,
    merge_situation,
    run_scenario,
    run_scenarios,
)
from intervene_rules.vocabulary import (
    Action,
    ForceType,
    PriorIntervention,
    Rank,
    Resistance,
)

RULESETS = bundled_dir()

#: The cases of the former tests/cases/real_cases.yaml, now in the bundled scenario files.
REAL_CASES: dict[str, dict[str, str | None]] = {
    "federal-baseline": {
        "timpa_prolonged_prone_restraint": "timpa_v_dillard_2021",
        "oneill_blows_in_rapid_succession": "oneill_v_krzeminski_1988",
        "mick_captain_watching_a_major": "mick_v_brewer_1996",
        "randall_unlawful_detention": "randall_v_prince_georges_county_2002",
        "lawful_takedown_needs_no_intervention": "gaudreault_v_salem_1990",
        "false_report_is_a_policy_matter": None,
    },
    "model-policy": {
        "model_policy_false_report": "iacp_peer_bystander_intervention_guide",
        "model_policy_verbal_warning_ignored": "iacp_peer_bystander_intervention_guide",
    },
}


def write(tmp_path: Path, text: str, name: str = "t.scenarios.yaml") -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def load_errors(tmp_path: Path, text: str, name: str = "t.scenarios.yaml") -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        load_scenarios(write(tmp_path, text, name))
    return info.value


def only(err: ScenarioError, code: str) -> Any:
    hits = [i for i in err.issues if i.code == code]
    assert len(hits) == 1, [str(i) for i in err.issues]
    return hits[0]


# --- the bundled scenario files -------------------------------------------------------------


def test_bundled_scenarios_pass_on_both_backends(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("durable.engine")
    # few hosts at a time (each a copy of a ruleset inside durable_rules): the suite's memory
    monkeypatch.setattr("intervene_rules.engine.durable.MAX_HOSTS", 2)
    results = run_scenarios([RULESETS], backend="both")
    failed = [(r.location, r.differences) for r in results if not r.passed]
    assert failed == []
    assert all(r.backends == ("native", "durable") for r in results)
    assert len(results) >= 20


@pytest.mark.parametrize("ruleset_id", sorted(REAL_CASES))
def test_real_cases_moved_with_their_sources(ruleset_id: str) -> None:
    loaded = load_scenarios(RULESETS / f"{ruleset_id}.scenarios.yaml")
    assert loaded.ruleset.id == ruleset_id
    by_name = {s.name: s for s in loaded.scenarios}
    for name, source in REAL_CASES[ruleset_id].items():
        assert name in by_name, name
        assert by_name[name].description, name
        if source is not None:
            assert source in by_name[name].sources


def test_bundled_scenario_sources_are_declared_and_names_unique() -> None:
    for path in find_scenario_files([RULESETS]):
        loaded = load_scenarios(path)
        names = [s.name for s in loaded.scenarios]
        assert len(names) == len(set(names))
        for s in loaded.scenarios:
            assert set(s.sources) <= set(loaded.ruleset.sources)


def test_scenario_files_are_not_listed_as_rulesets() -> None:
    from intervene_rules.ruleset.load import bundled_ids

    ids = bundled_ids()
    assert {"federal-baseline", "model-policy"} <= set(ids)
    assert not [i for i in ids if "scenarios" in i]


# --- format and defaults --------------------------------------------------------------------


def test_documented_defaults() -> None:
    s = Situation.model_validate(merge_situation(DEFAULT_SITUATION))
    assert s.actor.rank is Rank.OFFICER
    assert s.observer.rank is Rank.OFFICER
    assert s.observer.realistic_opportunity is True
    assert s.observer.prior_intervention is PriorIntervention.NONE
    assert s.force.type is ForceType.NONE
    assert s.force.still_needed is False and s.force.duration_s is None
    assert s.subject.resistance is Resistance.COMPLIANT
    assert s.subject.restrained is False and s.subject.medical_distress is False
    assert s.misconduct == ()
    from intervene_rules.testing import scenarios

    for text in (
        "realistic_opportunity ``true``",
        "force.duration_s ``null``",
        "misconduct ``[]``",
    ):
        assert text in " ".join((scenarios.__doc__ or "").split())


def test_merge_situation_merges_mappings_and_replaces_the_rest() -> None:
    base = {"observer": {"rank": "officer", "realistic_opportunity": True}, "misconduct": ["theft"]}
    top = {"observer": {"rank": "sergeant"}, "misconduct": []}
    assert merge_situation(base, top) == {
        "observer": {"rank": "sergeant", "realistic_opportunity": True},
        "misconduct": [],
    }
    assert base["observer"] == {"rank": "officer", "realistic_opportunity": True}  # untouched


def test_partial_situations_file_defaults_and_overrides(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        ruleset: federal-baseline
        defaults:
          observer: {rank: sergeant}
          force: {type: cew, still_needed: true}
        scenarios:
          - name: from_defaults
            expect: {}
          - name: overrides
            situation:
              observer: {realistic_opportunity: null}
              force: {duration_s: 12}
            expect: {}
        """,
    )
    a, b = load_scenarios(path).scenarios
    assert a.situation.observer.rank is Rank.SERGEANT
    assert a.situation.observer.realistic_opportunity is True  # built-in default kept
    assert a.situation.force.type is ForceType.CEW and a.situation.force.still_needed
    assert b.situation.observer.rank is Rank.SERGEANT
    assert b.situation.observer.realistic_opportunity is None  # an explicit null wins
    assert b.situation.force.type is ForceType.CEW and b.situation.force.duration_s == 12


def test_rank_aliases_of_the_ruleset_apply(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        ruleset: model-policy
        scenarios:
          - name: deputy_watches_a_sergeant
            situation:
              actor: {rank: sergeant}
              observer: {rank: deputy}
              misconduct: [theft]
            expect:
              duties: {include: [request_supervisor]}
              supervisor_above: sergeant
          - name: trooper_as_the_supervisor_rank
            situation: {actor: {rank: trooper}, observer: {rank: corporal}}
            expect: {supervisor_above: null}
        """,
    )
    loaded = load_scenarios(path)
    first = loaded.scenarios[0]
    assert first.situation.observer.rank is Rank.OFFICER
    assert first.expect.check_supervisor and first.expect.supervisor_above is Rank.SERGEANT
    assert loaded.scenarios[1].expect.check_supervisor
    assert loaded.scenarios[1].expect.supervisor_above is None
    assert all(r.passed for r in run_scenarios([path]))


def test_expectation_forms(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        ruleset: federal-baseline
        scenarios:
          - name: forms
            source: graham_v_connor_1989
            section: "Part III"
            description: "  text  "
            expect:
              duties: [intervene]
              methods: {include: [direct], exclude: [distract]}
          - name: no_supervisor_key
            source: [byrd_v_brishke_1972, graham_v_connor_1989]
            expect: {methods: {exclude: [distract]}}
        """,
    )
    a, b = load_scenarios(path).scenarios
    assert a.expect.duties == SetExpectation(exact=("intervene",))
    assert a.expect.methods == SetExpectation(include=("direct",), exclude=("distract",))
    assert a.sources == ("graham_v_connor_1989",) and a.section == "Part III"
    assert a.description == "text"
    assert a.expect.check_supervisor is False
    assert b.sources == ("byrd_v_brishke_1972", "graham_v_connor_1989")
    assert b.expect.methods == SetExpectation(exclude=("distract",)) and b.expect.duties is None
    assert (a.line, b.line) == (3, 10) and a.location.endswith("t.scenarios.yaml:3")


def test_ruleset_defaults_to_the_file_name_and_paths_are_relative_to_the_file(
    tmp_path: Path,
) -> None:
    by_name = write(tmp_path, "scenarios: [{name: a, expect: {}}]\n", "model-policy.scenarios.yaml")
    assert load_scenarios(by_name).ruleset.id == "model-policy"
    local = (RULESETS / "federal-baseline.yaml").read_text(encoding="utf-8")
    (tmp_path / "rs").mkdir()
    (tmp_path / "rs" / "federal-baseline.yaml").write_text(
        local.replace("id: federal-baseline", "id: local-copy"), encoding="utf-8"
    )
    sibling = write(
        tmp_path, "scenarios: [{name: a, expect: {}}]\n", "rs/federal-baseline.scenarios.yaml"
    )
    assert load_scenarios(sibling).ruleset.id == "local-copy"
    relative = write(
        tmp_path,
        "ruleset: ../rs/federal-baseline.yaml\nscenarios: [{name: a, expect: {}}]\n",
        "sub/x.scenarios.yaml",
    )
    assert load_scenarios(relative).ruleset.id == "local-copy"


# --- errors: codes and locations -----------------------------------------------------------

HEAD = "ruleset: federal-baseline\nscenarios:\n"


@pytest.mark.parametrize(
    ("body", "code", "line", "column", "fragments"),
    [
        (
            "  - name: a\n    expect: {}\n    situaton: {}\n",
            "scenario_unknown_key",
            5,
            5,
            ["'situaton'", "did you mean 'situation'?"],
        ),
        (
            "  - name: a\n    expect: {acton: none}\n",
            "scenario_unknown_key",
            4,
            14,
            ["'acton' in expect", "did you mean 'action'?"],
        ),
        (
            "  - name: a\n    situation:\n      force: {typ: cew}\n    expect: {}\n",
            "scenario_unknown_key",
            5,
            15,
            ["force.typ", "did you mean 'type'?", "allowed keys: type, still_needed, duration_s"],
        ),
        (
            "  - name: a\n    situation:\n      force:\n        type: taser\n    expect: {}\n",
            "scenario_invalid_situation",
            6,
            9,
            ["force.type: unknown value 'taser'", "allowed: none, verbal, soft_control"],
        ),
        (
            "  - name: a\n    situation:\n      subject: {resistance: complaint}\n    expect: {}\n",
            "scenario_invalid_situation",
            5,
            17,
            ["subject.resistance", "did you mean 'compliant'?"],
        ),
        (
            "  - name: a\n    situation:\n      force: {still_needed: 'no'}\n    expect: {}\n",
            "scenario_invalid_situation",
            5,
            15,
            ["force.still_needed", "write true or false"],
        ),
        (
            "  - name: a\n    expect:\n      fired: [force_no_longer_neded]\n",
            "scenario_unknown_rule",
            5,
            15,
            ["'force_no_longer_neded'", "did you mean 'force_no_longer_needed'?"],
        ),
        (
            "  - name: a\n    expect:\n      not_fired: [reasonable_steps, no_violaton_no_duty]\n",
            "scenario_unknown_rule",
            5,
            37,
            ["'no_violaton_no_duty'", "did you mean 'no_violation_no_duty'?"],
        ),
        (
            "  - name: a\n    source: timpa_v_dilard_2021\n    expect: {}\n",
            "scenario_unknown_source",
            4,
            5,
            ["'timpa_v_dilard_2021'", "did you mean 'timpa_v_dillard_2021'?"],
        ),
        (
            "  - name: a\n    expect:\n      cites: [graham_v_conor_1989]\n",
            "scenario_unknown_source",
            5,
            15,
            ["did you mean 'graham_v_connor_1989'?"],
        ),
        (
            "  - name: a\n    expect: {}\n  - name: a\n    expect: {}\n",
            "scenario_duplicate_name",
            5,
            5,
            ["'a' is used twice", "first at line 3"],
        ),
        (
            "  - name: a\n    expect: {action: intervine}\n",
            "scenario_unknown_value",
            4,
            14,
            ["expect.action", "did you mean 'intervene'?", "intervene_physically"],
        ),
        (
            "  - name: a\n    expect: {duties: [aid, intervene]}\n",
            "scenario_unknown_value",
            4,
            23,
            ["expect.duties[0]", "allowed: intervene, render_aid, request_supervisor, report"],
        ),
        (
            "  - name: a\n    expect: {supervisor_above: sergent}\n",
            "scenario_unknown_value",
            4,
            14,
            ["unknown rank 'sergent'", "did you mean 'sergeant'?"],
        ),
        (
            "  - name: a\n    expect: {duties: intervene}\n",
            "scenario_invalid_value",
            4,
            14,
            ["expect.duties", "{include: [...], exclude: [...]}"],
        ),
        (
            "  - name: Bad-Name\n    expect: {}\n",
            "scenario_invalid_value",
            3,
            5,
            ["name", "lower_snake_case"],
        ),
        (
            "  - name: a\n    expect: {reports: [{within: 10 days}]}\n",
            "scenario_invalid_value",
            4,
            25,
            ["expect.reports[0].within", "not an ISO-8601 duration", "P5D"],
        ),
        (
            "  - name: a\n    expect: {reports: [{rule: reasonable_step}]}\n",
            "scenario_unknown_rule",
            4,
            25,
            ["'reasonable_step'", "did you mean 'reasonable_steps'?"],
        ),
        (
            "  - name: a\n    expect: {reports: [{to: x, deadline: P1D}]}\n",
            "scenario_unknown_key",
            4,
            32,
            ["'deadline' in expect.reports[0]", "allowed keys: to, within, rule"],
        ),
        ("  - name: a\n", "scenario_missing_key", 3, 5, ["'expect'"]),
        (
            "  - name: a\n    expect: {fired: [reasonable_steps], not_fired: [reasonable_steps]}\n",
            "scenario_contradictory_expectation",
            4,
            53,
            ["'reasonable_steps'"],
        ),
        ("  - name: a\n    name: b\n    expect: {}\n", "scenario_duplicate_key", 4, 5, ["'name'"]),
        ("  - name: [a\n", "scenario_yaml_syntax", 4, 1, []),
    ],
)
def test_error_codes_point_at_line_and_column(
    tmp_path: Path, body: str, code: str, line: int, column: int, fragments: list[str]
) -> None:
    err = load_errors(tmp_path, HEAD + body)
    issue = only(err, code)
    assert (issue.loc.file, issue.loc.line, issue.loc.column) == (
        str(tmp_path / "t.scenarios.yaml"),
        line,
        column,
    ), str(issue)
    text = f"{issue.message} {issue.help}"
    for fragment in fragments:
        assert fragment in text, text


def test_a_bad_default_is_reported_once_at_the_default(tmp_path: Path) -> None:
    err = load_errors(
        tmp_path,
        """\
        ruleset: federal-baseline
        defaults:
          observer: {rank: sergent}
        scenarios:
          - name: a
            expect: {}
          - name: b
            situation: {observer: {realistic_opportunity: false}}
            expect: {}
        """,
    )
    issue = only(err, "scenario_invalid_situation")
    assert (issue.loc.line, issue.loc.column) == (3, 14)
    assert issue.loc.path == ("defaults", "observer", "rank")
    assert "did you mean 'sergeant'?" in issue.help


def test_a_scenario_value_overriding_a_default_is_reported_at_the_scenario(
    tmp_path: Path,
) -> None:
    err = load_errors(
        tmp_path,
        """\
        ruleset: federal-baseline
        defaults:
          force: {type: cew}
        scenarios:
          - name: a
            situation: {force: {type: bogus}}
            expect: {}
        """,
    )
    issue = only(err, "scenario_invalid_situation")
    assert issue.loc.path == ("scenarios", 0, "situation", "force", "type")
    assert issue.loc.line == 6


def test_ruleset_not_found_with_a_suggestion(tmp_path: Path) -> None:
    err = load_errors(tmp_path, "ruleset: model-polcy\nscenarios: [{name: a, expect: {}}]\n")
    issue = only(err, "scenario_ruleset_not_found")
    assert (issue.loc.line, issue.loc.column) == (1, 1)
    assert "did you mean 'model-policy'?" in issue.help
    by_name = load_errors(tmp_path, "scenarios: [{name: a, expect: {}}]\n", "nope.scenarios.yaml")
    assert "'nope'" in only(by_name, "scenario_ruleset_not_found").message
    other = load_errors(tmp_path, "scenarios: [{name: a, expect: {}}]\n", "cases.yaml")
    assert "ruleset:" in only(other, "scenario_missing_key").help


def test_every_problem_of_a_file_is_reported_together_sorted(tmp_path: Path) -> None:
    err = load_errors(
        tmp_path,
        """\
        ruleset: federal-baseline
        scenarios:
          - name: a
            expect: {fired: [nope]}
          - name: b
            situation: {force: {type: taser}}
            expect: {action: maybe}
          - name: a
            expect: {}
        """,
    )
    assert [(i.code, i.loc.line) for i in err.issues] == [
        ("scenario_unknown_rule", 4),
        ("scenario_invalid_situation", 6),  # checked although the scenario's keys are wrong
        ("scenario_unknown_value", 7),
        ("scenario_duplicate_name", 8),
    ]
    assert isinstance(err, InterveneRulesError) and isinstance(err, ValueError)
    assert err.errors()[0]["code"] == err.issues[0].code
    assert str(err).startswith(f"{len(err.issues)} error(s) in scenario file")


def test_file_level_errors(tmp_path: Path) -> None:
    assert only(load_errors(tmp_path, "- a\n- b\n"), "scenario_not_mapping")
    assert only(load_errors(tmp_path, "---\n"), "scenario_empty")
    assert only(
        load_errors(tmp_path, "ruleset: federal-baseline\nscenarios: []\n"),
        "scenario_invalid_value",
    )
    unknown = only(load_errors(tmp_path, "rulset: x\nscenarios: []\n"), "scenario_unknown_key")
    assert "did you mean 'ruleset'?" in unknown.help
    with pytest.raises(ScenarioError) as info:
        load_scenarios(tmp_path / "missing.scenarios.yaml")
    assert info.value.issues[0].code == "scenario_unreadable"


def test_a_ruleset_that_does_not_load_raises_its_own_error(tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text("id: broken\nrulez: []\n", encoding="utf-8")
    path = write(tmp_path, "scenarios: [{name: a, expect: {}}]\n", "broken.scenarios.yaml")
    with pytest.raises(RulesetError) as info:
        load_scenarios(path)
    assert any(i.loc.file.endswith("broken.yaml") for i in info.value.issues)


def test_find_scenario_files(tmp_path: Path) -> None:
    a = write(tmp_path, "x: 1\n", "a.scenarios.yaml")
    b = write(tmp_path, "x: 1\n", "deep/er/b.scenarios.yaml")
    write(tmp_path, "x: 1\n", "deep/ruleset.yaml")
    assert find_scenario_files([tmp_path]) == [a, b]
    assert find_scenario_files([a, tmp_path]) == [a, b]
    with pytest.raises(ScenarioError) as info:
        find_scenario_files([tmp_path / "nope"])
    assert info.value.issues[0].code == "scenario_path_not_found"


# --- the runner -------------------------------------------------------------------------------

WRONG = """\
ruleset: federal-baseline
scenarios:
  - name: everything_wrong
    situation:
      observer: {rank: captain}
      actor: {rank: major}
      force: {type: hard_empty_hand, still_needed: false, duration_s: 30}
      subject: {resistance: passive_resistance}
    expect:
      action: acknowledge
      duties: [intervene, render_aid]
      methods: {include: [distract], exclude: [direct]}
      cites: [city_of_revere_v_mgh_1983, mick_v_brewer_1996]
      fired: [medical_care_for_injured, duty_regardless_of_rank]
      not_fired: [junior_summons_supervisor, reasonable_steps]
      supervisor_above: captain
  - name: all_right
    situation:
      observer: {rank: captain}
      actor: {rank: major}
      force: {type: hard_empty_hand, still_needed: false, duration_s: 30}
      subject: {resistance: passive_resistance}
    expect:
      action: intervene
      duties: [request_supervisor, intervene]
      methods: {include: [direct], exclude: [distract]}
      cites: [mick_v_brewer_1996]
      fired: [duty_regardless_of_rank]
      not_fired: [medical_care_for_injured]
      supervisor_above: major
"""


def test_runner_reports_every_difference_readably(tmp_path: Path) -> None:
    wrong, right = run_scenarios([write(tmp_path, WRONG)])
    assert not wrong.passed and right.passed and right.differences == ()
    assert wrong.differences == (
        "action: expected acknowledge, got intervene",
        "duties: missing render_aid; unexpected request_supervisor "
        "(got: intervene, request_supervisor)",
        "methods: missing distract; unexpected direct (got: direct, delegate)",
        "cites: missing city_of_revere_v_mgh_1983 (cited: "
        + ", ".join(c.id for c in wrong.decisions[0].basis)
        + ")",
        "fired: medical_care_for_injured did not fire (fired: "
        + ", ".join(t.rule for t in wrong.decisions[0].trace if t.op == "fire")
        + ")",
        "not_fired: junior_summons_supervisor, reasonable_steps fired",
        "supervisor_above: expected captain, got major",
    )
    assert (wrong.name, wrong.line, right.line) == ("everything_wrong", 3, 17)
    assert wrong.location == f"{wrong.file}:3"
    assert wrong.to_dict()["differences"] == list(wrong.differences)


def test_differences_on_a_decision() -> None:
    rs = load_ruleset("federal-baseline")
    d = evaluate(rs, merge_situation(DEFAULT_SITUATION))
    assert d.action is Action.NONE and d.duties == ()
    assert differences(Expectation(duties=SetExpectation(exact=())), d) == []
    assert differences(Expectation(duties=SetExpectation(exact=("report",))), d) == [
        "duties: missing report (got: none)"
    ]
    assert differences(Expectation(check_supervisor=True, supervisor_above=Rank.CHIEF), d) == [
        "supervisor_above: expected chief, got null"
    ]
    assert differences(Expectation(), d) == []


def test_report_expectations_match_recipient_deadline_and_rule() -> None:
    """A report matches when every key written matches: `to` as a case-insensitive part of
    the recipient, `within` exactly (null: no fixed clock), `rule` exactly."""
    rs = load_ruleset("colorado")
    d = evaluate(
        rs,
        merge_situation(
            DEFAULT_SITUATION,
            {
                "force": {"type": "cew", "still_needed": True},
                "subject": {"resistance": "passive_resistance"},
            },
        ),
    )
    (owed,) = d.reports
    assert (owed.within, owed.rule) == ("P10D", "co_report_to_immediate_supervisor")
    right = ReportExpectation(to="Immediate SUPERVISOR", check_within=True, within="P10D")
    assert differences(Expectation(reports=(right,)), d) == []
    assert differences(Expectation(reports=(ReportExpectation(rule=owed.rule),)), d) == []
    for wrong in (
        ReportExpectation(to="chief", check_within=True, within="P10D"),
        ReportExpectation(check_within=True, within="P5D"),
        ReportExpectation(check_within=True, within=None),
        ReportExpectation(rule="reasonable_steps"),
    ):
        (line,) = differences(Expectation(reports=(wrong,)), d)
        assert line.startswith(f"reports: missing {wrong.describe()} (owed: {{to ")
        assert "within P10D, rule co_report_to_immediate_supervisor}" in line
    assert differences(Expectation(reports=()), d) == [
        'reports: expected none, got {to "the officer\'s immediate supervisor", within P10D, '
        "rule co_report_to_immediate_supervisor}"
    ]
    lawful = evaluate(rs, merge_situation(DEFAULT_SITUATION))
    assert lawful.reports == ()
    assert differences(Expectation(reports=()), lawful) == []
    assert differences(Expectation(reports=(right,)), lawful) == [
        f"reports: missing {right.describe()} (owed: none)"
    ]


def test_report_expectations_load_from_a_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        ruleset: colorado
        scenarios:
          - name: a
            expect:
              reports:
                - {to: immediate supervisor, within: P10D}
                - {within: null, rule: co_report_to_immediate_supervisor}
                - {rule: co_report_to_immediate_supervisor}
          - name: b
            expect: {reports: []}
          - name: c
            expect: {}
        """,
    )
    a, b, c = load_scenarios(path).scenarios
    assert a.expect.reports == (
        ReportExpectation(to="immediate supervisor", check_within=True, within="P10D"),
        ReportExpectation(check_within=True, within=None, rule="co_report_to_immediate_supervisor"),
        ReportExpectation(rule="co_report_to_immediate_supervisor"),
    )
    assert b.expect.reports == () and c.expect.reports is None


def _scenario(tmp_path: Path) -> Any:
    loaded = load_scenarios(write(tmp_path, WRONG))
    return loaded.scenarios[1], loaded.ruleset


def test_both_backends_run_and_must_each_pass(tmp_path: Path) -> None:
    pytest.importorskip("durable.engine")
    scenario, rs = _scenario(tmp_path)
    result = run_scenario(scenario, rs, "both")
    assert result.passed and result.backends == ("native", "durable") and result.notes == ()
    assert len(result.decisions) == 2


def test_a_backend_disagreement_names_the_backend(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario, rs = _scenario(tmp_path)
    real = evaluate_module.evaluate

    def fake(ruleset: Any, situation: Any, *, backend: Any = None, as_of: Any = None) -> Decision:
        d = real(ruleset, situation)
        return d.model_copy(update={"action": Action.ACKNOWLEDGE}) if backend == "durable" else d

    monkeypatch.setattr(evaluate_module, "evaluate", fake)
    result = run_scenario(scenario, rs, "both")
    assert not result.passed
    assert result.differences == ("[durable] action: expected intervene, got acknowledge",)


def test_durable_unavailable_is_skipped_with_a_note_only_for_both(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario, rs = _scenario(tmp_path)
    real = evaluate_module.evaluate

    def fake(ruleset: Any, situation: Any, *, backend: Any = None, as_of: Any = None) -> Decision:
        if backend == "durable":
            raise BackendUnavailableError("durable_rules is not installed")
        return real(ruleset, situation)

    monkeypatch.setattr(evaluate_module, "evaluate", fake)
    result = run_scenario(scenario, rs, "both")
    assert result.passed and result.backends == ("native",)
    assert result.notes == ("durable backend skipped: durable_rules is not installed",)
    with pytest.raises(BackendUnavailableError):
        run_scenario(scenario, rs, "durable")
    with pytest.raises(BackendUnavailableError):
        run_scenario(scenario, rs, "bogus")  # type: ignore[arg-type]


# --- the command --------------------------------------------------------------------------------


def run_cmd(*argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="intervene")
    sub = parser.add_subparsers(dest="command", required=True)
    command.add_parser(sub)
    out, err = io.StringIO(), io.StringIO()
    code = command.run(parser.parse_args(["test", *argv]), out, err)
    return code, out.getvalue(), err.getvalue()


def test_command_text_output_and_exit_codes(tmp_path: Path) -> None:
    path = write(tmp_path, WRONG)
    code, out, err = run_cmd(str(path))
    assert code == 1 and err == ""
    lines = out.splitlines()
    assert lines[0] == f"FAIL everything_wrong {path}:3"
    assert lines[1] == "    action: expected acknowledge, got intervene"
    assert f"PASS all_right {path}:17" in lines
    assert lines[-1] == "1 passed, 1 failed"
    code, out, _ = run_cmd(str(RULESETS))
    assert code == 0
    assert out.splitlines()[-1].endswith(" passed, 0 failed")


def test_command_json_output(tmp_path: Path) -> None:
    code, out, _ = run_cmd(str(write(tmp_path, WRONG)), "--format", "json")
    doc = json.loads(out)
    assert code == 1 and doc["passed"] == 1 and doc["failed"] == 1 and doc["ok"] is False
    assert doc["results"][0]["differences"][0] == "action: expected acknowledge, got intervene"
    assert doc["coverage"] is None


def broken_ruleset(tmp_path: Path) -> str:
    (tmp_path / "r.yaml").write_text("id: r\n", encoding="utf-8")
    return str(write(tmp_path, "ruleset: r.yaml\nscenarios: [{name: a, expect: {}}]\n"))


@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (lambda p: str(p / "missing"), "scenario_path_not_found"),
        (lambda p: str(p), "no scenario files"),
        (
            lambda p: str(write(p, HEAD + "  - name: a\n    expect: {fired: [nope]}\n")),
            ":4:22: error[scenario_unknown_rule]",
        ),
        (broken_ruleset, "error[ruleset_missing_key]"),
    ],
)
def test_command_unreadable_input_exits_2_without_traceback(
    tmp_path: Path, make: Any, fragment: str
) -> None:
    code, out, err = run_cmd(make(tmp_path))
    assert code == 2 and out == ""
    assert fragment in err and "Traceback" not in err
    code, out, _ = run_cmd(make(tmp_path), "--format", "json")
    assert code == 2 and "errors" in json.loads(out)


def test_command_backend_unavailable_exits_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fake(ruleset: Any, situation: Any, *, backend: Any = None, as_of: Any = None) -> Decision:
        raise BackendUnavailableError("no durable here")

    monkeypatch.setattr(evaluate_module, "evaluate", fake)
    code, _, err = run_cmd(str(write(tmp_path, WRONG)), "--backend", "durable")
    assert code == 1 and "no durable here" in err


# --- law in time ------------------------------------------------------------------------------

DATED = """\
id: dated
title: Dated
version: "1"
jurisdiction: Nowhere
sources:
  - id: old_policy
    kind: agency_policy
    citation: Order 1
    verification: verified
    ended: 2020-01-01
  - id: new_policy
    kind: agency_policy
    citation: Order 2
    verification: verified
    effective: 2020-01-01
rules:
  - id: old_rule
    stage: determine_action
    when: {force.type: cew}
    then: {action: intervene}
    because: The old order.
    basis: [old_policy]
  - id: new_rule
    stage: determine_action
    when: {force.type: cew}
    then: {action: acknowledge}
    because: The new order.
    basis: [new_policy]
"""


def test_as_of_applies_the_law_of_that_date(tmp_path: Path) -> None:
    (tmp_path / "dated.yaml").write_text(DATED, encoding="utf-8")
    path = write(
        tmp_path,
        """\
        as_of: 2021-06-01
        defaults: {force: {type: cew}}
        scenarios:
          - name: under_the_new_order
            expect: {action: acknowledge, fired: [new_rule], not_fired: [old_rule]}
          - name: under_the_old_order
            as_of: 2019-06-01
            expect: {action: intervene, fired: [old_rule], not_fired: [new_rule]}
        """,
        "dated.scenarios.yaml",
    )
    new, old = load_scenarios(path).scenarios
    assert (str(new.as_of), str(old.as_of)) == ("2021-06-01", "2019-06-01")
    results = run_scenarios([path])
    assert [r.differences for r in results] == [(), ()]
    assert results[1].decisions[0].as_of == old.as_of
    assert results[1].to_dict()["as_of"] == "2019-06-01"


def test_as_of_must_be_a_date(tmp_path: Path) -> None:
    err = load_errors(
        tmp_path,
        HEAD.replace("scenarios:", "as_of: soon\nscenarios:") + "  - {name: a, expect: {}}\n",
    )
    issue = only(err, "scenario_invalid_value")
    assert issue.loc.line == 2 and "as_of" in issue.message and "YYYY-MM-DD" in issue.help


def test_ruleset_and_scenario_errors_share_one_base_and_one_translator(tmp_path: Path) -> None:
    """Issue 9: one pydantic translator and one exception body serve both kinds of file."""
    scenario_err = load_errors(tmp_path, "ruleset: federal-baseline\nscenarios: []\nrulset: x\n")
    ruleset_file = tmp_path / "r.yaml"
    ruleset_file.write_text(
        'id: t\ntitle: T\nversion: "1"\njurisdiction: X\nextends: [federal-baseline]\n'
        "rulez: []\nrules:\n  - {id: r, stage: take_action, then: {duties: [report]}, "
        "because: b, basis: []}\n"
    )
    with pytest.raises(RulesetError) as info:
        load_ruleset(ruleset_file)
    ruleset_err = info.value
    for err, what in ((scenario_err, "scenario file"), (ruleset_err, "ruleset")):
        assert isinstance(err, FileIssuesError)
        assert str(err).startswith(f"2 error(s) in {what}:")
        assert [e["code"] for e in err.errors()] == [i.code for i in err.issues]
    both = (*scenario_err.issues, *ruleset_err.issues)
    short = [i.help for i in both if i.code.endswith("_invalid_value")]
    assert short == ["give at least one item"] * 2
    unknown = sorted(i.help for i in both if i.code.endswith("_unknown_key"))
    assert unknown[0].startswith("did you mean 'rules'? allowed keys: format, id, title")
    assert unknown[1].startswith("did you mean 'ruleset'? allowed keys: ruleset, defaults")
