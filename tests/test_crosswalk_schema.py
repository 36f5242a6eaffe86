"""`intervene schema crosswalk`: editors check crosswalks as the loader does."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from intervene_rules.audit.crosswalk import _BUNDLED, load_crosswalk
from intervene_rules.cli import main
from intervene_rules.errors import CrosswalkError

jsonschema = pytest.importorskip("jsonschema", reason="the schema checks need jsonschema (dev)")

COMMITTED = Path(__file__).resolve().parents[1] / "schemas" / "crosswalk.schema.json"


def _schema() -> Any:
    out = io.StringIO()
    assert main(["schema", "crosswalk"], out=out) == 0
    return json.loads(out.getvalue())


def _bundled() -> list[Path]:
    files = sorted(_BUNDLED.glob("*.yaml"))
    assert files
    return files


def test_every_bundled_crosswalk_validates() -> None:
    schema = _schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    for f in _bundled():
        jsonschema.validate(yaml.safe_load(f.read_text(encoding="utf-8")), schema)


def test_the_committed_schema_is_what_the_command_prints() -> None:
    if not COMMITTED.is_file():
        pytest.skip(f"{COMMITTED} is not here (tests run from a clone of the repository)")
    assert json.loads(COMMITTED.read_text(encoding="utf-8")) == _schema(), (
        "regenerate: intervene schema crosswalk > schemas/crosswalk.schema.json"
    )


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.update(extra_key=1),
        lambda d: d["tables"][next(iter(d["tables"]))].update(many="yes"),
        lambda d: d["facts"][next(iter(d["facts"]))].update(combine="most"),
        lambda d: d.pop("records"),
    ],
)
def test_what_the_loader_refuses_the_schema_refuses(mutate: Any, tmp_path: Path) -> None:
    data = yaml.safe_load(_bundled()[0].read_text(encoding="utf-8"))
    mutate(data)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(CrosswalkError):
        load_crosswalk(path)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, _schema())
