"""What a timeline must make sense as, beyond its types: order, officers, force, presence.

Each finding is an `Issue` at the line and column of the event (or key) that breaks it,
all of them at once; nothing is dropped or repaired.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from intervene_rules.errors import Issue
from intervene_rules.suggest import did_you_mean

if TYPE_CHECKING:
    from intervene_rules.ruleset._yaml import Document
    from intervene_rules.timeline.model import Timeline


def _issue(doc: Document, code: str, message: str, path: tuple[Any, ...], help: str) -> Issue:
    return Issue(f"timeline_{code}", message, doc.loc(path), help=help)


def check(t: Timeline, doc: Document) -> list[Issue]:
    """Every problem of `t` that its types do not catch."""
    out: list[Issue] = []
    ids = [o.id for o in t.officers]
    for i, o in enumerate(t.officers):
        if ids.index(o.id) != i:
            out.append(
                _issue(
                    doc,
                    "duplicate_officer",
                    f"officer {o.id!r} is listed twice",
                    ("officers", i, "id"),
                    "give each officer one entry with its own id",
                )
            )
    arrives = {e.officer for e in t.events if e.kind == "observer_arrived"}
    present = {o for o in ids if o not in arrives}
    using: set[str] = set()
    last = 0.0
    for i, e in enumerate(t.events):
        where = ("events", i)
        n = f"event {i + 1} ({e.kind}, at {e.at:g} s)"
        if e.at < last:
            out.append(
                _issue(
                    doc,
                    "out_of_order",
                    f"{n} comes before the event written above it (at {last:g} s)",
                    (*where, "at"),
                    "write events in time order (events at the same time keep their order)",
                )
            )
        last = max(last, e.at)
        named = [("officer", getattr(e, "officer", None)), ("to", getattr(e, "to", None))]
        unknown = False
        for key, who in named:
            if who is not None and who not in ids:
                unknown = True
                out.append(
                    _issue(
                        doc,
                        "unknown_officer",
                        f"{n}: no officer {who!r} is listed",
                        (*where, key),
                        did_you_mean(who, ids) + "officers: " + ", ".join(ids),
                    )
                )
        if unknown:
            continue
        who = getattr(e, "officer", None)
        if e.kind == "observer_arrived":
            if who in present:
                out.append(
                    _issue(
                        doc,
                        "already_present",
                        f"{n}: {who} is already there",
                        (*where, "officer"),
                        "an officer with no arrival is there from the start; remove one",
                    )
                )
            present.add(who)  # type: ignore[arg-type]
            continue
        if who is not None and e.kind != "supervisor_arrived" and who not in present:
            out.append(
                _issue(
                    doc,
                    "officer_not_present",
                    f"{n}: {who} is not there (left, or not arrived yet)",
                    (*where, "officer"),
                    "add an `observer_arrived` event before, or move this one",
                )
            )
        if e.kind == "observer_left":
            if who in using:
                out.append(
                    _issue(
                        doc,
                        "left_while_using_force",
                        f"{n}: {who} leaves while still using force",
                        (*where, "officer"),
                        "add a `force_stopped` event for them first",
                    )
                )
            present.discard(who)
        elif e.kind == "force_started":
            if who in using:
                out.append(
                    _issue(
                        doc,
                        "force_already_started",
                        f"{n}: {who} is already using force",
                        (*where, "kind"),
                        "use `force_changed` for a change of type or need",
                    )
                )
            using.add(who)  # type: ignore[arg-type]
        elif e.kind in ("force_changed", "force_stopped"):
            if who not in using:
                out.append(
                    _issue(
                        doc,
                        "force_not_started",
                        f"{n}: {who} is not using force (no `force_started` before it)",
                        (*where, "kind"),
                        "add a `force_started` event for them before this one",
                    )
                )
            if e.kind == "force_stopped":
                using.discard(who)
        elif e.kind == "verbal_intervention":
            to = e.to
            if to == who:
                out.append(
                    _issue(
                        doc,
                        "addresses_self",
                        f"{n}: {who} cannot intervene with themselves",
                        (*where, "to"),
                        "name the officer addressed in `to`",
                    )
                )
            elif to is None and not (using - {who}):
                out.append(
                    _issue(
                        doc,
                        "nobody_to_address",
                        f"{n}: no other officer is using force at {e.at:g} s",
                        (*where, "officer"),
                        "name the officer addressed in `to`, or move the event",
                    )
                )
    return out
