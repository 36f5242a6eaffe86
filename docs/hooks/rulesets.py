"""mkdocs hook: generate one reference page per bundled ruleset and the comparison matrix.

The pages are built from the rulesets at docs-build time, so they cannot drift from them.
"""

from __future__ import annotations

import datetime as dt
import json
import re
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


_EXAMPLE = re.compile(
    r'^```json title="(?P<name>[^"]+)"\n(?P<body>.*?)^```\n+'
    r"<!-- output: (?P<what>range|changes) (?P<rid>[\w-]+) (?P<day>\d{4}-\d{2}-\d{2}) -->$",
    re.M | re.S,
)


def on_page_markdown(markdown: str, page: Any, config: Any, files: Files) -> str:
    """Put the tool's own `--explain` text under each example marked for it.

    The marker `<!-- output: range|changes RULESET DATE -->` follows a JSON block; worked
    examples so cannot drift from the code.
    """
    if "<!-- output:" not in markdown:
        return markdown
    from intervene_rules import evaluate, evaluate_partial, load_ruleset

    def render(m: re.Match[str]) -> str:
        rs = load_ruleset(m["rid"])
        data = json.loads(m["body"])
        day = dt.date.fromisoformat(m["day"])
        if m["what"] == "range":
            text = evaluate_partial(rs, data, as_of=day).explain()
        else:
            text = evaluate(rs, data, as_of=day).what_would_change(data, rs).explain()
        return m[0] + "\n\n```text\n" + text.rstrip() + "\n```"

    return _EXAMPLE.sub(render, markdown)
