"""The hostile-name and edge-input tables of issue 9, per backend, from the same models and
checks as tests/test_hardening.py.

    .venv/bin/python benchmarks/hardening_tables.py

Hostile names: every input and category named by an injection attempt or an odd string
(tests/test_hardening.py HOSTILE plus the extras each engine takes); the emitted code runs
and scores the model's edge grid; on SQL engines a canary table sits beside the input and
the query is run so that a smuggled second statement would execute.
Edge inputs: each extreme model (subnormal/huge/float32 knots, signed zeros, log of
subnormals, ...) scored on its edge grid plus every extreme double, on every engine.
Every score is compared with the reference evaluator (`pwlc.testing.mismatches`).
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pwlc  # noqa: E402
from pwlc.ir import verify  # noqa: E402
from pwlc.testing import edge_grid, mismatches  # noqa: E402
from tests import engines  # noqa: E402
from tests.test_hardening import (  # noqa: E402
    EDGE_MODELS,
    EXTRA_CATEGORIES,
    EXTRA_NAMES,
    HOSTILE,
    edge_columns,
    model_for,
    run_with_canary,
)

HOSTILE_ENGINES = ["python", "gcc", "clang", "sqlite", "duckdb", "postgres", "spark"]
EDGE_ENGINES = ["python", "gcc", "clang", "sqlite", "duckdb"]


def score(engine: str, model: pwlc.Model, columns: engines.Columns) -> np.ndarray:
    if engine == "python":
        return engines.run_python(model, columns)
    if engine in ("gcc", "clang"):
        return engines.run_c(model, columns, engine)
    if engine == "spark":  # no canary: a Spark SQL call runs one statement
        return engines.run_sql(model, columns, engine)
    return run_with_canary(engine, model, columns)


def main() -> None:
    warnings.simplefilter("ignore", RuntimeWarning)  # numpy notes the inf/NaN the evaluator defines
    print("Hostile names (injection attempts, quotes, comments, newlines, NUL, bidi, 10k chars, ...)")
    print(f"{'engine':<10}{'names':>6}{'categories':>11}{'rows':>6}{'mismatches':>11}  canary / injection")
    for engine in HOSTILE_ENGINES:
        reason = engines.unavailable(engine)
        if reason is not None:
            print(f"{engine:<10}  not run: {reason}")
            continue
        kind = "c" if engine in ("gcc", "clang") else engine
        model = model_for(kind)
        columns = edge_grid(model)
        bad = mismatches(score(engine, model, columns), pwlc.evaluate(model, columns, output="score"))
        canary = {"python": "exec'd: no statement ran but the definitions", "gcc": "-Werror -pedantic: compiles clean"}.get(kind if kind != "c" else "gcc", "one statement per call" if engine == "spark" else "canary table intact")
        print(f"{engine:<10}{len(HOSTILE) + len(EXTRA_NAMES[kind]):>6}{len(HOSTILE) + len(EXTRA_CATEGORIES[kind]):>11}{engines.row_count(columns):>6}{len(bad):>11}  {canary}")

    print()
    print("Edge inputs: each knot/edge ±1 ulp, NaN/NULL, ±inf, -0.0, ±1e308, subnormals, float32-derived values")
    print(f"{'model':<20}" + "".join(f"{engine:>9}" for engine in EDGE_ENGINES) + "     rows")
    for name in sorted(EDGE_MODELS):
        model = verify(EDGE_MODELS[name])
        columns = edge_columns(model)
        expected = pwlc.evaluate(model, columns, output="score")
        cells = []
        for engine in EDGE_ENGINES:
            if engines.unavailable(engine) is not None:
                cells.append("n/a")
            else:
                got = engines.run_python(model, columns) if engine == "python" else engines.run_c(model, columns, engine) if engine in ("gcc", "clang") else engines.run_sql(model, columns, engine)
                cells.append(str(len(mismatches(got, expected))))
        print(f"{name:<20}" + "".join(f"{cell:>9}" for cell in cells) + f"{engines.row_count(columns):>9}")
    print("(cells: rows that differ from the evaluator; PostgreSQL stops a query where a sum or knot span")
    print(" overflows, so pwlc refuses those models for it: tests/test_sql_numbers.py)")


if __name__ == "__main__":
    main()
