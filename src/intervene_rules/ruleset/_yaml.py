"""Stage 1 of loading: YAML text to plain data, remembering where every value was written.

PyYAML's composer gives nodes with marks; we construct plain Python values ourselves so we
can record `path -> (line, col)`, refuse duplicate keys (PyYAML keeps the last silently),
and bound the work: file size, nesting depth, and the nodes visited through aliases (a
"billion laughs" document is refused, not expanded).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from intervene_rules.errors import Issue
from intervene_rules.location import SourceLocation

MAX_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 48
MAX_NODES = 200_000

Path = tuple[str | int, ...]


@dataclass
class Document:
    """Parsed YAML: the data, and the location of every mapping key / sequence item."""

    file: str
    text: str
    data: Any
    locs: dict[Path, tuple[int, int]] = field(default_factory=dict)

    def loc(self, path: Path) -> SourceLocation:
        """Location of `path`, or of its nearest written ancestor."""
        p = tuple(path)
        while p and p not in self.locs:
            p = p[:-1]
        line, col = self.locs.get(p, (1, 1))
        return SourceLocation(self.file, line, col, tuple(path))


class _Budget(Exception):
    def __init__(self, message: str, mark: Any, code: str) -> None:
        super().__init__(message)
        self.mark = mark
        self.code = code


def _pos(mark: Any) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


def parse(text: str | bytes, file: str) -> tuple[Document | None, list[Issue]]:
    """Parse one YAML document. Returns the document, or None and the issues found."""
    where = SourceLocation(file, 1, 1)
    if isinstance(text, bytes):
        if len(text) > MAX_BYTES:
            return None, [_too_big(where, len(text))]
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            return None, [
                Issue(
                    "ruleset_encoding",
                    f"file is not valid UTF-8 (byte {exc.start})",
                    where,
                    help="save the ruleset as UTF-8",
                )
            ]
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        return None, [_too_big(where, len(text))]
    loader = yaml.SafeLoader(text)
    try:
        try:
            node = loader.get_single_node()
        except RecursionError:
            return None, [_too_deep(where)]
        except yaml.MarkedYAMLError as exc:
            line, col = _pos(exc.problem_mark or exc.context_mark)
            msg = exc.problem or "invalid YAML"
            if exc.context:
                msg = f"{exc.context}: {msg}"
            return None, [
                Issue(
                    "ruleset_yaml_syntax",
                    msg,
                    SourceLocation(file, line, col),
                    help="fix the YAML syntax at this position (check indentation and quoting)",
                )
            ]
        except yaml.YAMLError as exc:
            return None, [Issue("ruleset_yaml_syntax", str(exc), where)]
        if node is None:
            return None, [
                Issue("ruleset_empty", "the file is empty", where, help="write a ruleset mapping")
            ]
        doc = Document(file=file, text=text, data=None)
        counter = [0]
        try:
            doc.data = _build(node, (), doc, loader, 0, counter)
        except _Budget as exc:
            line, col = _pos(exc.mark)
            return None, [Issue(exc.code, str(exc), SourceLocation(file, line, col))]
        except RecursionError:
            return None, [_too_deep(where)]
        return doc, []
    finally:
        loader.dispose()


def _too_big(where: SourceLocation, size: int) -> Issue:
    return Issue(
        "ruleset_too_large",
        f"file is {size} bytes; the limit is {MAX_BYTES}",
        where,
        help="split the ruleset into layers with `extends`",
    )


def _too_deep(where: SourceLocation) -> Issue:
    return Issue(
        "ruleset_too_deep",
        f"the document nests deeper than {MAX_DEPTH} levels",
        where,
        help="flatten the conditions; rulesets never need this depth",
    )


def _build(
    node: yaml.Node, path: Path, doc: Document, loader: yaml.SafeLoader, depth: int, n: list[int]
) -> Any:
    n[0] += 1
    if n[0] > MAX_NODES:
        raise _Budget(
            f"the document expands to more than {MAX_NODES} nodes (an alias bomb?)",
            node.start_mark,
            "ruleset_too_large",
        )
    if depth > MAX_DEPTH:
        raise _Budget(f"the document nests deeper than {MAX_DEPTH} levels", node.start_mark, "ruleset_too_deep")
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise _Budget("merge keys ('<<') are not supported; write keys out", key_node.start_mark, "ruleset_yaml_merge_key")
            if not isinstance(key_node, yaml.ScalarNode):
                raise _Budget("mapping keys must be plain scalars", key_node.start_mark, "ruleset_yaml_key")
            key = loader.construct_object(key_node)
            if not isinstance(key, str | int | bool) or key is None:
                key = str(key)
            if key in out:
                raise _Budget(
                    f"duplicate key {key!r} (YAML would silently keep the last)",
                    key_node.start_mark,
                    "ruleset_duplicate_key",
                )
            sub = (*path, key if isinstance(key, str) else str(key))
            doc.locs[sub] = _pos(key_node.start_mark)
            out[key] = _build(value_node, sub, doc, loader, depth + 1, n)
        return out
    if isinstance(node, yaml.SequenceNode):
        items = []
        for i, item in enumerate(node.value):
            sub = (*path, i)
            doc.locs[sub] = _pos(item.start_mark)
            items.append(_build(item, sub, doc, loader, depth + 1, n))
        return items
    try:
        return loader.construct_object(node)
    except yaml.YAMLError as exc:
        raise _Budget(f"bad scalar: {exc}", node.start_mark, "ruleset_yaml_syntax") from None
