"""mkdocs hook: generate one reference page per bundled ruleset and the comparison matrix.

The pages are built from the rulesets at docs-build time, so they cannot drift from them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from mkdocs.structure.files import File, Files


def _rulesets() -> list[Any]:
    from intervene_rules import list_rulesets, load_ruleset

    return [load_ruleset(r["id"]) for r in list_rulesets()]


def on_config(config: Any) -> Any:
    """Add the generated pages to the navigation."""
    ids = [rs.id for rs in _rulesets()]
    pages: list[Any] = [{"Comparison": "rulesets/index.md"}]
    pages += [{rid: f"rulesets/{rid}.md"} for rid in ids]
    config["nav"] = [*config["nav"], {"Rulesets": pages}]
    return config


def on_files(files: Files, config: Any) -> Files:
    """Generate the comparison page and one page per bundled ruleset."""
    from intervene_rules.reference import comparison_matrix, ruleset_page

    rulesets = _rulesets()
    files.append(
        File.generated(
            config, "rulesets/index.md", content=comparison_matrix(rulesets, dt.date.today())
        )
    )
    for rs in rulesets:
        files.append(File.generated(config, f"rulesets/{rs.id}.md", content=ruleset_page(rs)))
    return files
