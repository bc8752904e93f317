"""Other DuckDB forms of pwlc's costliest terms, each timed alone beside the emitted one (the
figures in the hand-written part of benchmarks/results/peers.md): `benchmarks/peers.py
--sql-forms`. Every form is checked to give the emitted term's values on every row.

- a long step: the emitted form (over SEARCH_OVER edges the search in rounds of search.py,
  else the grouped CASE), the grouped CASE, the search in rounds, a balanced binary CASE tree (about log2(n) tests
  a row), a 4-ary CASE tree, a list of the values indexed by a binary CASE tree's bin
  number, the search pwlc emitted before the rounds (`LIST_REDUCE` over the halving strides,
  indexing one list of all the edges), and the rounds unrolled without lambda, each round's
  bin a column of its own step (`2 * b - CAST((x < LIST_EXTRACT(round, b)) AS INT)`);
- a list literal read by index, alone (DuckDB builds it again for every vector each time
  an expression reads it: the cost grows with its length);
- a table: the emitted CASE, a simple `CASE x WHEN 'a' THEN ...`, a list of the values indexed
  by `LIST_POSITION` of the category, a `MAP` literal;
- an EBM pair grid (step or category axes): the emitted matrix indexed by its two bin numbers
  (`LIST_EXTRACT(LIST_EXTRACT(matrix, a), b)`) against one flat list indexed by
  `(a - 1) * columns + b`, and the matrix as a text cast (`CAST('[[...]]' AS DOUBLE[][])`,
  which DuckDB folds into one constant).
"""

from __future__ import annotations

import dataclasses
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import pwlc
from pwlc.backends.sql import search
from pwlc.backends.sql.printer import render_sql
from pwlc.backends.sql.terms import Printing, bin_expression, matrix_expression, term_expression

from . import ebm_row
from .inputs import Data, duckdb_table

REPEATS = 5


def _cpu(connection: Any, query: str) -> tuple[float, np.ndarray]:
    """Median CPU seconds of `query` (its column `s`) and its values."""
    seconds, result = [], None
    for _ in range(REPEATS):
        start = time.process_time()
        result = connection.execute(query).fetchnumpy()
        seconds.append(time.process_time() - start)
    assert result is not None
    return statistics.median(seconds), np.asarray(result["s"], dtype=np.float64)


def _number(value: float) -> str:
    return render_sql(Printing("duckdb").number(value), "duckdb")


def _text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _list(values: Any, show: Callable[[Any], str] = _number) -> str:
    return "[" + ", ".join(show(v) for v in values) + "]"


class _Timer:
    """Times forms of one term against the emitted one, in ns a row above the bare scan."""

    def __init__(self, model: pwlc.Model, connection: Any, rows: int):
        self.model, self.connection, self.rows = model, connection, rows
        self.empty, _ = _cpu(connection, "SELECT 0.0e0 AS s FROM input")

    def emitted(self, term: Any) -> tuple[str, str]:
        alone = pwlc.emit(dataclasses.replace(self.model, terms=(term,), link="identity"), "sql:duckdb").strip().rstrip(";")
        return "emitted", f'SELECT "{self.model.name}" AS s FROM ({alone})'

    def line(self, what: str, forms: list[tuple[str, str]], same: bool = True) -> str:
        parts, first = [], None
        for label, query in forms:
            seconds, values = _cpu(self.connection, query)
            first = values if first is None else first
            differs = same and not np.array_equal(values, first, equal_nan=True)
            parts.append(f"{label} {(seconds - self.empty) * 1e9 / self.rows:.0f} ns{' (DIFFERENT VALUES)' if differs else ''}")
        return f"{what}: " + "; ".join(parts)


def _over(feature: str, kind: str, body: str, missing: float | None) -> str:
    """`body` as a term over the cast input: NULL gives the missing value."""
    x = f'"{feature}"'
    return f"SELECT CASE WHEN {x} IS NULL THEN {'NULL' if missing is None else _number(missing)} ELSE {body} END AS s FROM (SELECT CAST({x} AS {kind}) AS {x} FROM input)"


def _tree(step: pwlc.Step, low: int, high: int, leaf: Callable[[int], str], fan: int = 2) -> str:
    """A CASE tree over cells low..high: `fan` children a node, one cell a leaf."""
    if low == high:
        return leaf(low)
    side = "<" if step.at_edge == "upper" else "<="
    size = -(-(high - low + 1) // fan)
    parts = [(start, min(start + size - 1, high)) for start in range(low, high + 1, size)]
    whens = " ".join(f'WHEN "{step.feature}" {side} {_number(step.edges[end])} THEN {_tree(step, start, end, leaf, fan)}' for start, end in parts[:-1])
    return f"CASE {whens} ELSE {_tree(step, parts[-1][0], high, leaf, fan)} END"


def _list_reduce(step: pwlc.Step) -> str:
    """The bin (0-based) by binary search: strides P, P/2, ..., 1 over the edges list."""
    n = len(step.edges)
    strides = [1 << k for k in reversed(range(n.bit_length()))]
    side = ">=" if step.at_edge == "upper" else ">"
    search = f'LIST_REDUCE({strides}, lambda b, s: b + s * (b + s <= {n} AND "{step.feature}" {side} {_list(step.edges)}[b + s])::INTEGER, 0)'
    return f"{_list(step.values)}[{search} + 1]"


def _rounds_in_steps(step: pwlc.Step) -> str:
    """The search in rounds without lambda: each round's bin (from 1) a column of its own step."""
    x, below = f'"{step.feature}"', "<" if step.at_edge == "upper" else "<="
    query = f"SELECT CAST({x} AS DOUBLE) AS {x} FROM input"
    for k, line in enumerate(search.rounds(step.edges)):
        b = f'"b{k}"'
        bin_ = f"2 - CAST(({x} {below} {_number(line[0])}) AS INT)" if k == 0 else f"2 * {b} - CAST(({x} {below} {_list(line)}[{b}]) AS INT)"
        query = f'SELECT *, {bin_} AS "b{k + 1}" FROM ({query})'
    value = f'{_list(search.padded_values(step.values))}["b{len(step.edges).bit_length()}"]'
    missing = "NULL" if step.missing is None else _number(step.missing)
    return f"SELECT CASE WHEN {x} IS NULL THEN {missing} ELSE {value} END AS s FROM ({query})"


def step_forms(timer: _Timer, step: pwlc.Step) -> str:
    n = len(step.edges)

    def value(k: int) -> str:
        return _number(step.values[k])

    def form(body: str) -> str:
        return _over(step.feature, "DOUBLE", body, step.missing)

    grouped, searched = (render_sql(term_expression(step, Printing("duckdb", search=form)), "duckdb") for form in (False, True))
    cast = f'(SELECT CAST("{step.feature}" AS DOUBLE) AS "{step.feature}" FROM input)'
    forms = [
        timer.emitted(step),
        ("grouped CASE", f"SELECT {grouped} AS s FROM {cast}"),
        ("search in rounds", f"SELECT {searched} AS s FROM {cast}"),
        ("binary CASE tree", form(_tree(step, 0, n, value))),
        ("4-ary CASE tree", form(_tree(step, 0, n, value, 4))),
        ("values[binary-tree bin]", form(f"{_list(step.values)}[{_tree(step, 0, n, lambda k: str(k + 1))}]")),
        ("one-list search (before)", form(_list_reduce(step))),
        ("rounds in steps, no lambda", _rounds_in_steps(step)),
    ]
    return timer.line(f"step {step.feature} ({n} edges)", forms)


def list_forms(timer: _Timer, sizes: tuple[int, ...] = (64, 256, 1024, 4096)) -> str:
    """A list literal of n doubles read at a row's index, alone: ns a row by length."""
    index = 'CAST(row_id % 50 AS INT) + 1 AS i'
    return timer.line("list literal read once", [(f"{n} items", f"SELECT {_list([k / 7 for k in range(n)])}[i] AS s FROM (SELECT {index} FROM input)") for n in sizes], same=False)

def table_forms(timer: _Timer, table: pwlc.Table) -> str:
    keys, values = [k for k, _ in table.entries], [v for _, v in table.entries]
    x = f'"{table.feature}"'
    whens = " ".join(f"WHEN {_text(k)} THEN {_number(v)}" for k, v in table.entries)
    forms = [
        timer.emitted(table),
        ("simple CASE", f"CASE {x} {whens} ELSE {_number(table.default)} END"),
        ("values[LIST_POSITION]", f"{_list([*values, table.default])}[COALESCE(LIST_POSITION({_list(keys, _text)}, {x}), {len(keys) + 1})]"),
        ("MAP", f"COALESCE(MAP {{{', '.join(f'{_text(k)}: {_number(v)}' for k, v in table.entries)}}}[{x}], {_number(table.default)})"),
    ]
    forms[1:] = [(label, _over(table.feature, "TEXT", body, table.missing)) for label, body in forms[1:]]
    return timer.line(f"table {table.feature} ({len(keys)} entries)", forms)


def grid_forms(timer: _Timer, grid: pwlc.Grid) -> str:
    """The emitted matrix against a flat list: the same bins, the same cells."""
    p = Printing("duckdb")
    a, b = (render_sql(bin_expression(axis, p), "duckdb") for axis in (grid.a, grid.b))
    term = render_sql(term_expression(grid, p), "duckdb")
    matrix = render_sql(matrix_expression(grid, p), "duckdb")
    flat = f"{_list([v for row in grid.values for v in row])}[(({a}) - 1) * {len(grid.values[0])} + ({b})]"
    kinds = {axis.feature: "TEXT" if isinstance(axis, pwlc.CategoryAxis) else "DOUBLE" for axis in (grid.a, grid.b)}
    inputs = ", ".join(f'CAST("{name}" AS {kind}) AS "{name}"' for name, kind in kinds.items())
    text = "CAST('[" + ", ".join("[" + ", ".join(repr(float(v)) for v in row) + "]" for row in grid.values) + "]' AS DOUBLE[][])"
    cast = f"LIST_EXTRACT(LIST_EXTRACT({text}, {a}), {b})"
    assert matrix in term
    forms = [
        timer.emitted(grid),
        ("flat list[(a - 1) * columns + b]", f"SELECT {term.replace(matrix, flat)} AS s FROM (SELECT {inputs} FROM input)"),
        ("matrix as a text cast", f"SELECT {term.replace(matrix, cast)} AS s FROM (SELECT {inputs} FROM input)"),
    ]
    return timer.line(f"grid {grid.a.feature} × {grid.b.feature} ({len(grid.values)} × {len(grid.values[0])} cells)", forms)


def measure(compas: Data, lending: Data) -> list[str]:
    lines = []
    for data in (compas, lending):
        ebm = ebm_row.train(data)
        exact = pwlc.lower(ebm)
        distilled, _ = pwlc.optimize(pwlc.distill(ebm, data.X, segments=3), "O2", data=data.X)
        connection = duckdb_table(data.rows, data.numeric)
        timer = _Timer(exact, connection, len(data.rows))
        lines.append(f"EBM {data.name}, exact:")
        lines.append(f"  {list_forms(timer)}")
        steps = sorted((t for t in exact.terms if isinstance(t, pwlc.Step)), key=lambda t: -len(t.edges))
        lines += [f"  {step_forms(timer, step)}" for step in steps[:3]]
        grids = [t for t in exact.terms if isinstance(t, pwlc.Grid) and not isinstance(t.a, pwlc.KnotAxis) and not isinstance(t.b, pwlc.KnotAxis)]
        lines += [f"  {grid_forms(timer, grid)}" for grid in grids[:3]]
        timer = _Timer(distilled, connection, len(data.rows))
        lines.append(f"EBM {data.name}, distilled:")
        lines += [f"  {table_forms(timer, table)}" for table in distilled.terms if isinstance(table, pwlc.Table)]
    return lines
