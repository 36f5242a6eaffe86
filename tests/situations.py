"""Random valid situations drawn from the field table (for tests and benchmarks).

One generator, so a field added to the contract is drawn everywhere without an edit here.
"""

from __future__ import annotations

import copy
import enum
import random
from collections.abc import Sequence
from typing import Any

from intervene_rules.fields import SITUATION_FIELDS


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value


def random_situation_data(
    n: int, seed: int, durations: Sequence[float | None], *, spread: float = 0.0
) -> list[dict[str, Any]]:
    """`n` situations as plain JSON-ready dicts.

    Numbers are drawn from `durations` (and, with `spread`, also uniformly from
    [0, spread)); sets hold 0-3 distinct items; every other field any value of its domain.
    """
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        data: dict[str, Any] = {}
        for spec in SITUATION_FIELDS:
            node = data
            *parents, leaf = spec.path
            for part in parents:
                node = node.setdefault(part, {})
            if spec.kind == "number":
                extra = (round(rnd.uniform(0, spread), 3),) if spread else ()
                value: Any = rnd.choice((*durations, *extra))
            elif spec.kind == "set":
                assert spec.enum is not None
                value = rnd.sample([e.value for e in spec.enum], rnd.randint(0, 3))
            else:
                value = _plain(rnd.choice(spec.domain))
            node[leaf] = value
        out.append(data)
    return out


def drop_fields(data: dict[str, Any], names: Sequence[str]) -> dict[str, Any]:
    """A copy of situation `data` without the fields `names` (dotted): a partial situation."""
    out = copy.deepcopy(data)
    for name in names:
        *parents, leaf = name.split(".")
        node = out
        for part in parents:
            node = node[part]
        del node[leaf]
    return out


def flat_row(data: dict[str, Any]) -> dict[str, Any]:
    """A (partial) situation's JSON as one cell per input field, dotted (missing: None)."""
    from intervene_rules.fields import INPUT_NAMES

    out: dict[str, Any] = {}
    for name in INPUT_NAMES:
        node: Any = data
        for part in name.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        out[name] = node
    return out


def arrow_table(rows: Sequence[dict[str, Any]], drop: Sequence[str] = ()) -> Any:
    """Flat rows (`flat_row`) as a pyarrow table, typed as `evaluate_batch` reads them."""
    import pyarrow as pa

    from intervene_rules.fields import INPUT_NAMES, SITUATION_FIELDS

    kinds = {s.name: s.kind for s in SITUATION_FIELDS}
    types = {"bool": pa.bool_(), "tribool": pa.bool_(), "number": pa.float64()}
    types["set"] = pa.list_(pa.string())
    cols = {}
    for name in rows[0] if rows else INPUT_NAMES:
        if name in drop:
            continue
        kind = types.get(kinds.get(name, ""), pa.string())
        cols[name] = pa.array([r.get(name) for r in rows], kind)
    return pa.table(cols)
