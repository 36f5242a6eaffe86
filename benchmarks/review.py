#!/usr/bin/env python
"""A review of a 1,000-event timeline with 100 responses against the timeline alone.

    python benchmarks/review.py [--quick]

Target (post-incident review issue): the review ≤ 2× the timeline's own evaluation.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from timeline import make

from intervene_rules import load_ruleset, load_timeline, review
from intervene_rules.review import load_responses

TARGET_X = 2.0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    n = 200 if args.quick else 1000
    t = load_timeline("benchmark.yaml", text=make(n, 3))
    rnd = random.Random(5)
    end = t.events[-1].at
    acts = sorted(rnd.uniform(0, end) for _ in range(n // 10))
    kinds = ["verbal_intervention", "physical_intervention", "aid_rendered", "supervisor_requested"]
    responses, _ = load_responses(
        "r.yaml",
        text=yaml.safe_dump(
            {"responses": [{"at": a, "officer": "B", "kind": rnd.choice(kinds)} for a in acts]}
        ),
    )
    best_t = best_r = float("inf")
    for _ in range(1 if args.quick else 3):
        rs = load_ruleset("minneapolis-pd")
        t0 = time.perf_counter()
        t.evaluate(rs)
        best_t = min(best_t, time.perf_counter() - t0)
        rs = load_ruleset("minneapolis-pd")
        t0 = time.perf_counter()
        result = review(rs, t, responses)
        best_r = min(best_r, time.perf_counter() - t0)
    assert result.duties
    x = best_r / best_t
    print(
        f"review of {n} events, {len(acts)} responses: {best_r * 1e3:.1f} ms; the timeline "
        f"alone {best_t * 1e3:.1f} ms: {x:.2f}× (target ≤ {TARGET_X:g}×)"
    )
    ok = x <= TARGET_X or args.quick
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
