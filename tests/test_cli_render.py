"""One layout of an issue in every subcommand; colour only on a terminal, never with NO_COLOR."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from intervene_rules import __version__
from intervene_rules.cli import main
from intervene_rules.cli.render import render_issue, render_issues, snippet, use_colour
from intervene_rules.errors import Issue
from intervene_rules.location import SourceLocation
from intervene_rules.ruleset.load import bundled_dir

BAD = "id: x\ntitle: t\nversion: '1'\njurisdiction: j\nrulez: []\n"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err, stdin=io.StringIO(""))
    return code, out.getvalue(), err.getvalue()


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_layout_with_snippet_caret_and_help(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text("id: x\n  force.typ: {in: [taser]}\n", encoding="utf-8")
    issue = Issue(
        "ruleset_unknown_field",
        "unknown field 'force.typ'",
        SourceLocation(str(path), 2, 3, ("rules", 0, "when", "force.typ")),
        help="did you mean 'force.type'?",
    )
    assert render_issue(issue).splitlines() == [
        f"{path}:2:3: error[ruleset_unknown_field]: unknown field 'force.typ' "
        "(at rules[0].when.force.typ)",
        "      force.typ: {in: [taser]}",
        "      ^",
        "  help: did you mean 'force.type'?",
    ]


def test_no_snippet_when_the_source_cannot_be_read(tmp_path: Path) -> None:
    gone = Issue("c", "m", SourceLocation(str(tmp_path / "gone.yaml"), 3, 1))
    binary = tmp_path / "b.yaml"
    binary.write_bytes(b"\xff\xfe\n\xff\n")
    unreadable = Issue("c", "m", SourceLocation(str(binary), 1, 1), help="h")
    assert render_issue(gone) == f"{gone.loc}: error[c]: m"
    assert render_issue(unreadable) == f"{unreadable.loc}: error[c]: m\n  help: h"


def test_a_message_of_several_lines_gets_no_snippet(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text("# a comment\n", encoding="utf-8")
    issue = Issue(
        "analysis_gap", "3 situations:\n    force.type = none  (3)", SourceLocation(str(path), 1, 1)
    )
    assert render_issue(issue).splitlines() == [
        f"{path}:1:1: error[analysis_gap]: 3 situations:",
        "    force.type = none  (3)",
    ]


def test_text_the_caller_holds_gives_the_snippet() -> None:
    issue = Issue("c", "m", SourceLocation("<stdin>", 1, 3))
    assert render_issues([issue], texts={"<stdin>": '{"x'}).splitlines()[1:] == [
        '    {"x',
        "      ^",
    ]


def test_a_bundled_rulesets_file_is_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the loader shows bundled files as rulesets/..., from anywhere
    first = (bundled_dir() / "federal-baseline.yaml").read_text(encoding="utf-8").splitlines()[0]
    issue = Issue("c", "m", SourceLocation("rulesets/federal-baseline.yaml", 1, 1))
    assert render_issue(issue).splitlines()[1] == f"    {first}"


def test_a_long_line_is_cut_around_the_column() -> None:
    line = "x" * 500 + "!" + "y" * 500
    text, caret = snippet(line, 501)
    assert len(text) <= 102 and text.startswith("…") and text.endswith("…")
    assert text[len(caret) - 1] == "!"
    assert snippet("\tab", 3) == ("\tab", "\t ^")  # tabs kept, so the caret lines up


def test_limit_counts_the_rest() -> None:
    issues = [Issue("c", f"m{i}", SourceLocation("f")) for i in range(25)]
    lines = render_issues(issues, limit=20).splitlines()
    assert len(lines) == 21 and lines[-1] == "… and 5 more issue(s)"


def test_colour_only_on_a_terminal_and_never_with_no_color(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert use_colour(Terminal()) and not use_colour(io.StringIO())
    assert use_colour(io.StringIO(), "always") and not use_colour(Terminal(), "never")
    monkeypatch.setenv("NO_COLOR", "")  # empty: not set (no-color.org)
    assert use_colour(Terminal())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not use_colour(Terminal()) and not use_colour(Terminal(), "always")
    issue = Issue("c", "m", SourceLocation("f", 1, 1), help="h")
    assert "\x1b[" in render_issue(issue, colour=True)
    assert "\x1b[" not in render_issue(issue, colour=False)


def test_the_command_colours_a_terminal_unless_no_color(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    err = Terminal()
    assert main(["evaluate", str(tmp_path / "none.json")], out=io.StringIO(), err=err) == 2
    assert "\x1b[1;31merror[situation_not_found]" in err.getvalue()
    monkeypatch.setenv("NO_COLOR", "1")
    err = Terminal()
    assert main(["evaluate", str(tmp_path / "none.json")], out=io.StringIO(), err=err) == 2
    assert "\x1b[" not in err.getvalue()


def test_every_subcommand_prints_a_ruleset_error_in_the_one_layout(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD, encoding="utf-8")
    (tmp_path / "s.scenarios.yaml").write_text(
        "ruleset: bad.yaml\nscenarios: [{name: a, expect: {}}]\n", encoding="utf-8"
    )
    head = f"{bad}:5:1: error[ruleset_unknown_key]: "
    block = ["    rulez: []", "    ^"]
    outputs = {
        "evaluate": run("evaluate", "--example", "prone-restraint", "--ruleset", str(bad))[2],
        "check": run("check", str(bad), "--no-progress")[1],
        "diff": run("diff", str(bad), "federal-baseline", "--no-progress")[2],
        "test": run("test", str(tmp_path / "s.scenarios.yaml"))[2],
    }
    for command, text in outputs.items():
        lines = text.splitlines()
        starts = [i for i, line in enumerate(lines) if line.startswith(head)]
        assert starts, (command, text)
        i = starts[0]
        assert lines[i + 1 : i + 3] == block, command
        assert lines[i + 3].startswith("  help: "), command


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out == f"intervene {__version__}\n"


def test_the_library_does_not_import_the_command() -> None:
    code = (
        "import sys, intervene_rules; from intervene_rules import evaluate; "
        "print(any(m.startswith('intervene_rules.cli') for m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
