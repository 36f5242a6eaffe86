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
