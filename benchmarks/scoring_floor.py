"""The floor under issue 8's "emitted C >= 25% of the memory-bandwidth bound" (issue 8).

scoring.py measures whole models; this measures what one term of each kind costs in the
emitted C, on the same data (Lending Club, 1,000,000 rows), the same compiler and flags
(gcc -O2), the same batch (`NAME_batch`, a block of 256 rows term by term), side by side
with the bound in one run:

- the bound: numpy reading the 20 input columns once (as scoring.py);
- "read and add": hand-written C that only adds each of the 17 numeric columns to the
  block's sums, the least a term over a column can cost in a scalar loop;
- one model per kind of term, one term on each of the 17 numeric columns (or the 3
  categorical ones for tables), emitted by pwlc: steps of 1, 20 and 250 edges at the
  column's quantiles, curves of 4 knots on a linear and a log1p scale, linear terms (with
  and without a missing value), tables.

Each row is ns per row and term (CPU time of this thread, best of 7), what 20 such terms
would cost, and the % of the bound that allows; then each kind against the time a term
may take if a 20-term model is to reach 25% of the bound. Last, the same kinds as SQL on
DuckDB, against the time a term may take if the query is to beat the EBM teacher's
`predict` 5x (issue 8's DuckDB target), and other ways to write a table and a log1p curve.

    .venv/bin/python benchmarks/scoring_floor.py             # 1M rows, ~1 min
    .venv/bin/python benchmarks/scoring_floor.py --rows 200000
"""

from __future__ import annotations

import argparse
import ctypes
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from scoring import (  # noqa: E402
    BEST_OF,
    C_BEST_OF,
    CATEGORICAL,
    NUMERIC,
    Emitted,
    bandwidth_bound,
    best_time,
    duckdb_with_input,
    load,
    train_ebm,
)

from pwlc.ir import Constant, Curve, Input, Linear, Model, Step, Table, Term  # noqa: E402

READ_AND_ADD = """#include <stddef.h>
void read_and_add(size_t n, size_t columns, const double *const *x, double *out);
void read_and_add(size_t n, size_t columns, const double *const *x, double *out)
{
    double sum[256];
    size_t start, m, i, j;
    for (start = 0; start < n; start += m) {
        m = n - start < 256 ? n - start : 256;
        for (i = 0; i < m; i++)
            sum[i] = 0.0;
        for (j = 0; j < columns; j++)
            for (i = 0; i < m; i++)
                sum[i] += x[j][start + i];
        for (i = 0; i < m; i++)
            out[start + i] = sum[i];
    }
}
"""


def quantiles(x: np.ndarray, count: int) -> tuple[float, ...]:
    """`count` distinct edges at the column's quantiles (fewer if the column has fewer values)."""
    finite = x[np.isfinite(x)]
    return tuple(float(v) for v in np.unique(np.quantile(finite, np.linspace(0.0, 1.0, count + 2)[1:-1])))


def step(x: np.ndarray, name: str, count: int) -> Term:
    edges = quantiles(x, count)
    return Step(name, edges, tuple(float(i) for i in range(len(edges) + 1)), missing=-1.0)


def curve(x: np.ndarray, name: str, fx: str) -> Term:
    knots = quantiles(x, 4)
    return Curve(name, knots, tuple(float(i % 3) for i in range(len(knots))), fx, missing=-1.0)  # type: ignore[arg-type]


def table(values: np.ndarray, name: str) -> Term:
    return Table(name, tuple((str(v), float(i)) for i, v in enumerate(sorted(set(values.tolist())))), missing=-1.0)


def kind_models(data: Any) -> dict[str, tuple[Model, int]]:
    """A model per kind of term: the term on every numeric column (tables: categorical)."""
    inputs = tuple(Input(n) for n in NUMERIC) + tuple(Input(n, "categorical") for n in CATEGORICAL)
    numeric = {n: data[n].to_numpy(dtype=np.float64) for n in NUMERIC}
    makers: dict[str, Callable[[np.ndarray, str], Term]] = {
        "step, 1 edge": lambda x, n: step(x, n, 1),
        "step, 20 edges": lambda x, n: step(x, n, 20),
        "step, 250 edges": lambda x, n: step(x, n, 250),
        "curve, 4 knots": lambda x, n: curve(x, n, "identity"),
        "curve, 4 knots, fx = log1p": lambda x, n: curve(x, n, "log1p"),
        "linear (slope * x)": lambda x, n: Linear(n, 0.5),
        "linear, with a missing value": lambda x, n: Linear(n, 0.5, missing=-1.0),
    }
    models = {label: (Model(inputs, tuple(make(numeric[n], n) for n in NUMERIC)), len(NUMERIC)) for label, make in makers.items()}
    tables = tuple(table(data[n].to_numpy(dtype=object), n) for n in CATEGORICAL)
    models["table (3 to 12 categories)"] = (Model(inputs, tables), len(CATEGORICAL))
    return models


def read_and_add_seconds(data: Any) -> float:
    from engines import compile_c

    library = ctypes.CDLL(str(compile_c(READ_AND_ADD)[0]))
    columns = [np.ascontiguousarray(data[n].to_numpy(dtype=np.float64)) for n in NUMERIC]
    pointers = (ctypes.POINTER(ctypes.c_double) * len(columns))(*(c.ctypes.data_as(ctypes.POINTER(ctypes.c_double)) for c in columns))
    out = np.empty(len(data), dtype=np.float64)
    library.read_and_add.argtypes = [ctypes.c_size_t, ctypes.c_size_t, ctypes.c_void_p, ctypes.POINTER(ctypes.c_double)]
    library.read_and_add.restype = None
    run = lambda: library.read_and_add(len(data), len(columns), pointers, out.ctypes.data_as(ctypes.POINTER(ctypes.c_double)))  # noqa: E731
    seconds, _ = best_time(run, C_BEST_OF, time.thread_time)
    expected = np.zeros(len(data))
    for column in columns:
        expected += column
    assert np.array_equal(out, expected, equal_nan=True), "read_and_add summed the columns wrongly"
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=UserWarning)
    X, y, data = load(args.rows)
    rows = len(data)
    bound_ns = bandwidth_bound(data) / rows * 1e9
    target_ns = 4 * bound_ns
    print(f"Lending Club, {rows:,} rows; gcc -O2; ns per row (CPU time of this thread, best of {C_BEST_OF})")
    print(f"memory-bandwidth bound (numpy sums the 20 columns once): {bound_ns:.2f} ns per row")
    print(f"25% of the bound: {target_ns:.1f} ns per row for a whole model\n")

    costs: dict[str, float] = {}
    read = read_and_add_seconds(data) / rows * 1e9 / len(NUMERIC)
    costs["read and add"] = read
    print(f"  {'kind (one term per column)':<34}{'ns per row and term':>20}{'20 such terms':>16}{'% of bound':>12}")
    print(f"  {'read and add (hand-written C)':<34}{read:>20.2f}{20 * read:>13.1f} ns{100 * bound_ns / (20 * read):>11.0f}%")
    models = kind_models(data)
    for label, (model, terms) in models.items():
        emitted = Emitted(model, data)  # holds the columns the C reads: alive while timing
        seconds, _ = best_time(emitted.c_batch(), C_BEST_OF, time.thread_time)
        per_term = seconds / rows * 1e9 / terms
        costs[label] = per_term
        print(f"  {label:<34}{per_term:>20.2f}{20 * per_term:>13.1f} ns{100 * bound_ns / (20 * per_term):>11.0f}%")

    budget = target_ns / 20
    print(f"\n25% of the bound leaves {budget:.2f} ns per row for each of 20 terms; each kind costs, in budgets:")
    for label, cost in costs.items():
        print(f"  {label:<34}{cost / budget:>6.1f}x")
    duckdb_floor(X, y, data, models)


def duckdb_floor(X: Any, y: np.ndarray, data: Any, models: dict[str, tuple[Model, int]]) -> None:
    """The same kinds as SQL on DuckDB (wall time, DuckDB's threads), against the time a
    term may take if the query is to score 5x faster than the EBM teacher's `predict`."""
    rows = len(data)
    _, predict = train_ebm(X, y)
    teacher, _ = best_time(lambda: predict(data))
    inputs = next(iter(models.values()))[0].inputs
    nothing, _ = best_time(Emitted(Model(inputs, (Constant(0.0),)), data).duckdb())  # scan, fetch, order
    target = teacher / 5
    budget = (target - nothing) / rows * 1e9 / 20
    print(f"\nDuckDB {duckdb.__version__}, wall time, best of {BEST_OF}. EBM predict (scoring.py's teacher): {rows / teacher:,.0f} rows/s;")
    print(f"5x that is {target / rows * 1e9:.0f} ns per row; a query with no term (scan, fetch, order) takes {nothing / rows * 1e9:.0f} ns,")
    print(f"which leaves {budget:.2f} ns per row for each of 20 terms.")
    print(f"  {'kind (one term per column)':<34}{'ns per row and term':>20}{'in budgets':>12}")
    for label, (model, terms) in models.items():
        seconds, _ = best_time(Emitted(model, data).duckdb())
        per_term = (seconds - nothing) / rows * 1e9 / terms
        print(f"  {label:<34}{per_term:>20.2f}{per_term / budget:>11.1f}x")
    duckdb_forms(data, budget)


def duckdb_forms(data: Any, budget: float) -> None:
    """Other ways to write one table and one log1p curve in DuckDB, next to pwlc's CASE.
    The table's other forms skip its NULL branch (NULL and unseen both give 0.0): not
    exact, and if anything cheaper than an exact form would be."""
    from pwlc.backends.sql.terms import Printing, column, log1p, term_expression

    printing = Printing("duckdb")

    connection = duckdb_with_input(data)

    def ns_per_row(expression: str, source: str = "input") -> float:
        query = f"SELECT row_id, {expression} AS s FROM {source}"
        seconds, _ = best_time(lambda: connection.execute(query).fetchnumpy())
        return seconds / len(data) * 1e9

    nothing = ns_per_row("0.0")
    purpose = table(data["loan_purpose"].to_numpy(dtype=object), "loan_purpose")
    entries = purpose.entries  # type: ignore[attr-defined]
    keys, values = ", ".join(f"'{k}'" for k, _ in entries), ", ".join(repr(v) for _, v in entries)
    c = '"loan_purpose"'
    tables = {
        "pwlc's CASE (one WHEN per entry)": term_expression(purpose, printing).sql(dialect="duckdb"),
        "simple CASE c WHEN 'k' THEN ... (no NULL)": f"CASE {c} " + " ".join(f"WHEN '{k}' THEN {v!r}" for k, v in entries) + " ELSE 0.0 END",
        "MAP lookup (no NULL)": f"COALESCE(MAP {{{', '.join(f'{k!r}: {v!r}' for k, v in entries)}}}[{c}], 0.0)",
        "list_position in a list (no NULL)": f"COALESCE([{values}][list_position([{keys}], {c})], 0.0)",
    }
    x = data["annual_income"].to_numpy(dtype=np.float64)
    log_curve = curve(x, "annual_income", "log1p")
    pwlc_curve = term_expression(log_curve, printing).sql(dialect="duckdb")
    log1p_x = log1p(column("annual_income"), printing).sql(dialect="duckdb")
    assert log1p_x in pwlc_curve
    curves = {
        "pwlc's CASE (one WHEN per segment)": (pwlc_curve, "input"),
        "log1p(x) once, in a subquery": (pwlc_curve.replace(log1p_x, '"t"'), f'(SELECT row_id, "annual_income", {log1p_x} AS "t" FROM input)'),
        "the log1p alone (no CASE)": (log1p_x, "input"),
    }
    print("\nDuckDB, other forms of one term (ns per row above a query with no term):")
    print(f"  {'table of loan_purpose (12 entries)':<44}{'ns per row':>12}{'in budgets':>12}")
    for label, expression in tables.items():
        cost = ns_per_row(expression) - nothing
        print(f"  {label:<44}{cost:>12.2f}{cost / budget:>11.1f}x")
    print(f"  {'curve of annual_income (fx = log1p, 4 knots)':<44}{'ns per row':>12}{'in budgets':>12}")
    for label, (expression, source) in curves.items():
        cost = ns_per_row(expression, source) - nothing
        print(f"  {label:<44}{cost:>12.2f}{cost / budget:>11.1f}x")


if __name__ == "__main__":
    main()
