"""DuckDB's grid forms side by side (issue 18): an EBM-like pair of step axes written as the
nested CASE (a CASE over b's cells in each of a's, what every other dialect gets) and as
the matrix DuckDB gets (`LIST_EXTRACT(LIST_EXTRACT([[...]], bin of a), bin of b)`), each
the whole emitted query of a one-grid model, timed on the same rows in one process
(single thread, CPU time, median of 3, less the time of a query that reads the rows and
returns a constant), with the rows whose score differs from the evaluator's.

    .venv/bin/python benchmarks/sql_grids.py [--rows 200000]
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

import numpy as np

import pwlc
from pwlc.backends.sql import terms
from pwlc.ir import Grid, Input, Model, StepAxis, verify

SHAPES = ((2, 2), (5, 5), (10, 3), (46, 25), (61, 32), (61, 61))  # edges of a and b


def _model(edges_a: int, edges_b: int, rng: np.random.Generator) -> Model:
    def edges(count: int) -> tuple[float, ...]:
        return tuple(float(v) for v in np.unique(np.round(rng.uniform(0, 100, count * 2), 2))[:count])

    a, b = StepAxis("a", edges(edges_a), "upper"), StepAxis("b", edges(edges_b), "lower")
    values = tuple(tuple(float(v) for v in np.round(rng.normal(size=b.size), 3)) for _ in range(a.size))
    return verify(Model((Input("a"), Input("b")), (Grid(a, b, values),)))


def _cpu(connection: Any, query: str) -> tuple[float, np.ndarray]:
    seconds, result = [], None
    for _ in range(3):
        start = time.process_time()
        result = connection.execute(query).fetchnumpy()
        seconds.append(time.process_time() - start)
    assert result is not None
    return statistics.median(seconds), np.asarray(result[next(iter(result))], dtype=np.float64)


def main() -> None:
    import duckdb
    import pandas as pd

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    connection = duckdb.connect()
    connection.execute("SET threads = 1")
    rows = pd.DataFrame({"a": rng.uniform(-5, 105, args.rows), "b": rng.uniform(-5, 105, args.rows)})
    connection.execute('CREATE TABLE "input" AS SELECT * FROM rows')
    empty, _ = _cpu(connection, 'SELECT 0.0e0 AS "score" FROM "input"')
    print(f"DuckDB {duckdb.__version__}, {args.rows:,} rows, 1 thread; ns a row (CPU, less {1e9 * empty / args.rows:.0f} ns of scan and fetch)")
    print("| edges of a × b | nested CASE | matrix | nested ÷ matrix | rows off the evaluator (nested / matrix) |")
    print("|---|---:|---:|---:|---:|")
    matrices = terms.Printing.matrices
    for edges_a, edges_b in SHAPES:
        model = _model(edges_a, edges_b, rng)
        expected = pwlc.evaluate(model, {"a": rows["a"].to_numpy(), "b": rows["b"].to_numpy()}, output="score")
        timed = []
        for matrix in (False, True):
            terms.Printing.matrices = matrices if matrix else property(lambda self: False)  # type: ignore[method-assign,assignment]
            query = pwlc.emit(model, "sql:duckdb").strip().rstrip(";")
            terms.Printing.matrices = matrices  # type: ignore[method-assign]
            assert ("LIST_EXTRACT" in query) == matrix
            seconds, scores = _cpu(connection, query)
            timed.append(((seconds - empty) * 1e9 / args.rows, int(np.sum(scores != expected))))
        (nested, nested_off), (matrix_ns, matrix_off) = timed
        print(f"| {edges_a} × {edges_b} | {nested:.0f} | {matrix_ns:.0f} | {nested / matrix_ns:.1f}× | {nested_off} / {matrix_off} |")


if __name__ == "__main__":
    main()
