"""Exhaustive analysis speed: `check` and `diff` over the whole reduced input space.

Target (policy-teams issue): check or diff of the largest bundled ruleset within 60 s on
the 2-core machines. Prints, for each bundled ruleset, the situations covered, the time and
the situations per second, and the diff of each layered ruleset against its base.

    python benchmarks/analysis.py [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from intervene_rules import list_rulesets, load_ruleset
from intervene_rules.analysis.check import analyze
from intervene_rules.analysis.diff import diff

TARGET_S = 60.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", help="write the figures to this file")
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="print PASS/FAIL but exit 0 (CI: a shared machine's timings are noisy)",
    )
    args = parser.parse_args()
    rows = []
    # the largest bundled ruleset: the one whose reduced input space has the most points
    from intervene_rules.analysis.space import Space

    sizes = {info["id"]: Space(load_ruleset(info["id"]).program).size for info in list_rulesets()}
    largest = max(sizes, key=lambda rid: (sizes[rid], rid))
    layers = next(i["layers"] for i in list_rulesets() if i["id"] == largest)
    print(f"largest bundled ruleset: {largest} ({sizes[largest]:,} situations)")
    print(f"  {'what':<46} {'situations':>11} {'seconds':>8} {'situations/s':>13}")
    rs = load_ruleset(largest)
    t = time.perf_counter()
    report = analyze(rs)
    rows.append(("check " + rs.id, report.situations, time.perf_counter() - t))
    if len(layers) > 1:
        base, top = load_ruleset(layers[-2]), load_ruleset(largest)
        t = time.perf_counter()
        d = diff(base, top)
        rows.append((f"diff {base.id} {top.id}", d.situations, time.perf_counter() - t))
    worst = 0.0
    for what, n, seconds in rows:
        worst = max(worst, seconds)
        print(f"  {what:<46} {n:>11,} {seconds:>8.1f} {n / seconds:>13,.0f}")
    ok = worst <= TARGET_S
    print(
        f"{'PASS' if ok else 'FAIL'}  slowest analysis {worst:.1f} s (target <= {TARGET_S:.0f} s)"
    )
    if args.json:
        Path(args.json).write_text(
            json.dumps([{"what": w, "situations": n, "seconds": s} for w, n, s in rows], indent=2)
        )
    return 0 if ok or args.report_only else 1


if __name__ == "__main__":
    raise SystemExit(main())
