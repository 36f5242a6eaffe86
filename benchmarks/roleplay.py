#!/usr/bin/env python
"""1,000 role-play scenarios with their quiz and answer key (target: ≤ 5 s).

    python benchmarks/roleplay.py [--quick]

Times `roleplay.generate` (a fresh ruleset object: nothing decided yet) plus rendering the
questions and the answer key as Markdown; then checks every answer against `evaluate()`.
"""

from __future__ import annotations

import argparse
import sys
import time

from intervene_rules import evaluate, load_ruleset
from intervene_rules.roleplay import generate, markdown

TARGET_S = 5.0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    n = 200 if args.quick else 1000
    best = float("inf")
    for _ in range(1 if args.quick else 3):
        rs = load_ruleset("minneapolis-pd")
        t0 = time.perf_counter()
        sset = generate(rs, count=n, seed=11)
        markdown(sset, part="questions")
        markdown(sset, part="answers")
        best = min(best, time.perf_counter() - t0)
    for sc in sset.scenarios:
        assert evaluate(rs, sc.situation, as_of=sset.as_of).action == sc.action
    scaled = best * 1000 / n
    print(
        f"{n} scenarios with quiz and key: {best:.2f} s (per 1,000: {scaled:.2f} s; "
        f"target ≤ {TARGET_S:g} s)"
    )
    ok = scaled <= TARGET_S
    print("PASS" if ok else "FAIL")
    return 0 if ok or args.quick else 1


if __name__ == "__main__":
    sys.exit(main())
