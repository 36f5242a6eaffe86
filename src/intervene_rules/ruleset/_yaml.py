"""Stage 1 of loading: YAML text to plain data, remembering where every value was written.

PyYAML's composer gives nodes with marks; we construct plain Python values ourselves so we
can record `path -> (line, col)`, refuse duplicate keys (PyYAML keeps the last silently),
refuse tags beyond YAML's plain types, and bound the work: file size, nesting depth, the
values a document holds, and the values its aliases would add (a "billion laughs" document
is refused, not expanded; a large document without aliases is told it is large).
Mapping keys are kept as written (`yes:` is the key "yes", not True).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from intervene_rules.errors import Issue
from intervene_rules.location import SourceLocation

MAX_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 48
#: Values (mappings, lists, scalars) written in one document.
MAX_NODES = 500_000
#: Values that aliases add by repeating what their anchor names.
MAX_ALIAS_NODES = 100_000

_TAG = "tag:yaml.org,2002:"
#: Tags a ruleset may carry, implicitly or explicitly; others (!!binary, !!set, !!python/...)
#: would silently change what a value means, so they are refused.
_SCALAR_TAGS = frozenset(_TAG + t for t in ("str", "int", "float", "bool", "null", "timestamp"))
_HELP = {
    "ruleset_too_large": "split the ruleset into layers with `extends`; do not use aliases to "
    "repeat large structures",
    "ruleset_too_deep": "flatten the conditions; rulesets never need this depth",
    "ruleset_yaml_merge_key": "write the keys out instead of merging them with `<<`",
    "ruleset_yaml_key": "write each key as plain text, e.g. `title:`",
    "ruleset_yaml_tag": "remove the tag and write a plain string, number, list or mapping",
    "ruleset_duplicate_key": "remove one of the two entries (or rename it)",
    "ruleset_yaml_syntax": "fix the YAML syntax at this position (check indentation and quoting)",
}

Path = tuple[str | int, ...]


@dataclass
class Document:
    """Parsed YAML: the data, and the location of every mapping key / sequence item."""

    file: str
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
    """A limit was hit (size, depth): building stops at once."""

    def __init__(self, message: str, mark: Any, code: str) -> None:
        super().__init__(message)
        self.mark = mark
        self.code = code


def _pos(mark: Any) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


def _issue(code: str, message: str, file: str, mark: Any, path: Path = ()) -> Issue:
    line, col = _pos(mark)
    return Issue(code, message, SourceLocation(file, line, col, path), help=_HELP.get(code, ""))


def _offset_pos(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


_BRACKETS = re.compile(r"[\[\]{}]")


def _flow_depth(text: str) -> int:
    """Deepest bracket nesting, counted without regard to quotes (so never under-counted)."""
    depth = top = 0
    for m in _BRACKETS.finditer(text):
        depth += 1 if m.group() in "[{" else -1
        top = max(top, depth)
    return top


def _fast_ok(text: str) -> bool:
    """Whether libyaml may parse `text` (about 15x faster than the Python parser).

    libyaml composes nested flow collections by C recursion, which a document of a million
    `[` would overflow, and reads control characters differently; those documents, and any
    document libyaml rejects, go to the Python parser, whose errors are the ones reported.
    """
    return (
        getattr(yaml, "CSafeLoader", None) is not None
        and _flow_depth(text) <= MAX_DEPTH
        and yaml.reader.Reader.NON_PRINTABLE.search(text) is None
    )


def _loader_for(text: str) -> yaml.SafeLoader:
    loader: yaml.SafeLoader = yaml.CSafeLoader(text)  # type: ignore[assignment]
    return loader


def parse(text: str | bytes, file: str) -> tuple[Document | None, list[Issue]]:
    """Parse one YAML document.

    Returns the document (None when it could not be built at all) and every issue found;
    a document with issues (a duplicate key, an unsupported tag) is still returned so the
    next stages can report their own problems in the same run.
    """
    where = SourceLocation(file, 1, 1)
    if isinstance(text, bytes):
        raw = text
        if len(raw) > MAX_BYTES:
            return None, [too_large(where, len(raw))]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            head = raw[: exc.start].decode("utf-8", "replace")
            line, col = _offset_pos(head, len(head))
            return None, [
                Issue(
                    "ruleset_encoding",
                    f"file is not valid UTF-8 (byte {exc.start})",
                    SourceLocation(file, line, col),
                    help="save the ruleset as UTF-8",
                )
            ]
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_BYTES:
        return None, [too_large(where, size)]
    fast = _loader_for(text) if _fast_ok(text) else None
    if fast is not None:
        try:
            node = fast.get_single_node()
        except yaml.YAMLError:
            node = None  # reported below, in the Python parser's words
        else:
            return _finish(node, file, fast)
        finally:
            fast.dispose()
    try:
        loader = yaml.SafeLoader(text)
    except yaml.reader.ReaderError as exc:
        # raised for control characters (NUL, BEL, ...) before any parsing
        line, col = _offset_pos(text, exc.position)
        return None, [
            Issue(
                "ruleset_encoding",
                f"character U+{exc.character:04X} is not allowed in YAML ({exc.reason})",
                SourceLocation(file, line, col),
                help="remove the control character (write it as an escape inside double "
                "quotes if it is really meant)",
            )
        ]
    try:
        try:
            node = loader.get_single_node()
        except RecursionError:
            return None, [_too_deep(where)]
        except yaml.MarkedYAMLError as exc:
            line, col = _pos(exc.problem_mark or exc.context_mark)
            msg = exc.problem or "invalid YAML"
            if exc.context:
                ctx = exc.context
                if exc.context_mark is not None and exc.problem_mark is not None:
                    cline, ccol = _pos(exc.context_mark)
                    if (cline, ccol) != (line, col):
                        ctx += f" (from line {cline}, column {ccol})"
                msg = f"{ctx}: {msg}"
            mark = exc.problem_mark or exc.context_mark
            return None, [_issue("ruleset_yaml_syntax", msg, file, mark)]
        except yaml.YAMLError as exc:
            return None, [_issue("ruleset_yaml_syntax", str(exc), file, None)]
        return _finish(node, file, loader)
    finally:
        loader.dispose()


def _finish(
    node: yaml.Node | None, file: str, loader: yaml.SafeLoader
) -> tuple[Document | None, list[Issue]]:
    where = SourceLocation(file, 1, 1)
    if node is None:
        return None, [
            Issue("ruleset_empty", "the file is empty", where, help="write a ruleset mapping")
        ]
    doc = Document(file=file, data=None)
    counter = _Count()
    issues: list[Issue] = []
    try:
        doc.data = _build(node, (), doc, loader, 0, counter, issues)
    except _Budget as exc:
        return None, [_issue(exc.code, str(exc), file, exc.mark)]
    except RecursionError:
        return None, [_too_deep(where)]
    return doc, issues


def too_large(where: SourceLocation, size: int) -> Issue:
    """Build the issue for a file of `size` bytes, over the limit."""
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


@dataclass
class _Count:
    """Values built so far: those written, and the repeats that aliases add."""

    seen: set[int] = field(default_factory=set)
    repeated: int = 0


def _build(
    node: yaml.Node,
    path: Path,
    doc: Document,
    loader: yaml.SafeLoader,
    depth: int,
    n: _Count,
    issues: list[Issue],
) -> Any:
    # an alias is the anchored node object itself, met again
    if id(node) in n.seen:
        n.repeated += 1
        if n.repeated > MAX_ALIAS_NODES:
            raise _Budget(
                f"aliases repeat more than {MAX_ALIAS_NODES} values (an alias bomb?)",
                node.start_mark,
                "ruleset_too_large",
            )
    else:
        n.seen.add(id(node))
        if len(n.seen) > MAX_NODES:
            raise _Budget(
                f"the document holds more than {MAX_NODES} values (mappings, lists and "
                "scalars); that is more than one file may hold",
                node.start_mark,
                "ruleset_too_large",
            )
    if depth > MAX_DEPTH:
        raise _Budget(
            f"the document nests deeper than {MAX_DEPTH} levels",
            node.start_mark,
            "ruleset_too_deep",
        )
    file = doc.file
    if isinstance(node, yaml.MappingNode):
        if node.tag != _TAG + "map":
            issues.append(_tag_issue(node, file, path))
            return None
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _TAG + "merge":
                issues.append(
                    _issue(
                        "ruleset_yaml_merge_key",
                        "merge keys ('<<') are not supported; write keys out",
                        file,
                        key_node.start_mark,
                        path,
                    )
                )
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                issues.append(
                    _issue(
                        "ruleset_yaml_key",
                        "mapping keys must be plain scalars",
                        file,
                        key_node.start_mark,
                        path,
                    )
                )
                continue
            if key_node.tag not in _SCALAR_TAGS:
                issues.append(_tag_issue(key_node, file, path))
                continue
            # the key as written: `yes:`, `1:` and `2020-13-45:` are the strings a reader sees
            key = str(key_node.value)
            sub = (*path, key)
            if key in out:
                first = doc.locs.get(sub, (0, 0))
                issues.append(
                    _issue(
                        "ruleset_duplicate_key",
                        f"duplicate key {key!r} (first at line {first[0]}; YAML would silently "
                        "keep the last)",
                        file,
                        key_node.start_mark,
                        sub,
                    )
                )
                continue
            doc.locs[sub] = _pos(key_node.start_mark)
            out[key] = _build(value_node, sub, doc, loader, depth + 1, n, issues)
        return out
    if isinstance(node, yaml.SequenceNode):
        if node.tag != _TAG + "seq":
            issues.append(_tag_issue(node, file, path))
            return None
        items = []
        for i, item in enumerate(node.value):
            sub = (*path, i)
            doc.locs[sub] = _pos(item.start_mark)
            items.append(_build(item, sub, doc, loader, depth + 1, n, issues))
        return items
    if node.tag not in _SCALAR_TAGS:
        issues.append(_tag_issue(node, file, path))
        return None
    try:
        return loader.construct_object(node)
    except (yaml.YAMLError, ValueError, OverflowError) as exc:
        # e.g. `2020-13-45`, which PyYAML resolves as a timestamp and cannot construct
        detail = getattr(exc, "problem", None) or str(exc)
        issues.append(
            Issue(
                "ruleset_invalid_value",
                f"cannot read {node.value!r}: {detail}",
                SourceLocation(file, *_pos(node.start_mark), path),
                help="write a valid date as YYYY-MM-DD, or quote the text to keep it a string",
            )
        )
        return None


def _tag_issue(node: yaml.Node, file: str, path: Path) -> Issue:
    tag = str(node.tag)
    shown = "!!" + tag[len(_TAG) :] if tag.startswith(_TAG) else tag
    message = f"the YAML tag {shown!r} is not supported"
    return _issue("ruleset_yaml_tag", message, file, node.start_mark, path)


def read(source: Any, text: str | bytes | None, prefix: str) -> tuple[Document | None, list[Issue]]:
    """Read and parse a YAML file (or its given `text`); issues renamed `<prefix>_*`.

    The one reader of the project's other YAML formats (timelines, responses): an
    unreadable file is an issue (`<prefix>_unreadable`), never an exception; a file over
    `MAX_BYTES` is refused unread; parse errors keep their positions.
    """
    from pathlib import Path as _Path

    shown = str(source)
    if text is None:
        try:
            with _Path(source).open("rb") as fh:
                text = fh.read(MAX_BYTES + 1)
        except OSError as exc:
            return None, [
                Issue(
                    f"{prefix}_unreadable",
                    f"cannot read: {exc.strerror or exc}",
                    SourceLocation(shown),
                    help="check that the file exists and is readable",
                )
            ]
    doc, found = parse(text, shown)
    renamed = [
        Issue(i.code.replace("ruleset_", f"{prefix}_", 1), i.message, i.loc, help=i.help)
        for i in found
    ]
    return doc, renamed


def read_mapping(
    source: Any, text: str | bytes | None, prefix: str, shape: str, advice: str
) -> tuple[Document | None, list[Issue]]:
    """`read`, the document None unless it is a mapping (`<prefix>_not_mapping`: `shape`)."""
    doc, issues = read(source, text, prefix)
    if doc is not None and not isinstance(doc.data, dict):
        issues.append(
            Issue(f"{prefix}_not_mapping", shape, SourceLocation(str(source), 1, 1), help=advice)
        )
        return None, issues
    return doc, issues
