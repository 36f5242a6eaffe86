"""Issues as SARIF 2.1.0 (`intervene check --format sarif`), for GitHub code scanning.

Locations are relative to a root (`%SRCROOT%`, the git work tree of the checked files), so
code scanning can place them in the repository. A base layer outside the root — a bundled
ruleset an agency file `extends` — is no file of the repository: its issues are placed on
the `extends` entry that brings it in, the base layer named in the message. Rule metadata
is read from the code tables of `docs/errors.md` (`intervene_rules.codes`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from intervene_rules.errors import Issue, RulesetError
from intervene_rules.location import SourceLocation

if TYPE_CHECKING:
    from intervene_rules.ruleset.load import Layer

SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
ROOT_ID = "%SRCROOT%"
_ITEM = {"rules": "rule", "sources": "source", "notices": "notice", "exceptions": "exception"}


def repository_root(targets: Sequence[str]) -> Path:
    """The git work tree holding the first checked file, else the current directory."""
    for target in targets:
        path = Path(target)
        if not path.exists():
            continue  # a bundled id, or a file that is not there
        for folder in (path.resolve(), *path.resolve().parents):
            if (folder / ".git").exists():
                return folder
        break
    return Path.cwd().resolve()


@dataclass(frozen=True, slots=True)
class _Base:
    """A layer outside the root, reached through an `extends` entry of a checked file."""

    layer: Layer
    via: tuple[str, ...]  # ids of the layers from the `extends` entry down to this one
    entry: SourceLocation  # the `extends` entry of the checked file


def _layers(targets: Sequence[str]) -> Iterator[tuple[Layer, list[Layer]]]:
    """(checked top layer, its merged layers) of each target that loads that far."""
    from intervene_rules.ruleset.load import load_layers

    for target in targets:
        try:
            merged = load_layers(target)
        except RulesetError:
            continue
        yield merged.layers[-1], merged.layers


def _walk(layer: Layer, via: tuple[str, ...]) -> Iterator[tuple[Layer, tuple[str, ...]]]:
    yield layer, via
    for parent in layer.parents:
        yield from _walk(parent, (*via, layer.spec.id))


class _Placer:
    """Where each issue's file is: a path under the root, or a base layer outside it."""

    def __init__(self, targets: Sequence[str], root: Path) -> None:
        self.root = root
        self.paths: dict[str, Path] = {}
        self.bases: dict[str, _Base] = {}
        for top, layers in _layers(targets):
            for layer in layers:
                if layer.path is not None:
                    self.paths.setdefault(layer.doc.file, layer.path)
            if top.path is None or not self._inside(top.path):
                continue
            for i, parent in enumerate(top.parents):
                entry = top.loc("extends", i)
                for layer, via in _walk(parent, ()):
                    if layer.path is not None and not self._inside(layer.path):
                        self.bases.setdefault(layer.doc.file, _Base(layer, via, entry))

    def _inside(self, path: Path) -> bool:
        return path == self.root or self.root in path.parents

    def place(self, issue: Issue) -> tuple[dict[str, Any], str]:
        """The SARIF physical location of `issue`, and the text to put before its message."""
        base = self.bases.get(issue.loc.file)
        if base is not None:
            return _physical(self._uri(Path(base.entry.file)), base.entry), _in_base(base, issue)
        return _physical(self._uri(Path(issue.loc.file)), issue.loc), ""

    def _uri(self, shown: Path) -> dict[str, str]:
        path = self.paths.get(str(shown)) or (Path.cwd() / shown).resolve()
        if self._inside(path):
            return {"uri": path.relative_to(self.root).as_posix(), "uriBaseId": ROOT_ID}
        return {"uri": path.as_uri()}  # outside the repository: GitHub shows it unplaced


def _physical(artifact: dict[str, str], loc: SourceLocation) -> dict[str, Any]:
    region = {"startLine": max(loc.line, 1), "startColumn": max(loc.column, 1)}
    return {"artifactLocation": artifact, "region": region}


def _in_base(base: _Base, issue: Issue) -> str:
    from intervene_rules.ruleset.load import bundled_dir

    layer = base.layer
    file = layer.path or Path(layer.doc.file)  # bases are read from files: a path
    kind = "bundled" if file.is_relative_to(bundled_dir().resolve()) else str(file)
    if base.via:
        kind += ", through " + ", ".join(base.via)
    where = f"{issue.loc}"
    path = issue.loc.path
    if len(path) >= 2 and path[0] in _ITEM and isinstance(path[1], int):
        items = layer.doc.data.get(path[0]) if isinstance(layer.doc.data, dict) else None
        item = items[path[1]] if isinstance(items, list) and path[1] < len(items) else None
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            where += f", {_ITEM[str(path[0])]} {item['id']}"
    return f"in the base layer {layer.spec.id} ({kind}), at {where}: "


def _rule(code: str) -> dict[str, Any]:
    from intervene_rules.codes import absolute, code_docs, page_url, plain

    doc = code_docs().get(code)
    name = "".join(part.capitalize() for part in code.split("_"))
    if doc is None:  # undocumented (a test keeps every code documented): the errors page
        text = {"text": code}
        return {
            "id": code,
            "name": name,
            "shortDescription": text,
            "fullDescription": text,
            "help": {"text": code, "markdown": f"`{code}`"},
            "helpUri": page_url("errors.md"),
        }
    meaning = plain(doc.meaning)
    return {
        "id": code,
        "name": name,
        "shortDescription": {"text": doc.summary},
        "fullDescription": {"text": meaning},
        "help": {
            "text": f"{meaning}\n\nFix: {plain(doc.fix)}\n\nSee {doc.url}",
            "markdown": f"{absolute(doc.meaning)}\n\n**Fix:** {absolute(doc.fix)}\n\n"
            f"[`{code}` in the documentation]({doc.url})",
        },
        "helpUri": doc.url,
    }


def to_sarif(
    issues: Sequence[Issue], targets: Sequence[str] = (), root: Path | None = None
) -> dict[str, Any]:
    """SARIF 2.1.0 of `issues` found checking `targets`, located relative to `root`.

    `root` defaults to the git work tree of the first target (or the current directory).
    """
    from intervene_rules import __version__
    from intervene_rules.codes import DOCS_URL

    root = (root or repository_root(targets)).resolve()
    placer = _Placer(targets, root)
    codes = sorted({i.code for i in issues})
    index = {c: n for n, c in enumerate(codes)}
    results = []
    for i in issues:
        location, before = placer.place(i)
        text = before + i.message + (f"\nhelp: {i.help}" if i.help else "")
        results.append(
            {
                "ruleId": i.code,
                "ruleIndex": index[i.code],
                "level": SARIF_LEVEL[i.severity],
                "message": {"text": text},
                "locations": [{"physicalLocation": location}],
            }
        )
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "intervene check",
                        "informationUri": DOCS_URL,
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": [_rule(c) for c in codes],
                    }
                },
                "originalUriBaseIds": {ROOT_ID: {"uri": root.as_uri().rstrip("/") + "/"}},
                "results": results,
            }
        ],
    }


__all__ = ["repository_root", "to_sarif"]
