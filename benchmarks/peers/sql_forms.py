"""Other DuckDB forms of pwlc's slow terms, measured beside the emitted ones (the figures in
the hand-written part of benchmarks/results/peers.md): `benchmarks/peers.py --sql-forms`.

- every literal written as a DOUBLE (`…e0`): DuckDB types `0.35` as DECIMAL, so literal-valued
  CASEs and their sums are DECIMAL (128-bit once they widen) and not the evaluator's doubles;
- an EBM pair grid as one flat CASE per axis giving its bin number and a list literal indexed
  by the two numbers, instead of a CASE over a's cells each holding a CASE over b's cells
  (the non-missing path only: a sketch of the form, not an exact term).
"""

from __future__ import annotations

import dataclasses
import re
import statistics
import time
from typing import Any

import numpy as np

import pwlc

from . import ebm_row, linear_row
from .inputs import Data, duckdb_table

LITERAL = re.compile(r"(?<![\w.\"])(\d+\.\d+)(?![\deE.])")


def as_doubles(query: str) -> str:
    """The query with every decimal literal written as a DOUBLE (`0.35` -> `0.35e0`)."""
    return LITERAL.sub(r"\1e0", query)


def _cpu(connection: Any, query: str, repeats: int = 3) -> tuple[float, np.ndarray]:
    seconds, result = [], None
    for _ in range(repeats):
        start = time.process_time()
        result = connection.execute(query).fetchnumpy()
        seconds.append(time.process_time() - start)
    assert result is not None
    return statistics.median(seconds), np.asarray(result[next(iter(result))], dtype=np.float64)


def literal_types(label: str, model: pwlc.Model, rows: Any, connection: Any) -> str:
    emitted = pwlc.emit(model, "sql:duckdb").strip().rstrip(";")
    reference = pwlc.evaluate(model, rows, output="score")
    line = [f"{label}:"]
    for name, query in (("as emitted", emitted), ("literals as DOUBLE", as_doubles(emitted))):
        seconds, scores = _cpu(connection, f"SELECT {model.name} FROM ({query})")
        kind = connection.execute(f"DESCRIBE SELECT {model.name} FROM ({query})").fetchall()[0][1]
        line.append(f"{name} {len(rows) / seconds:,.0f} rows/s, {100 * np.mean(scores == reference):.1f}% of rows bit-identical to the evaluator ({kind});")
    return " ".join(line)


def _axis_bin(axis: Any) -> str:
    """A flat CASE giving an axis's bin number (0-based; a category's position + 1, 0 unseen)."""
    name = f'"{axis.feature}"'
    if isinstance(axis, pwlc.StepAxis):
        side = "<" if axis.at_edge == "upper" else "<="
        return "CASE " + " ".join(f"WHEN {name} {side} {e!r} THEN {k}" for k, e in enumerate(axis.edges)) + f" ELSE {len(axis.edges)} END"
    return "CASE " + " ".join(f"WHEN {name} = '{c}' THEN {k + 1}" for k, c in enumerate(axis.categories)) + " ELSE 0 END"


def grid_forms(model: pwlc.Model, connection: Any, rows: int) -> list[str]:
    """Each step grid of `model`, alone: pwlc's nested CASE against bins-then-index."""
    empty, _ = _cpu(connection, "SELECT 0.0 AS s FROM input")
    lines = []
    for term in model.terms:
        if not isinstance(term, pwlc.Grid) or isinstance(term.a, pwlc.KnotAxis) or isinstance(term.b, pwlc.KnotAxis):
            continue
        alone = pwlc.emit(dataclasses.replace(model, terms=(term,), link="identity"), "sql:duckdb").strip().rstrip(";")
        nested, _ = _cpu(connection, f"SELECT {model.name} FROM ({alone})")
        cells = "[" + ", ".join(repr(float(v)) for row in term.values for v in row) + "]"
        indexed, _ = _cpu(connection, f"SELECT {cells}[({_axis_bin(term.a)}) * {len(term.values[0])} + ({_axis_bin(term.b)}) + 1] AS s FROM input")
        per_row = 1e9 / rows
        lines.append(
            f"grid {term.a.feature} × {term.b.feature} ({len(term.values)} × {len(term.values[0])} cells): nested CASE "
            f"{(nested - empty) * per_row:.0f} ns a row, bins then list index {(indexed - empty) * per_row:.0f} ns"
        )
    return lines


def measure(compas: Data, lending: Data) -> list[str]:
    lines = []
    for data in (compas, lending):
        ebm = ebm_row.train(data)
        exact = pwlc.lower(ebm)
        distilled, _ = pwlc.optimize(pwlc.distill(ebm, data.X, segments=3), "O2", data=data.X)
        connection = duckdb_table(data.rows, data.numeric)
        lines.append(literal_types(f"EBM {data.name}, exact", exact, data.rows, connection))
        lines.append(literal_types(f"EBM {data.name}, distilled", distilled, data.rows, connection))
        if data is compas:
            lines += grid_forms(exact, connection, len(data.rows))
    model, numeric, _ = linear_row.pipeline(lending)
    names = numeric + list(lending.categorical)
    compiled, _ = linear_row.pwlc_model(model, lending.X[names], False)
    lines.append(literal_types("linear pipeline, Lending Club", compiled, lending.rows[names], duckdb_table(lending.rows[names], tuple(numeric))))
    return lines
