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

from intervene_rules import list_rulesets, load_ruleset  # noqa: E402
from intervene_rules.analysis.check import analyze  # noqa: E402
from intervene_rules.analysis.diff import diff  # noqa: E402

TARGET_S = 60.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args()
    rows = []
    print("exhaustive analysis (fresh ruleset objects, nothing cached between rows)")
    print(f"  {'what':<46} {'situations':>11} {'seconds':>8} {'situations/s':>13}")
    for info in list_rulesets():
        rs = load_ruleset(info["id"])
        t = time.perf_counter()
        report = analyze(rs)
        seconds = time.perf_counter() - t
        rows.append(("check " + rs.id, report.situations, seconds))
        if len(info["layers"]) > 1:
            base = load_ruleset(info["layers"][-2])
            top = load_ruleset(info["id"])
            t = time.perf_counter()
            d = diff(base, top)
            rows.append((f"diff {base.id} {top.id}", d.situations, time.perf_counter() - t))
    worst = 0.0
    for what, n, seconds in rows:
        worst = max(worst, seconds)
        print(f"  {what:<46} {n:>11,} {seconds:>8.1f} {n / seconds:>13,.0f}")
    ok = worst <= TARGET_S
    print(f"{'PASS' if ok else 'FAIL'}  slowest analysis {worst:.1f} s (target <= {TARGET_S:.0f} s)")
    if args.json:
        Path(args.json).write_text(
            json.dumps([{"what": w, "situations": n, "seconds": s} for w, n, s in rows], indent=2)
        )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
