"""`intervene fmt`: rulesets and scenario files in their canonical layout (a thin shell).

    intervene fmt [--check] [--diff] PATH...

PATHs are files or folders (searched recursively for `*.yaml`, hidden folders skipped).
The layout is `cli.yamlfmt`'s. Exit codes: 0 done (or nothing to change), 1 `--check` found
files to reformat, 2 a file that could not be formatted (YAML errors, not a ruleset or
scenario file: printed with its location and left byte for byte as it was).
"""

from __future__ import annotations

import argparse
import difflib
from pathlib import Path
from typing import Any, TextIO

from intervene_rules.cli.options import add_colour_option
from intervene_rules.cli.render import render_issues, use_colour
from intervene_rules.errors import FileIssuesError, Issue
from intervene_rules.location import SourceLocation


def add_parser(sub: Any) -> None:
    """Add the `fmt` subcommand."""
    p = sub.add_parser(
        "fmt",
        help="write rulesets and scenario files in the canonical layout (comments kept)",
        description="Put ruleset and scenario files in the canonical layout: keys in the "
        "format's order, two-space indentation, one blank line between rules and between "
        "scenarios, long lists wrapped; comments and quoting kept. What a file says never "
        "changes. Exit 0 done, 1 --check found files to change, 2 a file could not be read.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="files, or folders holding them")
    p.add_argument(
        "--check",
        action="store_true",
        help="change nothing; list the files that would change and exit 1 if there are any",
    )
    p.add_argument("--diff", action="store_true", help="change nothing; print what would change")
    add_colour_option(p)


def _files(paths: list[str]) -> tuple[list[Path], list[Issue]]:
    files: list[Path] = []
    issues: list[Issue] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            files.extend(
                f
                for f in sorted(path.rglob("*.y*ml"))
                if f.suffix in (".yaml", ".yml")
                and f.is_file()
                and not any(part.startswith(".") for part in f.relative_to(path).parts)
            )
        elif path.is_file():
            files.append(path)
        else:
            issues.append(
                Issue(
                    "fmt_path_not_found",
                    "no such file or folder",
                    SourceLocation(given),
                    help="name ruleset and scenario files, or folders holding them",
                )
            )
    return list(dict.fromkeys(files)), issues


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run `intervene fmt` with parsed `args`; returns the exit code."""
    from intervene_rules.cli.yamlfmt import format_text
    from intervene_rules.ruleset._yaml import MAX_BYTES, parse

    files, issues = _files(args.paths)
    write = not (args.check or args.diff)
    changed: list[Path] = []
    for path in files:
        name = str(path)
        with path.open("rb") as fh:
            data = fh.read(MAX_BYTES + 1)
        try:
            text = data.decode("utf-8") if len(data) <= MAX_BYTES else None
        except UnicodeDecodeError:
            text = None
        if text is None:  # too large, or not UTF-8: the loader's reader says where
            issues.extend(parse(data, name)[1])
            continue
        try:
            result, _ = format_text(text, name)
        except FileIssuesError as exc:
            issues.extend(exc.issues)
            continue
        if result == text:
            continue
        changed.append(path)
        if args.diff:
            out.writelines(
                difflib.unified_diff(
                    text.splitlines(keepends=True),
                    result.splitlines(keepends=True),
                    f"{name} (as written)",
                    f"{name} (formatted)",
                )
            )
        if write:
            path.write_text(result, encoding="utf-8", newline="\n")
    if issues:
        print(render_issues(issues, colour=use_colour(err, args.color)), file=err)
    if args.check:
        for path in changed:
            print(f"would reformat {path}", file=out)
    elif write:
        for path in changed:
            print(f"reformatted {path}", file=out)
    verb = "would be reformatted" if not write else "reformatted"
    unchanged = len(files) - len(changed) - _failed(issues)
    summary = f"{len(changed)} file(s) {verb}, {unchanged} unchanged"
    if issues:
        summary += f", {_failed(issues)} not formatted ({len(issues)} error(s))"
    print(summary, file=err)
    if issues:
        return 2
    return 1 if args.check and changed else 0


def _failed(issues: list[Issue]) -> int:
    return len({i.loc.file for i in issues if i.code != "fmt_path_not_found"})


__all__ = ["add_parser", "run"]
