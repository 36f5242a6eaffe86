"""`intervene log verify` and `intervene log replay`: checking and re-deciding a decision log.

verify: every line is a record (a torn line is a warning, skipped), ids are unique and
strictly increasing, and every record's ruleset digest is one of the known rulesets (those
given with `--ruleset`, else every bundled one). Exit 0 clean (warnings allowed), 1 findings,
2 the log or a ruleset cannot be read.

replay: each record's situation is decided again by the ruleset of its id (given or
bundled), on the record's `as_of`, or when that was null on the date the decision applied
(its own `as_of`), or failing that the date of the record's time (UTC). Each decision that
would differ is reported with why: `ruleset changed` (the ruleset's digest is not the
record's), `law in time` (same ruleset, another date: `--as-of`), or `other` (same ruleset
and date: the library decides differently). Exit 0 none differ, 1 some differ or cannot be
replayed, 2 the log or a ruleset cannot be read.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TextIO

from intervene_rules.cli.options import add_colour_option, iso_date
from intervene_rules.cli.render import render_issues, use_colour
from intervene_rules.errors import Issue, RulesetError
from intervene_rules.location import SourceLocation

if TYPE_CHECKING:
    from intervene_rules.decision import Decision
    from intervene_rules.decision_log import LogRecord
    from intervene_rules.ruleset.ruleset import Ruleset


def add_parser(sub: Any) -> None:
    """Add the `log` subcommand group (`verify`, `replay`)."""
    lg = sub.add_parser("log", help="verify or replay a decision log (JSON Lines)")
    inner = lg.add_subparsers(dest="log_command", required=True)
    for name, text in (
        ("verify", "check every record parses, ids increase, digests are known"),
        ("replay", "re-decide every record and report decisions that would differ"),
    ):
        p = inner.add_parser(name, help=text)
        p.add_argument("file", help="the decision log (JSON Lines)")
        p.add_argument(
            "--ruleset",
            action="append",
            default=[],
            metavar="ID|PATH",
            help="a known ruleset (repeatable); default: every bundled ruleset",
        )
        p.add_argument("--format", choices=["text", "json"], default="text")
        add_colour_option(p)
        if name == "replay":
            p.add_argument(
                "--as-of",
                type=_date_or_today,
                default=None,
                metavar="YYYY-MM-DD|today",
                help="replay every record on this date instead of its own (law in time)",
            )


def _date_or_today(text: str) -> dt.date:
    return dt.date.today() if text == "today" else iso_date(text)


def _rulesets(refs: list[str], err: TextIO, colour: bool) -> list[Ruleset] | None:
    from intervene_rules.ruleset import load_ruleset
    from intervene_rules.ruleset.load import bundled_ids

    issues: list[Issue] = []
    loaded: list[Ruleset] = []
    for ref in refs or bundled_ids():
        try:
            loaded.append(load_ruleset(ref))
        except RulesetError as exc:
            issues.extend(exc.issues)
    if issues:
        print(render_issues(issues, colour=colour), file=err)
        return None
    return loaded


def _unreadable(path: str, exc: OSError, err: TextIO) -> int:
    print(f"error: cannot read the decision log {path}: {exc.strerror or exc}", file=err)
    return 2


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run `intervene log verify|replay` with parsed `args`; returns the exit code."""
    colour = use_colour(err, args.color)
    rulesets = _rulesets(args.ruleset, err, colour)
    if rulesets is None:
        return 2
    try:
        if args.log_command == "verify":
            return _verify(args, rulesets, out, colour)
        return _replay(args, rulesets, out, colour)
    except OSError as exc:
        return _unreadable(args.file, exc, err)


# --- verify -------------------------------------------------------------------------------


def _verify(args: argparse.Namespace, rulesets: list[Ruleset], out: TextIO, colour: bool) -> int:
    from intervene_rules.decision_log import id_order, read_log

    known = {rs.digest: rs for rs in rulesets}
    names = ", ".join(sorted({f"{rs.id} {rs.version}" for rs in rulesets}))
    issues: list[Issue] = []
    seen: dict[str, int] = {}
    last: tuple[int, str, int] | None = None  # (order, id, line)
    count = 0
    for number, record in read_log(args.file, issues=issues):
        count += 1
        loc = SourceLocation(args.file, number, 1)
        order = id_order(record.id) or 0
        if record.id in seen:
            issues.append(
                Issue(
                    "log_duplicate_id",
                    f"the id {record.id} is already on line {seen[record.id]}",
                    loc,
                    help="every record has its own id; a copied or merged log repeats lines",
                )
            )
        elif last is not None and order <= last[0]:
            issues.append(
                Issue(
                    "log_id_out_of_order",
                    f"the id {record.id} is not after the id {last[1]} of line {last[2]}",
                    loc,
                    help="ids increase down a log DecisionLog wrote; lines were moved, or "
                    "logs were concatenated",
                )
            )
        seen.setdefault(record.id, number)
        if last is None or order > last[0]:
            last = (order, record.id, number)
        ref = record.ruleset
        if ref.digest not in known:
            issues.append(
                Issue(
                    "log_unknown_digest",
                    f"ruleset {ref.id} {ref.version} ({ref.digest[:19]}…) is not a known ruleset",
                    loc,
                    help=f"known: {names}; pass the ruleset file that decided with --ruleset",
                )
            )
        if record.decision.ruleset != ref:
            issues.append(
                Issue(
                    "log_ruleset_mismatch",
                    "the record's ruleset is not its decision's ruleset",
                    loc,
                    help="the line was edited after it was written",
                )
            )
    errors = sum(i.severity == "error" for i in issues)
    warnings = len(issues) - errors
    if args.format == "json":
        report = {
            "file": args.file,
            "records": count,
            "errors": errors,
            "warnings": warnings,
            "issues": [i.to_dict() for i in issues],
        }
        print(json.dumps(report, indent=2), file=out)
    else:
        if issues:
            print(render_issues(issues, colour=colour), file=out)
        print(
            f"{args.file}: {count:,} record(s), {errors} error(s), {warnings} warning(s)",
            file=out,
        )
    return 1 if errors else 0


# --- replay -------------------------------------------------------------------------------

_CORE = (
    "action",
    "duties",
    "methods",
    "facts",
    "actor_rank",
    "observer_rank",
    "relation",
    "realistic_opportunity",
    "supervisor_above",
)


def core(decision: Decision) -> dict[str, Any]:
    """What a replay compares: what the officer must do, on what basis (source ids).

    Not the date applied (a replay may choose another), the citations' text, the trace's
    wording and origins, or the disclaimer: those change with a ruleset's layout and words,
    not with what it requires.
    """
    data = decision.model_dump(mode="json", include=set(_CORE))
    data["basis"] = sorted(c.id for c in decision.basis)
    data["notices"] = sorted(n.id for n in decision.notices)
    data["reports"] = [[r.to, r.within, r.rule] for r in decision.reports]
    return data


def _changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, list[Any]]:
    return {k: [old[k], new[k]] for k in old if old[k] != new[k]}


def _replay(args: argparse.Namespace, rulesets: list[Ruleset], out: TextIO, colour: bool) -> int:
    from pydantic import ValidationError

    from intervene_rules._evaluate import evaluate
    from intervene_rules.decision_log import read_log

    by_id: dict[str, Ruleset] = {}
    for one in rulesets:
        by_id.setdefault(one.id, one)
    issues: list[Issue] = []
    found: list[dict[str, Any]] = []
    count = 0
    for number, record in read_log(args.file, issues=issues):
        count += 1
        day, source = _replay_date(record, args.as_of)
        entry: dict[str, Any] = {
            "line": number,
            "id": record.id,
            "reference": record.reference,
            "request_id": record.request_id,
            "date": day.isoformat(),
            "date_from": source,
        }
        rs_now = by_id.get(record.ruleset.id)
        if rs_now is None:
            found.append({**entry, "why": "ruleset missing", "detail": record.ruleset.id})
            continue
        try:
            new = evaluate(rs_now, record.situation, as_of=day)
        except ValidationError as exc:
            detail = exc.errors()[0]["msg"]
            found.append({**entry, "why": "situation refused", "detail": detail})
            continue
        changes = _changes(core(record.decision), core(new))
        if not changes:
            continue
        if rs_now.digest != record.ruleset.digest:
            why = "ruleset changed"
            detail = (
                f"{rs_now.id} {record.ruleset.version} ({record.ruleset.digest[:19]}…) → "
                f"{rs_now.version} ({rs_now.digest[:19]}…)"
            )
        elif day != record.decision.as_of:
            why = "law in time"
            detail = f"decided on {record.decision.as_of}, replayed on {day}"
        else:
            why = "other"
            detail = "same ruleset and date: this version of the library decides differently"
        found.append({**entry, "why": why, "detail": detail, "changes": changes})
    if args.format == "json":
        report = {
            "file": args.file,
            "records": count,
            "differ": found,
            "issues": [i.to_dict() for i in issues],
        }
        print(json.dumps(report, indent=2), file=out)
    else:
        if issues:
            print(render_issues(issues, colour=colour), file=out)
        for f in found:
            ref = f" ({f['reference']})" if f["reference"] else ""
            print(
                f"{args.file}:{f['line']}: decision {f['id']}{ref} on {f['date']} "
                f"(date from {f['date_from']}): {f['why']}: {f['detail']}",
                file=out,
            )
            for name, (old, new) in f.get("changes", {}).items():
                print(f"    {name}: {_show(old)} → {_show(new)}", file=out)
        print(
            f"{args.file}: {count:,} record(s) replayed, {len(found)} would differ",
            file=out,
        )
    errors = sum(i.severity == "error" for i in issues)
    return 1 if found or errors else 0


def _replay_date(record: LogRecord, as_of: dt.date | None) -> tuple[dt.date, str]:
    """The date a record is replayed on, and where it came from."""
    if as_of is not None:
        return as_of, "--as-of"
    if record.as_of is not None:
        return record.as_of, "the record's as_of"
    if record.decision.as_of is not None:
        return record.decision.as_of, "the date the decision applied"
    return record.time.astimezone(dt.UTC).date(), "the record's time (UTC)"


def _show(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return "—" if value is None else str(value)


__all__ = ["add_parser", "core", "run"]
