"""The audit's figures as plain JSON (`summary.json`): what the report draws, as data."""

from __future__ import annotations

from typing import Any

from intervene_rules.audit.run import AuditResult


def summary(result: AuditResult) -> dict[str, Any]:
    """Counts of records and of pairs by duty status, overall and by each breakdown."""
    p = result.prepared
    return {
        "crosswalk": result.crosswalk.crosswalk,
        "data": result.data,
        "as_of": result.as_of.isoformat() if result.as_of else "each record's date",
        "assumptions": result.assumptions,
        "records": {
            "input": p.records,
            "evaluated": p.evaluable,
            "rejected": dict(p.rejected),
            "not_evaluable": dict(p.not_evaluable),
            "accounted": p.accounted(),
        },
        "unmapped": [
            {"fact": f, "column": c, "value": v, "rows": n} for (f, c, v), n in p.unmapped.items()
        ],
        "pairs": result.pairs,
        "rulesets": [
            {
                "id": a.ruleset.id,
                "version": a.ruleset.version,
                "digest": a.ruleset.digest,
                "duty_to_intervene": a.overall.as_dict(),
                "by_force_resistance": [
                    {"force": f, "resistance": r, **t.as_dict()}
                    for (f, r), t in sorted(a.by_force_resistance.items())
                ],
                "by_relation": {k: t.as_dict() for k, t in a.by_relation.items()},
                "by_year": {str(k): t.as_dict() for k, t in a.by_year.items()},
                "law_by_year": {str(k): v for k, v in a.law_by_year.items()},
                "deciding_facts": dict(a.deciding.most_common()),
                "not_evaluated": dict(a.not_evaluated),
            }
            for a in result.audits
        ],
        "seconds": result.seconds,
    }


__all__ = ["summary"]
