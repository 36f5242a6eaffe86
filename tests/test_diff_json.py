"""`intervene diff --format json` is what `intervene schema diff` says, in both shapes."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from intervene_rules.analysis.diff_json import DiffOutput
from intervene_rules.cli import main
from tests.test_diff_periods import ALIASES, write

jsonschema = pytest.importorskip("jsonschema", reason="the schema checks need jsonschema (dev)")


def _json(*argv: str) -> tuple[int, Any]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["diff", *argv, "--format", "json", "--no-progress"], out=out, err=err)
    return code, json.loads(out.getvalue())


def _schema() -> Any:
    out = io.StringIO()
    assert main(["schema", "diff"], out=out) == 0
    return json.loads(out.getvalue())


@pytest.mark.parametrize("when", [[], ["--as-of", "2026-01-01"], ["--as-of", "2012-01-01"]])
def test_diff_output_is_described_by_its_schema(tmp_path: Path, when: list[str]) -> None:
    a = write(tmp_path, "a", late="2010-01-01", aliases=ALIASES)
    b = write(tmp_path, "b", late="2015-06-11")
    code, data = _json(str(a), str(b), *when)
    assert code == (0 if when[1:] == ["2026-01-01"] else 1)  # they differ 2010-2015 only
    schema = _schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(data, schema)
    DiffOutput.model_validate(data)
    groups = [g for p in data.get("periods", [data]) for g in p["groups"]]
    if not when or when[1] == "2012-01-01":
        assert groups and groups[0]["regions"]  # the check had something to check


def test_a_planted_drift_fails_the_schema(tmp_path: Path) -> None:
    a = write(tmp_path, "a", late="2010-01-01")
    b = write(tmp_path, "b", late="2015-06-11")
    _, data = _json(str(a), str(b))
    data["summary"]["unexpected"] = 1
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, _schema())
    with pytest.raises(ValidationError):
        DiffOutput.model_validate(data)
