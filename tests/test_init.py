"""`intervene init` (an agency ruleset that passes at once, never overwriting) and
`intervene completion` (scripts made from the parser)."""

from __future__ import annotations

import argparse
import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from intervene_rules.cli import _parser, main
from intervene_rules.cli.init import TEMPLATES


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_the_new_folder_passes_check_and_test_at_once(tmp_path: Path) -> None:
    folder = tmp_path / "springfield"
    code, out, _ = run("init", "springfield-pd", "--extends", "minnesota", "--dir", str(folder))
    assert code == 0
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted(t.format(agency="springfield-pd") for t in TEMPLATES.values())
    ruleset = folder / "springfield-pd.yaml"
    assert "extends: [minnesota]" in ruleset.read_text(encoding="utf-8")
    code, out, _ = run("check", "--quick", str(ruleset))
    assert code == 0, out
    assert out.startswith("springfield-pd 0.1.0: loads and compiles")
    code, out, _ = run("test", str(folder))
    assert code == 0, out
    assert "1 passed, 0 failed" in out
    # the templates are already in the canonical layout
    assert run("fmt", "--check", str(folder))[0] == 0


def test_the_new_layer_decides_as_its_base(tmp_path: Path) -> None:
    from intervene_rules import load_ruleset

    assert run("init", "x-pd", "--extends", "washington", "--dir", str(tmp_path))[0] == 0
    mine, base = load_ruleset(tmp_path / "x-pd.yaml"), load_ruleset("washington")
    assert mine.id == "x-pd"
    assert [r.id for r in mine.program.rules] == [r.id for r in base.program.rules]


def test_it_never_overwrites_a_file(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("ours\n", encoding="utf-8")
    code, _, err = run("init", "springfield-pd", "--extends", "minnesota", "--dir", str(tmp_path))
    assert code == 2
    assert f"{readme}: error[init_file_exists]" in err
    assert readme.read_text(encoding="utf-8") == "ours\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["README.md"]  # nothing else written


def test_an_unknown_base_is_located_with_a_suggestion(tmp_path: Path) -> None:
    code, _, err = run("init", "springfield-pd", "--extends", "minesota", "--dir", str(tmp_path))
    assert code == 2
    assert "--extends: error[init_unknown_base]: no bundled ruleset 'minesota'" in err
    assert "did you mean 'minnesota'?" in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("agency", ["Springfield PD", "pd_1", "pd-", "a--b", "a" * 65, "texas"])
def test_the_agency_must_be_a_new_slug(agency: str, tmp_path: Path) -> None:
    code, _, err = run("init", agency, "--extends", "texas", "--dir", str(tmp_path))
    assert code == 2
    assert "AGENCY: error[init_bad_agency]" in err
    assert list(tmp_path.iterdir()) == []


# --- completion ------------------------------------------------------------------------------


def _subcommands(parser: argparse.ArgumentParser) -> list[str]:
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sorted(sub.choices)


def test_the_bash_script_completes_every_subcommand() -> None:
    code, script, _ = run("completion", "bash")
    assert code == 0
    commands = _subcommands(_parser())
    assert {"fmt", "init", "completion", "check", "test"} <= set(commands)
    listed = re.search(r"^_shtab_intervene_subparsers=\((.*)\)$", script, re.M)
    assert listed is not None
    assert sorted(listed.group(1).replace("'", "").split()) == commands


def test_the_bash_script_lists_options_of_a_subcommand() -> None:
    _, script, _ = run("completion", "bash")
    assert "--check" in script and "--diff" in script and "--extends" in script


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_bash_accepts_the_script(tmp_path: Path) -> None:
    _, script, _ = run("completion", "bash")
    path = tmp_path / "intervene.bash"
    path.write_text(script, encoding="utf-8")
    assert subprocess.run(["bash", "-n", str(path)], capture_output=True).returncode == 0
    path.write_text(script + "\nif then fi(\n", encoding="utf-8")  # the check can fail
    assert subprocess.run(["bash", "-n", str(path)], capture_output=True).returncode != 0


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_other_shells_get_a_script_naming_the_subcommands(shell: str) -> None:
    code, script, _ = run("completion", shell)
    assert code == 0
    assert all(name in script for name in _subcommands(_parser()))
