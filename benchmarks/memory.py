#!/usr/bin/env python
"""One memory row, in its own process: peak RSS of one ruleset's caches under a long stream.

    python benchmarks/memory.py RULESET distinct N          # N distinct situations, once each
    python benchmarks/memory.py RULESET dates N DAYS        # N situations on each of DAYS dates

Prints one JSON line: RSS before the stream (ruleset loaded, engine built), peak RSS after,
the time per evaluation, and whether every answer equalled the uncached evaluation on a
sample. Run by run.py, one subprocess per row, so rows do not share memory.
"""

from __future__ import annotations

import datetime as dt
import json
import resource
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from pool import make_uniform  # noqa: E402

from intervene_rules import Situation, evaluate, load_ruleset  # noqa: E402
from intervene_rules.engine.table import engine_for  # noqa: E402


def rss_mib() -> float:
    """Current resident set (Linux /proc), MiB."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def peak_mib() -> float:
    """Peak resident set of this process (VmHWM): unlike getrusage's ru_maxrss, which on
    Linux keeps the high-water mark of the parent the process was forked from."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    rid, kind, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    days_n = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    rs = load_ruleset(rid)
    day0 = dt.date(2015, 1, 1)
    days = [day0 + dt.timedelta(days=int(i * 4380 / days_n)) for i in range(days_n)]
    for d in {rs.period(x) for x in days}:
        engine_for(d)  # generated code and tables built before the baseline
    batch = 2_000  # small, so the input dicts themselves weigh little in the RSS
    before = rss_mib()
    took = 0.0
    wrong = checked = evaluations = 0
    seed = 1
    if kind == "distinct":
        # distinct by construction: uniform floats for duration_s never repeat in practice
        done = 0
        while done < n:
            pool = make_uniform(min(batch, n - done), seed)
            seed += 1
            t0 = time.perf_counter()
            for i, s in enumerate(pool):
                d = evaluate(rs, s)
                if i % 997 == 0:
                    sit = Situation.model_validate(s)
                    checked += 1
                    wrong += d != engine_for(rs.period(d.as_of)).compute(sit, d.as_of)
            took += time.perf_counter() - t0
            done += len(pool)
            evaluations += len(pool)
    else:
        pool = [Situation.model_validate(s) for s in make_uniform(n, seed)]
        t0 = time.perf_counter()
        for day in days:
            for i, s in enumerate(pool):
                d = evaluate(rs, s, as_of=day)
                if i % 997 == 0:
                    checked += 1
                    wrong += d != engine_for(rs.period(day)).compute(s, day)
            evaluations += len(pool)
        took = time.perf_counter() - t0
    print(
        json.dumps(
            {
                "ruleset": rid,
                "kind": kind,
                "situations": n,
                "dates": days_n,
                "evaluations": evaluations,
                "rss_before_mib": before,
                "rss_after_mib": rss_mib(),
                "peak_mib": peak_mib(),
                "us_per_evaluation": took / evaluations * 1e6,
                "checked": checked,
                "wrong": wrong,
            }
        )
    )


if __name__ == "__main__":
    main()
