#!/usr/bin/env python
"""`intervene check --quick` against `intervene --version`: both are process start-ups.

    python benchmarks/startup.py [--quick]

Target (policy teams' issue): `check --quick` of the largest bundled ruleset ≤ 3× the time of
`intervene --version`, measured in the same run (median of several runs each, alternated).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time

TARGET_X = 3.0


def timed(argv: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True)
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    exe = shutil.which("intervene") or "intervene"
    runs = 3 if args.quick else 10
    version, check = [], []
    for _ in range(runs):
        version.append(timed([exe, "--version"]))
        check.append(timed([exe, "check", "--quick", "washington"]))
    v, c = statistics.median(version), statistics.median(check)
    x = c / v
    print(
        f"intervene --version {v * 1e3:.0f} ms; intervene check --quick washington "
        f"{c * 1e3:.0f} ms: {x:.2f}× (target ≤ {TARGET_X:g}×)"
    )
    ok = x <= TARGET_X or args.quick
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
