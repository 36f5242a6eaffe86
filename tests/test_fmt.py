"""`intervene fmt`: the canonical layout keeps comments and meaning, is idempotent, and
leaves a file it cannot read byte for byte as it was."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pytest

from intervene_rules.cli import main, yamlfmt
from intervene_rules.cli.yamlfmt import RULE_ORDER, WIDTH, FormatError, fields_of, format_text
from intervene_rules.ruleset import load_ruleset
from intervene_rules.ruleset.load import bundled_dir
from intervene_rules.ruleset.model import RulesetSpec, RuleSpec
from intervene_rules.testing.scenarios import load_scenarios


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


SCHEMA = "# yaml-language-server: $schema=https://example.org/ruleset.schema.json"

# keys out of order, comments above keys and at their ends, rules not spaced, a long flow list
MESSY = f"""{SCHEMA}
# Header of the layer.
title: Springfield - duty to intervene
id: springfield-pd
format: 1
rules:
- because: Force beyond the grid must be stopped.   # why
  # the conditions
  when: {{force.exceeds_grid: true}}
  id: spd_stop_force
  basis: [graham_v_connor_1989, byrd_v_brishke_1972, yang_v_hardin_1994, hale_v_townley_1995, anderson_v_branen_1994]
  stage: determine_action
  then: {{action: intervene, duties: [intervene]}}
  replaces: force_exceeds_resistance



# the second rule
- id: spd_note
  stage: determine_action
  when:
    observer.has_opportunity: true
  then:
    duties: [report]
  because: >
    A folded text

    # that holds a line starting with a hash.
  basis: [graham_v_connor_1989]
# Extends the federal floor.
extends: [federal-baseline]
version: '1.0'
jurisdiction: Springfield
"""


def _key_lines(text: str, indent: str) -> list[str]:
    return re.findall(rf"^{indent}([a-z_]+):", text, flags=re.M)


def test_keys_follow_the_format_order_and_comments_stay_with_their_keys() -> None:
    out, kind = format_text(MESSY, "springfield-pd.yaml")
    assert kind == "ruleset"
    top = _key_lines(out, "")
    assert top == [k for k in fields_of(RulesetSpec) if k in top]
    assert top[0] == "format" and top[-1] == "rules"
    lines = out.splitlines()
    assert lines[0] == SCHEMA  # the schema comment stays the first line
    assert lines[1] == "# Header of the layer."
    assert lines[lines.index("extends: [federal-baseline]") - 1] == "# Extends the federal floor."
    first_rule = out[out.index("rules:") : out.index("# the second rule")]
    keys = re.findall(r"^ {2}(?:- | {2})([a-z_]+):", first_rule, flags=re.M)
    assert keys == [k for k in RULE_ORDER if k in keys] and len(keys) == 7
    assert "  # the conditions\n    when:" in out
    assert re.search(r"^    because: Force beyond the grid must be stopped\. +# why$", out, re.M)


def test_the_rule_order_names_every_field_of_a_rule() -> None:
    # a new field of RuleSpec must be given its place in the canonical order
    assert sorted(RULE_ORDER) == sorted(fields_of(RuleSpec))


def test_the_layout_keeps_meaning_and_is_idempotent(tmp_path: Path) -> None:
    (tmp_path / "springfield-pd.yaml").write_text(MESSY, encoding="utf-8")
    before = load_ruleset(tmp_path / "springfield-pd.yaml")
    assert run("fmt", str(tmp_path))[0] == 0
    once = (tmp_path / "springfield-pd.yaml").read_text(encoding="utf-8")
    assert once != MESSY
    assert load_ruleset(tmp_path / "springfield-pd.yaml").digest == before.digest
    assert run("fmt", "--check", str(tmp_path))[0] == 0
    assert format_text(once, "springfield-pd.yaml")[0] == once


def test_rules_are_separated_by_one_blank_line_and_text_blocks_are_untouched() -> None:
    out, _ = format_text(MESSY, "springfield-pd.yaml")
    assert "\n\n\n" not in out
    # one blank line above the rule and the comment written over it; none inside a rule
    assert "       anderson_v_branen_1994]\n\n  # the second rule\n  - id: spd_note\n" in out
    assert "\n\n    " not in out.replace("\n\n      # that holds", "")
    # a blank line and a '#' line inside a folded text are text, not layout
    assert "      A folded text\n\n      # that holds a line starting with a hash.\n" in out


def test_long_flow_lists_are_wrapped_under_their_key() -> None:
    out, _ = format_text(MESSY, "springfield-pd.yaml")
    assert max(len(line) for line in out.splitlines()) <= WIDTH
    at = out.index("    basis:\n      [graham_v_connor_1989,")
    block = out[at:].splitlines()[1:3]
    assert block[1].startswith("       ") and block[1].rstrip().endswith("]")
    assert "basis: [graham_v_connor_1989]" in out  # a short list stays on its line


def test_a_scenario_file_is_ordered_too() -> None:
    text = (
        "scenarios:\n"
        "  - expect: {action: none}\n"
        "    situation: {}\n"
        "    as_of: 2024-01-01\n"
        "    name: quiet\n"
        "  - name: second\n"
        "    expect: {action: none}\n"
        "ruleset: federal-baseline\n"
    )
    out, kind = format_text(text, "x.scenarios.yaml")
    assert kind == "scenarios"
    assert out.index("ruleset:") < out.index("scenarios:")
    assert re.findall(r"^ {2}(?:- | {2})([a-z_]+):", out, flags=re.M) == [
        "name",
        "as_of",
        "situation",
        "expect",
        "name",
        "expect",
    ]
    assert "    expect: {action: none}\n\n  - name: second" in out


def test_a_file_with_yaml_errors_is_left_as_it_was_and_located(tmp_path: Path) -> None:
    bad = tmp_path / "broken.yaml"
    data = b"id: x\ntitle: T\nrules:\n  - id: a\n    when: {force.type: [taser}\n"
    bad.write_bytes(data)
    code, _, err = run("fmt", str(bad))
    assert code == 2
    assert bad.read_bytes() == data
    assert re.search(rf"{re.escape(str(bad))}:5:\d+: error\[ruleset_yaml_syntax\]", err)


def test_a_duplicate_key_is_refused_not_resolved(tmp_path: Path) -> None:
    bad = tmp_path / "dup.yaml"
    data = b"id: x\ntitle: T\ntitle: U\n"
    bad.write_bytes(data)
    code, _, err = run("fmt", "--check", str(bad))
    assert code == 2
    assert bad.read_bytes() == data
    assert f"{bad}:3:1: error[ruleset_duplicate_key]" in err


def test_a_file_that_is_not_ours_is_reported_not_mangled(tmp_path: Path) -> None:
    other = tmp_path / ".pre-commit-config.yaml"
    data = b"repos:\n-   repo: x\n    hooks: [{id: y}]\n"
    other.write_bytes(data)
    code, _, err = run("fmt", str(other))
    assert code == 2
    assert other.read_bytes() == data
    assert "error[fmt_not_ours]" in err


def test_check_lists_what_would_change_and_changes_nothing(tmp_path: Path) -> None:
    messy = tmp_path / "springfield-pd.yaml"
    messy.write_text(MESSY, encoding="utf-8")
    tidy = tmp_path / "tidy.yaml"
    tidy.write_text(format_text(MESSY, "tidy.yaml")[0].replace("springfield-pd", "tidy"))
    code, out, _ = run("fmt", "--check", str(tmp_path))
    assert code == 1
    assert out.splitlines() == [f"would reformat {messy}"]
    assert messy.read_text(encoding="utf-8") == MESSY


def test_diff_prints_a_unified_diff_and_changes_nothing(tmp_path: Path) -> None:
    messy = tmp_path / "springfield-pd.yaml"
    messy.write_text(MESSY, encoding="utf-8")
    code, out, _ = run("fmt", "--diff", str(messy))
    assert code == 0
    assert out.startswith(f"--- {messy} (as written)\n+++ {messy} (formatted)\n@@ ")
    assert "+format: 1\n" in out and "-format: 1\n" in out
    assert messy.read_text(encoding="utf-8") == MESSY


def test_folders_are_searched_and_hidden_ones_skipped(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / ".hidden").mkdir()
    (tmp_path / "sub" / "springfield-pd.yaml").write_text(MESSY, encoding="utf-8")
    (tmp_path / ".hidden" / "x.yaml").write_text("not: ours\n", encoding="utf-8")
    code, out, _ = run("fmt", "--check", str(tmp_path))
    assert code == 1
    assert out.splitlines() == [f"would reformat {tmp_path / 'sub' / 'springfield-pd.yaml'}"]
    assert run("fmt", str(tmp_path / "missing"))[0] == 2


def test_a_layout_that_would_change_meaning_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # plant the fault the guard exists for: a pass that changes a value
    real = yamlfmt._wrap_flow
    monkeypatch.setattr(
        yamlfmt,
        "_wrap_flow",
        lambda lines: [x.replace("Springfield", "Shelbyville") for x in real(lines)],
    )
    with pytest.raises(FormatError) as caught:
        format_text(MESSY, "springfield-pd.yaml")
    assert caught.value.issues[0].code == "fmt_changed_meaning"
    path = tmp_path / "springfield-pd.yaml"
    path.write_text(MESSY, encoding="utf-8")
    assert run("fmt", str(path))[0] == 2
    assert path.read_text(encoding="utf-8") == MESSY


def _format_copies(names: list[str], tmp_path: Path) -> dict[str, str]:
    """Copy bundled files into tmp_path, format them there; name -> first formatted text."""
    for name in names:
        shutil.copy(bundled_dir() / name, tmp_path / name)
    assert run("fmt", *(str(tmp_path / n) for n in names))[0] == 0
    return {n: (tmp_path / n).read_text(encoding="utf-8") for n in names}


def _same_after_formatting(names: list[str], tmp_path: Path) -> None:
    once = _format_copies(names, tmp_path)
    # formatting again changes nothing
    code, out, _ = run("fmt", "--check", *(str(tmp_path / n) for n in names))
    assert (code, out) == (0, "")
    assert {n: (tmp_path / n).read_text(encoding="utf-8") for n in names} == once
    for name in names:
        if name.endswith(".scenarios.yaml"):
            a, b = load_scenarios(bundled_dir() / name), load_scenarios(tmp_path / name)
            assert a.ruleset.digest == b.ruleset.digest
            assert [(s.name, s.situation, s.expect, s.as_of) for s in a.scenarios] == [
                (s.name, s.situation, s.expect, s.as_of) for s in b.scenarios
            ]
        else:
            assert load_ruleset(tmp_path / name).digest == load_ruleset(name[:-5]).digest


def test_a_bundled_layer_chain_formats_to_the_same_rulesets(tmp_path: Path) -> None:
    names = [
        "federal-baseline.yaml",
        "minnesota.yaml",
        "minneapolis-pd.yaml",
        "minneapolis-pd.scenarios.yaml",
    ]
    _same_after_formatting(names, tmp_path)


@pytest.mark.thorough
def test_every_bundled_file_formats_to_the_same_ruleset_and_scenarios(tmp_path: Path) -> None:
    names = sorted(p.name for p in bundled_dir().glob("*.yaml"))
    assert len(names) > 20
    _same_after_formatting(names, tmp_path)


def test_a_comment_continuing_an_end_of_line_comment_keeps_its_column() -> None:
    text = (
        "id: x\ntitle: T\njurisdiction: J\nversion: '1'\n"
        "extends: [federal-baseline]   # the floor; a comment that goes on\n"
        "                              # on the next line, in its column\n"
        "  # a comment under a key, about the next key\n"
        "rules: []\n"
    )
    out, _ = format_text(text, "x.yaml")
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("extends:"))
    assert lines[at].index("#") == lines[at + 1].index("#") == text.index("#") - text.index("ext")
    assert lines[at + 2] == "# a comment under a key, about the next key"
    assert lines[at + 3] == "rules: []"


def test_the_formatter_and_completion_libraries_load_only_when_used() -> None:
    import subprocess
    import sys

    code = (
        "import sys, intervene_rules, intervene_rules.cli; intervene_rules.cli._parser(); "
        "print(sorted(m for m in ('ruamel', 'ruamel.yaml', 'shtab') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_pre_commit_hook_checks_yaml_files_but_not_dotfiles(tmp_path: Path) -> None:
    import yaml

    hooks_file = Path(__file__).resolve().parents[1] / ".pre-commit-hooks.yaml"
    if not hooks_file.is_file():
        pytest.skip("the pre-commit hooks file is at the repository's root")
    hook = {h["id"]: h for h in yaml.safe_load(hooks_file.read_text())}["intervene-fmt"]
    assert hook["entry"] == "intervene fmt --check"
    chosen = [
        name
        for name in (
            "rulesets/springfield-pd.yaml",
            "a.scenarios.yml",
            ".pre-commit-config.yaml",
            ".github/workflows/ci.yaml",
            "README.md",
        )
        if re.search(hook["files"], name) and not re.search(hook["exclude"], name)
    ]
    assert chosen == ["rulesets/springfield-pd.yaml", "a.scenarios.yml"]
    # the entry is a real command: a tidy file passes
    tidy = tmp_path / "tidy.yaml"
    tidy.write_text(format_text(MESSY, "tidy.yaml")[0])
    assert run(*hook["entry"].split()[1:], str(tidy))[0] == 0
