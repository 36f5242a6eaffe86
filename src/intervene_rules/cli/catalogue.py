"""`intervene schema` and `intervene list`: what the package holds (contract and rulesets)."""

from __future__ import annotations

import argparse
import json
from typing import Any, TextIO

from intervene_rules.cli.render import render_issues, use_colour


def add_parsers(sub: Any) -> None:
    """Add the `schema` and `list` subcommands."""
    sc = sub.add_parser(
        "schema",
        help="print the JSON Schema of the input, the output, a decision record, of the "
        "ruleset, scenario and crosswalk files (for editor completion), or of diff's JSON",
    )
    sc.add_argument(
        "--ruleset",
        default=None,
        help="with `situation`: the schema of the situations this ruleset accepts (its rank "
        "titles among the ranks)",
    )
    sc.add_argument(
        "which",
        choices=[
            "situation",
            "decision",
            "log-record",
            "partial-situation",
            "decision-range",
            "changes",
            "timeline",
            "timeline-result",
            "responses",
            "review",
            "ruleset",
            "scenarios",
            "diff",
            "crosswalk",
        ],
    )
    ls = sub.add_parser("list", help="list the bundled rulesets")
    ls.add_argument("--format", choices=["text", "json"], default="text")


def run_schema(args: argparse.Namespace, out: TextIO) -> int:
    """`intervene schema`."""
    from pydantic import BaseModel

    from intervene_rules.decision import Decision
    from intervene_rules.decision_log import LogRecord
    from intervene_rules.decision_range import Changes, DecisionRange
    from intervene_rules.partial import PartialSituation
    from intervene_rules.review import Responses, Review
    from intervene_rules.situation import Situation
    from intervene_rules.timeline import Timeline, TimelineResult

    models: dict[str, type[BaseModel]] = {
        "situation": Situation,
        "decision": Decision,
        "log-record": LogRecord,
        "partial-situation": PartialSituation,
        "decision-range": DecisionRange,
        "changes": Changes,
        "timeline": Timeline,
        "timeline-result": TimelineResult,
        "responses": Responses,
        "review": Review,
    }
    if args.ruleset is not None:
        if args.which != "situation":
            print("--ruleset goes with `intervene schema situation` only", file=out)
            return 2
        from intervene_rules.ruleset import load_ruleset

        print(json.dumps(load_ruleset(args.ruleset).situation_schema(), indent=2), file=out)
        return 0
    if args.which == "diff":
        from intervene_rules.analysis.diff_json import DiffOutput

        print(json.dumps(DiffOutput.model_json_schema(), indent=2), file=out)
        return 0
    if args.which == "crosswalk":
        from intervene_rules.audit.crosswalk import Crosswalk

        print(json.dumps(Crosswalk.model_json_schema(), indent=2), file=out)
        return 0
    if args.which in ("ruleset", "scenarios"):
        from intervene_rules.yaml_schemas import SCHEMAS

        print(json.dumps(SCHEMAS[args.which](), indent=2), file=out)
        return 0
    if args.which == "situation":
        from intervene_rules.situation import situation_schema

        print(json.dumps(situation_schema({}), indent=2), file=out)
        return 0
    model = models[args.which]
    print(json.dumps(model.model_json_schema(), indent=2), file=out)
    return 0


def run_list(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """`intervene list`."""
    from intervene_rules.errors import RulesetError
    from intervene_rules.ruleset import list_rulesets

    try:
        rows = list_rulesets()
    except RulesetError as exc:
        print(render_issues(exc.issues, colour=use_colour(err)), file=err)
        return 2
    if args.format == "json":
        print(json.dumps(rows, indent=2), file=out)
        return 0
    for r in rows:
        layers = " <- ".join(r["layers"])
        status = f"  [NO LONGER IN FORCE since {r['ended']}]" if r.get("ended") else ""
        if r.get("effective"):
            status += f"  [in force from {r['effective']}]"
        elif r.get("not_before"):
            status += f"  [in force not before {r['not_before']}; day not known]"
        print(
            f"{r['id']:<20} {r['version']:<8} {r['rules']:>3} rules  {r['title']}{status}",
            file=out,
        )
        print(f"{'':<20} layers: {layers}; {r['jurisdiction']}", file=out)
        for sid, ended, by in r.get("ended_sources", []):
            print(f"{'':<20} source {sid} ended {ended}" + (f" ({by})" if by else ""), file=out)
    return 0


__all__ = ["add_parsers", "run_list", "run_schema"]
