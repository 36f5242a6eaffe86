"""The loaded, validated, compiled ruleset that `evaluate()` takes: data, and its views by date.

Light on purpose: `import intervene_rules` imports this module, and the YAML loader and the
compiler are imported only when `load_ruleset` runs. Evaluation lives in `engine/`.
"""

from __future__ import annotations

import bisect
import contextlib
import datetime as dt
import threading
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from intervene_rules.decision import Citation, Notice, RulesetRef
from intervene_rules.location import SourceLocation
from intervene_rules.ruleset import periods
from intervene_rules.ruleset.ir import Program
from intervene_rules.ruleset.periods import PeriodView

if TYPE_CHECKING:
    from intervene_rules.ruleset.load import Merged

MAX_DATED = 256
"""Dated `Ruleset` objects kept per ruleset (`at()`); they are cheap, the period views shared."""


class _Views:
    """A ruleset's views: one per legal period (few, kept), dated ones (bounded)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.periods: dict[int, PeriodView] = {}
        self.dated: dict[dt.date, Ruleset] = {}


@dataclass(frozen=True, eq=False)
class Ruleset:
    """A merged, compiled ruleset. Immutable and safe to share between threads."""

    id: str
    title: str
    version: str
    jurisdiction: str
    effective: dt.date | None
    layers: tuple[str, ...]
    sources: Mapping[str, Citation]
    notices: tuple[Notice, ...]
    program: Program
    digest: str
    files: tuple[str, ...] = ()
    source_origins: Mapping[str, SourceLocation] = field(default_factory=dict)
    coverage_fail_under: float | None = None
    layer_periods: Mapping[str, tuple[dt.date | None, dt.date | None, str | None]] = field(
        default_factory=dict
    )
    source_bounds: periods.Bounds = field(default_factory=dict)
    """Sources with only a lower bound of their start: (not_before, in_force_by)."""
    layer_bounds: periods.Bounds = field(default_factory=dict)
    """Layers with only a lower bound of their start: (not_before, in_force_by)."""
    layer_origins: Mapping[str, SourceLocation] = field(default_factory=dict)
    """Where each layer's file starts (for findings about a layer)."""
    as_of: dt.date | None = None
    circuit: str | None = None
    """The federal circuit of the jurisdiction (the nearest layer that states one)."""
    _views: _Views = field(default_factory=_Views, repr=False, compare=False)
    _base: Ruleset | None = field(default=None, repr=False, compare=False)

    def in_force(self, day: dt.date) -> tuple[set[str], set[str]]:
        """The ids of the sources and of the layers in force on `day`."""
        return periods.in_force(
            self.sources, self.layer_periods, day, self.source_bounds, self.layer_bounds
        )

    @cached_property
    def _bounds(self) -> tuple[dt.date, ...]:
        base = self._base or self  # a dated view's program lacks the rules not in force
        return periods.boundaries(
            base.sources, base.layer_periods, base.program, base.source_bounds, base.layer_bounds
        )

    def periods(self) -> list[dt.date]:
        """Every date on which something enters or leaves force (see `periods.boundaries`)."""
        return list(self._bounds)

    def period(self, day: dt.date) -> PeriodView:
        """The view of the legal period that contains `day` (built once per period)."""
        base = self._base or self
        bounds = base._bounds
        i = bisect.bisect_right(bounds, day)
        view = base._views.periods.get(i)
        if view is None:
            with base._views.lock:
                view = base._views.periods.get(i)
                if view is None:
                    view = periods.period_view(
                        base.program,
                        base.sources,
                        base.notices,
                        base.layer_periods,
                        base.ref,
                        base.digest,
                        bounds[i - 1] if i else None,
                        bounds[i] if i < len(bounds) else None,
                        base.source_bounds,
                        base.layer_bounds,
                        base.circuit,
                    )
                    base._views.periods[i] = view
        return view

    @property
    def signature(self) -> str:
        """Identity of what this dated view evaluates (of today's view when undated)."""
        return self.period(self.as_of or dt.date.today()).signature

    def undated(self) -> Ruleset:
        """The ruleset itself, for a dated view (views keep a link to it)."""
        return self._base or self

    def at(self, day: dt.date) -> Ruleset:
        """The ruleset as in force on `day`: the view of its legal period, dated `day`.

        Two days of one period share one program (and so one evaluator and one table).
        """
        base = self._base or self
        dated = base._views.dated
        view = dated.get(day)
        if view is None:
            pv = self.period(day)
            view = replace(base, program=pv.program, notices=pv.notices, as_of=day, _base=base)
            if len(dated) >= MAX_DATED:
                dated.clear()
            dated[day] = view
        return view

    def situation_schema(self) -> dict[str, Any]:
        """The JSON Schema of the situations this ruleset accepts (its rank titles too)."""
        from intervene_rules.situation import situation_schema

        return situation_schema(self.program.rank_aliases, f"Situation ({self.id})")

    @cached_property
    def ref(self) -> RulesetRef:
        """The identity stamped on every decision."""
        return RulesetRef(id=self.id, version=self.version, digest=self.digest)

    def __repr__(self) -> str:
        when = f" as of {self.as_of}" if self.as_of else ""
        return (
            f"<Ruleset {self.id} {self.version} {self.digest[:19]} "
            f"layers={list(self.layers)}{when}>"
        )


def load_ruleset(
    ref: str | Path,
    *,
    allow_paths: Iterable[str | Path] = (),
    pin: str | None = None,
    public_key: str | Path | None = None,
) -> Ruleset:
    """Load a bundled ruleset by id (e.g. ``"model-policy"``), a ruleset file, or a bundle.

    Layers named in ``extends`` are loaded, validated and merged; the result is compiled.
    ``extends`` may name bundled ids and files inside the ruleset's own folder; folders in
    ``allow_paths`` may also be read.

    A bundle (``*.bundle.json``, written by `write_bundle` or ``intervene bundle``) is read
    without its YAML sources: its layers are validated, merged and compiled as files of the
    same content would be, and the bundle is refused when the digest (or manifest) written in
    it is not what its layers give (``bundle_digest_mismatch``).

    ``pin`` is the digest the deployment approved, ``"sha256:<64 hex>"`` (the bare 64 hex
    digits are accepted too): a ruleset with another digest is refused (``pin_mismatch``,
    naming both); a pin that is not a digest is ``bad_pin``. ``public_key`` (a PEM file)
    requires a bundle signed by its Ed25519 private key (needs the ``sign`` extra).

    Raises:
        RulesetError: listing every problem found, each with file:line:col and advice.
        BackendUnavailableError: ``public_key`` given and ``cryptography`` not installed.

    """
    from intervene_rules.errors import Issue, RulesetError
    from intervene_rules.ruleset import bundle
    from intervene_rules.ruleset.load import _display, load_layers

    expected = None
    if pin is not None:
        expected = bundle.parse_pin(pin, SourceLocation(_shown(ref)))
    path = bundle.bundle_path(ref)
    if path is not None:
        read = bundle.read_file(path, _display(path))
        where = read.loc("manifest", "digest")
        if public_key is not None:
            from intervene_rules.ruleset import signing

            signing.verify(read.data, public_key, read.loc("signature"))
        rs = _build(read.merged)
        bundle.check_manifest(read, rs)
    else:
        if public_key is not None:
            raise RulesetError(
                [
                    Issue(
                        "signature_needs_bundle",
                        "a public key was given, but this ruleset is not a bundle: only "
                        "bundles are signed",
                        SourceLocation(_shown(ref)),
                        help="load the signed bundle (*.bundle.json), or give no public key",
                    )
                ]
            )
        rs = _build(load_layers(ref, allow_paths=allow_paths))
        where = SourceLocation(rs.files[-1]) if rs.files else SourceLocation(_shown(ref))
    if expected is not None and rs.digest != expected:
        raise bundle.pin_mismatch(expected, rs.digest, where)
    return rs


def _shown(ref: str | Path) -> str:
    text = str(ref)
    return text if len(text) <= 100 else f"{text[:60]}… ({len(text):,} characters)"


def _build(merged: Merged) -> Ruleset:
    """The `Ruleset` of merged layers (compiled here)."""
    from intervene_rules.errors import RulesetError
    from intervene_rules.ruleset.compile import compile_program, digest

    program, issues = compile_program(merged)
    if program is None:
        raise RulesetError(issues)
    citations = {
        sid: Citation(
            id=s.id,
            kind=s.kind,
            citation=s.citation,
            title=s.title,
            section=s.section,
            url=s.url,
            verification=s.verification,
            note=s.note.strip() if s.note else None,
            effective=s.effective,
            ended=s.ended,
            ended_by=s.ended_by.strip() if s.ended_by else None,
            not_before=s.not_before,
            in_force_by=s.in_force_by,
            circuit=s.circuit,
        )
        for sid, placed in merged.sources.items()
        for s in [placed.value]
    }
    notices = tuple(
        Notice(id=p.value.id, text=p.value.text.strip(), basis=tuple(p.value.basis))
        for p in merged.notices.values()
    )
    top = merged.top
    rs = Ruleset(
        id=top.id,
        title=top.title,
        version=top.version,
        jurisdiction=top.jurisdiction,
        effective=top.effective,
        layers=tuple(layer.spec.id for layer in merged.layers),
        sources=citations,
        notices=notices,
        program=program,
        digest=digest(merged, program),
        files=tuple(layer.doc.file for layer in merged.layers),
        source_origins={sid: placed.loc for sid, placed in merged.sources.items()},
        coverage_fail_under=top.coverage.fail_under if top.coverage else None,
        layer_periods={
            layer.spec.id: (layer.spec.effective, layer.spec.ended, layer.spec.ended_by)
            for layer in merged.layers
        },
        source_bounds={
            sid: (s.not_before, s.in_force_by)
            for sid, placed in merged.sources.items()
            for s in [placed.value]
            if s.not_before is not None
        },
        layer_bounds={
            layer.spec.id: (layer.spec.not_before, layer.spec.in_force_by)
            for layer in merged.layers
            if layer.spec.not_before is not None
        },
        layer_origins={layer.spec.id: layer.loc("id") for layer in merged.layers},
        circuit=next((la.spec.circuit for la in reversed(merged.layers) if la.spec.circuit), None),
    )
    _loaded[rs.digest] = rs
    return rs


_loaded: weakref.WeakValueDictionary[str, Ruleset] = weakref.WeakValueDictionary()


def loaded(digest: str) -> Ruleset | None:
    """A ruleset of this digest loaded in this process and still in use, if any."""
    return _loaded.get(digest)


def write_bundle(
    ref: str | Path,
    out: str | Path,
    *,
    allow_paths: Iterable[str | Path] = (),
    pin: str | None = None,
    sign_key: str | Path | None = None,
) -> Ruleset:
    """Write the bundle of a ruleset to `out`: one canonical JSON file, loadable alone.

    `ref` is what `load_ruleset` takes; a bundle given as `ref` is written again as it is
    (to sign it, or sign it anew). With `pin`, a ruleset of another digest is not written.
    With `sign_key` (an Ed25519 private key, PEM) the bundle is signed. Before it is
    written, the bundle is read back and must give the same digest and manifest. The same
    ruleset gives the same bytes; the file is replaced atomically.

    Returns the ruleset as loaded from the bundle written.

    Raises:
        RulesetError: the ruleset does not load, the pin differs, the key is not usable,
            or `out` cannot be written (`bundle_unwritable`).
        BackendUnavailableError: `sign_key` given and ``cryptography`` not installed.

    """
    import os
    import tempfile

    from intervene_rules.errors import Issue, RulesetError
    from intervene_rules.ruleset import bundle
    from intervene_rules.ruleset.load import load_layers

    rs = load_ruleset(ref, allow_paths=allow_paths, pin=pin)
    source = bundle.bundle_path(ref)
    if source is not None:
        data = {k: v for k, v in bundle.read_file(source, str(source)).data.items()}
        data.pop("signature", None)
    else:
        merged = load_layers(ref, allow_paths=allow_paths)
        data = bundle.build(rs, merged)
    if sign_key is not None:
        from intervene_rules.ruleset import signing

        data = signing.sign(data, sign_key)
    raw = bundle.dumps(data)
    target = Path(out)
    back = bundle.read_bytes(raw, str(target))
    again = _build(back.merged)
    try:
        bundle.check_manifest(back, again)
    except RulesetError as exc:  # a value that JSON does not keep as YAML gave it
        raise RulesetError(
            [
                Issue(
                    "bundle_not_faithful",
                    "the bundle, read back, does not give the ruleset it was made from: "
                    + "; ".join(i.message for i in exc.issues),
                    SourceLocation(rs.files[-1] if rs.files else str(ref)),
                    help="please report this; write the value differently in the YAML "
                    "(e.g. quote it)",
                )
            ]
        ) from None
    try:
        fd, tmp = tempfile.mkstemp(prefix=".bundle-", dir=target.parent or Path("."))
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(raw)
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except OSError as exc:
        raise RulesetError(
            [
                Issue(
                    "bundle_unwritable",
                    f"cannot write the bundle: {exc.strerror or type(exc).__name__}",
                    SourceLocation(str(target)),
                    help="check that the folder exists and is writable",
                )
            ]
        ) from None
    return again


def list_rulesets() -> list[dict[str, Any]]:
    """The bundled rulesets: id, title, version, jurisdiction and the layers each extends."""
    from intervene_rules.ruleset.load import bundled_ids

    out = []
    for rid in bundled_ids():
        rs = load_ruleset(rid)
        out.append(
            {
                "id": rs.id,
                "title": rs.title,
                "version": rs.version,
                "jurisdiction": rs.jurisdiction,
                "layers": list(rs.layers),
                "rules": len(rs.program.rules),
                "digest": rs.digest,
                "effective": str(rs.effective) if rs.effective else None,
                "ended": str(rs.layer_periods[rs.id][1]) if rs.layer_periods[rs.id][1] else None,
                "not_before": (
                    str(rs.layer_bounds[rs.id][0]) if rs.id in rs.layer_bounds else None
                ),
                "ended_sources": [
                    [sid, str(c.ended), c.ended_by]
                    for sid, c in sorted(rs.sources.items())
                    if c.ended is not None
                ],
            }
        )
    return out
