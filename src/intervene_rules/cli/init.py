"""`intervene init AGENCY --extends BASE [--dir DIR]`: start an agency ruleset.

Writes `AGENCY.yaml` (a layer extending the bundled ruleset BASE, no rules of its own yet),
`AGENCY.scenarios.yaml` (one scenario that passes) and `README.md` from the templates in
`intervene_rules/templates/agency/`, so that `intervene check --quick` and `intervene test`
pass on the new folder at once. Nothing is ever overwritten: when one of the files exists,
none is written. Exit codes: 0 written, 2 bad input (AGENCY not a slug, BASE not bundled, a
file already there) - each printed with what to do.
"""

from __future__ import annotations

import argparse
import re
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any, TextIO

from intervene_rules.cli.options import add_colour_option
from intervene_rules.cli.render import render_issues, use_colour
from intervene_rules.errors import Issue
from intervene_rules.location import SourceLocation

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
"""An agency name as a file name and a layer id: lower case words joined by hyphens."""

MAX_SLUG = 64

TEMPLATES = {
    "ruleset.yaml": "{agency}.yaml",
    "scenarios.yaml": "{agency}.scenarios.yaml",
    "README.md": "README.md",
}
"""Template file (in `intervene_rules/templates/agency/`) -> the file it becomes."""


def add_parser(sub: Any) -> None:
    """Add the `init` subcommand."""
    p = sub.add_parser(
        "init",
        help="start an agency ruleset on a bundled one (ruleset, scenarios, README)",
        description="Write AGENCY.yaml (a layer extending a bundled ruleset), "
        "AGENCY.scenarios.yaml and README.md into DIR. They pass `intervene check --quick` "
        "and `intervene test` as written. Existing files are never overwritten.",
    )
    p.add_argument("agency", metavar="AGENCY", help="the agency's id, e.g. springfield-pd")
    p.add_argument(
        "--extends",
        required=True,
        metavar="BASE",
        help="the bundled ruleset it builds on, e.g. a state (`intervene list` names them)",
    )
    p.add_argument(
        "--dir",
        default=".",
        metavar="DIR",
        help="where to write (created if missing; default: the current folder)",
    )
    add_colour_option(p)


def _problems(agency: str, base: str, folder: Path) -> list[Issue]:
    from intervene_rules.ruleset.load import bundled_ids
    from intervene_rules.suggest import did_you_mean

    issues: list[Issue] = []
    bundled = bundled_ids()
    if not SLUG.fullmatch(agency) or len(agency) > MAX_SLUG:
        issues.append(
            Issue(
                "init_bad_agency",
                f"{agency!r} is not an agency id: lower case letters and digits, words joined "
                f"by single hyphens, at most {MAX_SLUG} characters",
                SourceLocation("AGENCY"),
                help=f"for example {_slugify(agency) or 'springfield-pd'!r}",
            )
        )
    elif agency in bundled:
        issues.append(
            Issue(
                "init_bad_agency",
                f"{agency!r} is the id of a bundled ruleset; a layer needs an id of its own",
                SourceLocation("AGENCY"),
                help=f"for example {agency + '-local'!r}",
            )
        )
    if base not in bundled:
        issues.append(
            Issue(
                "init_unknown_base",
                f"no bundled ruleset {base!r} to extend",
                SourceLocation("--extends"),
                help=did_you_mean(base, bundled) + f"bundled rulesets: {', '.join(bundled)}",
            )
        )
    if not issues:
        for target in TEMPLATES.values():
            path = folder / target.format(agency=agency)
            if path.exists():
                issues.append(
                    Issue(
                        "init_file_exists",
                        "already exists: nothing was written (init never overwrites a file)",
                        SourceLocation(str(path)),
                        help="choose another --dir, or move the file away first",
                    )
                )
    return issues


def _slugify(text: str) -> str:
    return "-".join(re.findall(r"[a-z0-9]+", text.lower()))[:MAX_SLUG]


def render(agency: str, base: str) -> dict[str, str]:
    """The files `init` writes (name -> text), from the templates."""
    values = {
        "agency": agency,
        "agency_id": agency.replace("-", "_"),
        "base": base,
        "title": f"{agency} - duty to intervene",
    }
    folder = resources.files("intervene_rules") / "templates" / "agency"
    return {
        target.format(agency=agency): Template(
            (folder / name).read_text(encoding="utf-8")
        ).substitute(values)
        for name, target in TEMPLATES.items()
    }


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run `intervene init` with parsed `args`; returns the exit code."""
    folder = Path(args.dir)
    issues = _problems(args.agency, args.extends, folder)
    if issues:
        print(render_issues(issues, colour=use_colour(err, args.color)), file=err)
        return 2
    files = render(args.agency, args.extends)
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        with (folder / name).open("x", encoding="utf-8", newline="\n") as fh:  # never overwrite
            fh.write(text)
        print(f"wrote {folder / name}", file=out)
    print(
        f"next: intervene check --quick {folder / (args.agency + '.yaml')} && "
        f"intervene test {folder}",
        file=out,
    )
    return 0


__all__ = ["SLUG", "TEMPLATES", "add_parser", "render", "run"]
