"""Exhaustive analysis speed: `check` and `diff` over the whole reduced input space.

Targets (issue 9, point 8), as figures of one run on the 2-core machines:

- `check` of the largest bundled ruleset at least 5x faster than commit 808fe0e (the code
  before the one-pass analysis): both run here, each in a fresh interpreter, the old one
  from a temporary `git worktree` of that commit (skipped, saying why, where git or the
  commit is unavailable);
- every bundled ruleset checked (as of today) within 60 s, with `analyze_many` on the
  machine's cores.

Also printed: the diff of the largest ruleset against the layer it extends.

    python benchmarks/analysis.py [--json PATH] [--report-only] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from intervene_rules import list_rulesets, load_ruleset
from intervene_rules.analysis.check import analyze_many, default_jobs
from intervene_rules.analysis.diff import diff
from intervene_rules.analysis.space import Space

ROOT = Path(__file__).resolve().parents[1]
BEFORE = "808fe0e"
SPEEDUP_TARGET = 5.0
ALL_TARGET_S = 60.0

# run in a fresh interpreter against whichever `src` PYTHONPATH names (old or new code)
TIME_CHECK = """
import datetime as dt, json, sys, time
from intervene_rules import load_ruleset
from intervene_rules.analysis.check import analyze
rs = load_ruleset(sys.argv[1]).at(dt.date.today())
t = time.perf_counter()
report = analyze(rs)
seconds = time.perf_counter() - t
print(json.dumps({"seconds": seconds, "situations": report.situations,
                  "findings": sorted([f.code, f.message] for f in report.findings)}))
"""


def time_check(src: Path, rid: str) -> dict[str, object]:
    """`analyze` of `rid` with the package under `src`, in a fresh interpreter."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    out = subprocess.run(
        [sys.executable, "-c", TIME_CHECK, rid],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        cwd=tempfile.gettempdir(),
    )
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def old_tree(tmp: Path) -> Path | str:
    """A worktree of the commit before the one-pass analysis, or why there is none."""
    if shutil.which("git") is None:
        return "git is not installed"
    target = tmp / "before"
    done = subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(target), BEFORE],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        return f"no worktree of {BEFORE}: {done.stderr.strip() or done.stdout.strip()}"
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", help="write the figures to this file")
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="print PASS/FAIL but exit 0 (CI: a shared machine's timings are noisy)",
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="time each check this many times (best kept)"
    )
    args = parser.parse_args()
    infos = list_rulesets()
    sizes = {i["id"]: Space(load_ruleset(i["id"]).program).size for i in infos}
    largest = max(sizes, key=lambda rid: (sizes[rid], rid))
    print(f"largest bundled ruleset: {largest} ({sizes[largest]:,} situations)")
    figures: dict[str, object] = {"largest": largest, "situations": sizes[largest]}
    ok = True

    # 1. check of the largest ruleset, before and after
    new = min(
        (time_check(ROOT / "src", largest) for _ in range(args.repeat)),
        key=lambda r: float(r["seconds"]),  # type: ignore[arg-type]
    )
    new_s = float(new["seconds"])  # type: ignore[arg-type]
    figures["check_new_s"] = new_s
    with tempfile.TemporaryDirectory(prefix="intervene-bench-") as tmp:
        tree = old_tree(Path(tmp))
        try:
            if isinstance(tree, str):
                print(f"  check {largest}: {new_s:.2f} s now; no comparison ({tree})")
            else:
                old = min(
                    (time_check(tree / "src", largest) for _ in range(args.repeat)),
                    key=lambda r: float(r["seconds"]),  # type: ignore[arg-type]
                )
                old_s = float(old["seconds"])  # type: ignore[arg-type]
                ratio = old_s / new_s
                same = old["findings"] == new["findings"]
                passed = ratio >= SPEEDUP_TARGET and same
                ok &= passed
                figures.update(check_old_s=old_s, speedup=ratio, same_findings=same)
                print(
                    f"{'PASS' if passed else 'FAIL'}  check {largest}: {old_s:.2f} s at "
                    f"{BEFORE}, {new_s:.2f} s now: {ratio:.1f}x faster (target >= "
                    f"{SPEEDUP_TARGET:.0f}x); findings {'identical' if same else 'DIFFER'}"
                )
        finally:
            if not isinstance(tree, str):
                subprocess.run(
                    ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)],
                    capture_output=True,
                )

    # 2. every bundled ruleset, on every core
    jobs = default_jobs()
    t = time.perf_counter()
    results = analyze_many([i["id"] for i in infos], jobs=jobs)
    all_s = time.perf_counter() - t
    points = sum(r.situations for res in results for r in res.reports)
    refused = [res.target for res in results if res.issues]
    passed = all_s <= ALL_TARGET_S and not refused
    ok &= passed
    figures.update(all_s=all_s, all_points=points, jobs=jobs)
    print(
        f"{'PASS' if passed else 'FAIL'}  check of all {len(results)} bundled rulesets: "
        f"{points:,} situations in {all_s:.1f} s on {jobs} process(es) (target <= "
        f"{ALL_TARGET_S:.0f} s){'; not analysed: ' + ', '.join(refused) if refused else ''}"
    )
    print("  " + ", ".join(f"{r.ruleset} {r.seconds:.1f}s" for res in results for r in res.reports))

    # 3. diff of the largest ruleset against its base layer (no target)
    layers = next(i["layers"] for i in infos if i["id"] == largest)
    if len(layers) > 1:
        base, top = load_ruleset(layers[-2]), load_ruleset(largest)
        t = time.perf_counter()
        d = diff(base, top)
        seconds = time.perf_counter() - t
        figures["diff_s"] = seconds
        print(f"  diff {base.id} {top.id}: {d.situations:,} situations in {seconds:.1f} s")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))
    return 0 if ok or args.report_only else 1


if __name__ == "__main__":
    raise SystemExit(main())
