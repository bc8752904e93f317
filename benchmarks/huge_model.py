"""A huge model through every stage (issue 9, "Huge models"): 10,000 terms and 100,000
knots read, optimized by every pass, emitted for every backend, read back, compiled by gcc
and run on SQLite and DuckDB — no RecursionError, and the time of each stage.

    .venv/bin/python benchmarks/huge_model.py               # 10,000 terms x 10 knots
    .venv/bin/python benchmarks/huge_model.py --terms 2000  # quicker

The terms are curves over 1,000 inputs (10 terms each): SQLite and PostgreSQL tables hold
at most 2,000 and 1,600 columns. Every run scores a few rows on each engine and compares
them with the reference evaluator.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pwlc  # noqa: E402
from pwlc.backends import c as c_backend  # noqa: E402
from pwlc.backends import pwl as pwl_backend  # noqa: E402
from pwlc.backends import python as python_backend  # noqa: E402
from pwlc.backends import sql as sql_backend  # noqa: E402
from pwlc.ir import Constant, Curve, Input, Model, verify  # noqa: E402
from pwlc.testing import mismatches  # noqa: E402
from tests import engines  # noqa: E402

T = TypeVar("T")
INPUTS = 1_000
# Every pass: -O3 is fold, prune, merge, refit, fold, round; -O2 the lossy passes without refit.
PIPELINES = ("O2", "O3")


def huge_model(terms: int, knots: int) -> Model:
    """`terms` curves spread over INPUTS inputs, `knots` knots each, values that vary."""
    inputs = tuple(Input(f"x{i}") for i in range(min(INPUTS, terms)))
    curves = tuple(
        Curve(inputs[t % len(inputs)].name, tuple(float(k + t % 3) for k in range(knots)), tuple(float((7 * t + 3 * k) % 11 - 5) for k in range(knots)))
        for t in range(terms)
    )
    return verify(Model(inputs, (Constant(0.25), *curves)))


def timed(rows: list[tuple[str, float, str]], stage: str, run: Callable[[], T], note: Callable[[T], str] = lambda _: "") -> T:
    start = time.perf_counter()
    result = run()
    seconds = time.perf_counter() - start
    rows.append((stage, seconds, note(result)))
    print(f"  {stage:<34} {seconds:8.2f} s  {rows[-1][2]}", flush=True)
    return result


def check(name: str, got: Any, *, model: Model, columns: dict[str, list[float]]) -> str:
    bad = mismatches(np.asarray(got, dtype=np.float64), pwlc.evaluate(model, columns, output="score"))
    if bad:
        raise AssertionError(f"{name}: {len(bad)} rows differ from the evaluator")
    return "0 mismatches"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--terms", type=int, default=10_000)
    parser.add_argument("--knots", type=int, default=10)
    args = parser.parse_args()
    sys.setrecursionlimit(1_000)  # the default: nothing here may lean on a raised limit

    model = huge_model(args.terms, args.knots)
    knots = sum(len(t.xs) for t in model.terms if isinstance(t, Curve))
    print(f"{len(model.terms) - 1:,} curves, {knots:,} knots, {len(model.inputs):,} inputs")
    rng = np.random.default_rng(0)
    columns = {i.name: [float(v) for v in rng.uniform(-1.0, args.knots + 3.0, 8)] for i in model.inputs}
    data = {i.name: rng.uniform(-1.0, args.knots + 3.0, 256) for i in model.inputs}
    rows: list[tuple[str, float, str]] = []

    text = timed(rows, "pwl: emit", lambda: pwl_backend.emit(model), lambda t: f"{len(t):,} chars")
    timed(rows, "pwl: read", lambda: pwl_backend.read(text), lambda m: "round trip exact" if m == model else "ROUND TRIP DIFFERS")
    for pipeline in PIPELINES:
        timed(rows, f"optimize {pipeline} (256 rows)", partial(pwlc.optimize, model, pipeline, data=data), lambda r: f"{len(r[0].terms):,} terms left")
    timed(rows, "evaluate (8 rows)", lambda: pwlc.evaluate(model, columns, output="score"))

    source = timed(rows, "python: emit (black)", lambda: python_backend.emit(model), lambda t: f"{len(t):,} chars")
    timed(rows, "python: read", lambda: python_backend.read(source), lambda m: "round trip exact" if m == model else "ROUND TRIP DIFFERS")
    namespace: dict[str, Any] = {}
    timed(rows, "python: CPython compile + exec", lambda: exec(compile(source, "<huge>", "exec"), namespace))  # noqa: S102
    arrays = {name: np.asarray(values) for name, values in columns.items()}
    timed(rows, "python: score 8 rows (batch)", lambda: namespace[model.name](**{python_backend.parameter_names(model)[k]: v for k, v in arrays.items()}), partial(check, "python", model=model, columns=columns))

    c_source = timed(rows, "C: emit", lambda: c_backend.emit(model), lambda t: f"{len(t):,} chars")
    timed(rows, "C: read", lambda: c_backend.read(c_source), lambda m: "round trip exact" if m == model else "ROUND TRIP DIFFERS")
    timed(rows, "C: gcc -O2 -Wall -Wextra -pedantic", lambda: engines.compile_c(c_source, "gcc"), lambda r: "0 warnings" if not r[1].strip() else "WARNINGS")
    timed(rows, "C: score 8 rows", lambda: engines.run_c(model, columns, "gcc"), partial(check, "gcc", model=model, columns=columns))

    query = timed(rows, "SQL (duckdb): emit", lambda: sql_backend.emit(model, "duckdb"), lambda t: f"{len(t):,} chars")
    timed(rows, "SQL (duckdb): read", lambda: sql_backend.read(query), lambda m: "round trip exact" if m == model else "ROUND TRIP DIFFERS")
    for engine in ("duckdb", "sqlite"):
        timed(rows, f"SQL: run on {engine}, 8 rows", partial(engines.run_sql, model, columns, engine), partial(check, engine, model=model, columns=columns))

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"total {sum(seconds for _, seconds, _ in rows):.1f} s; peak memory {peak:,.0f} MB")


if __name__ == "__main__":
    main()
