"""Pinned real cases (tests/cases/*.yaml), each on both evaluators."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from intervene_rules import evaluate, load_ruleset

CASES: list[dict[str, Any]] = [
    case
    for path in sorted((Path(__file__).parent / "cases").glob("*.yaml"))
    for case in yaml.safe_load(path.read_text(encoding="utf-8"))
]
BACKENDS = ["native", "durable"]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case(case: dict[str, Any], backend: str) -> None:
    if backend == "durable":
        pytest.importorskip("durable.engine")
    rs = load_ruleset(case["ruleset"])
    d = evaluate(rs, case["situation"], backend=backend)  # type: ignore[arg-type]
    expect = case["expect"]
    assert d.action.value == expect["action"]
    if "duties" in expect:
        assert [x.value for x in d.duties] == expect["duties"]
    if "methods" in expect:
        assert [x.value for x in d.methods] == expect["methods"]
    cited = {c.id for c in d.basis}
    if expect.get("cites") == []:
        assert cited == set()
    for sid in expect.get("cites", []):
        assert sid in cited
    fired = [t.rule for t in d.trace if t.op == "fire"]
    if expect.get("fired") == []:
        assert fired == []
    for rid in expect.get("fired", []):
        assert rid in fired
    for rid in expect.get("not_fired", []):
        assert rid not in fired
