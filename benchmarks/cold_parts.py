#!/usr/bin/env python
"""Where a cold `evaluate(rs, Situation)` spends its time, and what precomputing would cost.

    python benchmarks/cold_parts.py            # full: 2,000 situations, the whole class space
    python benchmarks/cold_parts.py --quick    # 300 situations, 1 class key in 50 of the space

The cold row of run.py (a fresh ruleset meets distinct situations, each once) has a target
of 6x the hand-written floor. This script measures, for the smallest and the largest bundled
ruleset, what that row is made of, so the figure can be argued from parts:

- the floor, and the whole cold call;
- the parts of a cold call, each timed on its own over the same stream, on a fresh engine:
  the class key, the rules fired (`fire_on`), the shared decision (found or made), the
  stamping of ranks and date onto it, with how many keys, shared decisions and bodies were
  new;
- what no cache can remove: the same calls once every decision of the stream is made
  (table hits), and a hit whose rank pair is new (a `Decision` stamped);
- precomputing: deciding one situation of every class key of today's period (the table a
  cold stream would then only read), its shared decisions, against the stream's own time.
  The representative situations are built before the timing, so the figure is a lower
  bound of what precomputing costs.

Every decision is compared with the uncached evaluation (`Engine.compute`) on a sample; a
difference exits 1. Timings are reported, not judged.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import floor  # noqa: E402
from pool import distinct, make_pool, make_uniform  # noqa: E402

from intervene_rules import Situation, evaluate, load_ruleset  # noqa: E402
from intervene_rules.analysis.space import Space  # noqa: E402
from intervene_rules.engine.table import Engine, engine_for  # noqa: E402

RULESETS = ("federal-baseline", "houston-pd")


def per_item_us(fn: Callable[[Any], Any], items: Sequence[Any]) -> float:
    """One timed pass with GC off: µs per item."""
    gc.collect()
    gc.disable()
    try:
        t0 = time.perf_counter_ns()
        for x in items:
            fn(x)
        return (time.perf_counter_ns() - t0) / len(items) / 1000
    finally:
        gc.enable()


def fresh_engine(rid: str, day: dt.date) -> tuple[Any, Engine]:
    """A newly loaded ruleset and the engine of its period on `day`, nothing decided."""
    rs = load_ruleset(rid)
    return rs, engine_for(rs.period(day))


def parts(rid: str, sits: list[Situation], day: dt.date) -> dict[str, Any]:
    """The parts of a cold call, each timed over the whole stream on a fresh engine."""
    _, e = fresh_engine(rid, day)
    keys = [e.key(s) for s in sits]  # warms nothing: the key is a pure function
    out: dict[str, Any] = {"key_us": per_item_us(e.key, sits)}
    fired: list[Any] = []

    def fire(s: Situation) -> None:
        mask, seen = e._fire_on(s)
        if seen.opportunity_unknown:
            seen = e._with_opportunity(s, seen)
        fired.append((mask, seen))

    out["fire_us"] = per_item_us(fire, sits)
    bodies = len(e.merger._bodies)
    shares_before = len(e._shared)
    shared: list[Any] = []
    it = iter(zip(sits, fired, strict=True))

    def share(_: object) -> None:
        s, (mask, seen) = next(it)
        shared.append(e._share(mask, seen, (s.actor.rank, s.observer.rank)))

    out["share_us"] = per_item_us(share, sits)
    out["new_bodies"] = len(e.merger._bodies) - bodies
    out["new_shared"] = len(e._shared) - shares_before
    out["new_keys"] = len(set(keys))
    pairs = iter(zip(sits, shared, strict=True))

    def stamp(_: object) -> None:
        s, hit = next(pairs)
        hit.decision(s.actor.rank, s.observer.rank, day)

    out["stamp_us"] = per_item_us(stamp, sits)
    return out


def precompute(rid: str, day: dt.date, stride: int) -> dict[str, Any]:
    """Deciding one situation per class key of the period of `day` (every `stride`-th key)."""
    rs, e = fresh_engine(rid, day)
    space = Space(rs.period(day).program)
    points = list(space.points())[::stride]
    sits = [space.situation(p) for p in points]
    us = per_item_us(lambda s: e.decide(s, day), sits)
    return {
        "class_keys": space.size,
        "sampled": len(sits),
        "us_per_key": us,
        "seconds_for_all_keys": us * space.size / 1e6,
        "shared_decisions": len(e._shared),
        "shared_of_sample": stride == 1,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="300 situations, 1 key in 50")
    ap.add_argument("--seed", type=int, default=17)
    args = ap.parse_args()
    n = 300 if args.quick else 2000
    stride = 50 if args.quick else 1
    day = dt.date.today()
    wrong = 0
    print(f"cold evaluate(rs, Situation), {n} distinct situations per stream, as of {day}")
    for rid in RULESETS:
        for gen, make in (("realistic", make_pool), ("uniform", make_uniform)):
            sits = [Situation.model_validate(d) for d in distinct(make(n, args.seed))]
            fl = min(per_item_us(floor.decide, sits) for _ in range(3))
            rs, e = fresh_engine(rid, day)
            cold = per_item_us(lambda s, rs=rs: evaluate(rs, s, as_of=day), sits)
            warm = min(
                per_item_us(lambda s, rs=rs: evaluate(rs, s, as_of=day), sits) for _ in range(3)
            )
            for s in sits[:: max(1, len(sits) // 100)]:
                wrong += evaluate(rs, s, as_of=day) != e.compute(s, day)
            p = parts(rid, sits, day)
            # a table hit whose rank pair (or date) is new: the decision is stamped again
            other = day - dt.timedelta(days=1)
            if rs.period(other) is rs.period(day):
                restamp = per_item_us(
                    lambda s, rs=rs, other=other: evaluate(rs, s, as_of=other), sits
                )
            else:
                restamp = float("nan")
            print(
                f"\n{rid}/{gen}: floor {fl:.2f} µs; cold call {cold:.2f} µs = {cold / fl:.1f}x; "
                f"table hit {warm:.2f} µs = {warm / fl:.1f}x; hit stamped anew {restamp:.2f} µs"
                f" = {restamp / fl:.1f}x"
            )
            print(
                f"  parts on a fresh engine: class key {p['key_us']:.2f}, rules fired "
                f"{p['fire_us']:.2f}, shared decision {p['share_us']:.2f}, stamp "
                f"{p['stamp_us']:.2f} µs"
            )
            print(
                f"  new in this stream: {p['new_keys']} class keys, {p['new_shared']} shared "
                f"decisions, {p['new_bodies']} bodies (of {len(sits)} situations)"
            )
    print()
    for rid in RULESETS:
        pre = precompute(rid, day, stride)
        sampled = "" if stride == 1 else f" (1 key in {stride}, extrapolated)"
        shared = f"; {pre['shared_decisions']} shared decisions" if pre["shared_of_sample"] else ""
        print(
            f"precompute {rid}: {pre['class_keys']:,} class keys x {pre['us_per_key']:.2f} µs = "
            f"{pre['seconds_for_all_keys']:.2f} s per legal period{sampled}{shared}"
        )
    print(f"\nanswers compared with the uncached evaluation: {wrong} wrong")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
