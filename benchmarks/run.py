#!/usr/bin/env python
"""Per-decision cost of intervene_rules against a hand-written floor, in one run.

    python benchmarks/run.py            # full run (~1 min), exit 1 on a missed target or mismatch
    python benchmarks/run.py --quick    # smoke run for CI (~15 s), exit 1 only on a mismatch
    python benchmarks/run.py --json out.json

See benchmarks/README.md for what each row measures.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from intervene_rules import Situation, evaluate, load_ruleset
from intervene_rules.engine.table import table_for

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import floor  # noqa: E402
from pool import DEFAULT_SEED, distinct, make_pool, make_uniform  # noqa: E402

# durable_rules' action dispatch warns on 3.12 (utcfromtimestamp); keep the output readable
warnings.filterwarnings("ignore", category=DeprecationWarning)

RULESETS = ("federal-baseline", "model-policy")

TARGET_NATIVE_X_FLOOR = 10.0
TARGET_DICT_US = 15.0
TARGET_DURABLE_X_BARE = 2.0
TARGET_IMPORT_MS = 300.0
TARGET_LOAD_MS = 50.0
TARGET_COLD_DICT_X_FLOOR = 20.0
TARGET_COLD_SITUATION_X_FLOOR = 6.0
TARGET_VARIED_DATE_X_FIXED = 2.0
TARGET_CACHE_MIB = 64.0
TARGET_JSON_X_EVALUATION = 1.0
COLD_RULESETS = ("federal-baseline", "houston-pd")  # smallest and largest (by rules) bundled


@dataclass
class Mode:
    pool: int
    repeats: int
    min_sample_ms: float
    max_passes: int
    pct_passes_fast: int
    startup_runs: int


FULL = Mode(
    pool=2000, repeats=15, min_sample_ms=25.0, max_passes=40, pct_passes_fast=5, startup_runs=11
)
QUICK = Mode(
    pool=400, repeats=5, min_sample_ms=5.0, max_passes=10, pct_passes_fast=1, startup_runs=3
)


def simple(d: Any) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """A Decision as the floor's (action, duties, methods) tuple of strings."""
    return (d.action.value, tuple(x.value for x in d.duties), tuple(x.value for x in d.methods))


# --- durable availability -----------------------------------------------------------------


def durable_status() -> str | None:
    """None when durable_rules can run here, else the reason it cannot."""
    if sys.version_info >= (3, 13):
        return (
            f"durable_rules 2.0.28 cannot be imported on Python "
            f"{sys.version_info.major}.{sys.version_info.minor} (PyEval_CallObject removed)"
        )
    try:
        import durable.engine  # noqa: F401
        import durable_rules_engine  # noqa: F401
    except ImportError as exc:
        return f"durable_rules is not importable: {exc}"
    return None


# --- timing ---------------------------------------------------------------------------------


@dataclass
class Row:
    key: str
    label: str
    fn: Callable[[Any], Any]
    items: Sequence[Any]
    slow: bool = False
    passes: int = 1
    samples_ns: list[float] = field(default_factory=list)  # per decision, one per repeat
    latencies_ns: list[int] = field(default_factory=list)

    @property
    def median_us(self) -> float:
        return statistics.median(self.samples_ns) / 1000

    def pct_us(self, q: float) -> float | None:
        if not self.latencies_ns:
            return None
        lat = sorted(self.latencies_ns)
        return lat[min(len(lat) - 1, int(q * len(lat)))] / 1000


def _one_pass(fn: Callable[[Any], Any], items: Sequence[Any], passes: int) -> int:
    pc = time.perf_counter_ns
    t0 = pc()
    for _ in range(passes):
        for x in items:
            fn(x)
    return pc() - t0


def timer_overhead_ns() -> float:
    pc = time.perf_counter_ns
    d = []
    for _ in range(20000):
        t0 = pc()
        t1 = pc()
        d.append(t1 - t0)
    return statistics.median(d)


def calibrate(rows: list[Row], mode: Mode) -> None:
    """Warm up every row (fills tables/caches, builds hosts) and choose passes per sample."""
    for row in rows:
        _one_pass(row.fn, row.items, 1)  # warm-up
        ns = _one_pass(row.fn, row.items, 1)
        want = mode.min_sample_ms * 1e6
        row.passes = max(1, min(mode.max_passes, math.ceil(want / max(ns, 1))))


def measure(rows: list[Row], mode: Mode) -> None:
    """`repeats` interleaved samples per row (order rotated each repeat), GC off while timed."""
    for rep in range(mode.repeats):
        k = rep % len(rows)
        for row in rows[k:] + rows[:k]:
            gc.collect()
            gc.disable()
            try:
                ns = _one_pass(row.fn, row.items, row.passes)
            finally:
                gc.enable()
            row.samples_ns.append(ns / (row.passes * len(row.items)))


PCT_MIN_US = 5.0  # below this, timing each call distorts the call itself (measured: the
# floor, 0.47 µs per call in a plain loop, read 0.7-1.2 µs at p50 when each call was timed)


def measure_latencies(rows: list[Row], mode: Mode, overhead: float) -> None:
    """Per-call latencies (timer overhead subtracted) for p50/p99, for rows >= PCT_MIN_US."""
    pc = time.perf_counter_ns
    for row in rows:
        if row.median_us < PCT_MIN_US:
            continue
        passes = 1 if row.slow else mode.pct_passes_fast
        lat: list[int] = []
        fn = row.fn
        gc.collect()
        gc.disable()
        try:
            for _ in range(passes):
                for x in row.items:
                    t0 = pc()
                    fn(x)
                    t1 = pc()
                    lat.append(t1 - t0)
        finally:
            gc.enable()
        row.latencies_ns = [max(0, int(v - overhead)) for v in lat]


# --- startup figures (fresh processes) ------------------------------------------------------

_IMPORT_CODE = (
    "import time; t = time.perf_counter_ns(); import intervene_rules; "
    "print(time.perf_counter_ns() - t)"
)
# A fresh process from `import` to the first decision: import, the first attribute access
# of `load_ruleset` (the package imports its YAML loader and compiler lazily), the load
# itself, the first engine (`engine_for`: generated native code, decision table) and one evaluate()
# of a plain dict (a table miss).
_LOAD_CODE = (
    "import json, sys, time\n"
    "pc = time.perf_counter_ns\n"
    "t0 = pc()\n"
    "import intervene_rules\n"
    "t1 = pc()\n"
    "load = intervene_rules.load_ruleset\n"
    "t2 = pc()\n"
    "rs = load(sys.argv[1])\n"
    "t3 = pc()\n"
    "from intervene_rules.engine.table import engine_for, table_for\n"
    "table_for(rs)\n"
    "t4 = pc()\n"
    "intervene_rules.evaluate(rs, json.loads(sys.argv[2]))\n"
    "t5 = pc()\n"
    "print(t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4)\n"
)
_STAGES = ("import", "loader_import", "load_ruleset", "table", "first_evaluate")


def _run(args: list[str], env: dict[str, str]) -> tuple[int, str]:
    t0 = time.perf_counter_ns()
    out = subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        check=True,
        cwd=HERE.parent,
        env=env,
    )
    return time.perf_counter_ns() - t0, out.stdout


def startup_envs(cache_dir: str) -> dict[str, dict[str, str]]:
    """`cached`: bytecode cached (in `cache_dir`, never in the repository), as after a wheel
    install; `inherited`: this shell's environment as it is (with PYTHONDONTWRITEBYTECODE=1
    and no __pycache__ next to the sources, the package is compiled from source each time).
    """
    cached = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    cached["PYTHONPYCACHEPREFIX"] = cache_dir
    return {"cached": cached, "inherited": dict(os.environ)}


def _median_ms(values: list[int]) -> float:
    return statistics.median(values) / 1e6


def measure_import(runs: int, envs: dict[str, dict[str, str]]) -> dict[str, Any]:
    for env in envs.values():
        _run(["-c", _IMPORT_CODE], env)  # warm the OS file cache and write the bytecode
    inproc: dict[str, list[int]] = {name: [] for name in envs}
    wall_imp: list[int] = []
    wall_pass: list[int] = []
    for _ in range(runs):  # interleaved, so drift in machine load hits every series alike
        ns, _out = _run(["-c", "pass"], envs["cached"])
        wall_pass.append(ns)
        for name, env in envs.items():
            ns, out = _run(["-c", _IMPORT_CODE], env)
            inproc[name].append(int(out.strip()))
            if name == "cached":
                wall_imp.append(ns)
    # what the import is made of: one -X importtime run, self time summed by package
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import intervene_rules"],
        capture_output=True,
        text=True,
        check=True,
        cwd=HERE.parent,
        env=envs["cached"],
    )
    entries: list[tuple[int, int, str]] = []  # (depth, self µs, module)
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        self_text, _cum, name = line[len("import time:") :].split("|", 2)
        stripped = name.lstrip(" ")
        entries.append(((len(name) - len(stripped) - 1) // 2, int(self_text), stripped))
    # the subtree of `import intervene_rules` (children are printed before their parent)
    by_pkg: Counter[str] = Counter()
    for depth, self_us, name in reversed(entries[:-1]):
        if depth == 0:
            break
        by_pkg[name.split(".")[0]] += self_us
    by_pkg[entries[-1][2].split(".")[0]] += entries[-1][1]
    return {
        "runs": runs,
        "median_ms": _median_ms(inproc["cached"]),
        "inherited_median_ms": _median_ms(inproc["inherited"]),
        "inherited_dont_write_bytecode": os.environ.get("PYTHONDONTWRITEBYTECODE", ""),
        "all_ms": [v / 1e6 for v in inproc["cached"]],
        "wall_import_ms": _median_ms(wall_imp),
        "wall_pass_ms": _median_ms(wall_pass),
        "wall_diff_ms": _median_ms(wall_imp) - _median_ms(wall_pass),
        "importtime_self_ms_by_package": [(n, us / 1000) for n, us in by_pkg.most_common(6)],
    }


def measure_load(
    runs: int, envs: dict[str, dict[str, str]], example: dict[str, Any]
) -> dict[str, Any]:
    """load+compile per bundled ruleset in fresh processes, with the stages around it."""
    out: dict[str, Any] = {}
    arg = json.dumps(example)
    for rid in RULESETS:
        series: dict[str, list[list[int]]] = {name: [] for name in envs}
        for env in envs.values():
            _run(["-c", _LOAD_CODE, rid, arg], env)  # warm-up
        for _ in range(runs):
            for name, env in envs.items():
                _, text = _run(["-c", _LOAD_CODE, rid, arg], env)
                series[name].append([int(x) for x in text.split()])

        def med(name: str, stages: tuple[str, ...], series: dict[str, Any] = series) -> float:
            idx = [_STAGES.index(st) for st in stages]
            return _median_ms([sum(run[i] for i in idx) for run in series[name]])

        load_compile = ("loader_import", "load_ruleset", "table")
        # in-process, warm (modules imported, interpreter warm): repeated load + compile
        warm = []
        for _ in range(max(3, runs // 2)):
            t0 = time.perf_counter_ns()
            rs = load_ruleset(rid)
            table_for(rs)  # builds the engine (generates the native code)
            warm.append(time.perf_counter_ns() - t0)
        out[rid] = {
            "runs": runs,
            "median_ms": med("cached", load_compile),
            "inherited_median_ms": med("inherited", load_compile),
            **{f"{st}_ms": med("cached", (st,)) for st in _STAGES},
            "first_decision_ms": med("cached", _STAGES),
            "inherited_first_decision_ms": med("inherited", _STAGES),
            "warm_ms": _median_ms(warm),
        }
    return out


def measure_durable_host(rs: Any, runs: int) -> float | None:
    """Building the project's durable evaluator (private API: best effort, info only)."""
    try:
        from intervene_rules.engine.durable import DurableEvaluator
    except ImportError:
        return None

    times = []
    for _ in range(runs):
        t0 = time.perf_counter_ns()
        ev = DurableEvaluator(rs.program)
        times.append(time.perf_counter_ns() - t0)
        ev.close()
    return statistics.median(times) / 1e6


# --- verification ---------------------------------------------------------------------------


@dataclass
class Check:
    name: str
    compared: int = 0
    mismatches: list[tuple[int, Any, Any]] = field(default_factory=list)


def verify(
    fed: Any,
    mp: Any,
    dicts: list[dict[str, Any]],
    fed_sits: list[Any],
    mp_sits: list[Any],
    bare: Any | None,
    durable_ok: bool,
) -> tuple[list[Check], dict[str, float]]:
    """Compare every evaluator with the floor (federal-baseline) on the whole pool."""
    checks = {
        "native evaluate(Situation)": Check("native evaluate(Situation)"),
        "native table.compute(Situation)": Check("native table.compute(Situation)"),
        "evaluate(dict) federal-baseline": Check("evaluate(dict) federal-baseline"),
    }
    if durable_ok:
        checks["durable evaluate(Situation)"] = Check("durable evaluate(Situation)")
        checks["bare durable_rules"] = Check("bare durable_rules")
    model_checks = {
        "model-policy evaluate(dict) vs evaluate(Situation)": Check(
            "model-policy evaluate(dict) vs evaluate(Situation)"
        )
    }
    if durable_ok:
        model_checks["model-policy durable vs native"] = Check("model-policy durable vs native")
    firings: Counter[str] = Counter()
    dev: Any = None
    if durable_ok:
        try:  # private API, only to count firings (info): best effort
            import datetime as dt

            from intervene_rules.engine.evaluator import evaluator_for

            # what evaluate() uses by default: today's period
            dev = evaluator_for("durable", fed.period(dt.date.today()))
        except ImportError:
            dev = None
    fed_table = table_for(fed)
    for i, (d, s) in enumerate(zip(dicts, fed_sits, strict=True)):
        want = floor.decide(s)
        got = {
            "native evaluate(Situation)": simple(evaluate(fed, s)),
            "native table.compute(Situation)": simple(fed_table.compute(s)),
            "evaluate(dict) federal-baseline": simple(evaluate(fed, d)),
        }
        if bare is not None:
            got["durable evaluate(Situation)"] = simple(evaluate(fed, s, backend="durable"))
            # the last assertion's firings, catch-all included
            firings["durable"] += len(getattr(dev, "_hits", ()))
            got["bare durable_rules"] = bare.decide(s)
            firings["bare"] += len(bare._hits)
        for name, value in got.items():
            c = checks[name]
            c.compared += 1
            if value != want:
                c.mismatches.append((i, want, value))
    for i, (d, s) in enumerate(zip(dicts, mp_sits, strict=True)):
        ref = simple(evaluate(mp, s))
        got = {"model-policy evaluate(dict) vs evaluate(Situation)": simple(evaluate(mp, d))}
        if durable_ok:
            got["model-policy durable vs native"] = simple(evaluate(mp, s, backend="durable"))
        for name, value in got.items():
            c = model_checks[name]
            c.compared += 1
            if value != ref:
                c.mismatches.append((i, ref, value))
    n = len(fed_sits)
    mean_firings = {k: v / n for k, v in firings.items()}
    return [*checks.values(), *model_checks.values()], mean_firings


# --- cold streams, dates, JSON, memory (issue 9) ------------------------------------------


def _pass_us(fn: Callable[[Any], Any], items: Sequence[Any]) -> tuple[float, list[Any]]:
    """One timed pass, GC off; µs per item and the results."""
    out: list[Any] = []
    append = out.append
    gc.collect()
    gc.disable()
    try:
        t0 = time.perf_counter_ns()
        for x in items:
            append(fn(x))
        ns = time.perf_counter_ns() - t0
    finally:
        gc.enable()
    return ns / len(items) / 1000, out


def _evaluate_on(rs: Any, pair: tuple[Any, Any]) -> Any:
    return evaluate(rs, pair[0], as_of=pair[1])


def measure_cold(quick: bool, seed: int) -> dict[str, Any]:
    """Cold streams: a freshly loaded ruleset (its engine built, no decision made) meets
    distinct situations, each evaluated once. Per ruleset and generator: dict and Situation
    input, a fixed date against a new date on every call, and the JSON of the decisions.
    Every answer is compared with the uncached evaluation (`Engine.compute`)."""
    import datetime as dt

    from intervene_rules import Decision
    from intervene_rules.engine.table import engine_for

    n = 300 if quick else 2000
    repeats = 1 if quick else 5
    today = dt.date.today()
    days = [dt.date(2015, 1, 1) + dt.timedelta(days=(i * 4383) // 1000) for i in range(1000)]
    out: dict[str, Any] = {}
    for rid in COLD_RULESETS:
        for gen in ("realistic", "uniform"):
            series: dict[str, list[float]] = {
                k: [] for k in ("floor", "dict", "situation", "fixed", "varied", "json")
            }
            wrong = compared = 0
            for rep in range(repeats):
                make = make_pool if gen == "realistic" else make_uniform
                dicts = distinct(make(n, seed + 1000 * rep + 17))
                sits = [Situation.model_validate(d) for d in dicts]
                series["floor"].append(min(_pass_us(floor.decide, sits)[0] for _ in range(3)))
                rs = load_ruleset(rid)
                engine = engine_for(rs.period(today))  # generated code built, nothing decided
                us, by_dict = _pass_us(partial(evaluate, rs), dicts)
                series["dict"].append(us)
                rs = load_ruleset(rid)
                engine = engine_for(rs.period(today))
                us, by_sit = _pass_us(partial(evaluate, rs), sits)
                series["situation"].append(us)
                for s, a, b in zip(sits, by_dict, by_sit, strict=True):
                    want = engine.compute(s, today)
                    compared += 1
                    wrong += a != want or b != want
                # JSON of the decisions just made (first serialisation of each)
                us, texts = _pass_us(Decision.model_dump_json, by_dict)
                series["json"].append(us)
                step = 1 if quick else 7
                for d, text in zip(by_dict[::step], texts[::step], strict=True):
                    compared += 1
                    wrong += text != Decision.model_dump_json(d, round_trip=False)
                # dates: the same (now seen) situations on one date, then a new date each call
                pairs = list(zip(sits, days * (len(sits) // len(days) + 1), strict=False))
                fixed = [(x, days[500]) for x in sits]
                dated = partial(_evaluate_on, rs)
                _pass_us(dated, fixed)
                us, _ = _pass_us(dated, fixed)
                series["fixed"].append(us)
                # every period's engine has met these situations once (a warm pass on other
                # dates); then each call asks a date no call asked before
                _pass_us(dated, pairs)
                pairs = [(x, day + dt.timedelta(days=1)) for x, day in pairs]
                us, varied = _pass_us(dated, pairs)
                series["varied"].append(us)
                for (s, day), d in list(zip(pairs, varied, strict=True))[:: 1 if quick else 5]:
                    compared += 1
                    wrong += d != engine_for(rs.period(day)).compute(s, day)
            med = {k: statistics.median(v) for k, v in series.items()}
            out[f"{rid}/{gen}"] = {
                "situations": len(sits),
                "repeats": repeats,
                **{f"{k}_us": v for k, v in med.items()},
                "dict_x_floor": med["dict"] / med["floor"],
                "situation_x_floor": med["situation"] / med["floor"],
                "varied_x_fixed": med["varied"] / med["fixed"],
                "json_x_dict_evaluation": med["json"] / med["dict"],
                "compared": compared,
                "wrong": wrong,
            }
    return out


def measure_memory(quick: bool) -> dict[str, Any]:
    """Peak RSS of one ruleset's caches, one subprocess per row (see memory.py)."""
    rows = (
        [("houston-pd", "distinct", 20_000, 1), ("houston-pd", "dates", 100, 200)]
        if quick
        else [("houston-pd", "distinct", 1_000_000, 1), ("houston-pd", "dates", 1000, 1000)]
    )
    out: dict[str, Any] = {}
    for rid, kind, n, days in rows:
        proc = subprocess.run(
            [sys.executable, str(HERE / "memory.py"), rid, kind, str(n), str(days)],
            capture_output=True,
            text=True,
            check=True,
            cwd=HERE.parent,
        )
        res = json.loads(proc.stdout.strip().splitlines()[-1])
        res["cache_mib"] = res["peak_mib"] - res["rss_before_mib"]
        out[f"{rid}/{kind}"] = res
    return out


# --- report ---------------------------------------------------------------------------------


def fmt_us(x: float | None) -> str:
    if x is None:
        return "-"
    return f"{x:.2f}" if x < 10 else f"{x:.1f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="short smoke run; only mismatches fail")
    ap.add_argument("--json", metavar="PATH", help="also write every figure to PATH as JSON")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--pool", type=int, help="situations in the pool (default 2000, quick 400)")
    ap.add_argument("--repeats", type=int, help="timed samples per row (default 15, quick 5)")
    ap.add_argument(
        "--skip-durable", action="store_true", help="leave out rows 3 and 4 (as on Python 3.13+)"
    )
    args = ap.parse_args(argv)
    mode = QUICK if args.quick else FULL
    if args.pool:
        mode.pool = args.pool
    if args.repeats:
        mode.repeats = args.repeats
    started = time.perf_counter()
    load_before = os.getloadavg()

    fed = load_ruleset("federal-baseline")
    mp = load_ruleset("model-policy")
    dicts = make_pool(mode.pool, args.seed)
    # the pool uses canonical ranks only, so one validation (no rank titles) serves both
    fed_sits = [Situation.model_validate(d) for d in dicts]
    mp_sits = fed_sits

    why_no_durable = "--skip-durable given" if args.skip_durable else durable_status()
    durable_ok = why_no_durable is None
    bare: Any = None
    if durable_ok:
        from bare_durable import BareDurable

        bare = BareDurable()

    rows = [
        Row("floor", "1  FLOOR  hand-written Python (federal)", floor.decide, fed_sits),
        Row(
            "native",
            "2a native  evaluate(rs, Situation) table hit",
            partial(evaluate, fed),
            fed_sits,
        ),
        Row(
            "compute",
            "2b native  table_for(rs).compute(Situation) uncached",
            table_for(fed).compute,
            fed_sits,
        ),
    ]
    if durable_ok:
        rows += [
            Row(
                "durable",
                "3  durable  evaluate(rs, Situation, 'durable')",
                partial(evaluate, fed, backend="durable"),
                fed_sits,
                slow=True,
            ),
            Row(
                "bare",
                "4  bare durable_rules, hand-written rules",
                bare.decide,
                fed_sits,
                slow=True,
            ),
        ]
    rows += [
        Row(
            "dict_federal", "5a evaluate(rs, dict) federal-baseline", partial(evaluate, fed), dicts
        ),
        Row("dict_model", "5b evaluate(rs, dict) model-policy", partial(evaluate, mp), dicts),
    ]

    # correctness first (also warms every cache), then timing
    checks, firings = verify(fed, mp, dicts, fed_sits, mp_sits, bare, durable_ok)
    calibrate(rows, mode)
    measure(rows, mode)
    overhead = timer_overhead_ns()
    measure_latencies(rows, mode, overhead)
    by = {r.key: r for r in rows}
    floor_us = by["floor"].median_us
    cold = measure_cold(args.quick, args.seed)
    memory = measure_memory(args.quick)

    cache_dir = tempfile.mkdtemp(prefix="intervene-bench-pycache-")
    try:
        envs = startup_envs(cache_dir)
        imp = measure_import(mode.startup_runs, envs)
        load = measure_load(mode.startup_runs, envs, dicts[0])
    finally:
        shutil.rmtree(cache_dir, ignore_errors=True)
    host_ms = measure_durable_host(fed, 3 if args.quick else 5) if durable_ok else None

    # ---- print ----
    cpus = os.cpu_count()
    print(f"intervene_rules benchmarks{' (--quick)' if args.quick else ''}")
    print(
        f"Python {platform.python_version()} on {platform.system()} {platform.machine()}, "
        f"{cpus} CPUs; pool {mode.pool} situations (seed {args.seed}); "
        f"{mode.repeats} interleaved repeats per row; GC off while timed"
    )
    load_after = os.getloadavg()
    print(
        f"load average (1 min) {load_before[0]:.2f} at start, {load_after[0]:.2f} after timing "
        f"(above ~0.5, other work shares the {cpus} CPUs and the figures are pessimistic)"
    )
    actions = Counter(floor.decide(s)[0] for s in fed_sits)
    print(
        "floor decisions in the pool: "
        + ", ".join(f"{a} {actions[a]}" for a in ("none", "acknowledge", "intervene"))
    )
    print()
    print("Per decision. µs = median over repeats of (time of a pass over the pool / decisions);")
    print(f"p50/p99 = per-call latency, timer overhead {overhead:.0f} ns subtracted, only for rows")
    print(f"of {PCT_MIN_US:g} µs or more (timing each sub-µs call distorts it):")
    head = f"  {'row':<50} {'µs':>8} {'x floor':>9} {'p50':>8} {'p99':>8}  passes"
    print(head)
    print("  " + "-" * (len(head) - 2))
    for r in rows:
        ratio = r.median_us / floor_us
        spread = f"{min(r.samples_ns) / 1000:.3g}-{max(r.samples_ns) / 1000:.3g}"
        print(
            f"  {r.label:<50} {fmt_us(r.median_us):>8} {ratio:>8.1f}x "
            f"{fmt_us(r.pct_us(0.5)):>8} {fmt_us(r.pct_us(0.99)):>8}  "
            f"{r.passes}x{len(r.items)} (range {spread})"
        )
    if not durable_ok:
        print(f"  rows 3 and 4 skipped: {why_no_durable}")
    else:
        print(
            f"  mean firings per evaluation incl. catch-all: durable backend "
            f"{firings['durable']:.2f}, bare {firings['bare']:.2f}"
        )
    print()
    dwb = imp["inherited_dont_write_bytecode"]
    inherited = f"PYTHONDONTWRITEBYTECODE={dwb}" if dwb else "inherited environment"
    print("Startup (fresh processes, median; bytecode cached outside the repository, as after a")
    print(f"wheel install; [{inherited}: figure as this shell runs it, not a target]):")
    print(
        f"  import intervene_rules            {imp['median_ms']:7.1f} ms   "
        f"[{imp['inherited_median_ms']:.0f} ms] timed inside the process, {imp['runs']} runs; "
        f"wall clock {imp['wall_import_ms']:.0f} ms - 'python -c pass' "
        f"{imp['wall_pass_ms']:.0f} ms = {imp['wall_diff_ms']:.0f} ms"
    )
    print(
        "    made of (-X importtime, self ms by package): "
        + ", ".join(f"{n} {ms:.0f}" for n, ms in imp["importtime_self_ms_by_package"])
    )
    for rid, v in load.items():
        print(
            f"  load+compile {rid:<20} {v['median_ms']:7.1f} ms   "
            f"[{v['inherited_median_ms']:.0f} ms] loader import {v['loader_import_ms']:.1f} + "
            f"load_ruleset {v['load_ruleset_ms']:.1f} + decision table {v['table_ms']:.1f}; "
            f"warm, in-process {v['warm_ms']:.1f} ms"
        )
    for rid, v in load.items():
        print(
            f"  first decision {rid:<18} {v['first_decision_ms']:7.1f} ms   "
            f"[{v['inherited_first_decision_ms']:.0f} ms] import {v['import_ms']:.0f} + "
            f"load+compile {v['median_ms']:.0f} + first evaluate(dict) "
            f"{v['first_evaluate_ms']:.1f} (not a target)"
        )
    if host_ms is not None:
        print(
            f"  durable host build (federal)        {host_ms:7.1f} ms   in-process (not a target)"
        )
    print()

    print("Cold streams (issue 9): a freshly loaded ruleset, distinct situations, each evaluated")
    print("once; µs per evaluation (median of repeats), x floor of the same pass:")
    for name, c in cold.items():
        print(
            f"  {name:<28} n={c['situations']:<5} floor {c['floor_us']:.2f}  "
            f"dict {c['dict_us']:.2f} ({c['dict_x_floor']:.1f}x)  "
            f"Situation {c['situation_us']:.2f} ({c['situation_x_floor']:.1f}x)"
        )
        print(
            f"  {'':<28} dates: fixed {c['fixed_us']:.2f}, new date each call "
            f"{c['varied_us']:.2f} ({c['varied_x_fixed']:.2f}x)  JSON {c['json_us']:.2f} "
            f"({c['json_x_dict_evaluation']:.2f}x the dict evaluation)  "
            f"{c['compared']} answers compared, {c['wrong']} wrong"
        )
    scaled = " (--quick: scaled down; the full run streams a million)" if args.quick else ""
    print(f"Memory of one ruleset's caches, one process per row{scaled}:")
    for name, m in memory.items():
        print(
            f"  {name:<28} {m['evaluations']:>8} evaluations ({m['situations']} situations x "
            f"{m['dates']} dates): peak RSS {m['peak_mib']:.0f} MiB, "
            f"{m['cache_mib']:.1f} MiB above the loaded ruleset; "
            f"{m['us_per_evaluation']:.1f} µs each; {m['checked']} checked, {m['wrong']} wrong"
        )
    print()

    # ---- verification ----
    total_mm = sum(len(c.mismatches) for c in checks)
    total_mm += sum(c["wrong"] for c in cold.values()) + sum(m["wrong"] for m in memory.values())
    print("Cross-check of (action, duties, methods) on the whole pool: federal-baseline rows")
    print("against the floor, model-policy rows against native evaluate(Situation):")
    for c in checks:
        status = "ok" if not c.mismatches else f"{len(c.mismatches)} MISMATCHES"
        print(f"  {c.name:<52} {c.compared:>5} compared  {status}")
        for i, want, got in c.mismatches[:5]:
            print(f"      #{i}: expected {want}  got {got}")
            print(f"          {json.dumps(dicts[i], separators=(',', ':'))}")
        if len(c.mismatches) > 5:
            print(f"      ... {len(c.mismatches) - 5} more")
    print()

    # ---- targets ----
    targets: list[dict[str, Any]] = []

    def target(name: str, value: float | None, limit: float, unit: str, why: str = "") -> None:
        if value is None:
            targets.append(
                {
                    "name": name,
                    "status": "SKIP",
                    "value": None,
                    "limit": limit,
                    "unit": unit,
                    "note": why,
                }
            )
        else:
            targets.append(
                {
                    "name": name,
                    "status": "PASS" if value <= limit else "FAIL",
                    "value": value,
                    "limit": limit,
                    "unit": unit,
                }
            )

    target(
        "native evaluate(Situation) vs floor",
        by["native"].median_us / floor_us,
        TARGET_NATIVE_X_FLOOR,
        "x",
    )
    target(
        "evaluate() from dict, federal-baseline", by["dict_federal"].median_us, TARGET_DICT_US, "µs"
    )
    target("evaluate() from dict, model-policy", by["dict_model"].median_us, TARGET_DICT_US, "µs")
    target(
        "durable evaluator vs bare durable_rules",
        by["durable"].median_us / by["bare"].median_us if durable_ok else None,
        TARGET_DURABLE_X_BARE,
        "x",
        why_no_durable or "",
    )
    for name, c in cold.items():
        target(f"cold {name} dict", c["dict_x_floor"], TARGET_COLD_DICT_X_FLOOR, "x")
        target(f"cold {name} Situation", c["situation_x_floor"], TARGET_COLD_SITUATION_X_FLOOR, "x")
        target(f"new as_of each call {name}", c["varied_x_fixed"], TARGET_VARIED_DATE_X_FIXED, "x")
        target(f"JSON vs evaluation {name}", c["json_x_dict_evaluation"], 1.0, "x")
    for name, m in memory.items():
        target(f"cache memory {name}", m["cache_mib"], TARGET_CACHE_MIB, "MiB")
    target("import intervene_rules", imp["median_ms"], TARGET_IMPORT_MS, "ms")
    for rid, v in load.items():
        target(f"load+compile {rid}", v["median_ms"], TARGET_LOAD_MS, "ms")

    print(
        "Targets:"
        + (
            "  (--quick: reported only; mismatches alone decide the exit code)"
            if args.quick
            else ""
        )
    )
    for t in targets:
        if t["value"] is None:
            print(f"  SKIP  {t['name']:<42} ({t['note']})")
        else:
            print(
                f"  {t['status']}  {t['name']:<42} {t['value']:8.2f} {t['unit']:<3}"
                f"(target <= {t['limit']:g} {t['unit']})"
            )
    failed = [t for t in targets if t["status"] == "FAIL"]
    code = 1 if total_mm or (failed and not args.quick) else 0
    print()
    print(
        f"{len(failed)} target(s) missed, {total_mm} mismatch(es); "
        f"exit {code}; {time.perf_counter() - started:.0f} s"
    )

    if args.json:
        payload = {
            "meta": {
                "python": platform.python_version(),
                "platform": f"{platform.system()} {platform.machine()}",
                "cpus": cpus,
                "quick": args.quick,
                "seed": args.seed,
                "pool": mode.pool,
                "repeats": mode.repeats,
                "timer_overhead_ns": overhead,
                "durable": durable_ok,
                "durable_skip_reason": why_no_durable,
                "loadavg_start": load_before,
                "loadavg_after_timing": load_after,
            },
            "rows": {
                r.key: {
                    "label": r.label,
                    "median_us": r.median_us,
                    "ratio_to_floor": r.median_us / floor_us,
                    "p50_us": r.pct_us(0.5),
                    "p99_us": r.pct_us(0.99),
                    "samples_us": [v / 1000 for v in r.samples_ns],
                    "passes": r.passes,
                    "decisions_per_pass": len(r.items),
                }
                for r in rows
            },
            "mean_firings": firings,
            "import": imp,
            "load_compile": load,
            "durable_host_build_ms": host_ms,
            "checks": [
                {
                    "name": c.name,
                    "compared": c.compared,
                    "mismatches": len(c.mismatches),
                    "examples": [
                        {"index": i, "expected": w, "got": g, "situation": dicts[i]}
                        for i, w, g in c.mismatches[:20]
                    ],
                }
                for c in checks
            ],
            "cold": cold,
            "memory": memory,
            "targets": targets,
            "exit_code": code,
        }
        Path(args.json).write_text(json.dumps(payload, indent=2, default=str) + "\n")
        print(f"figures written to {args.json}")
    return code


if __name__ == "__main__":
    sys.exit(main())
