"""Bad input through `intervene evaluate` and `evaluate()`: our located error, never a traceback.

Each case was found failing (issue 9, "Bad input") as a careless integrator would hand input
over; each test plants that input and requires our error: exit code 2 and a short message on
the command line, `RulesetError` or pydantic's `ValidationError` from `evaluate()`.
"""

from __future__ import annotations

import io
import json
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from intervene_rules import Action, InterveneRulesError, RulesetError, evaluate, load_ruleset
from intervene_rules.cli import main
from intervene_rules.cli.evaluate import _examples
from intervene_rules.situation import MAX_SITUATION_BYTES

RULESET = load_ruleset("federal-baseline")
SITUATION: dict[str, Any] = json.loads(_examples()["prone-restraint"])
LAYOUT = re.compile(r"^\S[^\n]*: error\[(?P<code>\w+)\]: ")


def run(*argv: str, stdin: bytes = b"") -> tuple[int, str, str]:
    """The command in-process; standard input as bytes, as a pipe delivers them."""
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err, stdin=io.TextIOWrapper(io.BytesIO(stdin)))
    return code, out.getvalue(), err.getvalue()


def refused(code: int, out: str, err: str, expected: str) -> list[str]:
    """Exit 2, nothing on stdout, our layout with `expected` code first; the lines of err."""
    assert (code, out) == (2, "")
    assert "Traceback" not in err
    match = LAYOUT.match(err)
    assert match is not None, err
    assert match["code"] == expected
    return err.splitlines()


def nested(depth: int) -> str:
    return '{"actor": ' * depth + "1" + "}" * depth


# --- a situation nested 1,000 levels deep ---------------------------------------------------


def test_deep_situation_file_and_stdin(tmp_path: Path) -> None:
    (tmp_path / "deep.json").write_text(nested(1000), encoding="utf-8")
    lines = refused(*run("evaluate", str(tmp_path / "deep.json")), "situation_too_deep")
    assert len(lines) == 2 and "deep.json" in lines[0] and "help:" in lines[1]
    arrays = ("[" * 1000 + "]" * 1000).encode()
    refused(*run("evaluate", "-", stdin=arrays), "situation_too_deep")


def test_deep_situation_through_evaluate() -> None:
    with pytest.raises(ValidationError, match="json_invalid"):
        evaluate(RULESET, nested(1000))
    deep: Any = 1
    for _ in range(1000):
        deep = {"rank": deep}
    with pytest.raises(ValidationError, match="situation_too_deep"):
        evaluate(RULESET, {**SITUATION, "actor": deep})


# --- a situation that is not UTF-8 ----------------------------------------------------------


def test_situation_not_utf8_is_located(tmp_path: Path) -> None:
    path = tmp_path / "latin1.json"
    path.write_bytes('{\n  "actor": {"rank": "é"}}'.encode("latin-1"))
    (first, *_) = refused(*run("evaluate", str(path)), "situation_encoding")
    assert first.startswith(f"{path}:2:22: ") and "0xe9" in first
    refused(*run("evaluate", "-", stdin=b'{"a": "\xff"}'), "situation_encoding")
    with pytest.raises(ValidationError):
        evaluate(RULESET, b'{"actor": "\xe9"}')


def test_byte_order_mark_is_tolerated() -> None:
    code, out, _ = run("evaluate", "-", stdin=b"\xef\xbb\xbf" + json.dumps(SITUATION).encode())
    assert code == 0 and json.loads(out)["action"] == "intervene"


# --- a ruleset reference longer than the file system allows --------------------------------


def test_ruleset_reference_too_long() -> None:
    ref = "a" * 5000
    lines = refused(
        *run("evaluate", "--example", "prone-restraint", "--ruleset", ref), "ruleset_not_found"
    )
    assert "5,000 characters" in lines[0] and "file name too long" in lines[0]
    assert len(lines[0]) < 300  # the name is shortened, not echoed twice
    with pytest.raises(RulesetError, match="file name too long"):
        load_ruleset("a/" * 3000)


# --- three million unknown keys -------------------------------------------------------------


def test_three_million_unknown_keys_are_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "huge.json"
    with path.open("wb") as f:  # written in pieces: the test itself stays small
        f.write(b"{")
        for start in range(0, 3_000_000, 100_000):
            keys = range(start, start + 100_000)
            f.write((b"," if start else b"") + b",".join(b'"k%d":0' % i for i in keys))
        f.write(b"}")
    (first, *rest) = refused(*run("evaluate", str(path)), "situation_too_large")
    assert "1 MiB" in first and f"{MAX_SITUATION_BYTES:,} bytes" in first and len(rest) == 1
    with pytest.raises(ValidationError, match="situation_too_large"):
        evaluate(RULESET, path.read_bytes())


def test_many_errors_list_the_first_twenty_and_count_the_rest() -> None:
    keys = {f"k{i}": 0 for i in range(5000)}
    lines = refused(*run("evaluate", "-", stdin=json.dumps(keys).encode()), "situation_invalid")
    assert sum(1 for line in lines if "error[situation_invalid]" in line) == 20
    with pytest.raises(ValidationError) as exc:
        evaluate(RULESET, keys)
    assert exc.value.error_count() > 5000  # the unknown keys and the missing fields
    assert lines[-1] == f"… and {exc.value.error_count() - 20:,} more issue(s)"


def test_a_situation_just_under_the_cap_is_read() -> None:
    text = json.dumps(SITUATION).encode()
    padded = text[:-1] + b" " * (MAX_SITUATION_BYTES - len(text)) + b"}"
    assert len(padded) == MAX_SITUATION_BYTES
    assert run("evaluate", "-", stdin=padded)[0] == 0
    assert evaluate(RULESET, padded).action.value == "intervene"


# --- a directory where a file is expected ---------------------------------------------------


def test_directory_as_situation_or_ruleset(tmp_path: Path) -> None:
    (first, _) = refused(*run("evaluate", str(tmp_path)), "situation_unreadable")
    assert "is a directory" in first and "no such file" not in first
    args = ("evaluate", "--example", "prone-restraint", "--ruleset", str(tmp_path))
    (first, _) = refused(*run(*args), "ruleset_not_a_file")
    assert "is a directory, not a ruleset file" in first and "no such file" not in first
    with pytest.raises(RulesetError, match="a directory, not a ruleset file"):
        load_ruleset(tmp_path)
    (first, _) = refused(*run("evaluate", str(tmp_path / "none.json")), "situation_not_found")
    assert "no such file" in first


# --- --as-of takes YYYY-MM-DD only ----------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["2026-W01-1", "20260101", "2026-02-30", "２０２６-01-01", "2026-1-1"]
)
@pytest.mark.parametrize("command", ["evaluate", "check", "diff"])
def test_as_of_other_than_yyyy_mm_dd_is_refused(
    text: str, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = {"evaluate": ["--example", "prone-restraint"], "check": ["x"], "diff": ["x", "y"]}
    with pytest.raises(SystemExit) as exc:
        main([command, *argv[command], "--as-of", text])
    assert exc.value.code == 2
    assert "is not a date written YYYY-MM-DD" in capsys.readouterr().err


def test_as_of_yyyy_mm_dd_is_applied() -> None:
    code, out, _ = run("evaluate", "--example", "prone-restraint", "--as-of", "2024-07-01")
    assert code == 0 and json.loads(out)["as_of"] == "2024-07-01"


# --- the JSON error message -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        (b'{"actor', "unterminated string starting here", 2),
        (b'{"a\x01": 1}', "invalid control character", 4),
        (b'{"actor": }', "Expecting value", 11),
    ],
)
def test_json_errors_are_located_and_read_well(text: bytes, message: str, column: int) -> None:
    lines = refused(*run("evaluate", "-", stdin=text), "situation_invalid_json")
    assert lines[0].startswith(f"<stdin>:1:{column}: ") and message in lines[0]
    assert not re.search(r"\bat at\b", "\n".join(lines))
    assert lines[2] == " " * (4 + column - 1) + "^"  # the caret under the column


# --- whatever bytes or JSON arrive, only our errors come out --------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
# a valid situation with one value replaced: reaches the evaluator, not only the validator
FIELDS = [
    (group, key) for group, body in SITUATION.items() if isinstance(body, dict) for key in body
]


@st.composite
def mutated_situations(draw: st.DrawFn) -> dict[str, Any]:
    group, key = draw(st.sampled_from(FIELDS))
    situation: dict[str, Any] = json.loads(json.dumps(SITUATION))
    situation[group][key] = draw(json_values)
    return situation


def cli_outcome(data: bytes, as_file: bool) -> None:
    """Only exit 0 with a decision (or, facts missing, a range), or exit 2 with our message."""
    with tempfile.TemporaryDirectory() as tmp:
        if as_file:
            path = Path(tmp) / "s.json"
            path.write_bytes(data)
            code, out, err = run("evaluate", "--ruleset", "federal-baseline", str(path))
        else:
            code, out, err = run("evaluate", "--ruleset", "federal-baseline", "-", stdin=data)
    if code == 0:
        answer = json.loads(out)
        assert ("action" in answer or "least" in answer) and err == ""
    else:
        assert code == 2 and out == "" and LAYOUT.match(err), err


def library_outcome(situation: Any) -> None:
    """A decision, or our error (pydantic's for a bad situation, as the README says)."""
    try:
        decision = evaluate(RULESET, situation)
    except (ValidationError, InterveneRulesError):
        return
    assert isinstance(decision.action, Action)


@given(st.binary(max_size=200), st.booleans())
def test_random_bytes_give_only_our_errors(data: bytes, as_file: bool) -> None:
    cli_outcome(data, as_file)
    library_outcome(data)


@given(st.one_of(json_values, mutated_situations()))
def test_random_json_gives_only_our_errors(value: Any) -> None:
    text = json.dumps(value)
    cli_outcome(text.encode(), as_file=False)
    library_outcome(value)
    library_outcome(text)
