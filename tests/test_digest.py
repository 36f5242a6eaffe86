"""The digest names a ruleset's meaning: layout does not change it, meaning does."""

from __future__ import annotations

from pathlib import Path

import yaml

from intervene_rules import load_ruleset
from intervene_rules.ruleset.load import bundled_dir


def _copy(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_reformatting_keeps_the_digest(tmp_path: Path) -> None:
    original = load_ruleset("federal-baseline")
    data = yaml.safe_load((bundled_dir() / "federal-baseline.yaml").read_text(encoding="utf-8"))
    # flow style, keys reversed, no comments: the same ruleset written differently
    reordered = {k: data[k] for k in reversed(list(data))}
    text = "# reformatted\n" + yaml.safe_dump(reordered, default_flow_style=True, width=60)
    again = load_ruleset(_copy(tmp_path, "federal-baseline.yaml", text))
    assert again.digest == original.digest
    assert original.digest.startswith("sha256:") and len(original.digest) == 71


def test_a_change_of_meaning_changes_the_digest(tmp_path: Path) -> None:
    original = load_ruleset("federal-baseline")
    text = (bundled_dir() / "federal-baseline.yaml").read_text(encoding="utf-8")
    changed = text.replace("min_duration_s: 10", "min_duration_s: 12")
    assert changed != text
    again = load_ruleset(_copy(tmp_path, "federal-baseline.yaml", changed))
    assert again.digest != original.digest


def test_decisions_carry_the_digest() -> None:
    from intervene_rules import evaluate
    from intervene_rules.cli.evaluate import _examples

    rs = load_ruleset("model-policy")
    d = evaluate(rs, _examples()["prone-restraint"])
    assert d.ruleset.digest == rs.digest
    assert d.ruleset.id == "model-policy"
