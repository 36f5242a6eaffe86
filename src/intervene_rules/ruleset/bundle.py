"""Bundles: a ruleset's validated layers and its manifest in one canonical JSON file.

    {"format": "intervene-rules-bundle", "v": 1,
     "manifest": {"id", "title", "version", "jurisdiction", "effective", "circuit",
                  "digest", "layers": [...], "sources": {...}, "periods": [...]},
     "layers": [{"id", "file", "parents": [index, ...], "document": {...}}, ...],
     "signature": {"alg": "ed25519", "key": "sha256:...", "value": "<base64>"}}   optional

Each layer's `document` is its YAML file as data (dates written as ISO text), in merge
order; `parents` are the positions of the layers its `extends` named. Loading a bundle
validates and merges these documents exactly as files of the same content (no file system:
`extends` is answered by `parents`), compiles, and refuses a bundle whose recomputed digest
or manifest differs from the one written in it.

The file is written in one stable form (sorted keys, one-space indent, UTF-8, a final
newline): the same ruleset gives the same bytes. A signature covers the compact canonical
form of the bundle without its `signature` field (`signed_bytes`), so reformatting the file
does not break it, and any change of content does.

This module does not import `ruleset.ruleset` (which imports it): the manifest reads a
ruleset through its attributes.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from intervene_rules.errors import Issue, RulesetError
from intervene_rules.location import SourceLocation
from intervene_rules.ruleset._yaml import MAX_BYTES, Document
from intervene_rules.ruleset.load import MAX_LAYERS, MAX_TOTAL_BYTES, Merged, merge_documents

if TYPE_CHECKING:
    from intervene_rules.ruleset.ruleset import Ruleset

FORMAT = "intervene-rules-bundle"
VERSION = 1
SUFFIX = ".bundle.json"
MAX_BUNDLE_BYTES = MAX_TOTAL_BYTES + MAX_BYTES
"""The layers a load may hold, and room for the manifest and JSON's quoting."""

_HEAD = re.compile(rb'\A\s*\{\s*"format"\s*:\s*"intervene-rules-bundle"')
_PIN = re.compile(r"\A(?:sha256:)?([0-9a-fA-F]{64})\Z")

Pos = dict[tuple[str | int, ...], tuple[int, int]]


# --- pins ---------------------------------------------------------------------------------


def parse_pin(pin: str, where: SourceLocation) -> str:
    """The digest a pin names, as `sha256:<64 lowercase hex>`; `bad_pin` when it names none.

    Accepted: `sha256:<64 hex>` (as `Ruleset.digest` and decisions show it) and the bare
    64 hex digits; upper-case hex is read as lower-case.
    """
    m = _PIN.match(pin.strip()) if isinstance(pin, str) else None
    if m is None:
        text = str(pin)
        shown = repr(text) if len(text) <= 80 else repr(text[:60] + "…")
        head = "the pin is empty" if not text.strip() else f"pin {shown} is not a ruleset digest"
        raise RulesetError(
            [
                Issue(
                    "bad_pin",
                    f"{head}: a digest is `sha256:` and 64 hexadecimal digits",
                    where,
                    help="copy the whole digest the ruleset was approved with, e.g. from "
                    "`intervene list` or the manifest of its bundle",
                )
            ]
        )
    return "sha256:" + m.group(1).lower()


def pin_mismatch(expected: str, actual: str, where: SourceLocation) -> RulesetError:
    """The error for a ruleset whose digest is not the one pinned."""
    return RulesetError(
        [
            Issue(
                "pin_mismatch",
                f"the ruleset's digest is {actual}, but the pin expects {expected}",
                where,
                help="this is not the ruleset that was approved: load the approved bundle; "
                f"if this version has been reviewed and approved, pin it: --pin {actual}",
                ctx={"expected": expected, "actual": actual},
            )
        ]
    )


# --- detection and the canonical forms ----------------------------------------------------


def bundle_path(ref: str | Path) -> Path | None:
    """The bundle file `ref` names: a `*.bundle.json` path, or a file starting as a bundle."""
    text = str(ref)
    path = Path(text)
    try:
        if not path.is_file():
            return None
        if text.endswith(SUFFIX):
            return path
        with path.open("rb") as fh:
            head = fh.read(256)
    except (OSError, ValueError):
        return None
    return path if _HEAD.match(head) else None


def _jsonable(value: Any) -> Any:
    """YAML data as JSON data: dates (and date-times) as ISO text."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.date):  # datetime is a date
        return value.isoformat()
    return value


def dumps(bundle: Mapping[str, Any]) -> bytes:
    """The file form: sorted keys, one-space indent, UTF-8, a final newline."""
    text = json.dumps(bundle, sort_keys=True, indent=1, ensure_ascii=False, allow_nan=False)
    return (text + "\n").encode("utf-8")


def signed_bytes(bundle: Mapping[str, Any]) -> bytes:
    """What a signature covers: the compact canonical form, without `signature`."""
    body = {k: v for k, v in bundle.items() if k != "signature"}
    text = json.dumps(
        body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return text.encode("utf-8")


# --- writing ------------------------------------------------------------------------------


def manifest(rs: Ruleset, merged: Merged) -> dict[str, Any]:
    """What a bundle says of its ruleset (recomputed, and compared, when it is loaded)."""
    layers = []
    for layer in merged.layers:
        spec = layer.spec
        layers.append(
            {
                "id": spec.id,
                "version": spec.version,
                "effective": str(spec.effective) if spec.effective else None,
                "ended": str(spec.ended) if spec.ended else None,
                "ended_by": spec.ended_by.strip() if spec.ended_by else None,
            }
        )
    return {
        "id": rs.id,
        "title": rs.title,
        "version": rs.version,
        "jurisdiction": rs.jurisdiction,
        "effective": str(rs.effective) if rs.effective else None,
        "circuit": rs.circuit,
        "digest": rs.digest,
        "layers": layers,
        "sources": {
            sid: c.model_dump(mode="json", exclude_none=True)
            for sid, c in sorted(rs.sources.items())
        },
        "periods": [str(d) for d in rs.periods()],
    }


def build(rs: Ruleset, merged: Merged) -> dict[str, Any]:
    """The bundle of a ruleset loaded from its files (unsigned)."""
    index = {id(layer): i for i, layer in enumerate(merged.layers)}
    layers = [
        {
            "id": layer.spec.id,
            "file": layer.doc.file,
            "parents": [index[id(p)] for p in layer.parents],
            "document": _jsonable(layer.doc.data),
        }
        for layer in merged.layers
    ]
    bundle = {"format": FORMAT, "v": VERSION, "manifest": manifest(rs, merged), "layers": layers}
    # as it will be read back: the values JSON holds
    out: dict[str, Any] = json.loads(dumps(bundle))
    return out


# --- reading ------------------------------------------------------------------------------


class Read:
    """A bundle read and merged: its data, the merge of its layers, positions in the file."""

    def __init__(self, shown: str, data: dict[str, Any], merged: Merged, pos: Pos) -> None:
        self.shown = shown
        self.data = data
        self.merged = merged
        self.pos = pos

    def loc(self, *path: str | int) -> SourceLocation:
        """Where `path` (a path in the bundle's JSON) was written."""
        return _loc(self.shown, self.pos, path)


def _loc(shown: str, pos: Pos, path: tuple[str | int, ...]) -> SourceLocation:
    p = tuple(path)
    while p and p not in pos:
        p = p[:-1]
    if p in pos:
        line, col = pos[p]
        return SourceLocation(shown, line, col, tuple(path))
    return SourceLocation(shown + _pointer(path))


def _pointer(path: tuple[str | int, ...]) -> str:
    """A JSON pointer (RFC 6901) after `#`, or nothing for the root."""
    if not path:
        return ""
    return "#/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in path)


def _positions(text: str) -> Pos:
    """Line and column of every key and item of the JSON text (read as YAML's flow style).

    Best effort: a file YAML cannot read gives none, and issues are then located by a JSON
    pointer instead.
    """
    cls = getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader
    try:
        loader = cls(text)
        try:
            root = loader.get_single_node()
        finally:
            loader.dispose()
    except (yaml.YAMLError, RecursionError, ValueError):
        return {}
    out: Pos = {}
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                sub = (*path, str(key.value))
                out[sub] = (key.start_mark.line + 1, key.start_mark.column + 1)
                stack.append((value, sub))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                sub = (*path, i)
                out[sub] = (item.start_mark.line + 1, item.start_mark.column + 1)
                stack.append((item, sub))
    return out


def _refuse(code: str, message: str, where: SourceLocation, help: str) -> RulesetError:
    return RulesetError([Issue(code, message, where, help=help)])


def read_file(path: Path, shown: str) -> Read:
    """Read, check and merge the bundle at `path`.

    Raises:
        RulesetError: the file cannot be read, is not a bundle, or its layers do not load.

    """
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_BUNDLE_BYTES + 1)
    except OSError as exc:
        raise _refuse(
            "bundle_unreadable",
            f"cannot read the bundle: {exc.strerror or type(exc).__name__}",
            SourceLocation(shown),
            "check that the file exists and is readable",
        ) from None
    return read_bytes(raw, shown)


def read_bytes(raw: bytes, shown: str) -> Read:
    """Check and merge a bundle given as bytes (`shown` names it in issues)."""
    top = SourceLocation(shown)
    if len(raw) > MAX_BUNDLE_BYTES:
        raise _refuse(
            "bundle_too_large",
            f"the bundle is larger than {MAX_BUNDLE_BYTES:,} bytes, the most one load reads",
            top,
            "a bundle holds one ruleset's layers; bundle the ruleset again",
        )
    try:
        text = raw.decode("utf-8")
        data = json.loads(text)
    except UnicodeDecodeError as exc:
        raise _refuse(
            "bundle_invalid_json",
            f"the bundle is not UTF-8 text (byte {exc.start})",
            top,
            "a bundle is written by `intervene bundle`; write it again",
        ) from None
    except json.JSONDecodeError as exc:
        raise _refuse(
            "bundle_invalid_json",
            f"the bundle is not valid JSON: {exc.msg}",
            SourceLocation(shown, exc.lineno, exc.colno),
            "a bundle is written by `intervene bundle`; write it again, do not edit it",
        ) from None
    except (RecursionError, ValueError) as exc:
        raise _refuse(
            "bundle_invalid_json",
            f"the bundle cannot be read as JSON: {type(exc).__name__}",
            top,
            "a bundle is written by `intervene bundle`; write it again",
        ) from None
    pos = _positions(text)
    _check_shape(data, shown, pos)
    docs = []
    for i, layer in enumerate(data["layers"]):
        prefix = ("layers", i, "document")
        if pos:
            locs = {p[3:]: v for p, v in pos.items() if p[:3] == prefix}
            locs[()] = pos.get(prefix, (1, 1))
            docs.append(Document(shown, layer["document"], locs))
        else:
            docs.append(Document(shown + _pointer(prefix), layer["document"]))
    merged = merge_documents(docs)
    _check_order(data, merged, shown, pos)
    return Read(shown, data, merged, pos)


def _check_shape(data: Any, shown: str, pos: Pos) -> None:
    """The bundle's frame: format, version, a manifest with a digest, layers as written."""

    def bad(message: str, path: tuple[str | int, ...], code: str = "bundle_malformed") -> None:
        raise _refuse(
            code,
            message,
            _loc(shown, pos, path),
            "a bundle is written by `intervene bundle`; write it again, do not edit it",
        )

    if not isinstance(data, dict) or data.get("format") != FORMAT:
        bad('this file is not a ruleset bundle (no `"format": "intervene-rules-bundle"`)', ())
    if data.get("v") != VERSION:
        raise _refuse(
            "bundle_version",
            f"bundle format version {data.get('v')!r}; this library reads version {VERSION}",
            _loc(shown, pos, ("v",)),
            "bundle the ruleset with this version of intervene_rules",
        )
    stated = data.get("manifest")
    if not isinstance(stated, dict) or not isinstance(stated.get("digest"), str):
        bad("the bundle has no manifest with a digest", ("manifest",))
    layers = data.get("layers")
    if not isinstance(layers, list) or not layers:
        bad("the bundle holds no layers", ("layers",))
    assert isinstance(layers, list)
    if len(layers) > MAX_LAYERS:
        bad(f"the bundle holds more than {MAX_LAYERS} layers", ("layers",), "bundle_too_large")
    for i, layer in enumerate(layers):
        if not isinstance(layer, dict) or not isinstance(layer.get("document"), dict):
            bad(f"layer {i} of the bundle has no document", ("layers", i))
        parents = layer.get("parents")
        if not isinstance(parents, list) or not all(type(p) is int and 0 <= p < i for p in parents):
            bad(
                f"layer {i} of the bundle names its parents wrongly (positions of earlier "
                "layers expected)",
                ("layers", i, "parents"),
            )


def _check_order(data: dict[str, Any], merged: Merged, shown: str, pos: Pos) -> None:
    """`extends` of every layer agrees with `parents`, and the order is the loader's."""
    layers = data["layers"]
    for i, layer in enumerate(merged.layers):
        if len(layer.spec.extends) != len(layers[i]["parents"]):
            raise _refuse(
                "bundle_malformed",
                f"layer {layer.spec.id!r} extends {len(layer.spec.extends)} layer(s) but the "
                f"bundle gives it {len(layers[i]['parents'])} parent(s)",
                _loc(shown, pos, ("layers", i, "parents")),
                "a bundle is written by `intervene bundle`; write it again, do not edit it",
            )
    order: list[int] = []

    def visit(i: int) -> None:
        if i in order:
            return
        for p in layers[i]["parents"]:
            visit(p)
        order.append(i)

    visit(len(layers) - 1)
    if order != list(range(len(layers))):
        raise _refuse(
            "bundle_malformed",
            "the bundle's layers are not in the order their `extends` gives (or some are not used)",
            _loc(shown, pos, ("layers",)),
            "a bundle is written by `intervene bundle`; write it again, do not edit it",
        )


def check_manifest(read: Read, rs: Ruleset) -> None:
    """Refuse a bundle whose digest or manifest is not what its layers give.

    Raises:
        RulesetError: `bundle_digest_mismatch` (naming both digests) or
            `bundle_manifest_mismatch` (naming the entries that differ).

    """
    stated = read.data["manifest"]
    if stated["digest"] != rs.digest:
        raise RulesetError(
            [
                Issue(
                    "bundle_digest_mismatch",
                    f"the bundle's manifest states digest {stated['digest']}, but its layers "
                    f"give {rs.digest}: the bundle was changed after it was written",
                    read.loc("manifest", "digest"),
                    help="do not use this bundle; bundle the approved ruleset again "
                    "(`intervene bundle`)",
                    ctx={"expected": stated["digest"], "actual": rs.digest},
                )
            ]
        )
    fresh = manifest(rs, read.merged)
    differ = sorted(k for k in fresh.keys() | stated.keys() if fresh.get(k) != stated.get(k))
    if differ:
        raise RulesetError(
            [
                Issue(
                    "bundle_manifest_mismatch",
                    f"the bundle's manifest differs from what its layers give in: "
                    f"{', '.join(differ)}",
                    read.loc("manifest", differ[0]),
                    help="do not use this bundle; bundle the approved ruleset again "
                    "(`intervene bundle`)",
                )
            ]
        )


__all__ = [
    "FORMAT",
    "SUFFIX",
    "VERSION",
    "Read",
    "build",
    "bundle_path",
    "check_manifest",
    "dumps",
    "manifest",
    "parse_pin",
    "pin_mismatch",
    "read_bytes",
    "read_file",
    "signed_bytes",
]
