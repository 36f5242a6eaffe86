"""Bad input to the ruleset loader: every case is one `RulesetError`, never a traceback.

The contract (STYLE points 2-6): each problem is an `Issue` with a stable `code`, the file,
line and column where it was written, and a `help` that says what to write instead; the
loader collects every issue of a file, sorts them by location and raises once. Limits
(size, depth, alias expansion) fail fast instead of hanging.
"""

from __future__ import annotations

import textwrap
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intervene_rules import InterveneRulesError, Ruleset, RulesetError, load_ruleset
from intervene_rules.errors import Issue
from intervene_rules.ruleset import _yaml as yaml_module
from intervene_rules.ruleset import load as load_module
from intervene_rules.ruleset._yaml import MAX_BYTES
from intervene_rules.ruleset.load import bundled_dir
from intervene_rules.vocabulary import Rank

# --- helpers ------------------------------------------------------------------------------

#: A minimal standalone ruleset: one source, one rule. Tests perturb it with `.replace`.
MINIMAL = textwrap.dedent(
    """\
    id: t
    title: T
    version: "1"
    jurisdiction: Nowhere
    sources:
      - id: src_a
        kind: case
        citation: 1 F.2d 1
        verification: verified
    rules:
      - id: r1
        stage: determine_action
        when:
          force.type: cew
        then:
          action: intervene
        because: Because.
        basis: [src_a]
    """
)


def load_text(tmp_path: Path, text: str | bytes, name: str = "r.yaml") -> Ruleset:
    """Write `text` to `tmp_path/name` and load it."""
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return load_ruleset(path)


def load_errors(tmp_path: Path, text: str | bytes, name: str = "r.yaml") -> RulesetError:
    """Load `text`, expecting a `RulesetError`; check the contract every issue must meet."""
    with pytest.raises(RulesetError) as info:
        load_text(tmp_path, text, name)
    err = info.value
    assert err.issues, "a RulesetError must carry at least one issue"
    for issue in err.issues:
        assert issue.code.startswith("ruleset_"), issue
        assert issue.message, issue
        assert issue.help, f"no advice for {issue}"
        assert issue.loc.line >= 1 and issue.loc.column >= 1, issue
    assert list(err.issues) == sorted(
        err.issues, key=lambda i: (i.loc.file, i.loc.line, i.loc.column, i.code)
    )
    return err


def only(err: RulesetError, code: str) -> Issue:
    """The single issue with `code` (and fail listing all issues if there is not one)."""
    found = [i for i in err.issues if i.code == code]
    assert len(found) == 1, f"expected one {code}, got:\n{err}"
    return found[0]


def where(text: str, fragment: str, nth: int = 0) -> tuple[int, int]:
    """1-based (line, column) of the `nth` occurrence of `fragment` in `text`."""
    start = -1
    for _ in range(nth + 1):
        start = text.index(fragment, start + 1)
    line = text.count("\n", 0, start) + 1
    return line, start - (text.rfind("\n", 0, start) + 1) + 1


def at(issue: Issue, line: int, column: int | None = None) -> None:
    assert issue.loc.line == line, f"{issue}\n(expected line {line})"
    if column is not None:
        assert issue.loc.column == column, f"{issue}\n(expected column {column})"


def layer(
    body: str = "",
    *,
    id_: str = "t",
    extends: str = "[federal-baseline]",
) -> str:
    """A layer over `extends`; `body` is appended as top-level YAML."""
    head = f'id: {id_}\ntitle: T\nversion: "1"\njurisdiction: X\nextends: {extends}\n'
    return head + textwrap.dedent(body)


def rule(
    rid: str,
    *,
    stage: str = "take_action",
    when: str | None = None,
    then: str = "{duties: [report]}",
    basis: str = "[graham_v_connor_1989]",
    extra: str = "",
) -> str:
    """One rule item for a `rules:` list (federal-baseline declares graham_v_connor_1989)."""
    text = f"  - id: {rid}\n    stage: {stage}\n"
    if when is not None:
        text += f"    when: {when}\n"
    text += f"    then: {then}\n    because: b\n    basis: {basis}\n"
    return text + extra


def rules(*items: str) -> str:
    return "rules:\n" + "".join(items)


def test_minimal_ruleset_is_valid(tmp_path: Path) -> None:
    """The base text every case perturbs loads; so each failure below is the perturbation."""
    rs = load_text(tmp_path, MINIMAL)
    assert [r.id for r in rs.program.rules] == ["r1"]
    assert load_text(tmp_path, layer(), name="l.yaml").layers == ("federal-baseline", "t")


# --- the exception itself -----------------------------------------------------------------


def test_ruleset_error_hierarchy_and_str(tmp_path: Path) -> None:
    err = load_errors(tmp_path, MINIMAL.replace("rules:", "rulez:"))
    assert isinstance(err, ValueError)
    assert isinstance(err, InterveneRulesError)
    issue = only(err, "ruleset_unknown_key")
    file = str(tmp_path / "r.yaml")
    assert issue.loc.file == file
    assert f"{file}:10:1" in str(err)
    assert "[ruleset_unknown_key]" in str(err)
    assert "help: did you mean 'rules'?" in str(err)
    (as_dict,) = err.errors()
    assert as_dict["code"] == "ruleset_unknown_key"
    assert (as_dict["file"], as_dict["line"], as_dict["column"]) == (file, 10, 1)
    assert as_dict["path"] == ["rulez"]


def test_unknown_ruleset_id_suggests_a_bundled_one() -> None:
    with pytest.raises(RulesetError) as info:
        load_ruleset("model-polcy")
    issue = only(info.value, "ruleset_not_found")
    assert "did you mean 'model-policy'?" in issue.help
    assert "federal-baseline" in issue.help


def test_all_errors_of_a_file_are_reported_together_sorted_by_line(tmp_path: Path) -> None:
    text = (
        MINIMAL.replace('version: "1"', "version: [1]")
        .replace("kind: case", "kind: cse")
        .replace("rules:", "rulez:")
        .replace("jurisdiction: Nowhere", "jurisdiction: Nowhere\ntitle: again")
    )
    err = load_errors(tmp_path, text)
    codes = [i.code for i in err.issues]
    assert codes == [
        "ruleset_invalid_value",  # version: [1]
        "ruleset_duplicate_key",  # title again (used to hide every other error)
        "ruleset_unknown_value",  # kind: cse
        "ruleset_unknown_key",  # rulez
    ]
    lines = [i.loc.line for i in err.issues]
    assert lines == sorted(lines) == [3, 5, 8, 11]


def test_errors_in_a_base_layer_are_reported_with_its_file(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(layer("rulez: []\n", id_="base", extends="[]"))
    err = load_errors(tmp_path, layer(id_="top", extends="[base]"), name="top.yaml")
    issue = only(err, "ruleset_unknown_key")
    assert issue.loc.file == str(tmp_path / "base.yaml")
    at(issue, 6, 1)


# --- YAML syntax and encoding ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "column", "fragment"),
    [
        pytest.param('id: t\ntitle: T\n  version: "1"\n', 3, 10, "not allowed", id="indent"),
        pytest.param("id: t\ntitle: a: b\n", 2, 9, "not allowed", id="colon-in-value"),
        pytest.param("id: t\n\ttitle: x\n", 2, 1, "'\\t'", id="tab"),
        pytest.param(
            'id: t\nextends: [federal-baseline\nversion: "1"\n',
            3,
            8,
            "from line 2, column 10",
            id="unclosed-flow-sequence",
        ),
        pytest.param(
            'id: t\ntitle: "T\nversion: 1\n', 4, 1, "from line 2, column 8", id="unclosed-quote"
        ),
        pytest.param("id: a\n---\nid: b\n", 2, 1, "single document", id="two-documents"),
    ],
)
def test_yaml_syntax_error_points_at_the_problem(
    tmp_path: Path, text: str, line: int, column: int, fragment: str
) -> None:
    err = load_errors(tmp_path, text)
    issue = only(err, "ruleset_yaml_syntax")
    at(issue, line, column)
    assert fragment in issue.message
    assert "indentation and quoting" in issue.help


@pytest.mark.parametrize("text", ["", "   \n", "# only a comment\n", "---\n"])
def test_empty_file(tmp_path: Path, text: str) -> None:
    issue = only(load_errors(tmp_path, text), "ruleset_empty")
    at(issue, 1, 1)
    assert "mapping" in issue.help


@pytest.mark.parametrize(
    ("text", "kind"), [("- id: t\n- title: T\n", "list"), ("just text\n", "single value")]
)
def test_file_that_is_not_a_mapping(tmp_path: Path, text: str, kind: str) -> None:
    issue = only(load_errors(tmp_path, text), "ruleset_not_mapping")
    at(issue, 1, 1)
    assert f"not a {kind}" in issue.message
    assert "key: value" in issue.help


def test_non_utf8_bytes_point_at_the_bad_byte(tmp_path: Path) -> None:
    issue = only(load_errors(tmp_path, b"id: t\ntitle: caf\xe9\n"), "ruleset_encoding")
    at(issue, 2, 11)
    assert "byte 16" in issue.message
    assert "UTF-8" in issue.help


def test_utf16_file_is_refused(tmp_path: Path) -> None:
    issue = only(load_errors(tmp_path, MINIMAL.encode("utf-16")), "ruleset_encoding")
    at(issue, 1, 1)


@pytest.mark.parametrize(("char", "code"), [("\x00", "0000"), ("\x07", "0007"), ("\x1b", "001B")])
def test_control_character_is_an_issue_not_a_reader_traceback(
    tmp_path: Path, char: str, code: str
) -> None:
    """Regression: PyYAML's ReaderError escaped from the loader's constructor."""
    issue = only(load_errors(tmp_path, f"id: t\ntitle: T{char}x\n"), "ruleset_encoding")
    at(issue, 2, 9)
    assert f"U+{code}" in issue.message
    assert "remove the control character" in issue.help


def test_utf8_bom_and_crlf_are_accepted(tmp_path: Path) -> None:
    text = "\ufeff" + MINIMAL.replace("\n", "\r\n")
    assert load_text(tmp_path, text).id == "t"


def test_impossible_date_value_is_an_issue_not_a_value_error(tmp_path: Path) -> None:
    """Regression: `2020-13-45` resolves to a timestamp PyYAML cannot build (ValueError)."""
    err = load_errors(tmp_path, MINIMAL + "effective: 2020-13-45\n")
    (issue,) = err.issues
    assert issue.code == "ruleset_invalid_value"
    assert issue.loc.dotted_path == "effective"
    at(issue, 19, 12)
    assert "YYYY-MM-DD" in issue.help


def test_impossible_date_key_is_read_as_text(tmp_path: Path) -> None:
    """Regression: the same as a mapping key escaped as a ValueError traceback."""
    err = load_errors(tmp_path, MINIMAL + "2020-13-45: x\n")
    (issue,) = err.issues
    assert issue.code == "ruleset_unknown_key"
    assert issue.message == "unknown key '2020-13-45'"
    at(issue, 19, 1)


@pytest.mark.parametrize(
    ("text", "tag", "line", "column"),
    [
        pytest.param("!foo title: T\n", "!foo", 1, 1, id="custom-tag-on-key"),
        pytest.param("title: !foo T\n", "!foo", 1, 8, id="custom-tag-on-value"),
        pytest.param("title: !!binary VA==\n", "!!binary", 1, 8, id="binary"),
        pytest.param("extends: !!set {a, b}\n", "!!set", 1, 10, id="set"),
        pytest.param(
            "rules: !!python/object:os.system {}\n",
            "!!python/object:os.system",
            1,
            8,
            id="python-object",
        ),
    ],
)
def test_unsupported_yaml_tags_are_refused(
    tmp_path: Path, text: str, tag: str, line: int, column: int
) -> None:
    """Regression: `!foo` on a key raised ConstructorError; `!!binary` became bytes."""
    body = 'id: t\nversion: "1"\njurisdiction: X\n'
    err = load_errors(tmp_path, body + text)
    issue = only(err, "ruleset_yaml_tag")
    at(issue, line + 3, column)
    assert repr(tag) in issue.message
    assert "remove the tag" in issue.help


def test_merge_key_is_refused(tmp_path: Path) -> None:
    text = MINIMAL + "x: &base {because: b}\ny: {<<: *base}\n"
    issue = only(load_errors(tmp_path, text), "ruleset_yaml_merge_key")
    at(issue, *where(text, "<<"))
    assert "write the keys out" in issue.help


def test_complex_key_is_refused(tmp_path: Path) -> None:
    text = MINIMAL + "? [a, b]\n: c\n"
    issue = only(load_errors(tmp_path, text), "ruleset_yaml_key")
    at(issue, *where(text, "[a, b]"))
    assert "plain text" in issue.help


@pytest.mark.parametrize(
    ("old", "new", "key", "path"),
    [
        pytest.param("title: T\n", "title: T\ntitle: U\n", "title", "title", id="top-level"),
        pytest.param(
            "    stage: determine_action\n",
            "    stage: determine_action\n    stage: take_action\n",
            "stage",
            "rules[0].stage",
            id="in-rule",
        ),
        pytest.param(
            "      force.type: cew\n",
            "      force.type: cew\n      force.type: firearm\n",
            "force.type",
            "rules[0].when.force.type",
            id="in-condition",
        ),
    ],
)
def test_duplicate_yaml_key(tmp_path: Path, old: str, new: str, key: str, path: str) -> None:
    text = MINIMAL.replace(old, new)
    issue = only(load_errors(tmp_path, text), "ruleset_duplicate_key")
    first = where(text, f"{key}:")
    at(issue, *where(text, f"{key}:", nth=1))
    assert f"first at line {first[0]}" in issue.message
    assert issue.loc.dotted_path == path
    assert "remove one" in issue.help


def test_yaml_11_boolean_words_as_keys_stay_text(tmp_path: Path) -> None:
    """`yes:` is the key 'yes' (YAML 1.1 would read True), so the advice names it."""
    issue = only(load_errors(tmp_path, MINIMAL + "yes: 1\n"), "ruleset_unknown_key")
    assert issue.message == "unknown key 'yes'"
    at(issue, 19, 1)


# --- limits: size, depth, aliases -----------------------------------------------------------


def _timed_errors(tmp_path: Path, text: str | bytes) -> RulesetError:
    start = time.perf_counter()
    err = load_errors(tmp_path, text)
    # a guard against runaway work (exponential expansion), not a speed target: the
    # benchmarks measure speed; a shared CI machine can be several times slower
    assert time.perf_counter() - start < 60, "the loader must not run away"
    return err


def test_oversized_file(tmp_path: Path) -> None:
    text = MINIMAL + "# " + "x" * MAX_BYTES + "\n"
    issue = only(_timed_errors(tmp_path, text), "ruleset_too_large")
    at(issue, 1, 1)
    assert str(len(text.encode())) in issue.message
    assert "extends" in issue.help


def test_huge_file_is_not_read_whole(tmp_path: Path) -> None:
    """A sparse 1 GiB file is refused from its size, not read into memory."""
    path = tmp_path / "huge.yaml"
    with path.open("wb") as fh:
        fh.truncate(1024**3)
    start = time.perf_counter()
    with pytest.raises(RulesetError) as info:
        load_ruleset(path)
    assert time.perf_counter() - start < 5
    issue = only(info.value, "ruleset_too_large")
    assert str(1024**3) in issue.message


def test_file_of_exactly_the_size_limit_loads(tmp_path: Path) -> None:
    pad = MAX_BYTES - len(MINIMAL.encode()) - 1
    text = MINIMAL + "#" * pad + "\n"
    assert len(text.encode()) == MAX_BYTES
    assert load_text(tmp_path, text).id == "t"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("[" * 5000, id="flow-sequences-unclosed"),
        pytest.param("[" * 5000 + "]" * 5000, id="flow-sequences"),
        pytest.param("a: " + "{a: " * 5000 + "}" * 5000, id="flow-mappings"),
        pytest.param("- " * 5000 + "x\n", id="block-sequences"),
        pytest.param("a: " + "[" * 60 + "]" * 60, id="just-over-the-limit"),
        pytest.param("&a [*a]\n", id="recursive-alias"),
    ],
)
def test_deeply_nested_document(tmp_path: Path, text: str) -> None:
    issue = only(_timed_errors(tmp_path, text), "ruleset_too_deep")
    assert issue.loc.line == 1
    assert "flatten" in issue.help


def test_billion_laughs_is_refused_not_expanded(tmp_path: Path) -> None:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    text = "\n".join(lines) + "\n"
    issue = only(_timed_errors(tmp_path, text), "ruleset_too_large")
    assert "alias" in issue.message
    assert "aliases" in issue.help


def test_moderate_alias_use_is_fine(tmp_path: Path) -> None:
    text = MINIMAL.replace("basis: [src_a]", "basis: &b [src_a]") + (
        "  - id: r2\n    stage: take_action\n    then: {duties: [report]}\n"
        "    because: Because.\n    basis: *b\n"
    )
    assert [r.id for r in load_text(tmp_path, text).program.rules] == ["r1", "r2"]


# --- schema: unknown keys, wrong types, missing keys ----------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "path", "hint"),
    [
        pytest.param("rules:", "rulez:", "rulez", "rules", id="top-level"),
        pytest.param("title: T", "titel: T", "titel", "title", id="top-level-title"),
        pytest.param("because:", "becuase:", "rules[0].becuase", "because", id="rule"),
        pytest.param("    stage:", "    stag:", "rules[0].stag", "stage", id="rule-stage"),
        pytest.param("citation:", "citaton:", "sources[0].citaton", "citation", id="source"),
        pytest.param(
            "action: intervene", "acton: intervene", "rules[0].then.acton", "action", id="then"
        ),
    ],
)
def test_unknown_key_with_did_you_mean(
    tmp_path: Path, old: str, new: str, path: str, hint: str
) -> None:
    text = MINIMAL.replace(old, new)
    issue = only(load_errors(tmp_path, text), "ruleset_unknown_key")
    at(issue, *where(text, new.strip()))
    assert issue.loc.dotted_path == path
    assert issue.help.startswith(f"did you mean {hint!r}?")
    assert "allowed keys:" in issue.help


@pytest.mark.parametrize(
    ("body", "key", "hint"),
    [
        (
            "force_grid:\n  because: b\n  basis: [graham_v_connor_1989]\n  alows: {}\n",
            "alows",
            "allows",
        ),
        (
            "opportunity:\n  min_duration: 5\n  because: b\n  basis: [graham_v_connor_1989]\n",
            "min_duration",
            "min_duration_s",
        ),
        (
            "notices:\n  - id: n\n    txt: t\n    basis: [graham_v_connor_1989]\n",
            "txt",
            "text",
        ),
    ],
)
def test_unknown_key_in_grid_opportunity_notice(
    tmp_path: Path, body: str, key: str, hint: str
) -> None:
    text = layer(body)
    issue = only(load_errors(tmp_path, text), "ruleset_unknown_key")
    at(issue, *where(text, f"{key}:"))
    assert f"did you mean {hint!r}?" in issue.help


@pytest.mark.parametrize(
    ("old", "new", "path", "help_fragment"),
    [
        pytest.param('version: "1"', "version: [1]", "version", "write text", id="version-list"),
        pytest.param('version: "1"', "version: 1.0", "version", "quote it", id="version-float"),
        pytest.param(
            "basis: [src_a]", "basis: src_a", "rules[0].basis", "write a list", id="basis-string"
        ),
        pytest.param(
            "basis: [src_a]", "basis: []", "rules[0].basis", "at least one", id="basis-empty"
        ),
        pytest.param("title: T", 'title: ""', "title", "non-empty", id="title-empty"),
        pytest.param("id: t\n", "id: My Rules\n", "id", "lower-case", id="id-pattern"),
        pytest.param(
            "    then:\n      action: intervene\n",
            "    then: null\n",
            "rules[0].then",
            "mapping",
            id="then-null",
        ),
        pytest.param(
            "      force.type: cew\n",
            "      - force.type\n",
            "rules[0].when",
            "mapping",
            id="when-list",
        ),
        pytest.param("title: T", "title: T\nformat: 2", "format", "at most 1", id="format-2"),
        pytest.param(
            "title: T", "title: T\nformat: true", "format", "whole number", id="format-bool"
        ),
        pytest.param(
            "title: T",
            "title: T\nextends: federal-baseline",
            "extends",
            "write a list",
            id="extends-string",
        ),
        pytest.param("title: T", "title: T\neffective: soon", "effective", "YYYY-MM-DD", id="date"),
        pytest.param(
            "title: T", "title: T\nrank_aliases: [a]", "rank_aliases", "mapping", id="aliases-list"
        ),
        pytest.param(
            "action: intervene",
            "facts: [Bad-Name]",
            "rules[0].then.facts",
            "excessive_force",
            id="fact-name",
        ),
    ],
)
def test_wrong_type(tmp_path: Path, old: str, new: str, path: str, help_fragment: str) -> None:
    text = MINIMAL.replace(old, new)
    assert text != MINIMAL
    issue = only(load_errors(tmp_path, text), "ruleset_invalid_value")
    assert issue.loc.dotted_path == path
    key = path.rsplit(".", 1)[-1]
    at(issue, *where(text, f"{key}:"))  # a value's problem is shown at its key
    assert help_fragment in issue.help


@pytest.mark.parametrize(
    ("value", "help_fragment"),
    [
        ("true", "without quotes"),
        ("'5'", "without quotes"),
        ("-5", "at least 0"),
        (".nan", "finite"),
        (".inf", "finite"),
    ],
)
def test_opportunity_duration_must_be_a_finite_non_negative_number(
    tmp_path: Path, value: str, help_fragment: str
) -> None:
    """Regression: `min_duration_s: true` was read as 1 second, "5" as 5."""
    text = layer(
        f"opportunity:\n  min_duration_s: {value}\n  because: b\n  basis: [graham_v_connor_1989]\n"
    )
    issue = only(load_errors(tmp_path, text), "ruleset_invalid_value")
    assert issue.loc.dotted_path == "opportunity.min_duration_s"
    at(issue, 7, 3)
    assert help_fragment in issue.help


@pytest.mark.parametrize("key", ["id", "title", "version", "jurisdiction"])
def test_missing_top_level_key(tmp_path: Path, key: str) -> None:
    text = "\n".join(line for line in MINIMAL.splitlines() if not line.startswith(f"{key}:"))
    issue = only(load_errors(tmp_path, text), "ruleset_missing_key")
    assert issue.loc.dotted_path == key
    at(issue, 1, 1)
    assert issue.help == f"add `{key}:` here"


@pytest.mark.parametrize(
    ("drop", "path"),
    [
        ("    because: Because.\n", "rules[0].because"),
        ("    basis: [src_a]\n", "rules[0].basis"),
        ("    stage: determine_action\n", "rules[0].stage"),
        ("    then:\n      action: intervene\n", "rules[0].then"),
        ("    verification: verified\n", "sources[0].verification"),
        ("    citation: 1 F.2d 1\n", "sources[0].citation"),
    ],
)
def test_missing_nested_key_points_at_its_item(tmp_path: Path, drop: str, path: str) -> None:
    text = MINIMAL.replace(drop, "")
    issue = only(load_errors(tmp_path, text), "ruleset_missing_key")
    assert issue.loc.dotted_path == path
    item = "- id: r1" if path.startswith("rules") else "- id: src_a"
    line, column = where(text, item)
    at(issue, line, column + 2)
    assert issue.help == f"add `{path.rsplit('.', 1)[1]}:` here"


# --- schema: unknown enum values ----------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "hint", "allowed"),
    [
        pytest.param(
            "stage: determine_action",
            "stage: determin_action",
            "determine_action",
            "see_the_problem",
            id="stage",
        ),
        pytest.param(
            "action: intervene",
            "action: intervne",
            "intervene",
            "intervene_physically",
            id="action",
        ),
        pytest.param("action: intervene", "duties: [reprt]", "report", "render_aid", id="duty"),
        pytest.param(
            "action: intervene", "methods: [distrct]", "distract", "delegate", id="method"
        ),
        pytest.param("kind: case", "kind: cse", "case", "model_policy", id="source-kind"),
        pytest.param(
            "verification: verified",
            "verification: verifed",
            "verified",
            "partly_verified",
            id="verification",
        ),
        pytest.param(
            "title: T", "title: T\nrank_aliases: {boss: chef}", "chief", "officer", id="rank-alias"
        ),
    ],
)
def test_unknown_enum_value(tmp_path: Path, old: str, new: str, hint: str, allowed: str) -> None:
    text = MINIMAL.replace(old, new)
    issue = only(load_errors(tmp_path, text), "ruleset_unknown_value")
    bad = new.rsplit(" ", 1)[1].strip("[]{}")
    assert repr(bad) in issue.message
    assert issue.help.startswith(f"did you mean {hint!r}?")
    assert allowed in issue.help
    assert issue.loc.line == where(text, new.splitlines()[-1])[0]


@pytest.mark.parametrize(
    ("allows", "bad", "hint"),
    [
        ("    compliantt: [none]\n", "compliantt", "compliant"),
        ("    compliant: [none, tazer, cew]\n", "tazer", None),
        ("    compliant: [nonee]\n", "nonee", "none"),
    ],
)
def test_unknown_resistance_or_force_type_in_grid(
    tmp_path: Path, allows: str, bad: str, hint: str | None
) -> None:
    text = layer("force_grid:\n  because: b\n  basis: [graham_v_connor_1989]\n  allows:\n" + allows)
    issue = only(load_errors(tmp_path, text), "ruleset_unknown_value")
    assert repr(bad) in issue.message
    at(issue, *where(text, bad))
    if hint is not None:
        assert issue.help.startswith(f"did you mean {hint!r}?")
    assert "allowed:" in issue.help


@pytest.mark.parametrize("value", ["true", "9", "0", "2.0", "'2'"])
def test_stage_must_be_a_stage_name_or_number_1_to_5(tmp_path: Path, value: str) -> None:
    """Regression: `stage: true` was read as stage 1 (see_the_problem)."""
    text = MINIMAL.replace("stage: determine_action", f"stage: {value}")
    issue = only(load_errors(tmp_path, text), "ruleset_unknown_value")
    assert issue.loc.dotted_path == "rules[0].stage"
    at(issue, 12, 5)
    assert "determine_action" in issue.help


def test_stage_number_is_accepted(tmp_path: Path) -> None:
    rs = load_text(tmp_path, MINIMAL.replace("stage: determine_action", "stage: 2"))
    assert rs.program.rules[0].stage.key == "determine_action"


# --- conditions -----------------------------------------------------------------------------


def _when(tmp_path: Path, condition: str) -> tuple[str, RulesetError]:
    text = MINIMAL.replace("force.type: cew", condition)
    return text, load_errors(tmp_path, text)


def test_unknown_field_did_you_mean(tmp_path: Path) -> None:
    text, err = _when(tmp_path, "force.typ: cew")
    issue = only(err, "ruleset_unknown_field")
    at(issue, *where(text, "force.typ"))
    assert issue.loc.dotted_path == "rules[0].when.force.typ"
    assert issue.help.startswith("did you mean 'force.type'?")


def test_numeric_key_in_condition_is_an_unknown_field(tmp_path: Path) -> None:
    _, err = _when(tmp_path, "1: cew")
    issue = only(err, "ruleset_unknown_field")
    assert issue.message == "unknown field '1'"


@pytest.mark.parametrize(
    ("condition", "op", "hint"),
    [
        ("force.type: {$ne: cew}", "$ne", "ne"),
        ("force.type: {neq: cew}", "neq", "ne"),
        ("force.duration_s: {gtee: 3}", "gtee", "gte"),
        ("force.type: {contains_any: [cew]}", "contains_any", None),
        ("subject.restrained: {gt: true}", "gt", None),
        ("misconduct: {in: [theft]}", "in", None),
    ],
)
def test_unknown_or_disallowed_operator(
    tmp_path: Path, condition: str, op: str, hint: str | None
) -> None:
    text, err = _when(tmp_path, condition)
    issue = only(err, "ruleset_unknown_operator")
    at(issue, *where(text, condition.split(":")[0]))
    assert repr(op) in issue.message
    if hint:
        assert issue.help.startswith(f"did you mean {hint!r}?")
    assert "allowed:" in issue.help


@pytest.mark.parametrize(
    ("condition", "bad", "hint"),
    [
        ("force.type: cwe", "cwe", "cew"),
        ("force.type: [cwe, firearm]", "cwe", "cew"),
        ("force.type: {not_in: [firearm, cwe]}", "cwe", "cew"),
        ("subject.resistance: {gte: activ_resistance}", "activ_resistance", "active_resistance"),
        ("misconduct: {contains_any: [thef]}", "thef", "theft"),
        ("observer.prior_intervention: verbl", "verbl", "verbal"),
    ],
)
def test_unknown_value_for_field(tmp_path: Path, condition: str, bad: str, hint: str) -> None:
    text, err = _when(tmp_path, condition)
    issue = only(err, "ruleset_unknown_value")
    at(issue, *where(text, condition.split(":")[0]))
    assert repr(bad) in issue.message
    assert issue.help.startswith(f"did you mean {hint!r}?")


@pytest.mark.parametrize(
    ("condition", "help_fragment"),
    [
        pytest.param("force.duration_s: {gt: ten}", "plain number", id="number-vs-string"),
        pytest.param("force.duration_s: {gt: '10'}", "without quotes", id="number-quoted"),
        pytest.param("force.duration_s: {gt: .nan}", ".nan", id="nan"),
        pytest.param("force.duration_s: {lt: .inf}", ".inf", id="inf"),
        pytest.param("force.duration_s: {gte: -.inf}", ".inf", id="minus-inf"),
        pytest.param("force.duration_s: {gt: true}", "plain number", id="number-vs-bool"),
        pytest.param("force.duration_s: {lt: null}", "plain number", id="null-threshold"),
        pytest.param("subject.restrained: 'yes'", "true or false", id="bool-vs-string"),
        pytest.param("subject.restrained: 1", "true or false", id="bool-vs-int"),
        pytest.param("observer.realistic_opportunity: maybe", "null", id="tribool"),
        pytest.param("misconduct: {empty: 'no'}", "{empty: false}", id="empty-vs-string"),
        pytest.param("force.type: {in: []}", "{in: [a, b]}", id="in-empty"),
        pytest.param("force.type: {in: cew}", "{in: [a, b]}", id="in-scalar"),
        pytest.param("misconduct: theft", "contains_any", id="set-vs-scalar"),
    ],
)
def test_bad_operand(tmp_path: Path, condition: str, help_fragment: str) -> None:
    text, err = _when(tmp_path, condition)
    issue = only(err, "ruleset_bad_operand")
    at(issue, *where(text, condition.split(":")[0]))
    assert help_fragment in issue.help


@pytest.mark.parametrize(
    ("condition", "path"),
    [
        pytest.param("force.type: {}", "rules[0].when.force.type", id="empty-operator-map"),
        pytest.param("all: []", "rules[0].when.all", id="all-empty"),
        pytest.param("any: cew", "rules[0].when.any", id="any-scalar"),
        pytest.param("not: [a]", "rules[0].when.not", id="not-list"),
    ],
)
def test_bad_condition_shape(tmp_path: Path, condition: str, path: str) -> None:
    """Regression (first case): `force.type: {}` silently dropped the test."""
    text, err = _when(tmp_path, condition)
    issue = only(err, "ruleset_bad_condition")
    assert issue.loc.dotted_path == path
    at(issue, *where(text, condition.split(":")[0]))
    assert issue.help.startswith("write")


def test_empty_when_mapping(tmp_path: Path) -> None:
    text = MINIMAL.replace("when:\n      force.type: cew", "when: {}")
    issue = only(load_errors(tmp_path, text), "ruleset_bad_condition")
    at(issue, *where(text, "when:"))


def test_reading_a_fact_no_rule_concludes(tmp_path: Path) -> None:
    """Regression: the advice suggested a situation field ('actor.rank') for `fact.x`."""
    text, err = _when(tmp_path, "fact.x: true")
    issue = only(err, "ruleset_unknown_fact")
    at(issue, *where(text, "fact.x"))
    assert "'x'" in issue.message
    assert "did you mean" not in issue.help
    assert "then: {facts:" in issue.help


def test_reading_a_misspelt_fact(tmp_path: Path) -> None:
    text = layer(
        rules(
            rule("a", stage="see_the_problem", then="{facts: [rights_violated]}"),
            rule("b", when="{fact.rights_violatd: true}"),
        )
    )
    issue = only(load_errors(tmp_path, text), "ruleset_unknown_fact")
    at(issue, *where(text, "fact.rights_violatd"))
    assert issue.help.startswith("did you mean 'fact.rights_violated'?")


# --- citations ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "path"),
    [
        pytest.param(
            rules(rule("r", basis="[graham_v_connor_1989, grahm_v_connor_1989]")),
            "rules[0].basis[1]",
            id="rule",
        ),
        pytest.param(
            "force_grid:\n  because: b\n  basis: [grahm_v_connor_1989]\n"
            "  allows: {compliant: [none]}\n",
            "force_grid.basis[0]",
            id="force-grid",
        ),
        pytest.param(
            "opportunity:\n  min_duration_s: 5\n  because: b\n  basis: [grahm_v_connor_1989]\n",
            "opportunity.basis[0]",
            id="opportunity",
        ),
        pytest.param(
            "notices:\n  - id: n\n    text: t\n    basis:\n      - grahm_v_connor_1989\n",
            "notices[0].basis[0]",
            id="notice",
        ),
    ],
)
def test_unknown_source_id(tmp_path: Path, body: str, path: str) -> None:
    """Regression: grid, opportunity and notice citations pointed at their block's key."""
    text = layer(body)
    issue = only(load_errors(tmp_path, text), "ruleset_unknown_source")
    assert issue.loc.dotted_path == path
    at(issue, *where(text, "grahm_v_connor_1989"))
    assert issue.help.startswith("did you mean 'graham_v_connor_1989'?")
    assert "sources:" in issue.help


# --- layers -----------------------------------------------------------------------------------


def test_extends_unknown_layer(tmp_path: Path) -> None:
    text = layer(extends="[federal-baselin]")
    issue = only(load_errors(tmp_path, text), "ruleset_unknown_layer")
    at(issue, 5, 11)
    assert issue.help.startswith("did you mean 'federal-baseline'?")


def test_extends_cycle_between_two_files(tmp_path: Path) -> None:
    (tmp_path / "b.yaml").write_text(layer(id_="b", extends="[a]"))
    err = load_errors(tmp_path, layer(id_="a", extends="[b]"), name="a.yaml")
    issue = only(err, "ruleset_extends_cycle")
    assert issue.loc.file == str(tmp_path / "b.yaml")
    at(issue, 5, 11)
    assert "a.yaml -> " in issue.message and "b.yaml -> " in issue.message
    assert "remove one `extends` entry" in issue.help


@pytest.mark.parametrize("ref", ["a", "a.yaml", "./a.yaml"])
def test_extends_itself(tmp_path: Path, ref: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression (paths): `a.yaml` was looked up in the cwd, not beside the layer."""
    monkeypatch.chdir(tmp_path.parent)
    issue = only(
        load_errors(tmp_path, layer(id_="a", extends=f"[{ref}]"), name="a.yaml"),
        "ruleset_extends_cycle",
    )
    at(issue, 5, 11)


def test_extends_a_path_relative_to_the_layer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: a relative path in `extends` was resolved against the cwd."""
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "b.yaml").write_text(layer(id_="b", extends="[federal-baseline]"))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    rs = load_text(tmp_path, layer(id_="a", extends="[base/b.yaml]"), name="a.yaml")
    assert rs.layers == ("federal-baseline", "b", "a")


def test_shadowed_rule_without_replaces(tmp_path: Path) -> None:
    text = layer(rules(rule("medical_care_for_injured")))
    issue = only(load_errors(tmp_path, text), "ruleset_shadowed_rule")
    at(issue, 7, 5)
    assert "federal-baseline" in issue.message
    assert "rulesets/federal-baseline.yaml:" in issue.message
    assert "replaces: medical_care_for_injured" in issue.help


def test_replaces_a_rule_no_base_layer_has(tmp_path: Path) -> None:
    text = layer(rules(rule("mine", extra="    replaces: medical_care_for_injure\n")))
    issue = only(load_errors(tmp_path, text), "ruleset_replaces_unknown")
    at(issue, *where(text, "replaces:"))
    assert issue.help.startswith("did you mean 'medical_care_for_injured'?")


def test_replaces_a_rule_of_its_own_layer(tmp_path: Path) -> None:
    text = layer(rules(rule("one"), rule("two", extra="    replaces: one\n")))
    issue = only(load_errors(tmp_path, text), "ruleset_replaces_unknown")
    at(issue, *where(text, "replaces:"))
    assert "base layer" in issue.help


def test_replacing_one_base_rule_twice(tmp_path: Path) -> None:
    """Regression: the second replacement was told the base rule does not exist."""
    extra = "    replaces: medical_care_for_injured\n"
    text = layer(rules(rule("one", extra=extra), rule("two", extra=extra)))
    issue = only(load_errors(tmp_path, text), "ruleset_replaces_unknown")
    at(issue, *where(text, "replaces:", nth=1))
    assert "'one'" in issue.message and "already replaces" in issue.message
    assert "merge the two" in issue.help


def test_replacing_a_base_rule_works(tmp_path: Path) -> None:
    text = layer(rules(rule("mine", extra="    replaces: medical_care_for_injured\n")))
    ids = [r.id for r in load_text(tmp_path, text).program.rules]
    assert "mine" in ids and "medical_care_for_injured" not in ids


def test_layer_widening_the_force_grid(tmp_path: Path) -> None:
    text = layer(
        "force_grid:\n  because: b\n  basis: [graham_v_connor_1989]\n  allows:\n"
        "    compliant: [none, verbal, cew]\n"
    )
    issue = only(load_errors(tmp_path, text), "ruleset_grid_weakens_base")
    at(issue, *where(text, "compliant:"))
    assert "cew" in issue.message and "federal-baseline" in issue.message
    assert "only narrow" in issue.help


def test_layer_narrowing_the_force_grid_loads(tmp_path: Path) -> None:
    text = layer(
        "force_grid:\n  because: b\n  basis: [graham_v_connor_1989]\n  allows:\n"
        "    compliant: [none, verbal]\n"
    )
    assert load_text(tmp_path, text).layers == ("federal-baseline", "t")


def test_alias_onto_unknown_rung(tmp_path: Path) -> None:
    text = layer("rank_aliases:\n  watch_commander: liutenant\n")
    issue = only(load_errors(tmp_path, text), "ruleset_unknown_value")
    at(issue, 7, 3)
    assert issue.help.startswith("did you mean 'lieutenant'?")


@pytest.mark.parametrize("alias", ["deputy", "Deputy", " deputy"])
def test_alias_conflicting_across_layers(tmp_path: Path, alias: str) -> None:
    text = layer(f"rank_aliases:\n  '{alias}': sergeant\n", extends="[model-policy]")
    issue = only(load_errors(tmp_path, text), "ruleset_alias_conflict")
    at(issue, 7, 3)
    assert "'officer'" in issue.message and "model-policy" in issue.message
    assert "one title must mean one rung" in issue.help


def test_alias_agreeing_with_the_base_layer_loads(tmp_path: Path) -> None:
    text = layer("rank_aliases:\n  deputy: officer\n", extends="[model-policy]")
    assert load_text(tmp_path, text).program.rank_aliases["deputy"].value == "officer"


def test_alias_citing_the_document_that_defines_the_title(tmp_path: Path) -> None:
    text = layer(
        "rank_aliases:\n"
        "  commander: {rank: captain, basis: [graham_v_connor_1989], note: placed by us}\n"
        "  patrol_officer: officer\n"
    )
    program = load_text(tmp_path, text).program
    assert program.rank_aliases == {"commander": Rank.CAPTAIN, "patrol_officer": Rank.OFFICER}
    assert program.alias_basis == {"commander": ("graham_v_connor_1989",)}


def test_alias_citing_an_undeclared_source(tmp_path: Path) -> None:
    text = layer("rank_aliases:\n  commander: {rank: captain, basis: [graham_v_conor_1989]}\n")
    issue = only(load_errors(tmp_path, text), "ruleset_unknown_source")
    at(issue, *where(text, "graham_v_conor_1989"))
    assert issue.help.startswith("did you mean 'graham_v_connor_1989'?")


@pytest.mark.parametrize(
    ("entry", "code", "fragment"),
    [
        ("{rank: captian}", "ruleset_unknown_value", "did you mean 'captain'?"),
        ("{rank: captain, bases: []}", "ruleset_unknown_key", "did you mean 'basis'?"),
        ("{basis: [graham_v_connor_1989]}", "ruleset_missing_key", "add `rank:`"),
    ],
)
def test_alias_mapping_errors(tmp_path: Path, entry: str, code: str, fragment: str) -> None:
    issue = only(load_errors(tmp_path, layer(f"rank_aliases:\n  commander: {entry}\n")), code)
    assert issue.loc.line == 7
    assert fragment in f"{issue.message} {issue.help}"


def test_alias_that_is_a_canonical_rank(tmp_path: Path) -> None:
    text = layer("rank_aliases:\n  Sergeant: captain\n")
    issue = only(load_errors(tmp_path, text), "ruleset_alias_shadows_rank")
    at(issue, 7, 3)
    assert "remove" in issue.help


def test_source_declared_differently_in_two_layers(tmp_path: Path) -> None:
    text = layer(
        "sources:\n  - id: graham_v_connor_1989\n    kind: case\n"
        "    citation: 490 U.S. 387 (1989)\n    verification: verified\n"
    )
    issue = only(load_errors(tmp_path, text), "ruleset_source_conflict")
    at(issue, *where(text, "id: graham"))
    assert "federal-baseline" in issue.message
    assert "use a new id" in issue.help


def test_source_declared_identically_in_two_layers_loads(tmp_path: Path) -> None:
    text = layer(
        "sources:\n  - id: graham_v_connor_1989\n    kind: case\n    title: Graham v. Connor\n"
        "    citation: 490 U.S. 386 (1989)\n    verification: verified\n"
        "    note: No official URL was retrieved.\n"
        "    effective: 1990-01-01\n    circuit: supreme_court\n"  # as federal-baseline
    )
    assert "graham_v_connor_1989" in load_text(tmp_path, text).sources


def test_source_declared_twice_in_one_file(tmp_path: Path) -> None:
    src = "  - id: x\n    kind: case\n    citation: c\n    verification: verified\n"
    text = layer("sources:\n" + src + src)
    issue = only(load_errors(tmp_path, text), "ruleset_duplicate_source")
    at(issue, *where(text, "id: x", nth=1))
    assert "its own id" in issue.help


def test_duplicate_rule_ids_in_one_file(tmp_path: Path) -> None:
    text = layer(rules(rule("same"), rule("same")))
    issue = only(load_errors(tmp_path, text), "ruleset_duplicate_rule")
    at(issue, *where(text, "id: same", nth=1))
    assert f"first at {tmp_path / 'r.yaml'}:7:5" in issue.message
    assert "its own id" in issue.help


# --- stage order and conclusions --------------------------------------------------------------


@pytest.mark.parametrize("stage", ["see_the_problem", "determine_action"])
def test_early_rule_reading_action(tmp_path: Path, stage: str) -> None:
    then = "{facts: [f]}" if stage == "see_the_problem" else "{duties: [report]}"
    text = layer(rules(rule("r", stage=stage, when="{action: intervene}", then=then)))
    issue = only(load_errors(tmp_path, text), "ruleset_stage_order")
    at(issue, *where(text, f"stage: {stage}"))
    assert "take_responsibility" in issue.help


def test_rule_reading_a_fact_concluded_later(tmp_path: Path) -> None:
    text = layer(
        rules(
            rule(
                "early",
                stage="see_the_problem",
                when="{not: {fact.late: true}}",
                then="{facts: [early]}",
            ),
            rule("late", stage="determine_how", then="{facts: [late]}"),
        )
    )
    issue = only(load_errors(tmp_path, text), "ruleset_stage_order")
    at(issue, *where(text, "stage: see_the_problem"))
    assert "determine_how" in issue.message
    assert "move this rule later" in issue.help


def test_fact_cycle_reports_the_rules_on_it_only(tmp_path: Path) -> None:
    """Regression: a rule merely reading a fact of the cycle was reported as on it."""
    s1 = "see_the_problem"
    text = layer(
        rules(
            rule("a", stage=s1, when="{fact.c: true}", then="{facts: [a]}"),
            rule("b", stage=s1, when="{fact.a: true}", then="{facts: [b]}"),
            rule("c", stage=s1, when="{fact.b: true}", then="{facts: [c]}"),
            rule("downstream", stage=s1, when="{fact.c: true}", then="{facts: [d]}"),
        )
    )
    err = load_errors(tmp_path, text)
    cycle = [i for i in err.issues if i.code == "ruleset_fact_cycle"]
    assert [i.loc.line for i in cycle] == [where(text, f"- id: {r}")[0] for r in ("a", "b", "c")]
    assert "'downstream'" not in str(err)
    assert all("break the cycle" in i.help for i in cycle)


def test_rule_reading_its_own_fact(tmp_path: Path) -> None:
    text = layer(
        rules(rule("a", stage="see_the_problem", when="{fact.a: false}", then="{facts: [a]}"))
    )
    issue = only(load_errors(tmp_path, text), "ruleset_fact_cycle")
    at(issue, 7, 5)
    assert "fact.a" in issue.message


def test_action_concluded_outside_determine_action(tmp_path: Path) -> None:
    text = layer(rules(rule("r", stage="take_action", then="{action: intervene}")))
    issue = only(load_errors(tmp_path, text), "ruleset_action_stage")
    at(issue, *where(text, "action: intervene"))
    assert "determine_action" in issue.help


@pytest.mark.parametrize("then", ["{}", "{duties: [], facts: []}"])
def test_rule_concluding_nothing(tmp_path: Path, then: str) -> None:
    text = layer(rules(rule("r", then=then)))
    issue = only(load_errors(tmp_path, text), "ruleset_empty_conclusion")
    at(issue, *where(text, "then:"))
    assert "action, duties, methods or facts" in issue.help


# --- every phase's errors in one run (issue 9, point 6) -------------------------------------


def codes_at(err: RulesetError) -> list[tuple[str, str, int, int]]:
    """Every issue as (code, file name, line, column)."""
    return [(i.code, Path(i.loc.file).name, i.loc.line, i.loc.column) for i in err.issues]


def test_errors_of_every_phase_in_different_rules_come_in_one_run(tmp_path: Path) -> None:
    """Regression: a field typo in one rule hid an undeclared source in another."""
    text = layer(
        "rulez: []\n"  # schema: an unknown top-level key
        + rules(
            rule("no_because", extra="    colour: red\n"),  # schema: unknown key in a rule
            rule("typo", when="{force.typ: cew}"),  # field
            rule("uncited", basis="[graham_v_conor_1989]"),  # source
            rule("early", stage="see_the_problem", when="{action: intervene}", then="{facts: [e]}"),
            rule("medical_care_for_injured"),  # layering: shadows a base rule
            rule("late_action", then="{action: intervene}"),  # stage: action outside stage 2
        )
    )
    err = load_errors(tmp_path, text)
    assert codes_at(err) == [
        ("ruleset_unknown_key", "r.yaml", *where(text, "rulez")),
        ("ruleset_unknown_key", "r.yaml", *where(text, "colour")),
        ("ruleset_unknown_field", "r.yaml", *where(text, "force.typ")),
        ("ruleset_unknown_source", "r.yaml", *where(text, "graham_v_conor_1989")),
        ("ruleset_stage_order", "r.yaml", *where(text, "stage: see_the_problem")),
        ("ruleset_shadowed_rule", "r.yaml", *where(text, "id: medical_care_for_injured")),
        ("ruleset_action_stage", "r.yaml", *where(text, "action: intervene", 1)),
    ]
    assert str(err).startswith("7 error(s) in ruleset")


def test_errors_of_every_phase_across_two_layers_come_in_one_run(tmp_path: Path) -> None:
    base = layer(
        "sources:\n  - {id: half, kind: case, citation: X}\n"  # schema: no verification
        + rules(
            rule("b_typo", when="{subject.resistence: compliant}"),  # field
            rule("b_cites_half", basis="[half]"),  # cites the broken source: no second error
            rule("b_fact", stage="see_the_problem", then="{facts: [seen]}", extra="    x: 1\n"),
        ),
        id_="base",
    )
    (tmp_path / "base.yaml").write_text(base)
    top = layer(
        rules(
            rule("t_reads", stage="determine_how", when="{fact.seen: true}"),  # fact of a
            # broken rule: not reported again
            rule("t_uncited", basis="[nowhere]"),  # source
            rule("t_replaces", extra="    replaces: no_such_rule\n"),  # layering
            rule("t_op", when="{force.duration_s: {gtt: 3}}"),  # operator
        ),
        id_="top",
        extends="[base]",
    )
    err = load_errors(tmp_path, top, name="top.yaml")
    assert codes_at(err) == [
        ("ruleset_missing_key", "base.yaml", *_item(base, "- {id: half")),
        ("ruleset_unknown_field", "base.yaml", *where(base, "subject.resistence")),
        ("ruleset_unknown_key", "base.yaml", *where(base, "x: 1")),
        ("ruleset_unknown_source", "top.yaml", *where(top, "nowhere")),
        ("ruleset_replaces_unknown", "top.yaml", *where(top, "replaces: no_such_rule")),
        ("ruleset_unknown_operator", "top.yaml", *where(top, "force.duration_s")),
    ]


def _item(text: str, fragment: str) -> tuple[int, int]:
    line, column = where(text, fragment)
    return line, column + 2  # the mapping after `- `


def test_a_broken_item_keeps_the_positions_of_the_items_after_it(tmp_path: Path) -> None:
    """Items left out for a schema error must not shift the locations of the others."""
    text = layer(
        rules(
            rule("first", then="{duties: [nonsense]}"),
            rule("second", when="{force.typ: cew}"),
        )
    )
    err = load_errors(tmp_path, text)
    assert codes_at(err) == [
        ("ruleset_unknown_value", "r.yaml", *where(text, "nonsense")),
        ("ruleset_unknown_field", "r.yaml", *where(text, "force.typ")),
    ]


def test_an_unreadable_base_layer_stops_before_the_checks_it_would_mislead(
    tmp_path: Path,
) -> None:
    """With a base layer missing, its sources and facts are unknown: report only that."""
    text = layer(rules(rule("r", basis="[in_the_missing_base]")), extends="[missing_base]")
    err = load_errors(tmp_path, text)
    assert [i.code for i in err.issues] == ["ruleset_unknown_layer"]


# --- limits on one whole load ---------------------------------------------------------------


def _chain(tmp_path: Path, n_layers: int, n_rules: int) -> Path:
    """`n_layers` files, each extending the one before, each with `n_rules` rules."""
    for k in range(n_layers):
        extends = f"[l{k - 1}]" if k else "[federal-baseline]"
        body = rules(*(rule(f"l{k}_r{j}") for j in range(n_rules)))
        (tmp_path / f"l{k}.yaml").write_text(layer(body, id_=f"l{k}", extends=extends))
    return tmp_path / f"l{n_layers - 1}.yaml"


def test_rules_are_capped_over_all_layers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression: 100,000 rules over 10 layers loaded in 115 s; each file was under its cap."""
    monkeypatch.setattr(load_module, "MAX_RULES", 10)
    with pytest.raises(RulesetError) as info:
        load_ruleset(_chain(tmp_path, 3, 4))
    issue = only(info.value, "ruleset_too_large")
    assert "12 rules" in issue.message and "10 rules over all its layers" in issue.message
    assert "alias" not in issue.message


def test_bytes_are_capped_over_all_layers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    top = _chain(tmp_path, 3, 2)
    sizes = sorted(p.stat().st_size for p in tmp_path.glob("l*.yaml"))
    federal = (bundled_dir() / "federal-baseline.yaml").stat().st_size
    monkeypatch.setattr(load_module, "MAX_TOTAL_BYTES", federal + sum(sizes) - 1)
    with pytest.raises(RulesetError) as info:
        load_ruleset(top)
    issue = only(info.value, "ruleset_too_large")
    assert "layers of this ruleset hold more than" in issue.message


def test_layers_are_capped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(load_module, "MAX_LAYERS", 3)
    with pytest.raises(RulesetError) as info:
        load_ruleset(_chain(tmp_path, 4, 1))
    assert "more than 3 layers" in only(info.value, "ruleset_too_large").message


def test_a_large_plain_file_is_not_called_an_alias_bomb(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: a legitimate 17,000-rule file without aliases was refused as "an alias bomb?".

    The document's own values and the values aliases repeat have separate budgets; the
    limit on the first is shrunk here so the test stays small.
    """
    monkeypatch.setattr(yaml_module, "MAX_NODES", 40)
    issue = only(load_errors(tmp_path, MINIMAL * 1 + MINIMAL_RULES), "ruleset_too_large")
    assert "holds more than 40 values" in issue.message
    assert "alias" not in issue.message


MINIMAL_RULES = "".join(
    f"  - {{id: r{i}, stage: take_action, then: {{duties: [report]}}, because: b, basis: [src_a]}}\n"
    for i in range(2, 12)
)


def test_many_plain_rules_load(tmp_path: Path) -> None:
    """Without aliases, the values of a file are limited by its size, not by an alias budget."""
    text = MINIMAL + "".join(
        f"  - {{id: r{i}, stage: take_action, then: {{duties: [report]}}, because: b, "
        "basis: [src_a]}\n"
        for i in range(2, 2000)
    )
    assert len(load_text(tmp_path, text).program.rules) == 1999


def test_aliases_have_their_own_budget(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yaml_module, "MAX_ALIAS_NODES", 5)
    text = MINIMAL.replace("basis: [src_a]", "basis: &b [src_a, src_a, src_a]") + "".join(
        f"  - {{id: r{i}, stage: take_action, then: {{duties: [report]}}, because: b, basis: *b}}\n"
        for i in range(2, 5)
    )
    issue = only(load_errors(tmp_path, text), "ruleset_too_large")
    assert "aliases repeat more than 5 values" in issue.message


# --- where `extends` may lead, and what a message may quote ----------------------------------


def _outside(tmp_path: Path, secret: str) -> tuple[Path, Path]:
    """A ruleset folder `rs/` and, beside it, a folder `other/` holding `secret.yaml`."""
    (tmp_path / "rs").mkdir()
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "secret.yaml").write_text(secret)
    return tmp_path / "rs", tmp_path / "other"


@pytest.mark.parametrize(
    "ref",
    ["../other/secret.yaml", "{other}/secret.yaml", "linked", "linked.yaml", "/etc/passwd"],
)
def test_extends_may_not_leave_the_rulesets_folder(tmp_path: Path, ref: str) -> None:
    """Regression: `extends: [/etc/passwd]` was read, and messages quoted what it held."""
    if ref.startswith("/") and not Path(ref).is_file():
        pytest.skip(f"no {ref} here")
    rs, other = _outside(tmp_path, "id: x\npassword: hunter2\n")
    (rs / "linked.yaml").symlink_to(other / "secret.yaml")
    text = layer(extends=f"[{ref.format(other=other)}]")
    err = load_errors(tmp_path, text, name="rs/top.yaml")
    issue = only(err, "ruleset_extends_outside")
    at(issue, *where(text, ref.format(other=other)))
    assert "allow_paths" in issue.help
    assert "hunter2" not in str(err) and "root:" not in str(err)


def test_extends_may_read_a_folder_the_caller_allows(tmp_path: Path) -> None:
    rs, other = _outside(tmp_path, layer(id_="base"))
    (rs / "top.yaml").write_text(layer(id_="top", extends="[../other/secret.yaml]"))
    with pytest.raises(RulesetError):
        load_ruleset(rs / "top.yaml")
    loaded = load_ruleset(rs / "top.yaml", allow_paths=[other])
    assert loaded.layers == ("federal-baseline", "base", "top")


def test_extends_inside_the_folder_and_bundled_ids_need_no_permission(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "base.yaml").write_text(layer(id_="base", extends="[federal-baseline]"))
    (tmp_path / "sub" / "mid.yaml").write_text(layer(id_="mid", extends="[base]"))
    loaded = load_text(tmp_path, layer(id_="top", extends="[sub/mid.yaml]"), name="top.yaml")
    assert loaded.layers == ("federal-baseline", "base", "mid", "top")


@pytest.mark.parametrize(
    "secret",
    [
        pytest.param("password: hunter2\nuser: admin\nhost: db\n", id="mapping"),
        pytest.param("root:x:0:0:hunter2:/root:/bin/bash\n", id="text"),
        pytest.param("- hunter2\n- admin\n", id="list"),
        pytest.param("id: x\npassword: hunter2\nuser: admin\nhost: db\n", id="mostly-not"),
    ],
)
def test_a_file_that_is_not_a_ruleset_is_never_quoted(tmp_path: Path, secret: str) -> None:
    rs, other = _outside(tmp_path, secret)
    (rs / "top.yaml").write_text(layer(id_="top", extends="[../other/secret.yaml]"))
    with pytest.raises(RulesetError) as info:
        load_ruleset(rs / "top.yaml", allow_paths=[other])
    assert info.value.issues[0].code in ("ruleset_not_a_ruleset", "ruleset_not_mapping")
    assert "hunter2" not in str(info.value) and "admin" not in str(info.value)
    # the same file named directly is not quoted either
    with pytest.raises(RulesetError) as direct:
        load_ruleset(other / "secret.yaml")
    assert "hunter2" not in str(direct.value)


def test_a_directory_is_reported_as_a_directory(tmp_path: Path) -> None:
    """Regression: a directory was reported as "no such file"."""
    with pytest.raises(RulesetError) as info:
        load_ruleset(tmp_path)
    issue = only(info.value, "ruleset_not_a_file")
    assert "is a directory" in issue.message and "no such file" not in issue.message


@pytest.mark.parametrize(
    "ref", ["r" * 5000 + ".yaml", "d/" * 3000 + "r.yaml", "r" * 5000, "bad\x00name.yaml"]
)
def test_a_path_the_file_system_refuses_is_our_error(ref: str) -> None:
    """Regression: a ruleset reference longer than the file system allows gave an OSError."""
    with pytest.raises(RulesetError) as info:
        load_ruleset(ref)
    only(info.value, "ruleset_not_found")
    assert len(str(info.value)) < 1000  # the reference is shortened, not echoed whole


# --- garbage in, RulesetError out ---------------------------------------------------------------

_TOKENS = [
    "id: ",
    "rules:",
    "\n",
    "  ",
    "- ",
    "[",
    "]",
    "{",
    "}",
    ":",
    ",",
    "&a ",
    "*a",
    "!!str ",
    "!x ",
    "? ",
    "'",
    '"',
    "#",
    "|",
    ">",
    "---",
    "...",
    "<<: ",
    "~",
    "true",
    "1e9",
    ".nan",
    "2020-13-45",
    "\t",
    "\x00",
    "\\",
    "%YAML 1.1\n",
    "\ufeff",
    "\ud800",
    "é",
    "when:",
    "force.type: ",
    "stage: ",
    "extends: [",
    "a.yaml",
    "../",
]


def _garbage() -> st.SearchStrategy[str | bytes]:
    soup = st.lists(st.sampled_from(_TOKENS), max_size=40).map("".join)
    base = (bundled_dir() / "model-policy.yaml").read_text(encoding="utf-8")
    mutated = st.tuples(st.integers(0, len(base)), st.integers(0, 30), soup).map(
        lambda t: base[: t[0]] + t[2] + base[t[0] + t[1] :]
    )
    return st.one_of(st.text(max_size=300), st.binary(max_size=200), soup, mutated)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(text=_garbage())
def test_garbage_only_ever_raises_ruleset_error(tmp_path: Path, text: str | bytes) -> None:
    path = tmp_path / "garbage.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass"))
    try:
        load_ruleset(path)
    except RulesetError as err:
        assert err.issues
        assert all(i.help and i.code.startswith("ruleset_") for i in err.issues)
        str(err)
        err.errors()
