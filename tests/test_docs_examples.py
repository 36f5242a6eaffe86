"""The worked example of the policy-team guide runs as written (docs that match the code).

The guide's ruleset and scenario file are taken from `docs/policy-teams.md` itself, so an
edit to either the page or the code that breaks the example fails here.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from intervene_rules import load_ruleset
from intervene_rules.testing.scenarios import run_scenarios

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "policy-teams.md"
_BLOCK = re.compile(r'^```yaml title="(?P<name>[^"]+)"\n(?P<body>.*?)^```$', re.M | re.S)


def _blocks() -> dict[str, str]:
    if not GUIDE.is_file():
        pytest.skip(f"{GUIDE} is not here (tests run from a clone of the repository)")
    return {m["name"]: m["body"] for m in _BLOCK.finditer(GUIDE.read_text(encoding="utf-8"))}


def test_the_guides_example_ruleset_and_scenarios_run_as_written(tmp_path: Path) -> None:
    blocks = _blocks()
    assert {"example-agency.yaml", "example-agency.scenarios.yaml"} <= set(blocks)
    for name in ("example-agency.yaml", "example-agency.scenarios.yaml"):
        (tmp_path / name).write_text(blocks[name], encoding="utf-8")
    rs = load_ruleset(tmp_path / "example-agency.yaml")
    assert rs.id == "example-agency"
    results = run_scenarios([tmp_path / "example-agency.scenarios.yaml"])
    assert [r.name for r in results] == [
        "report_after_prone_restraint",
        "nothing_to_report_after_lawful_force",
    ]
    assert [list(r.differences) for r in results] == [[], []]
    owed = results[0].decisions[0].reports
    assert [(r.to, r.within) for r in owed] == [
        ("on-scene supervisor", "PT0S"),
        ("Professional Standards", "PT24H"),
    ]


UNKNOWN = GUIDE.parent / "unknown-facts.md"
_JSON = re.compile(r'^```json title="(?P<name>[^"]+)"\n(?P<body>.*?)^```$', re.M | re.S)
_PYTHON = re.compile(r"^```python\n(?P<body>.*?)^```$", re.M | re.S)


def test_the_unknown_facts_page_runs_as_written() -> None:
    """Its Python example runs and says what it shows; each JSON example is decided."""
    import datetime as dt
    import json

    from intervene_rules import Action, evaluate, evaluate_partial

    if not UNKNOWN.is_file():
        pytest.skip(f"{UNKNOWN} is not here (tests run from a clone of the repository)")
    text = UNKNOWN.read_text(encoding="utf-8")
    (code,) = [m["body"] for m in _PYTHON.finditer(text)]
    scope: dict[str, Any] = {"print": lambda *a: None}
    exec(code, scope)
    r = scope["r"]
    assert r.deciding[0].facts == ("force.still_needed",)  # as the comment says
    assert (r.least, r.most) == (Action.NONE, Action.INTERVENE_PHYSICALLY)
    examples = {m["name"]: json.loads(m["body"]) for m in _JSON.finditer(text)}
    assert set(examples) == {"dispatch.json", "force-report.json", "takedown.json"}
    rs = load_ruleset("minneapolis-pd")
    day = dt.date(2024, 6, 1)
    assert evaluate_partial(rs, examples["dispatch.json"], as_of=day).deciding
    d = evaluate(rs, examples["takedown.json"], as_of=day)
    assert d.what_would_change(examples["takedown.json"]).up


TRAINERS = GUIDE.parent / "trainers.md"
_TITLED_PYTHON = re.compile(r'^```python title="(?P<name>[^"]+)"\n(?P<body>.*?)^```$', re.M | re.S)


def test_the_trainers_strategy_example_holds() -> None:
    """The guide's property test runs as written and passes (it would fail if untrue)."""
    if not TRAINERS.is_file():
        pytest.skip(f"{TRAINERS} is not here (tests run from a clone of the repository)")
    blocks = {m["name"]: m["body"] for m in _TITLED_PYTHON.finditer(TRAINERS.read_text())}
    scope: dict[str, Any] = {}
    exec(blocks["test_training.py"], scope)
    scope["test_force_after_control_needs_action"]()  # a Hypothesis test: runs its examples


REVIEW = GUIDE.parent / "review.md"


def test_the_review_pages_responses_example_loads_and_reviews() -> None:
    from importlib import resources

    from intervene_rules import load_timeline, review
    from intervene_rules.review import load_responses

    if not REVIEW.is_file():
        pytest.skip(f"{REVIEW} is not here (tests run from a clone of the repository)")
    blocks = {m["name"]: m["body"] for m in _BLOCK.finditer(REVIEW.read_text(encoding="utf-8"))}
    responses, doc = load_responses("responses.yaml", text=blocks["responses.yaml"])
    root = resources.files("intervene_rules") / "examples" / "timelines"
    t = load_timeline("t.yaml", text=(root / "training-prone-restraint.yaml").read_text())
    result = review(load_ruleset("minneapolis-pd"), t, responses, doc=doc)
    assert {d.status for d in result.duties if d.observer == "Baker"} >= {"met", "late"}


def intervene_commands(workflow: dict[str, Any]) -> list[str]:
    """The `intervene ...` commands of a workflow's `run` steps, without redirections."""
    out = []
    for job in workflow["jobs"].values():
        for step in job["steps"]:
            for line in str(step.get("run", "")).splitlines():
                line = line.strip()
                if line.startswith("intervene "):
                    out.append(re.split(r"\s(?:>>?|\|\|?)\s", line)[0])
    return out


def unparsable(commands: list[str]) -> list[str]:
    """The commands the CLI's own parser refuses (a misspelt option, a missing argument)."""
    import contextlib
    import io
    import shlex

    from intervene_rules.cli import _parser

    bad = []
    for command in commands:
        try:
            with contextlib.redirect_stderr(io.StringIO()):
                _parser().parse_args(shlex.split(command)[1:])
        except SystemExit:
            bad.append(command)
    return bad


def test_the_ci_examples_name_real_hooks_and_options() -> None:
    import yaml

    blocks = _blocks()
    hooks = GUIDE.parents[1] / ".pre-commit-hooks.yaml"
    if not hooks.is_file():
        pytest.skip(f"{hooks} is not here (tests run from a clone of the repository)")
    shipped = {h["id"] for h in yaml.safe_load(hooks.read_text(encoding="utf-8"))}
    config = yaml.safe_load(blocks[".pre-commit-config.yaml"])
    used = {h["id"] for repo in config["repos"] for h in repo["hooks"]}
    assert used and used <= shipped
    workflow = yaml.safe_load(blocks[".github/workflows/rulesets.yml"])
    commands = intervene_commands(workflow)
    assert {c.split()[1] for c in commands} == {"test", "check", "diff"}
    assert unparsable(commands) == []
    # plant: a misspelt option and a missing argument are refused
    planted = ["intervene check rulesets/ --as-off all", "intervene diff only-one.yaml"]
    assert unparsable(planted) == planted
