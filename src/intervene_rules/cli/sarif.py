"""Issues as SARIF 2.1.0 (`intervene check --format sarif`), for code-review annotations."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from intervene_rules.errors import Issue

SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
CODE_TEXT = {
    "analysis_gap": "Situations that no determine_action rule decides",
    "analysis_conflict": "An explicit no-action rule and an action rule decide one situation",
    "analysis_never_fires": "A rule that fires in no situation",
    "analysis_masked": "A rule that never changes a decision",
    "analysis_unused_source": "A declared source that no rule cites",
    "analysis_unverified_source": "A cited source that is not fully verified",
    "analysis_invariant": "A violated invariant, with a minimal counterexample",
}


def to_sarif(issues: Sequence[Issue]) -> dict[str, Any]:
    """SARIF 2.1.0, so code-review tools can annotate the YAML lines."""
    from intervene_rules import __version__

    codes = sorted({i.code for i in issues})
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "intervene check",
                        "version": __version__,
                        "rules": [
                            {"id": c, "shortDescription": {"text": CODE_TEXT.get(c, c)}}
                            for c in codes
                        ],
                    }
                },
                "results": [
                    {
                        "ruleId": i.code,
                        "level": SARIF_LEVEL[i.severity],
                        "message": {"text": i.message + (f"\nhelp: {i.help}" if i.help else "")},
                        "locations": [
                            {
                                "physicalLocation": {
                                    "artifactLocation": {"uri": i.loc.file},
                                    "region": {
                                        "startLine": max(i.loc.line, 1),
                                        "startColumn": max(i.loc.column, 1),
                                    },
                                }
                            }
                        ],
                    }
                    for i in issues
                ],
            }
        ],
    }


__all__ = ["to_sarif"]
