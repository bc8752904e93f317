"""Compile-time scaling: distill + optimize(-O2) + emit against features and rows (issue 8).

Part 1. A synthetic additive teacher (`Additive.from_functions`: one smooth function per
feature, standard normal inputs) is distilled to 3 segments per curve, optimized with -O2
(using the same rows) and emitted to every target. Each (features, rows) cell runs in a
fresh subprocess so its peak memory (ru_maxrss, which includes the input columns) is its
own. Growth exponents are least-squares slopes of log(time) against log(features) at the
smallest row count and against log(rows) at the smallest feature count: 1 is linear.

Part 2. A model of 10,000 terms and 100,000 knots (2,000 inputs, each with 2 curves and 3
step functions of 10 knots) is emitted, read back (checked equal) and compiled per backend
(pwl; python: the builtin `compile`; c: gcc -O2; sql:duckdb: run on 100 rows), one timing
per stage, without recursion errors.

    .venv/bin/python benchmarks/compile.py            # full grid, several minutes
    .venv/bin/python benchmarks/compile.py --quick    # smaller grid, about a minute
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import time
from typing import Any

import numpy as np

TARGETS = ("pwl", "python", "c", "sql:duckdb")
SEGMENTS = 3


def teacher(features: int, seed: int = 0) -> Any:
    """An additive teacher with one smooth, differently shaped function per feature."""
    from pwlc.frontends.additive import Additive

    rng = np.random.default_rng(seed)
    scales, bends = rng.uniform(0.5, 3.0, features), rng.uniform(-0.5, 0.5, features)

    def function(j: int) -> Any:
        return lambda x: np.tanh(scales[j] * x) + bends[j] * x * x

    return Additive.from_functions({f"x{j}": function(j) for j in range(features)})


def run_cell(features: int, rows: int) -> dict[str, float]:
    """Distill, optimize and emit one (features, rows) cell; seconds per stage, peak MB."""
    import pwlc

    rng = np.random.default_rng(1)
    data = {f"x{j}": rng.normal(0.0, 1.0, rows) for j in range(features)}
    source = teacher(features)
    times: dict[str, float] = {}
    start = time.perf_counter()
    student = pwlc.distill(source, data, segments=SEGMENTS)
    times["distill"] = time.perf_counter() - start
    start = time.perf_counter()
    student, _ = pwlc.optimize(student, "O2", data=data)
    times["optimize"] = time.perf_counter() - start
    start = time.perf_counter()
    for target in TARGETS:
        pwlc.emit(student, target)
    times["emit"] = time.perf_counter() - start
    times["total"] = sum(times.values())
    times["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    times["input_mb"] = features * rows * 8 / 2**20
    return times


def cell_in_subprocess(features: int, rows: int) -> dict[str, float]:
    command = [sys.executable, __file__, "--cell", f"{features},{rows}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return dict(json.loads(output.strip().splitlines()[-1]))


def slope(xs: list[float], ys: list[float]) -> float:
    """The least-squares slope of log(y) against log(x): the growth exponent."""
    return float(np.polyfit(np.log(xs), np.log(ys), 1)[0])


def scaling(feature_counts: list[int], row_counts: list[int], extra: list[tuple[int, int]]) -> None:
    cells = sorted({(f, row_counts[0]) for f in feature_counts} | {(feature_counts[0], r) for r in row_counts} | set(extra))
    print(f"Part 1: distill ({SEGMENTS} segments) + optimize -O2 + emit {', '.join(TARGETS)}; one subprocess per cell")
    print(f"  {'features':>8}{'rows':>11}{'distill s':>11}{'optimize s':>12}{'emit s':>9}{'total s':>10}{'peak MB':>9}{'input MB':>10}")
    results: dict[tuple[int, int], dict[str, float]] = {}
    for features, rows in cells:
        result = results[features, rows] = cell_in_subprocess(features, rows)
        print(
            f"  {features:>8,}{rows:>11,}{result['distill']:>11.2f}{result['optimize']:>12.2f}{result['emit']:>9.2f}"
            f"{result['total']:>10.2f}{result['peak_mb']:>9.0f}{result['input_mb']:>10.0f}",
            flush=True,
        )
    print("  growth exponents (slope of log time; 1 = linear):")
    for stage in ("distill", "optimize", "emit", "total"):
        by_features = slope([float(f) for f in feature_counts], [results[f, row_counts[0]][stage] for f in feature_counts])
        by_rows = slope([float(r) for r in row_counts], [results[feature_counts[0], r][stage] for r in row_counts])
        print(f"    {stage:<9} in features (at {row_counts[0]:,} rows): {by_features:5.2f}   in rows (at {feature_counts[0]} features): {by_rows:5.2f}")
    memory_features = slope([float(f) for f in feature_counts], [results[f, row_counts[0]]["peak_mb"] for f in feature_counts])
    memory_rows = slope([float(r) for r in row_counts], [results[feature_counts[0], r]["peak_mb"] for r in row_counts])
    print(f"    {'peak MB':<9} in features: {memory_features:5.2f}   in rows: {memory_rows:5.2f}  (includes the interpreter and libraries)")
    for features, rows in extra:
        total = results[features, rows]["total"]
        print(f"  {features} features x {rows:,} rows: {total:.1f} s (target 30 s: {'met' if total <= 30 else f'missed by {total / 30:.1f}x'})")


def big_model(inputs: int, curves_per_input: int = 2, steps_per_input: int = 3, knots: int = 10) -> Any:
    """A verified model of inputs * (curves + steps) terms, each with `knots` knots/bins."""
    from pwlc.ir import Curve, Input, Model, Step, verify

    rng = np.random.default_rng(0)
    grid = tuple(float(v) for v in np.linspace(0.0, 1.0, knots))
    terms: list[Any] = []
    for j in range(inputs):
        name = f"x{j}"
        terms += [Curve(name, grid, tuple(round(float(v), 4) for v in rng.normal(0, 1, knots))) for _ in range(curves_per_input)]
        terms += [Step(name, grid[1:], tuple(round(float(v), 4) for v in rng.normal(0, 1, knots))) for _ in range(steps_per_input)]
    return verify(Model(tuple(Input(f"x{j}") for j in range(inputs)), tuple(terms), name="big"))


def big(inputs: int, targets: tuple[str, ...] = TARGETS) -> None:
    import pwlc
    from pwlc.ir import Curve, Step

    model = big_model(inputs)
    knots = sum(len(t.xs) for t in model.terms if isinstance(t, Curve)) + sum(len(t.values) for t in model.terms if isinstance(t, Step))
    print(f"\nPart 2: a model of {len(model.terms):,} terms and {knots:,} knots on {inputs:,} inputs")
    print(f"  {'target':<12}{'emit s':>8}{'read s':>8}{'same':>6}{'compile s':>11}{'size KB':>9}  compile step")
    sys.setrecursionlimit(1000)  # the default: a deep recursion must fail here, not hide
    data = {f"x{j}": np.random.default_rng(2).uniform(-0.1, 1.1, 100) for j in range(inputs)}
    for target in targets:
        text, emit_seconds = timed(lambda target=target: pwlc.emit(model, target))
        same, read_seconds = timed(lambda text=text, target=target: pwlc.read(text, format=target) == model) if isinstance(text, str) else ("-", math.nan)
        if isinstance(text, str):
            step, compile_seconds = timed(lambda text=text, target=target: compile_step(target, text, model, data))
        else:
            step, compile_seconds = "not run (emit failed)", math.nan
        failures = [f"{stage} FAILED: {value}" for stage, value in (("emit", text), ("read", same)) if isinstance(value, Failure)]
        same_text = "yes" if same is True else "NO" if same is False else "-"
        size = f"{len(text) / 1024:>9.0f}" if isinstance(text, str) else f"{'-':>9}"
        print(f"  {target:<12}{emit_seconds:>8.2f}{read_seconds:>8.2f}{same_text:>6}{compile_seconds:>11.2f}{size}  {'; '.join([*failures, str(step)])}", flush=True)


class Failure(str):
    """An exception caught while timing a stage, printed in place of its result."""


def timed(stage: Any) -> tuple[Any, float]:
    """Run one stage: (its result, or a Failure naming the exception; seconds)."""
    start = time.perf_counter()
    try:
        result = stage()
    except (RecursionError, Exception) as error:  # report the failure and go on with the next stage
        result = Failure(f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}")
    return result, time.perf_counter() - start


def compile_step(target: str, text: str, model: Any, data: dict[str, np.ndarray]) -> str:
    """Compile (and for SQL, run) the emitted text; describe what was done."""
    import pwlc

    if target == "python":
        compile(text, "<big.py>", "exec")
        return "builtin compile() to bytecode"
    if target == "c":
        result = subprocess.run(
            ["gcc", "-std=c99", "-O2", "-fPIC", "-shared", "-x", "c", "-", "-o", "/dev/null", "-lm"], input=text, capture_output=True, text=True
        )
        return "gcc -O2 -shared: ok" if result.returncode == 0 else f"gcc FAILED: {result.stderr[:200]}"
    if target.startswith("sql"):
        import duckdb
        import pandas as pd

        connection = duckdb.connect()
        frame = pd.DataFrame(data)
        connection.register("frame", frame)
        connection.execute("CREATE TABLE input AS SELECT * FROM frame")
        scores = np.asarray(connection.execute(text).fetchnumpy()[model.name], dtype=np.float64)
        error = float(np.max(np.abs(scores - pwlc.evaluate(model, data, output="score"))))
        return f"DuckDB ran it on {len(frame)} rows; max |Δ| vs evaluator {error:.1e}"
    return "(nothing to compile)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="features 10, 100; rows 10k, 100k; a 2,000-term model")
    parser.add_argument("--cell", help=argparse.SUPPRESS)  # internal: run one cell, print JSON
    parser.add_argument("--part", choices=("1", "2", "both"), default="both")
    parser.add_argument("--big-targets", default="pwl,python,c,sql:duckdb", help="targets for part 2 (python and sql take minutes at 10,000 terms)")
    args = parser.parse_args()
    if args.cell:
        features, rows = (int(v) for v in args.cell.split(","))
        print(json.dumps(run_cell(features, rows)))
        return
    start = time.perf_counter()
    if args.part in ("1", "both"):
        if args.quick:
            scaling([10, 100], [10_000, 100_000], [])
        else:
            scaling([10, 100, 1000], [10_000, 100_000, 1_000_000], [(100, 1_000_000)])
    if args.part in ("2", "both"):
        big(400 if args.quick else 2000, tuple(args.big_targets.split(",")))
    print(f"\ndone in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
