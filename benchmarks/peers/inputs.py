"""The benchmark's data (trained on the real rows, scored on rows drawn from them), the
edge grid as a frame, and the engines' copies of both (DuckDB and SQLite tables, ctypes
column arrays, the float64 matrix the tree compilers read)."""

from __future__ import annotations

import ctypes
import math
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

import pwlc


@dataclass
class Data:
    name: str
    X: Any  # the real rows the teachers are trained on (DataFrame)
    y: np.ndarray
    rows: Any  # the rows scored (DataFrame): drawn from X with replacement
    numeric: tuple[str, ...]
    categorical: tuple[str, ...]
    classification: bool


def lending_club(rows: int) -> Data:
    """Lending Club with the 20 application-time features of benchmarks/scoring.py."""
    from scoring import CATEGORICAL, NUMERIC, load  # benchmarks/ is on sys.path

    X, y, scored = load(rows)
    return Data("Lending Club", X, y, scored, NUMERIC, CATEGORICAL, False)


def compas(rows: int) -> Data:
    from pwlc.datasets import COMPAS_CATEGORICAL, COMPAS_NUMERIC
    from pwlc.datasets import compas as load

    dataset = load()
    picks = np.random.default_rng(0).integers(0, len(dataset.X), rows)
    return Data("COMPAS", dataset.X, dataset.y, dataset.X.iloc[picks].reset_index(drop=True), COMPAS_NUMERIC, COMPAS_CATEGORICAL, True)


def grid_frame(model: pwlc.Model, data: Data) -> Any:
    """`pwlc.testing.edge_grid(model)` as a frame with the data's columns: numeric float64
    (None as NaN), categorical str with None."""
    import pandas as pd

    from pwlc.testing import edge_grid

    grid = edge_grid(model)
    rows = len(next(iter(grid.values())))
    frame = {}
    for name in data.X.columns:
        if name in data.categorical:
            frame[name] = pd.Series(grid.get(name, [None] * rows), dtype=object)
        else:
            values = grid.get(name, [math.nan] * rows)
            frame[name] = np.array([math.nan if v is None else v for v in values], dtype=np.float64)
    return pd.DataFrame(frame)


def text_size(text: str) -> str:
    return f"{len(text.splitlines()):,} lines, {len(text.encode()):,} B"


# --- SQL engines ----------------------------------------------------------------------


def duckdb_table(frame: Any, numeric: tuple[str, ...]) -> Any:
    """A single-threaded DuckDB connection holding `frame` as table "input" (NaN as NULL)
    with a row_id column."""
    import duckdb

    connection = duckdb.connect()
    connection.execute("SET threads = 1")
    connection.register("frame", frame.assign(row_id=np.arange(len(frame))))
    columns = [f'CASE WHEN isnan("{n}") THEN NULL ELSE "{n}" END AS "{n}"' if n in numeric else f'"{n}"' for n in frame.columns]
    connection.execute(f"CREATE TABLE input AS SELECT row_id, {', '.join(columns)} FROM frame")
    connection.unregister("frame")
    return connection


def sqlite_table(frame: Any, numeric: tuple[str, ...]) -> sqlite3.Connection:
    connection = sqlite3.connect(":memory:")
    names = list(frame.columns)
    types = ["REAL" if n in numeric else "TEXT" for n in names]
    connection.execute(f"CREATE TABLE input (row_id INTEGER, {', '.join(f'{chr(34)}{n}{chr(34)} {t}' for n, t in zip(names, types))})")
    columns = [
        [None if math.isnan(v) else v for v in frame[n].tolist()] if n in numeric else [None if v is None or v != v else v for v in frame[n].tolist()]
        for n in names
    ]
    connection.executemany(f"INSERT INTO input VALUES ({', '.join('?' * (len(names) + 1))})", zip(range(len(frame)), *columns))
    return connection


def run_duckdb(connection: Any, query: str, column: str) -> np.ndarray:
    """The query's `column` as float64 (NULL as NaN), in row_id order (DuckDB keeps the
    insertion order single-threaded; checked, and sorted only if not)."""
    result = connection.execute(query).fetchnumpy()
    values = np.ma.filled(np.ma.asarray(result[column]).astype(np.float64), np.nan)
    if "row_id" in result:
        order = np.asarray(result["row_id"])
        if np.any(order[1:] < order[:-1]):
            values = values[np.argsort(order)]
    return values


def output_column(connection: Any, query: str, classifier: bool) -> str:
    """The column of a peer's query to compare: for a classifier the probability of class 1
    (a column naming a probability and ending in 1), else the last column."""
    names = [d[0] for d in connection.execute(query).description]
    if classifier:
        found = [n for n in names if "prob" in n.lower()]
        found.sort(key=lambda n: not n.rstrip("\"'").endswith("1"))
        if found:
            return found[0]
    return names[-1]


def only(query: str, column: str, names: list[str]) -> str:
    """The query reduced to its `column` (and row_id when it has one): what is compared is
    all that is fetched, whatever else a tool's query returns (ml2sql's `SELECT *` returns
    every input and every term)."""
    body = query.strip().rstrip(";")
    keep = ['"row_id"'] if "row_id" in names else []
    return f'SELECT {", ".join(keep + [chr(34) + column + chr(34)])} FROM (\n{body}\n) AS scored'


def result_columns(connection: Any, query: str) -> list[str]:
    return [d[0] for d in connection.execute(query).description]


def run_sqlite(connection: sqlite3.Connection, query: str) -> np.ndarray:
    rows = sorted(connection.execute(query).fetchall())
    return np.array([math.nan if score is None else score for _, score, *_ in rows], dtype=np.float64)


# --- C ------------------------------------------------------------------------------------

C_FLAGS = ["-O2", "-fPIC", "-shared"]  # the same for pwlc's C and every peer's C we compile


def compile_c(source: str, folder: Path, name: str) -> ctypes.CDLL:
    import subprocess

    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.c").write_text(source, encoding="utf-8")
    library = folder / f"{name}.so"
    subprocess.run(["gcc", *C_FLAGS, "-o", str(library), str(folder / f"{name}.c"), "-lm"], check=True, capture_output=True, text=True)
    return ctypes.CDLL(str(library))


class PwlcColumns:
    """`struct NAME_columns` for pwlc's batch function: one array per input, in the model's
    order (numbers as double*, categories as char* with NULL for missing)."""

    def __init__(self, model: pwlc.Model, frame: Any) -> None:
        fields: list[tuple[str, Any]] = []
        values: dict[str, Any] = {}
        self.keep_alive: list[Any] = []
        for k, declared in enumerate(model.inputs):
            name = f"f{k}"
            if declared.kind == "numeric":
                array = np.ascontiguousarray(frame[declared.name].to_numpy(dtype=np.float64))
                fields.append((name, ctypes.POINTER(ctypes.c_double)))
                values[name] = array.ctypes.data_as(ctypes.POINTER(ctypes.c_double))
            else:  # one C string per category, and a column of pointers to them
                column = frame[declared.name].tolist()
                missing = np.array([v is None or v != v for v in column])
                uniques, codes = np.unique(np.array(["" if m else str(v) for v, m in zip(column, missing)]), return_inverse=True)
                strings = [ctypes.create_string_buffer(u.encode("utf-8")) for u in uniques]
                array = np.array([ctypes.addressof(s) for s in strings], dtype=np.uintp)[codes]
                array[missing] = 0
                self.keep_alive.append(strings)
                fields.append((name, ctypes.POINTER(ctypes.c_char_p)))
                values[name] = array.ctypes.data_as(ctypes.POINTER(ctypes.c_char_p))
            self.keep_alive.append(array)
        struct = type("Columns", (ctypes.Structure,), {"_fields_": fields})
        self.struct = struct
        self.instance = struct(**values)
        self.rows = len(frame)


def pwlc_c_batch(library: ctypes.CDLL, model: pwlc.Model, columns: PwlcColumns) -> Any:
    """A call scoring every row through NAME_batch into a fresh array."""
    batch = getattr(library, f"{model.name}_batch")
    batch.argtypes = [ctypes.c_size_t, ctypes.c_void_p, ctypes.POINTER(ctypes.c_double)]
    batch.restype = None
    address = ctypes.addressof(columns.instance)

    def run() -> np.ndarray:
        out = np.empty(columns.rows, dtype=np.float64)
        batch(columns.rows, address, out.ctypes.data_as(ctypes.POINTER(ctypes.c_double)))
        return out

    return run


ROW_LOOP = """
#include <stddef.h>
void score_rows(size_t n, size_t d, double *x, double *out);
void score_rows(size_t n, size_t d, double *x, double *out)
{
    size_t i;
    for (i = 0; i < n; i++)
        out[i] = score(x + i * d);
}
"""


def row_function_batch(library: ctypes.CDLL, matrix: np.ndarray) -> Any:
    """A call scoring every row of a C-ordered float64 matrix through `score(double *row)`
    (the loop a user writes around a one-row function such as m2cgen's: ROW_LOOP)."""
    rows_of = library.score_rows
    rows_of.argtypes = [ctypes.c_size_t, ctypes.c_size_t, ctypes.POINTER(ctypes.c_double), ctypes.POINTER(ctypes.c_double)]
    rows_of.restype = None
    matrix = np.ascontiguousarray(matrix, dtype=np.float64)

    def run() -> np.ndarray:
        out = np.empty(len(matrix), dtype=np.float64)
        rows_of(len(matrix), matrix.shape[1], matrix.ctypes.data_as(ctypes.POINTER(ctypes.c_double)), out.ctypes.data_as(ctypes.POINTER(ctypes.c_double)))
        return out

    return run
