"""Contenders of every kind: pwlc's emitted C, Python and SQL (through the public API
only), any SQL text on DuckDB or SQLite, a teacher's own predict, a peer in a worker."""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

import pwlc

from .inputs import (
    PwlcColumns,
    compile_c,
    only,
    pwlc_c_batch,
    result_columns,
    run_duckdb,
    run_sqlite,
    sqlite_table,
    text_size,
)
from .profile import duckdb_profile
from .timing import Contender, Output, timed
from .venvs import Worker


def pwlc_c(label: str, model: pwlc.Model, data: Any, grid: Any, folder: Path, headline: bool = True) -> Contender:
    source = pwlc.emit(model, "c")
    library = compile_c(source, folder, f"pwlc_{abs(hash(source)) % 10**8}")
    data_columns, grid_columns = PwlcColumns(model, data), PwlcColumns(model, grid)
    run, run_grid = pwlc_c_batch(library, model, data_columns), pwlc_c_batch(library, model, grid_columns)
    keep = (library, data_columns, grid_columns)
    return Contender(label, "pwlc", "score", len(data), partial(timed, run), run_grid, text_size(source), headline=headline, keep=keep)


def _python_function(model: pwlc.Model) -> tuple[Callable[..., Any], str]:
    source = pwlc.emit(model, "python")
    namespace: dict[str, Any] = {}
    exec(compile(source, f"<{model.name}.py>", "exec"), namespace)
    return namespace[model.name], source


def _arguments(model: pwlc.Model, frame: Any) -> dict[str, Any]:
    return {
        i.name: frame[i.name].to_numpy(dtype=np.float64) if i.kind == "numeric" else frame[i.name].to_numpy(dtype=object)
        for i in model.inputs
    }


def pwlc_python_batch(label: str, model: pwlc.Model, data: Any, grid: Any, headline: bool = True) -> Contender:
    function, source = _python_function(model)
    data_arguments, grid_arguments = _arguments(model, data), _arguments(model, grid)

    def run() -> Any:
        return timed(lambda: np.asarray(function(**data_arguments), dtype=np.float64))

    return Contender(label, "pwlc", "score", len(data), run, lambda: function(**grid_arguments), text_size(source), headline=headline)


def rows_of(frame: Any, names: list[str], numeric: set[str], rows: int) -> list[list[Any]]:
    """The first `rows` rows as lists (NaN for a missing number, None for a missing category)."""
    columns = [
        frame[n].to_numpy(dtype=np.float64)[:rows].tolist() if n in numeric else [None if v is None or v != v else v for v in frame[n].tolist()[:rows]]
        for n in names
    ]
    return [list(row) for row in zip(*columns)]


def one_row_a_call(label: str, tool: str, function: Callable[..., Any], data_rows: list[list[Any]], grid_rows: list[list[Any]], code: str, unpack: bool) -> Contender:
    """A Python function called once per row (as a service scores a request)."""

    def score(rows: list[list[Any]]) -> np.ndarray:
        if unpack:
            return np.array([function(*row) for row in rows], dtype=np.float64)
        return np.array([function(row) for row in rows], dtype=np.float64)

    return Contender(label, tool, "score", len(data_rows), lambda: timed(partial(score, data_rows)), partial(score, grid_rows), code)


def pwlc_python_rows(label: str, model: pwlc.Model, data: Any, grid: Any, rows: int) -> Contender:
    function, source = _python_function(model)
    names = [i.name for i in model.inputs]
    numeric = {i.name for i in model.inputs if i.kind == "numeric"}
    return one_row_a_call(label, "pwlc", function, rows_of(data, names, numeric, rows), rows_of(grid, names, numeric, len(grid)), text_size(source), True)


def duckdb_sql(label: str, tool: str, query: str, column: str, output: Output, connections: tuple[Any, Any], rows: int, headline: bool = False) -> Contender:
    """Any SQL text over table "input", run on the data's and the grid's DuckDB connections
    (fetching only the compared column: see `only`)."""
    data_connection, grid_connection = connections
    fetched = only(query, column, result_columns(grid_connection, query))
    run = partial(run_duckdb, data_connection, fetched, column)
    return Contender(label, tool, output, rows, lambda: timed(run), partial(run_duckdb, grid_connection, fetched, column), text_size(query), headline=headline)


def pwlc_sqlite(label: str, model: pwlc.Model, data: Any, grid: Any, numeric: tuple[str, ...], rows: int) -> Contender:
    query = pwlc.emit(model, "sql:sqlite", keys=["row_id"])
    data_connection, grid_connection = sqlite_table(data.iloc[:rows], numeric), sqlite_table(grid, numeric)
    return Contender(label, "pwlc", "score", rows, lambda: timed(partial(run_sqlite, data_connection, query)), partial(run_sqlite, grid_connection, query), text_size(query))


def pwlc_duckdb(label: str, model: pwlc.Model, connections: tuple[Any, Any], rows: int, headline: bool = True) -> Contender:
    # no key column: the peers' queries carry none, and DuckDB keeps the rows in order with one
    # thread (a row out of order would show in the exactness columns)
    query = pwlc.emit(model, "sql:duckdb")
    contender = duckdb_sql(label, "pwlc", query, model.name, "score", connections, rows, headline)
    contender.profile = partial(duckdb_profile, model, connections[0], rows)
    return contender


def in_process(label: str, tool: str, output: Output, rows: int, score: Callable[[Any], Any], data: Any, grid: Any, note: str = "") -> Contender:
    """A library's own predict, called on the input it takes (prepared before timing)."""
    return Contender(label, tool, output, rows, lambda: timed(partial(score, data)), partial(score, grid), note=note)


def remote(label: str, tool: str, output: Output, rows: int, worker: Worker) -> Contender:
    """A peer in its worker: the worker times the scoring call."""
    code = worker.info.get("code")
    if isinstance(code, dict) and "lines" in code:
        size = f"{code['lines']:,} {code.get('unit', 'lines')}, {code['bytes']:,} B"
    elif isinstance(code, dict):
        size = code.get("error", "")
    else:
        size = ""
    grid_run = partial(worker.run, "grid")
    return Contender(label, tool, output, rows, partial(worker.run, "data"), lambda: grid_run()[2], size)


def versions_text(versions: dict[str, str]) -> str:
    return ", ".join(f"{k} {v}" for k, v in versions.items())


def nan_to_none(values: list[Any]) -> list[Any]:
    return [None if isinstance(v, float) and math.isnan(v) else v for v in values]
