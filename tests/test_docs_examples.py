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
from intervene_rules.ruleset._yaml import Document
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


# --- positions the docs quote in bundled files ----------------------------------------------

RULESETS = GUIDE.parents[1] / "rulesets"
_QUOTE = re.compile(r"(?<![\w-])(?P<file>[a-z][\w.-]*\.yaml):(?P<line>\d+)(?::(?P<col>\d+))?")
_AT = re.compile(r"\(at (?P<path>[^)]+)\)")
_RULE = re.compile(r"\(rule (?P<rule>\w+)\)")
_PATH_PART = re.compile(r"\[(\d+)\]|\.?([^.\[\]]+)")


def _path(text: str) -> tuple[str | int, ...]:
    """`rules[1].when.force.type` -> ("rules", 1, "when", "force", "type") (dotted field
    names are one key of a condition: joined back where the document has them so)."""
    return tuple(int(i) if i else name for i, name in _PATH_PART.findall(text))


def _written(doc: Document, path: tuple[str | int, ...]) -> tuple[str | int, ...]:
    """`path` with the dotted parts of a condition key joined as the document writes them."""
    out: list[str | int] = []
    rest = list(path)
    while rest:
        for n in range(len(rest), 0, -1):
            key = ".".join(str(p) for p in rest[:n]) if n > 1 else rest[0]
            if (*out, key) in doc.locs:
                out.append(key)
                rest = rest[n:]
                break
        else:
            return (*out, *rest)
    return tuple(out)


def expected_position(line: str, file: str, doc: Document) -> tuple[int, int] | None:
    """Where the bundled file has what a quote of it on `line` of the docs points at.

    A finding `(at path)` is at that path; a condition `(rule r)` is at its field's key in
    rule r's `when`; a rule listed by id is at the rule; a scenario named on the line is at
    the scenario; `:1:1` is the file as a whole. None: the quote is of nothing we can find.
    """
    data = doc.data
    if (m := _AT.search(line)) is not None:
        path = _written(doc, _path(m["path"]))
        if path not in doc.locs:
            return None
        value: Any = data
        for part in path:
            value = value[part]
        if isinstance(value, str) and f"'{value}'" not in line:
            return None  # the path names another entry than the one the message quotes
        return doc.locs.get(path)
    if (m := re.search(r"\bsource (\w+):", line)) is not None:
        # a SARIF message names the source a base-layer finding is about
        ids = [src.get("id") for src in data.get("sources", [])]
        return doc.locs.get(("sources", ids.index(m[1]))) if m[1] in ids else None
    if file.endswith(".scenarios.yaml"):
        for i, sc in enumerate(data["scenarios"]):
            if re.search(rf"(?<!\w){re.escape(sc['name'])}(?!\w)", line):
                return doc.locs.get(("scenarios", i))
        return None
    rules = {r["id"]: i for i, r in enumerate(data.get("rules", []))}
    if (m := _RULE.search(line)) is not None:
        field = line.split()[0]
        base = ("rules", rules[m["rule"]], "when")
        hits = [p for p in doc.locs if p[: len(base)] == base and p[-1:] == (field,)]
        return doc.locs[hits[0]] if len(hits) == 1 else None
    first = line.split()[0] if line.split() else ""
    if first in rules:
        return doc.locs.get(("rules", rules[first]))
    return None


def quote_mismatches(text: str, rulesets: Path) -> list[str]:
    """Quotes `file.yaml:L[:C]` of a bundled file whose position is not the one it names."""
    from intervene_rules.ruleset._yaml import parse

    docs: dict[str, Document] = {}
    bad = []
    for line in text.splitlines():
        for m in _QUOTE.finditer(line):
            path = rulesets / m["file"]
            if not path.is_file():
                continue  # a file of the reader's own (agency.yaml)
            if m["file"] not in docs:
                doc = parse(path.read_bytes(), m["file"])[0]
                assert doc is not None
                docs[m["file"]] = doc
            quoted = (int(m["line"]), int(m["col"] or 0))
            if quoted[:1] == (1,) and "(at " not in line:
                continue  # the file as a whole
            want = expected_position(line, m["file"], docs[m["file"]])
            if want is None or (want[0], want[1] if m["col"] else 0) != quoted:
                bad.append(f"{m.group(0)} (should be {want}): {line.strip()[:80]}")
    return bad


def _doc_pages() -> list[Path]:
    if not RULESETS.is_dir():
        pytest.skip(f"{RULESETS} is not here (tests run from a clone of the repository)")
    return [*sorted(GUIDE.parent.glob("*.md")), GUIDE.parents[1] / "README.md"]


def test_the_docs_quote_positions_in_bundled_files_as_they_are() -> None:
    pages = _doc_pages()
    quoted = [p for p in pages if "federal-baseline.yaml:" in p.read_text(encoding="utf-8")]
    assert quoted  # the guide quotes positions: the check below has something to check
    bad = [
        f"{p.name}: {b}" for p in pages for b in quote_mismatches(p.read_text("utf-8"), RULESETS)
    ]
    assert bad == []


def test_a_quote_one_line_off_is_found() -> None:
    text = GUIDE.read_text(encoding="utf-8") if GUIDE.is_file() else ""
    _doc_pages()
    m = re.search(r"federal-baseline\.yaml:(\d+):5", text)
    assert m is not None
    shifted = text.replace(m.group(0), f"federal-baseline.yaml:{int(m[1]) + 1}:5", 1)
    assert quote_mismatches(text, RULESETS) == []
    assert len(quote_mismatches(shifted, RULESETS)) == 1


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
