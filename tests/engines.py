"""Run emitted code where it is deployed and return the scores it computes.

Every runner takes a model and data columns (as `pwlc.testing.edge_grid` makes them:
one list per input, None or NaN for missing) and returns one float per row, NaN where the
engine returns NULL/NaN. Engines:

- python: the emitted module, exec'd in-process and called row by row;
- c: compiled with gcc or clang (`-std=c99 -Wall -Wextra -Werror -pedantic`), loaded with
  ctypes, scored through the batch function over column arrays;
- sqlite (stdlib), duckdb (embedded), postgres (a real server, see .ci/postgres.sh and
  PWLC_POSTGRES_DSN) and spark (pyspark local mode): the table is created with DOUBLE
  and TEXT columns (INTEGER ones with `integer_columns=True`), NaN loaded as NULL, and the
  emitted query run as is.

`unavailable(name)` says why an engine cannot run here (None when it can).

tests/isolated.py has the runners that execute code in another process (what the fuzzers
use): Python in a worker subprocess, row by row and batched; C compiled with any flags
(`MODEL_FLAGS`: -O2, -O3 -march=native, GNU mode) and run through its single-row, batch
and link functions by a driver. `run_sql_query` / `sql_outputs` here give a query's result
by column name.
"""

from __future__ import annotations

import ctypes
import hashlib
import math
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from pwlc.backends import c as c_backend
from pwlc.backends import python as python_backend
from pwlc.backends import sql as sql_backend
from pwlc.backends.sql.printer import quote
from pwlc.ir import Model, Multiclass

Columns = dict[str, list[Any]]
# The flags the issue asks for, and a few stricter ones the emitted code is also clean under.
C_FLAGS = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-Wshadow", "-Wconversion", "-Wstrict-prototypes", "-Wmissing-prototypes", "-Wcast-qual"]
C_FLAGS += ["-O2", "-fPIC", "-shared"]
POSTGRES_DSN = os.environ.get(
    "PWLC_POSTGRES_DSN", "host=127.0.0.1 port=5432 user=pwlc password=pwlc dbname=pwlc connect_timeout=5"
)
SQL_ENGINES = ("sqlite", "duckdb", "postgres", "spark")
# The sqlglot dialect each engine reads.
DIALECTS = {"sqlite": "sqlite", "duckdb": "duckdb", "postgres": "postgres", "spark": "spark"}
PREDICTION_COLUMNS = {"logistic": "probability", "exp": "prediction"}
# The table the harness creates, and the key column carried through to order the rows.
TABLE = "input"
KEY = "row_id"


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _results(values: Sequence[Any]) -> np.ndarray:
    return np.array([math.nan if v is None else float(v) for v in values], dtype=np.float64)


def row_count(columns: Columns) -> int:
    return len(next(iter(columns.values()))) if columns else 1


# --- Python ---------------------------------------------------------------------------


def run_python(model: Model, columns: Columns) -> np.ndarray:
    """The emitted Python module, exec'd here and called once per row."""
    return run_python_source(python_backend.emit(model), model, columns)


def run_python_source(source: str, model: Model, columns: Columns) -> np.ndarray:
    """Python `source` (an emitted module, maybe edited by hand) exec'd here; its function
    `model.name` called once per row with the model's inputs, in declaration order."""
    namespace: dict[str, Any] = {}
    # compiled from bytes, as CPython reads a file: a byte order mark is skipped, not refused
    exec(compile(source.encode("utf-8", "surrogatepass"), f"<{model.name}.py>", "exec"), namespace)
    function = namespace[model.name]
    out = []
    for i in range(row_count(columns)):
        args = []
        for declared in model.inputs:
            value = columns[declared.name][i]
            args.append(math.nan if declared.kind == "numeric" and value is None else value)
        out.append(function(*args))
    return _results(out)


# --- C ----------------------------------------------------------------------------------


@cache
def _build_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix="pwlc-c-"))


def compile_c(source: str, compiler: str = "gcc", flags: Sequence[str] = ()) -> tuple[Path, str]:
    """Compile C source to a shared library; return its path and the compiler's messages
    (any warning is an error under -Werror, so a success has none). `flags` go after
    C_FLAGS (`-std=gnu99` or `-O3 -march=native` override theirs)."""
    digest = hashlib.sha256("\0".join([source, *flags]).encode()).hexdigest()[:16]
    folder = _build_dir()
    c_file, library = folder / f"{digest}.c", folder / f"{digest}-{compiler}.so"
    c_file.write_text(source, encoding="utf-8")
    result = subprocess.run([compiler, *C_FLAGS, *flags, "-o", str(library), str(c_file), "-lm"], capture_output=True, text=True)
    if result.returncode != 0:
        raise AssertionError(f"{compiler} failed on {c_file}:\n{result.stderr}")
    return library, result.stderr


def load_c(model: Model, compiler: str = "gcc") -> tuple[ctypes.CDLL, str]:
    """The compiled model as a ctypes library (and the compiler's messages)."""
    library, messages = compile_c(c_backend.emit(model), compiler)
    return ctypes.CDLL(str(library)), messages


def columns_struct(model: Model) -> type[ctypes.Structure]:
    """The ctypes twin of `struct NAME_columns`: one array pointer per input, in order."""
    names = c_backend.c_names(model)
    fields: list[tuple[str, Any]] = [
        (names.fields[i.name], ctypes.POINTER(ctypes.c_char_p) if i.kind == "categorical" else ctypes.POINTER(ctypes.c_double))
        for i in model.inputs
    ]
    return type("Columns", (ctypes.Structure,), {"_fields_": fields or [("unused", ctypes.c_char)]})


def run_c(model: Model, columns: Columns, compiler: str = "gcc") -> np.ndarray:
    """Score through `NAME_batch(n, &columns, out)` of the compiled model."""
    return run_c_source(c_backend.emit(model), model, columns, compiler)


def run_c_source(source: str, model: Model, columns: Columns, compiler: str = "gcc", flags: Sequence[str] = ()) -> np.ndarray:
    """C `source` (emitted, maybe edited by hand) compiled, then scored through its
    `NAME_batch(n, &columns, out)`; the columns struct is laid out as pwlc writes it for
    `model` (one field per input, in declaration order)."""
    return run_c_batch(ctypes.CDLL(str(compile_c(source, compiler, flags)[0])), model, columns)


def run_c_batch(library: ctypes.CDLL, model: Model, columns: Columns, classes: int = 0) -> np.ndarray:
    """Score the columns through `NAME_batch` of a loaded C library; of a multiclass model
    (`classes` scores a row, `model` its inputs and name), an (n, classes) array."""
    n = row_count(columns)
    arrays: dict[str, Any] = {}
    for declared in model.inputs:
        values = columns[declared.name]
        if declared.kind == "categorical":
            arrays[declared.name] = (ctypes.c_char_p * n)(*[None if _missing(v) else str(v).encode("utf-8") for v in values])
        else:
            arrays[declared.name] = (ctypes.c_double * n)(*[math.nan if v is None else float(v) for v in values])
    struct = columns_struct(model)
    names = c_backend.c_names(model)
    pointer_types: dict[str, Any] = {field[0]: field[1] for field in struct._fields_}
    instance = struct(**{names.fields[name]: ctypes.cast(array, pointer_types[names.fields[name]]) for name, array in arrays.items()})
    out = (ctypes.c_double * (n * max(classes, 1)))()
    batch = getattr(library, f"{model.name}_batch")
    batch.argtypes = [ctypes.c_size_t, ctypes.POINTER(struct), ctypes.POINTER(ctypes.c_double)]
    batch.restype = None
    batch(n, ctypes.byref(instance), out)
    found = np.array(out[:], dtype=np.float64)
    return found.reshape(n, classes) if classes else found


def compilers() -> list[str]:
    return [name for name in ("gcc", "clang") if shutil.which(name)]


# --- SQL --------------------------------------------------------------------------------


def _sql_type(engine: str, kind: str, integer: bool) -> str:
    """The column type: (double, text, integer) per engine."""
    types = {
        "sqlite": ("REAL", "TEXT", "INTEGER"),
        "duckdb": ("DOUBLE", "VARCHAR", "BIGINT"),
        "postgres": ("DOUBLE PRECISION", "TEXT", "BIGINT"),
    }[engine]
    return types[2] if integer else types[1] if kind == "categorical" else types[0]


def _integer_inputs(model: Model, columns: Columns) -> set[str]:
    """The inputs loaded as INTEGER columns in integer mode: every numeric input, and each
    categorical input whose categories are all written as integers ("3")."""
    found = set()
    for declared in model.inputs:
        present = [v for v in columns[declared.name] if not _missing(v)]
        if declared.kind == "numeric" or all(isinstance(v, str) and v.lstrip("-").isdigit() for v in present):
            found.add(declared.name)
    return found


def _rows(model: Model, columns: Columns, integers: set[str]) -> list[tuple[Any, ...]]:
    out = []
    for i in range(row_count(columns)):
        row: list[Any] = [i]
        for declared in model.inputs:
            value = columns[declared.name][i]
            if _missing(value):
                row.append(None)  # SQL's missing value is NULL
            elif declared.name in integers:
                row.append(int(value))
            else:
                row.append(value if declared.kind == "categorical" else float(value))
        out.append(tuple(row))
    return out


def integer_valued(model: Model, columns: Columns) -> Columns:
    """The columns with every numeric value rounded to an integer (inf, NaN and values no
    64-bit INTEGER holds, as 1e308, become missing), for testing INTEGER-typed SQL columns."""
    out: Columns = {}
    for declared in model.inputs:
        values = columns[declared.name]
        if declared.kind == "categorical":
            out[declared.name] = values
        else:
            out[declared.name] = [None if _missing(v) or not abs(v) < 2.0**63 else float(round(v)) for v in values]
    return out


def emit_sql(model: Model | Multiclass, engine: str) -> str:
    return sql_backend.emit(model, DIALECTS[engine], table=TABLE, keys=[KEY])


def run_sql(model: Model, columns: Columns, engine: str, integer_columns: bool = False, output: str = "score") -> np.ndarray:
    """Load the columns into a fresh table on `engine`, run the emitted query, return the
    score column (or, with output="prediction", the link applied to it) in row order."""
    return run_sql_source(emit_sql(model, engine), model, columns, engine, integer_columns, output)


def run_sql_source(
    query: str, model: Model, columns: Columns, engine: str, integer_columns: bool = False, output: str = "score"
) -> np.ndarray:
    """Run SQL `query` (emitted with table TABLE and key KEY, maybe edited by hand) on a
    fresh table of the columns; the score (or prediction) column, in row order."""
    result = run_sql_query(query, model, columns, engine, integer_columns)[1]
    # the query's columns: the key, the score, then the prediction (with a link)
    index = 2 if output == "prediction" and model.link != "identity" else 1
    by_key = {int(row[0]): row[index] for row in result}
    return _results([by_key[i] for i in range(row_count(columns))])


def run_sql_query(
    query: str, model: Model, columns: Columns, engine: str, integer_columns: bool = False
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run SQL `query` on a fresh table TABLE of the columns (key KEY = the row's index):
    the names of the result's columns and its rows, as the engine returns them."""
    integers = _integer_inputs(model, columns) if integer_columns else set()
    rows = _rows(model, columns, integers)
    runner: Callable[..., tuple[list[str], list[tuple[Any, ...]]]] = {
        "sqlite": _run_sqlite,
        "duckdb": _run_duckdb,
        "postgres": _run_postgres,
        "spark": _run_spark,
    }[engine]
    return runner(model, query, rows, integers)


def run_sql_multiclass(query: str, model: Multiclass, columns: Columns, engine: str, integer_columns: bool = False) -> dict[str, np.ndarray]:
    """Run a multiclass query (emitted with table TABLE and key KEY, maybe edited) on a
    fresh table of the columns: {"scores": (n, K), "probabilities": (n, K)}, in key order,
    read from the columns `NAME_CLASS` and `probability_CLASS`."""
    from pwlc.backends.sql.multiclass import PROBABILITY_PREFIX, score_column

    names, rows = run_sql_query(query, model, columns, engine, integer_columns)  # type: ignore[arg-type]
    n = row_count(columns)
    keys = [int(row[names.index(KEY)]) for row in rows]
    if sorted(keys) != list(range(n)):
        raise ResultShapeError(f"the result has {len(rows)} rows with keys {sorted(keys)[:8]}..., expected one row per key 0..{n - 1}")
    order = np.argsort(np.array(keys, dtype=np.int64))
    out = {}
    for label, naming in (("scores", lambda c: score_column(model.name, c)), ("probabilities", lambda c: PROBABILITY_PREFIX + c)):
        indices = [names.index(naming(c)) for c in model.classes]
        out[label] = np.stack([_results([rows[i][j] for i in order]) for j in indices], axis=1) if rows else np.empty((0, len(indices)))
    return out


class ResultShapeError(ValueError):
    """A query's result lacks the score column or some rows, or repeats them."""


def sql_outputs(model: Model, names: list[str], rows: list[tuple[Any, ...]], expected_rows: int) -> dict[str, np.ndarray]:
    """The score column (named like the model) and the link's column ("probability",
    "prediction") of a query's result, by column name, in key order. The link's column
    may have been renamed (the model does not name it): then it is the last column. Raises
    ResultShapeError when a column is absent or a row is missing, repeated or unknown."""
    wanted = {"score": model.name}
    if model.link != "identity":
        link = PREDICTION_COLUMNS[model.link]
        wanted[link] = link if link in names or names[-1:] in ([KEY], [model.name]) else names[-1]
    for column in [KEY, *wanted.values()]:
        if names.count(column) != 1:
            raise ResultShapeError(f"the result has {names.count(column)} columns named {column!r} (columns: {names})")
    keys = [row[names.index(KEY)] for row in rows]
    if sorted(keys) != list(range(expected_rows)):
        raise ResultShapeError(f"the result has {len(rows)} rows with keys {sorted(keys)[:8]}..., expected one row per key 0..{expected_rows - 1}")
    order = np.argsort(np.array(keys, dtype=np.int64))
    return {label: _results([rows[i][names.index(column)] for i in order]) for label, column in wanted.items()}


class TableError(Exception):
    """The engine cannot hold the input table: its columns (the model's input names, e.g.
    two equal but for case in SQLite and DuckDB) or its rows. Not the emitted query's fault,
    but a model that an engine cannot be given inputs for."""


@contextmanager
def _loading() -> Iterator[None]:
    try:
        yield
    except Exception as exc:  # noqa: BLE001 - any engine's error while loading
        raise TableError(f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}") from exc


def _create_table(model: Model, engine: str, integers: set[str]) -> tuple[str, str]:
    dialect = DIALECTS[engine]
    key_type = _sql_type(engine, "numeric", True)
    definitions = [f"{quote(KEY, dialect)} {key_type}"]
    definitions += [f"{quote(i.name, dialect)} {_sql_type(engine, i.kind, i.name in integers)}" for i in model.inputs]
    marks = ", ".join(["%s" if engine == "postgres" else "?"] * (len(model.inputs) + 1))
    table = quote(TABLE, dialect)
    return f"CREATE TABLE {table} ({', '.join(definitions)})", f"INSERT INTO {table} VALUES ({marks})"


def _run_sqlite(model: Model, query: str, rows: list[tuple[Any, ...]], integers: set[str]) -> tuple[list[str], list[tuple[Any, ...]]]:
    import sqlite3

    connection = sqlite3.connect(":memory:")
    try:
        _ensure_math_functions(connection)
        create, insert = _create_table(model, "sqlite", integers)
        with _loading():
            connection.execute(create)
            connection.executemany(insert, rows)
        cursor = connection.execute(query)
        result = list(cursor)
        return [d[0] for d in cursor.description or ()], result
    finally:
        connection.close()


def _ensure_math_functions(connection: Any) -> None:
    """SQLite has LN and EXP only when built with SQLITE_ENABLE_MATH_FUNCTIONS (Python's
    bundled SQLite >= 3.35 usually is). Where this build lacks them, the harness registers
    Python's math.log and math.exp under those names, so the emitted SQL runs unchanged;
    a deployment on such a SQLite needs the same two functions."""
    import sqlite3

    try:
        connection.execute("SELECT LN(1.0), EXP(0.0)")
    except sqlite3.OperationalError:
        connection.create_function("LN", 1, lambda x: None if x is None else math.log(x), deterministic=True)
        connection.create_function("EXP", 1, lambda x: None if x is None else _exp_or_inf(x), deterministic=True)


def _exp_or_inf(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def _run_duckdb(model: Model, query: str, rows: list[tuple[Any, ...]], integers: set[str]) -> tuple[list[str], list[tuple[Any, ...]]]:
    import duckdb

    connection = duckdb.connect(":memory:")
    try:
        create, insert = _create_table(model, "duckdb", integers)
        with _loading():
            connection.execute(create)
            connection.executemany(insert, rows)
        result = connection.execute(query).fetchall()
        return [d[0] for d in connection.description or ()], result
    finally:
        connection.close()


@cache
def _postgres_connection() -> Any:
    import psycopg

    return psycopg.connect(POSTGRES_DSN, autocommit=True)


def _run_postgres(model: Model, query: str, rows: list[tuple[Any, ...]], integers: set[str]) -> tuple[list[str], list[tuple[Any, ...]]]:
    connection = _postgres_connection()
    create, insert = _create_table(model, "postgres", integers)
    with connection.transaction(force_rollback=True), connection.cursor() as cursor:
        with _loading():
            cursor.execute(create.replace("CREATE TABLE", "CREATE TEMPORARY TABLE", 1))
            cursor.executemany(insert, rows)
        cursor.execute(query.encode("utf-8"))
        return [d.name for d in cursor.description or ()], cursor.fetchall()


@cache
def spark_session() -> Any:
    """One local Spark session per process: slow to start, so shared and kept lean."""
    from pyspark.sql import SparkSession

    return (
        SparkSession.builder.master("local[1]")
        .appName("pwlc-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.driver.memory", "512m")
        .getOrCreate()
    )


def _run_spark(model: Model, query: str, rows: list[tuple[Any, ...]], integers: set[str]) -> tuple[list[str], list[tuple[Any, ...]]]:
    from pyspark.sql import types as T

    fields = [T.StructField(KEY, T.LongType())]
    fields += [
        T.StructField(i.name, T.LongType() if i.name in integers else T.StringType() if i.kind == "categorical" else T.DoubleType())
        for i in model.inputs
    ]
    session = spark_session()
    with _loading():
        session.createDataFrame(rows, T.StructType(fields)).createOrReplaceTempView(TABLE)
    frame = session.sql(query.rstrip().rstrip(";"))
    return list(frame.columns), [tuple(row) for row in frame.collect()]


# --- availability -----------------------------------------------------------------------


@cache
def unavailable(engine: str) -> str | None:
    """Why `engine` cannot run here, or None when it can."""
    try:
        if engine in ("gcc", "clang"):
            return None if shutil.which(engine) else f"{engine} is not installed"
        if engine == "duckdb":
            import duckdb  # noqa: F401
        elif engine == "postgres":
            import psycopg  # noqa: F401

            _postgres_connection().execute("SELECT 1")
        elif engine == "spark":
            import pyspark  # noqa: F401

            if not shutil.which("java") and not os.environ.get("JAVA_HOME"):
                return "no Java runtime (Spark needs Java 17)"
            spark_session().sql("SELECT 1").collect()
    except Exception as exc:  # any failure to start an engine is a reason to skip it
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        hint = " (start it with `bash .ci/postgres.sh`)" if engine == "postgres" else " (install with `bash .ci/spark.sh`)" if engine == "spark" else ""
        return f"{type(exc).__name__}: {first}{hint}"
    return None


# --- summary: `python -m tests.engines` -------------------------------------------------


def summary(model_paths: Sequence[Path]) -> list[tuple[str, int, int, int, int, float, str]]:
    """For every engine: models run, rows run, mismatches, bit-identical rows, the
    largest relative difference, and compiler messages (C) or why it was skipped."""
    from functools import partial

    import pwlc
    from pwlc.semantics import evaluate
    from pwlc.testing import edge_grid, mismatches

    runs: dict[str, Callable[[Model, Columns], np.ndarray]] = {"python": run_python}
    runs |= {f"c/{cc}": partial(run_c, compiler=cc) for cc in compilers()}
    for engine in SQL_ENGINES:
        runs[f"sql/{engine}"] = partial(run_sql, engine=engine)
        runs[f"sql/{engine} INTEGER"] = partial(run_sql, engine=engine, integer_columns=True)
    out = []
    for label, run in runs.items():
        engine = label.split("/")[-1].split()[0]
        reason = unavailable(engine) if label.startswith("sql/") else None
        if reason is not None:
            out.append((label, 0, 0, 0, 0, 0.0, f"skipped: {reason}"))
            continue
        models = rows = bad = exact = 0
        worst = 0.0
        notes = ""
        for path in model_paths:
            model = pwlc.read(path)
            columns = edge_grid(model)
            if label.endswith("INTEGER"):
                columns = integer_valued(model, columns)
            if label.startswith("c/"):
                notes += load_c(model, engine)[1]
            got, expected = run(model, columns), evaluate(model, columns, output="score")
            models, rows, bad = models + 1, rows + len(got), bad + len(mismatches(got, expected))
            same = (got == expected) | (np.isnan(got) & np.isnan(expected))
            exact += int(same.sum())
            with np.errstate(invalid="ignore", divide="ignore"):
                relative = np.abs(got - expected) / np.maximum(np.abs(expected), 1e-300)
            worst = max(worst, float(np.nanmax(np.where(same, 0.0, relative), initial=0.0)))
        if label.startswith("c/"):
            notes = f"{len([line for line in notes.splitlines() if 'warning' in line])} compiler warnings"
        out.append((label, models, rows, bad, exact, worst, notes))
    return out


def main() -> None:
    folder = Path(__file__).resolve().parent.parent / "golden" / "models"
    paths = sorted(folder.glob("*.pwl"))
    print(f"{len(paths)} golden models, each on its edge grid (pwlc.testing.edge_grid); reference: pwlc.semantics.evaluate")
    print(f"{'engine':<22}{'models':>7}{'rows':>7}{'mismatches':>12}{'bit-exact':>11}{'max rel diff':>14}  notes")
    for label, models, rows, bad, exact, worst, notes in summary(paths):
        print(f"{label:<22}{models:>7}{rows:>7}{bad:>12}{exact:>11}{worst:>14.2e}  {notes}")


if __name__ == "__main__":
    main()
