"""A deterministic pool of situations (plain dicts) over the whole contract vocabulary.

Every enum value of the contract can be drawn; `realistic_opportunity` is true, false or
null; `duration_s` is null, an int, a float, 0, or exactly on / just around the 10 s
opportunity threshold of federal-baseline; misconduct is empty or 1-3 items (sometimes
with a repeat, which validation normalises away). The same seed always gives the same pool.
"""

from __future__ import annotations

import random
from typing import Any

from intervene_rules.vocabulary import (
    ForceType,
    Misconduct,
    PriorIntervention,
    Rank,
    Resistance,
)

DEFAULT_SEED = 20240607

_RANKS = [r.value for r in Rank]
_FORCE = [f.value for f in ForceType]
_RESIST = [r.value for r in Resistance]
_PRIOR = [p.value for p in PriorIntervention]
_MISCONDUCT = [m.value for m in Misconduct]


def _duration(rng: random.Random) -> float | int | None:
    pick = rng.random()
    if pick < 0.25:
        return None
    if pick < 0.30:
        return 0
    if pick < 0.35:
        return 10  # exactly the threshold, as an int
    if pick < 0.40:
        return 10.0
    if pick < 0.45:
        return rng.choice([9.999, 10.001])
    if pick < 0.60:
        return rng.randint(1, 120)
    return round(rng.uniform(0.0, 60.0), 3)


def _misconduct(rng: random.Random) -> list[str]:
    pick = rng.random()
    if pick < 0.55:
        return []
    items = rng.sample(_MISCONDUCT, rng.randint(1, 3))
    if rng.random() < 0.1:
        items.append(items[0])  # a repeat: validation turns the list into a set
    return items


def make_pool(n: int, seed: int = DEFAULT_SEED) -> list[dict[str, Any]]:
    """`n` situations as plain JSON-like dicts, the same for the same `seed`."""
    rng = random.Random(seed)
    pool: list[dict[str, Any]] = []
    for _ in range(n):
        observer: dict[str, Any] = {"rank": rng.choice(_RANKS)}
        opp = rng.random()
        if opp < 0.4:
            observer["realistic_opportunity"] = None
        elif opp < 0.7:
            observer["realistic_opportunity"] = True
        elif opp < 0.95:
            observer["realistic_opportunity"] = False
        # else: left out (defaults to null)
        if rng.random() < 0.5:
            observer["prior_intervention"] = rng.choice(_PRIOR)
        force: dict[str, Any] = {"type": rng.choice(_FORCE), "still_needed": rng.random() < 0.5}
        duration = _duration(rng)
        if duration is not None or rng.random() < 0.5:
            force["duration_s"] = duration  # null stated explicitly, or left out
        situation: dict[str, Any] = {
            "actor": {"rank": rng.choice(_RANKS)},
            "observer": observer,
            "force": force,
            "subject": {
                "resistance": rng.choice(_RESIST),
                "restrained": rng.random() < 0.5,
                "medical_distress": rng.random() < 0.3,
            },
        }
        misconduct = _misconduct(rng)
        if misconduct or rng.random() < 0.5:
            situation["misconduct"] = misconduct
        pool.append(situation)
    return pool


def make_uniform(n: int, seed: int = DEFAULT_SEED) -> list[dict[str, Any]]:
    """`n` situations drawn uniformly from the whole contract: every field stated, any rank
    pair, any misconduct subset, a duration uniform in [0, 600) s or null."""
    rng = random.Random(seed)
    pool: list[dict[str, Any]] = []
    for _ in range(n):
        duration = None if rng.random() < 0.2 else rng.uniform(0.0, 600.0)
        pool.append(
            {
                "actor": {"rank": rng.choice(_RANKS)},
                "observer": {
                    "rank": rng.choice(_RANKS),
                    "realistic_opportunity": rng.choice([True, False, None]),
                    "prior_intervention": rng.choice(_PRIOR),
                },
                "force": {
                    "type": rng.choice(_FORCE),
                    "still_needed": rng.random() < 0.5,
                    "duration_s": duration,
                },
                "subject": {
                    "resistance": rng.choice(_RESIST),
                    "restrained": rng.random() < 0.5,
                    "medical_distress": rng.random() < 0.5,
                },
                "misconduct": [m for m in _MISCONDUCT if rng.random() < 0.15],
            }
        )
    return pool


def distinct(pool: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`pool` without repeated input dicts (as JSON), first occurrences kept in order."""
    import json

    seen: set[str] = set()
    out = []
    for d in pool:
        text = json.dumps(d, sort_keys=True)
        if text not in seen:
            seen.add(text)
            out.append(d)
    return out
