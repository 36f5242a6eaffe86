"""`intervene check --format sarif` fits GitHub code scanning and the SARIF 2.1.0 schema.

The schema is the official one, vendored (tests/data/sarif-schema-2.1.0.README.md says
where from). `github_fit` states what code scanning needs beyond the schema; each of its
assertions is shown to catch a planted fault.
"""

from __future__ import annotations

import ast
import copy
import hashlib
import io
import json
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from intervene_rules import __version__
from intervene_rules.cli import main
from intervene_rules.cli.sarif import repository_root, to_sarif
from intervene_rules.codes import DOCS_URL, code_docs, errors_page, page_url, parse
from intervene_rules.errors import Issue
from intervene_rules.location import SourceLocation
from intervene_rules.ruleset.load import bundled_dir

jsonschema = pytest.importorskip("jsonschema", reason="the schema checks need jsonschema (dev)")

REPO = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
SCHEMA_FILE = DATA / "sarif-schema-2.1.0.json"
SCHEMA_SHA256 = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"
ERRORS_MD = REPO / "docs" / "errors.md"

AGENCY = """\
format: 1
id: agency
title: T
version: "1"
jurisdiction: test
sources:
  - {id: src, kind: case, citation: "1 F.3d 1", verification: verified}
  - {id: spare, kind: case, citation: "2 F.3d 2", verification: verified}
rules:
  - id: act
    stage: determine_action
    when: {force.type: {not_in: [none, verbal]}, observer.has_opportunity: true}
    then: {action: intervene}
    because: b
    basis: [src]
  - id: quiet
    stage: determine_action
    when: {not: {force.type: {not_in: [none, verbal]}, observer.has_opportunity: true}}
    then: {action: none}
    because: b
    basis: [src]
"""

EXTENDING = """\
format: 1
id: {id}
title: T
version: "1"
jurisdiction: test
extends: [{parent}]
"""


def run(*argv: str) -> tuple[int, dict[str, Any]]:
    out, err = io.StringIO(), io.StringIO()
    code = main(
        ["check", *argv, "--format", "sarif", "--no-progress", "--jobs", "1"], out=out, err=err
    )
    return code, json.loads(out.getvalue())


def schema_valid(sarif: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema).validate(sarif)


def anchors(text: str) -> set[str]:
    return set(re.findall(r'<a id="([a-z0-9_]+)"></a>', text))


def github_fit(sarif: dict[str, Any], root: Path) -> None:
    """What code scanning needs: full rule metadata, links that resolve, relative locations."""
    (run_,) = sarif["runs"]
    driver = run_["tool"]["driver"]
    assert driver["informationUri"] == DOCS_URL
    assert driver["version"] == driver["semanticVersion"] == __version__
    documented = anchors(ERRORS_MD.read_text(encoding="utf-8"))
    for rule in driver["rules"]:
        for key in ("shortDescription", "fullDescription"):
            assert rule[key]["text"].strip(), (rule["id"], key)
        assert rule["help"]["text"].strip() and rule["help"]["markdown"].strip(), rule["id"]
        assert re.fullmatch(r"[A-Z][A-Za-z]+", rule["name"]), rule["name"]
        assert rule["helpUri"] == page_url("errors.md", rule["id"]), rule["id"]
        assert rule["id"] in documented, f"{rule['id']} has no anchor in docs/errors.md"
    bases = run_["originalUriBaseIds"]
    assert Path(bases["%SRCROOT%"]["uri"].removeprefix("file://")) == root
    for result in run_["results"]:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        for loc in result["locations"]:
            artifact = loc["physicalLocation"]["artifactLocation"]
            uri = artifact["uri"]
            assert artifact.get("uriBaseId") in bases, uri
            assert ":" not in uri and not uri.startswith("/") and ".." not in uri.split("/"), uri
            assert (root / uri).is_file(), uri


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    """A repository (a `.git` folder) with the agency ruleset in `rulesets/`."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "rulesets").mkdir()
    (tmp_path / "rulesets" / "agency.yaml").write_text(AGENCY, encoding="utf-8")
    return tmp_path


def line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


# --- the vendored schema ------------------------------------------------------------


def test_the_vendored_schema_is_the_published_one() -> None:
    assert hashlib.sha256(SCHEMA_FILE.read_bytes()).hexdigest() == SCHEMA_SHA256
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert schema["id"].endswith("/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json")
    with pytest.raises(jsonschema.ValidationError):  # it does refuse what is not SARIF
        schema_valid({"version": "2.1.0", "runs": [{"tool": {}}]})


# --- check --format sarif -----------------------------------------------------------


def test_findings_of_a_planted_ruleset_fit_code_scanning(repo: Path) -> None:
    agency = repo / "rulesets" / "agency.yaml"
    code, sarif = run(str(agency))
    assert code == 1  # `spare` is declared and never cited
    schema_valid(sarif)
    github_fit(sarif, repo)
    (hit,) = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "analysis_unused_source"]
    where = hit["locations"][0]["physicalLocation"]
    assert where["artifactLocation"] == {"uri": "rulesets/agency.yaml", "uriBaseId": "%SRCROOT%"}
    assert where["region"]["startLine"] == line_of(agency, "id: spare")
    rules = {r["id"]: r for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert set(rules) == {"analysis_unused_source", "analysis_invariant"}  # no aid, no junior
    assert rules["analysis_unused_source"]["fullDescription"]["text"].startswith(
        "a declared source that no rule"
    )


def test_quick_check_gives_its_load_errors_as_sarif(repo: Path) -> None:
    agency = repo / "rulesets" / "agency.yaml"
    agency.write_text(AGENCY.replace("  - id: quiet", "  - idd: quiet"), encoding="utf-8")
    code, sarif = run(str(agency), "--quick")
    assert code == 2
    schema_valid(sarif)
    github_fit(sarif, repo)
    results = sarif["runs"][0]["results"]
    assert {r["ruleId"] for r in results} >= {"ruleset_unknown_key"}
    assert all(r["level"] == "error" for r in results)


def test_sarif_root_option_and_files_outside_it(repo: Path) -> None:
    agency = repo / "rulesets" / "agency.yaml"
    code, sarif = run(str(agency), "--quick", "--sarif-root", str(repo / "rulesets"))
    assert code == 0 and sarif["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"].endswith(
        "/rulesets/"
    )
    other = repo / "elsewhere"
    other.mkdir()
    issue = Issue("ruleset_unknown_key", "m", SourceLocation(str(agency), 3, 1))
    sarif = to_sarif([issue], [str(agency)], other)
    schema_valid(sarif)
    (loc,) = sarif["runs"][0]["results"][0]["locations"]
    artifact = loc["physicalLocation"]["artifactLocation"]
    assert artifact == {"uri": agency.resolve().as_uri()}  # placed by no base id, unplaced
    with pytest.raises(AssertionError):
        github_fit(sarif, other)


def test_the_root_is_the_git_work_tree_of_the_checked_file(repo: Path) -> None:
    deep = repo / "rulesets" / "state"
    deep.mkdir()
    (deep / "s.yaml").write_text(AGENCY, encoding="utf-8")
    assert repository_root([str(deep / "s.yaml")]) == repo.resolve()
    assert repository_root(["federal-baseline"]) == Path.cwd().resolve()


# --- base layers outside the repository ---------------------------------------------


def test_a_bundled_base_layer_finding_is_placed_on_the_extends_line(repo: Path) -> None:
    """The federal floor's partly verified sources are notes of every ruleset extending it."""
    agency = repo / "rulesets" / "local.yaml"
    agency.write_text(EXTENDING.format(id="local", parent="federal-baseline"), encoding="utf-8")
    code, sarif = run(str(agency))
    assert code == 0  # notes only
    schema_valid(sarif)
    github_fit(sarif, repo)
    results = [r for r in sarif["runs"][0]["results"] if "base layer" in r["message"]["text"]]
    assert results
    extends_line = line_of(agency, "extends:")
    base = (bundled_dir() / "federal-baseline.yaml").read_text(encoding="utf-8")
    for r in results:
        where = r["locations"][0]["physicalLocation"]
        assert where["artifactLocation"]["uri"] == "rulesets/local.yaml"
        assert where["region"]["startLine"] == extends_line
        text = r["message"]["text"]
        assert text.startswith("in the base layer federal-baseline (bundled), at rulesets/")
        source = re.search(r", source (\w+): ", text)
        assert source and f"id: {source[1]}\n" in base


def test_a_base_layer_reached_through_a_local_layer_is_named_with_it(repo: Path) -> None:
    """agency -> state (in the repository) -> federal-baseline (bundled)."""
    folder = repo / "rulesets"
    (folder / "state.yaml").write_text(
        EXTENDING.format(id="state", parent="federal-baseline"), encoding="utf-8"
    )
    agency = folder / "top.yaml"
    agency.write_text(EXTENDING.format(id="top", parent="state"), encoding="utf-8")
    base = bundled_dir() / "federal-baseline.yaml"
    lines = base.read_text(encoding="utf-8").splitlines()
    start = lines.index("rules:")
    rule_line, first_rule = next(
        (n, line.split(": ")[1])
        for n, line in enumerate(lines[start:], start + 1)
        if line.startswith("  - id: ")
    )
    shown = "rulesets/federal-baseline.yaml"
    in_base = Issue(
        "analysis_masked", "m", SourceLocation(shown, rule_line, 5, ("rules", 0)), severity="info"
    )
    in_state = Issue("analysis_gap", "g", SourceLocation(str(folder / "state.yaml"), 1, 1))
    sarif = to_sarif([in_base, in_state], [str(agency)], repo)
    schema_valid(sarif)
    github_fit(sarif, repo)
    first, second = sarif["runs"][0]["results"]
    where = first["locations"][0]["physicalLocation"]
    assert where["artifactLocation"]["uri"] == "rulesets/top.yaml"
    assert where["region"]["startLine"] == line_of(agency, "extends:")
    assert first["message"]["text"].startswith(
        f"in the base layer federal-baseline (bundled, through state), at {shown}:{rule_line}:5, "
        f"rule {first_rule}: m"
    )
    # a layer inside the repository keeps its own place
    assert second["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        "rulesets/state.yaml"
    )
    assert second["message"]["text"] == "g"


# --- the assertions catch planted faults --------------------------------------------


def _good(repo: Path) -> dict[str, Any]:
    agency = repo / "rulesets" / "agency.yaml"
    issue = Issue("analysis_unused_source", "m", SourceLocation(str(agency), 7, 5))
    return to_sarif([issue], [str(agency)], repo)


def _plants() -> Iterator[tuple[str, Any]]:
    def rule(s: dict[str, Any]) -> dict[str, Any]:
        r: dict[str, Any] = s["runs"][0]["tool"]["driver"]["rules"][0]
        return r

    def artifact(s: dict[str, Any]) -> dict[str, Any]:
        a: dict[str, Any] = s["runs"][0]["results"][0]["locations"][0]["physicalLocation"][
            "artifactLocation"
        ]
        return a

    yield "no helpUri", lambda s: rule(s).pop("helpUri")
    yield "helpUri to a missing anchor", lambda s: rule(s).update(helpUri=DOCS_URL + "errors/#x")
    yield "no help markdown", lambda s: rule(s)["help"].pop("markdown")
    yield "empty fullDescription", lambda s: rule(s).update(fullDescription={"text": " "})
    yield "no semanticVersion", lambda s: s["runs"][0]["tool"]["driver"].pop("semanticVersion")
    yield "absolute uri", lambda s: artifact(s).update(uri=artifact(s)["uri"].join(["/x/", ""]))
    yield "file uri", lambda s: artifact(s).update(uri="file:///tmp/agency.yaml")
    yield "no uriBaseId", lambda s: artifact(s).pop("uriBaseId")
    yield "a file not in the root", lambda s: artifact(s).update(uri="rulesets/gone.yaml")
    yield "wrong ruleIndex", lambda s: s["runs"][0]["results"][0].update(ruleIndex=1)


@pytest.mark.parametrize("fault", [name for name, _ in _plants()])
def test_github_fit_catches_a_planted_fault(repo: Path, fault: str) -> None:
    good = _good(repo)
    github_fit(good, repo)  # the unplanted output passes
    bad = copy.deepcopy(good)
    dict(_plants())[fault](bad)
    with pytest.raises((AssertionError, KeyError, IndexError)):
        github_fit(bad, repo)


# --- every code that check can report is documented ---------------------------------

CODE = re.compile(r"(ruleset|analysis|bundle)_[a-z]+(_[a-z]+)*")


def codes_in(files: list[Path]) -> set[str]:
    """Codes an issue can carry: code-like strings passed to calls (Issue, _refuse, ...),
    assigned to or defaults of `code`, and `ruleset_<kind>` for each validation Problem kind.
    """
    found: set[str] = set()
    for file in files:
        tree = ast.parse(file.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            values: list[ast.expr] = []
            if isinstance(node, ast.Call):
                values = [*node.args, *(k.value for k in node.keywords)]
                name = node.func.id if isinstance(node.func, ast.Name) else ""
                kind = node.args[0] if node.args else None
                if name == "Problem" and isinstance(kind, ast.Constant):
                    found.add(f"ruleset_{kind.value!s}")  # issues() adds the prefix
            elif isinstance(node, ast.Assign):
                if any(isinstance(t, ast.Name) and t.id == "code" for t in node.targets):
                    values = [node.value]
            elif isinstance(node, ast.arguments):
                named = [*node.posonlyargs, *node.args, *node.kwonlyargs]
                defaults = [*node.defaults, *node.kw_defaults]
                pairs = zip(named[::-1], defaults[::-1], strict=False)  # defaults are the last
                values = [d for a, d in pairs if a.arg == "code" and d]
            for v in values:
                if (
                    isinstance(v, ast.Constant)
                    and isinstance(v.value, str)
                    and CODE.fullmatch(v.value)
                ):
                    found.add(v.value)
    return found


def undocumented(codes: set[str], page: str) -> set[str]:
    return codes - anchors(page)


SOURCES = sorted((REPO / "src" / "intervene_rules").rglob("*.py"))


def test_every_code_check_can_report_has_an_anchor_in_the_errors_page() -> None:
    codes = codes_in(SOURCES)
    # the scan sees the codes of each phase: loading, compiling, bundles, analysis
    assert {"ruleset_unknown_key", "ruleset_fact_cycle", "bundle_digest_mismatch"} <= codes
    assert {"analysis_gap", "analysis_too_large", "ruleset_unreadable"} <= codes
    assert {"ruleset_unknown_field", "ruleset_unknown_fact"} <= codes  # `code = "..."`
    assert undocumented(codes, ERRORS_MD.read_text(encoding="utf-8")) == set()
    docs = code_docs()
    for code in codes:  # and its row gives the text SARIF shows
        assert docs[code].meaning and docs[code].fix, code


def test_a_planted_undocumented_code_is_caught(tmp_path: Path) -> None:
    planted = tmp_path / "planted.py"
    planted.write_text(
        "def f(loc):\n    return Issue('ruleset_planted_fault', 'm', loc)\n"
        "def g(code: str = 'analysis_planted_default'):\n    return code\n"
        "def h():\n    code = 'bundle_planted_assigned'\n    return code\n",
        encoding="utf-8",
    )
    page = ERRORS_MD.read_text(encoding="utf-8")
    assert undocumented(codes_in([*SOURCES, planted]), page) == {
        "ruleset_planted_fault",
        "analysis_planted_default",
        "bundle_planted_assigned",
    }
    without = page.replace('<a id="analysis_gap"></a>', "")
    assert undocumented(codes_in(SOURCES), without) == {"analysis_gap"}


def test_rule_text_comes_from_the_errors_page() -> None:
    page = ERRORS_MD.read_text(encoding="utf-8")
    planted = page.replace(
        "a declared source that no rule", "PLANTED a declared source that no rule"
    )
    assert parse(planted)["analysis_unused_source"].meaning.startswith("PLANTED")
    # the page read is the docs page: the checkout's, or the copy installed with the wheel
    assert errors_page().read_text(encoding="utf-8") == page
    # the wheel ships the page where errors_page() looks for it
    forced = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["hatch"]["build"][
        "targets"
    ]["wheel"]["force-include"]
    assert forced["docs/errors.md"] == "intervene_rules/_docs/errors.md"
    sarif = to_sarif([Issue("ruleset_stage_order", "m", SourceLocation("x.yaml", 1, 1))])
    (rule,) = sarif["runs"][0]["tool"]["driver"]["rules"]
    assert rule["fullDescription"]["text"] in page.replace("`", "")
    assert "](https://" in rule["help"]["markdown"]  # relative links made absolute
    assert "](ruleset-format.md" not in rule["help"]["markdown"]
