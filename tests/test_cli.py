"""The `intervene` command: output, exit codes, and no tracebacks on bad input."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from intervene_rules.cli import main


def run(*argv: str, stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err, stdin=io.StringIO(stdin))
    return code, out.getvalue(), err.getvalue()


def test_evaluate_example_explained() -> None:
    code, out, _ = run("evaluate", "--example", "prone-restraint", "--explain")
    assert code == 0
    assert out.startswith("DECISION: INTERVENE")
    assert "1. See the problem" in out and "5. Take action" in out
    assert "supervisor of higher rank than the sergeant" in out
    assert "not legal advice" in out


def test_evaluate_json_from_stdin_matches_the_contract() -> None:
    from intervene_rules.cli.evaluate import _examples

    code, out, _ = run(
        "evaluate", "--ruleset", "federal-baseline", "-", stdin=_examples()["unlawful-search"]
    )
    assert code == 0
    decision = json.loads(out)
    assert decision["action"] == "intervene"
    assert {"action", "duties", "methods", "basis", "trace", "ruleset"} <= set(decision)
    assert decision["ruleset"]["id"] == "federal-baseline"


def test_evaluate_both_backends_print_the_same() -> None:
    pytest.importorskip("durable.engine")
    a = run("evaluate", "--example", "ignored-warning")
    b = run("evaluate", "--example", "ignored-warning", "--backend", "durable")
    assert a == b


@pytest.mark.parametrize(
    ("stdin", "fragment"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ('{"actor": {"rank": "sarge"}}', "actor.rank"),
    ],
)
def test_bad_situation_exits_2_without_traceback(stdin: str, fragment: str) -> None:
    code, out, err = run("evaluate", "-", stdin=stdin)
    assert code == 2 and out == ""
    assert fragment in err and "Traceback" not in err


def test_bad_ruleset_exits_2_with_location(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\ntitle: t\nversion: '1'\njurisdiction: j\nrulez: []\n")
    code, _, err = run("evaluate", "--example", "prone-restraint", "--ruleset", str(bad))
    assert code == 2
    assert "bad.yaml:5:1" in err and "ruleset_unknown_key" in err and "rules" in err


def test_unknown_example_and_missing_file() -> None:
    assert run("evaluate", "--example", "nope")[0] == 2
    assert run("evaluate", "/no/such/file.json")[0] == 2
    code, out, _ = run("evaluate", "--list-examples")
    assert code == 0 and "prone-restraint" in out


@pytest.mark.parametrize(
    "which",
    [
        "situation",
        "decision",
        "partial-situation",
        "decision-range",
        "changes",
        "timeline",
        "timeline-result",
    ],
)
def test_schema(which: str) -> None:
    code, out, _ = run("schema", which)
    schema = json.loads(out)
    assert code == 0 and schema["type"] == "object"
    assert schema["additionalProperties"] is False


def test_list() -> None:
    code, out, _ = run("list", "--format", "json")
    rows = json.loads(out)
    assert code == 0 and {r["id"] for r in rows} >= {"federal-baseline", "model-policy"}
    code, out, _ = run("list")
    assert code == 0 and "federal-baseline <- model-policy" in out


def test_list_shows_periods_of_force_and_lower_bounds() -> None:
    rows = {r["id"]: r for r in json.loads(run("list", "--format", "json")[1])}
    assert rows["oregon"]["effective"] is None and rows["oregon"]["not_before"] == "2020-06-24"
    assert rows["washington"]["effective"] == "2021-07-25"
    assert rows["washington"]["not_before"] is None
    out = run("list")[1]
    assert "[in force not before 2020-06-24; day not known]" in out
    assert "[in force from 2021-07-25]" in out


# --- unknown facts ------------------------------------------------------------------------------

PARTIAL = {
    "actor": {"rank": "officer"},
    "observer": {"rank": "officer", "realistic_opportunity": True},
    "force": {"type": "bodyweight_compression", "still_needed": True, "duration_s": 30},
    "subject": {"resistance": "compliant", "medical_distress": False},
    "misconduct": [],
}


def test_evaluate_gives_the_range_of_a_partial_situation(tmp_path: Path) -> None:
    from intervene_rules import evaluate_partial, load_ruleset

    path = tmp_path / "p.json"
    path.write_text(json.dumps(PARTIAL))
    code, out, err = run("evaluate", "--ruleset", "federal-baseline", str(path))
    assert code == 0 and err == ""
    expected = evaluate_partial(load_ruleset("federal-baseline"), PARTIAL)
    assert json.loads(out) == json.loads(expected.model_dump_json())
    assert json.loads(out)["unknown"] == ["observer.prior_intervention", "subject.restrained"]


def test_explain_of_a_partial_situation_ends_with_what_decides_it(tmp_path: Path) -> None:
    data = json.loads(json.dumps(PARTIAL))
    del data["force"]["still_needed"]
    data["subject"]["resistance"] = "active_aggression"
    path = tmp_path / "p.json"
    path.write_text(json.dumps(data))
    code, out, _ = run("evaluate", "--ruleset", "federal-baseline", "--explain", str(path))
    assert code == 0
    assert "Unknown: whether a verbal intervention was already tried" in out
    assert "The action depends on" in out
    assert "whether the force is still needed" in out
    assert "force.still_needed" not in out  # words, not codes


def test_explain_of_a_complete_situation_ends_with_what_would_change_it(tmp_path: Path) -> None:
    data = json.loads(json.dumps(PARTIAL))
    data["subject"]["restrained"] = True
    path = tmp_path / "s.json"
    path.write_text(json.dumps(data))
    code, out, _ = run("evaluate", "--ruleset", "federal-baseline", "--explain", str(path))
    assert code == 0
    tail = out[out.index("What would change it:") :]
    assert "less demanding action" in tail and "Ranks are not offered" in tail


def test_partial_flag_reads_nulls_as_unknown(tmp_path: Path) -> None:
    data = json.loads(json.dumps(PARTIAL))
    data["subject"]["restrained"] = True
    data["observer"]["realistic_opportunity"] = None
    path = tmp_path / "s.json"
    path.write_text(json.dumps(data))
    code, out, _ = run("evaluate", "--ruleset", "federal-baseline", str(path))
    assert code == 0 and "action" in json.loads(out)  # complete: a null is the contract's value
    code, out, _ = run("evaluate", "--ruleset", "federal-baseline", "--partial", str(path))
    assert code == 0 and "observer.realistic_opportunity" in json.loads(out)["unknown"]


def test_a_partial_situation_with_a_bad_field_is_located(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"force": {"type": "cew", "lenght": 3}}))
    code, out, err = run("evaluate", "--ruleset", "federal-baseline", str(path))
    assert code == 2 and out == ""
    assert "force.lenght" in err


def test_check_quick_loads_and_compiles_only(tmp_path: Path) -> None:
    code, out, _ = run("check", "--quick", "washington", "federal-baseline")
    assert code == 0 and "washington" in out and "not analysed: --quick" in out
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        'format: 1\nid: x\ntitle: T\nversion: "1"\njurisdiction: j\nsources: []\n'
        "rules:\n  - id: a\n    stage: determine_actoin\n"
    )
    code, out, _ = run("check", "--quick", str(bad), "--format", "json")
    doc = json.loads(out)
    assert code == 2 and not doc["ok"]
    assert {e["code"] for e in doc["errors"]} >= {"ruleset_unknown_value", "ruleset_missing_key"}
    assert all(e["line"] >= 8 for e in doc["errors"])


def test_the_pre_commit_hooks_run_the_commands_they_name() -> None:
    import yaml

    hooks_file = Path(__file__).resolve().parents[1] / ".pre-commit-hooks.yaml"
    if not hooks_file.is_file():
        pytest.skip("the pre-commit hooks file is at the repository's root")
    hooks = {h["id"]: h for h in yaml.safe_load(hooks_file.read_text())}
    assert hooks["intervene-check"]["entry"] == "intervene check --quick"
    assert hooks["intervene-test"]["entry"] == "intervene test"
    # the entries are real commands of this CLI
    assert run("check", "--quick", "model-policy")[0] == 0
