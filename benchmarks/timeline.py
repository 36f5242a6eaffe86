#!/usr/bin/env python
"""A timeline's evaluation against single `evaluate()` calls on the same situations.

    python benchmarks/timeline.py            # 1,000 events, a few seconds
    python benchmarks/timeline.py --quick    # 200 events

A random timeline of N events (one officer using force by turns, one watching: one line,
so about one situation per event; the subject's state changing) is evaluated with
`Timeline.evaluate`; then every situation of its moments is evaluated once more with
`evaluate()` alone, on a fresh ruleset object (the same work, without the timeline).
Target: the timeline ≤ 20× those calls. Every moment's decision is compared with
`evaluate()`'s.
"""

from __future__ import annotations

import argparse
import random
import sys
import time

import yaml

from intervene_rules import evaluate, load_ruleset, load_timeline

TARGET_X = 20.0


def make(n: int, seed: int) -> str:
    rnd = random.Random(seed)
    at = 0.0
    events = []
    using: set[str] = set()
    for _ in range(n):
        at += rnd.choice([1.0, 2.0, 5.0, 12.0])
        who = "A"
        roll = rnd.random()
        if roll < 0.4:
            if who in using:
                events.append({"at": at, "kind": "force_stopped", "officer": who})
                using.discard(who)
            else:
                t = rnd.choice(["takedown", "cew", "bodyweight_compression", "hard_empty_hand"])
                events.append({"at": at, "kind": "force_started", "officer": who, "type": t})
                using.add(who)
        elif roll < 0.6:
            r = rnd.choice(["compliant", "passive_resistance", "active_resistance"])
            events.append({"at": at, "kind": "resistance_changed", "resistance": r})
        elif roll < 0.7:
            events.append(
                {"at": at, "kind": rnd.choice(["subject_restrained", "subject_released"])}
            )
        elif roll < 0.8 and who in using:
            events.append(
                {"at": at, "kind": "force_changed", "officer": who, "still_needed": False}
            )
        else:
            events.append({"at": at, "kind": "medical_distress", "observed": rnd.random() < 0.5})
    return yaml.safe_dump(
        {
            "incident": "benchmark",
            "date": "2024-06-01",
            "officers": [
                {"id": "A", "rank": "sergeant"},
                {"id": "B", "rank": "officer"},
            ],
            "events": events,
        }
    )


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    n = 200 if args.quick else 1000
    text = make(n, 3)
    timeline = load_timeline("benchmark.yaml", text=text)
    best_t = best_e = float("inf")
    for _ in range(1 if args.quick else 3):
        rs = load_ruleset("minneapolis-pd")
        t0 = time.perf_counter()
        result = timeline.evaluate(rs)
        best_t = min(best_t, time.perf_counter() - t0)
        situations = [m.situation for line in result.lines for m in line.moments]
        rs2 = load_ruleset("minneapolis-pd")
        t0 = time.perf_counter()
        for s in situations:
            evaluate(rs2, s, as_of=timeline.date)
        best_e = min(best_e, time.perf_counter() - t0)
    for line in result.lines:
        for m in line.moments:
            assert m.decision == evaluate(rs, m.situation, as_of=timeline.date)
    x = best_t / best_e
    moments = sum(len(line.moments) for line in result.lines)
    print(
        f"timeline of {n} events: {moments} moments in {len(result.lines)} lines; "
        f"{best_t * 1e3:.1f} ms, the same {len(situations)} evaluate() calls "
        f"{best_e * 1e3:.1f} ms: "
        f"{x:.1f}× (target ≤ {TARGET_X:g}×)"
    )
    ok = x <= TARGET_X or args.quick
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
