"""What the SQL tests share: the evaluator as the emitted SQL computes it, random models
with knots from random generators, and where PostgreSQL stops.

`sql_evaluate` is `pwlc.evaluate` with the SQL's own transforms (`guards.sql_transform`:
`LN`, and the log1p written with `LN`) and the libm `exp` for the link, the only places
where the SQL's formula is not the evaluator's: everywhere else the two are the same
arithmetic, which `test_sql_numbers` checks (they agree bit for bit on models without
transforms and links), and engines must match it bit for bit.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from hypothesis import strategies as st

import pwlc.semantics as semantics
from pwlc.backends.sql import guards
from pwlc.ir import CategoryAxis, Constant, Curve, Grid, Input, KnotAxis, Linear, Model, Step, StepAxis, Table, verify
from pwlc.semantics import evaluate
from pwlc.testing import edge_grid
from tests import engines
from tests.engines import Columns

EXP_FINITE_UP_TO = 709.782712893384


def _libm_exp(x: float) -> float:
    return math.exp(x) if x <= EXP_FINITE_UP_TO else math.inf


def _sql_transform(fx: str, x: Any) -> Any:
    values = np.asarray(x, dtype=np.float64)
    if fx == "identity":
        return values
    return np.array([guards.sql_transform(fx, float(v)) if not math.isnan(v) else v for v in values.ravel()]).reshape(values.shape)


def _sql_link(link: str, score: Any) -> Any:
    if link == "logistic":
        return np.array([1.0 / (1.0 + _libm_exp(-s)) if not math.isnan(s) else s for s in score])
    if link == "exp":
        return np.array([_libm_exp(s) if not math.isnan(s) else s for s in score])
    return score


@contextmanager
def _sql_functions() -> Iterator[None]:
    transform, link = semantics.transform, semantics.apply_link
    semantics.transform, semantics.apply_link = _sql_transform, _sql_link  # type: ignore[assignment]
    try:
        with np.errstate(all="ignore"):
            yield
    finally:
        semantics.transform, semantics.apply_link = transform, link  # type: ignore[assignment]


def sql_evaluate(model: Model, columns: Columns, output: str = "score") -> np.ndarray:
    """`pwlc.evaluate` with the SQL's transforms and the libm `exp` (see the module doc)."""
    with _sql_functions():
        return evaluate(model, columns, output=output)


def same(got: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """Rows where two results are the same double (NaN and NULL alike; 0.0 equals -0.0)."""
    return (got == expected) | (np.isnan(got) & np.isnan(expected))


# --- random models with knots from random generators -------------------------------------

_LARGE = 2.0**1022  # the largest magnitude a value may have (verify's rule)
values = st.one_of(
    st.floats(-1.0, 1.0),
    st.floats(-1e6, 1e6),
    st.floats(-1e300, 1e300),
    st.floats(-1e-300, 1e-300),
    st.integers(-3, 3).map(float),
    st.sampled_from([0.0, -0.0, 5e-324, -5e-324, 0.1, 1e-310]),
)


@st.composite
def knots(draw: st.DrawFn, max_size: int = 5, above: float = -math.inf) -> tuple[float, ...]:
    """Increasing knots from one of: uniform doubles (17 digits), one ulp apart, 1e-300 to
    1e300, short decimals, and tiny numbers around 0 (below SQLite's 1e-290)."""
    kind = draw(st.sampled_from(["uniform", "ulps", "wide", "short", "tiny"]))
    size = draw(st.integers(1, max_size))
    if kind == "ulps":
        xs = [draw(st.floats(-100.0, 100.0))]
        for _ in range(size - 1):
            step = draw(st.sampled_from([0.0, 1.0, 1e-14, 3.0]))
            xs.append(math.nextafter(xs[-1], math.inf) if step == 0.0 else xs[-1] + step)
    elif kind == "uniform":
        xs = draw(st.lists(st.floats(-1e6, 1e6), min_size=size, max_size=size))
    elif kind == "wide":
        xs = [sign * 10.0**exponent for sign, exponent in draw(st.lists(st.tuples(st.sampled_from([-1.0, 1.0]), st.floats(-300.0, 300.0)), min_size=size, max_size=size))]
    elif kind == "short":
        xs = [n / 10.0 for n in draw(st.lists(st.integers(-500, 500), min_size=size, max_size=size))]
    else:
        xs = [0.0, *draw(st.lists(st.floats(-1e-290, 1e-290), min_size=size - 1, max_size=size - 1))]
    found = sorted({x for x in xs if x > above})
    return tuple(found) or (draw(st.floats(max(above, -1e6) + 1.0, 1e6)),)


def _transform_increasing(fx: str, xs: tuple[float, ...]) -> bool:
    with np.errstate(all="ignore"):
        t = semantics.transform(fx, np.asarray(xs, dtype=np.float64))
    return bool(np.all(np.diff(t) > 0))


@st.composite
def models(draw: st.DrawFn) -> Model:
    """Random valid models over numeric x, y and categorical c: curves in every transform,
    steps on both edge sides, tables, grids (knot, step and category axes), every link."""
    inputs = (Input("x"), Input("y"), Input("c", "categorical"))
    terms: list[Any] = [Constant(draw(values))]
    missing = st.none() | values
    for _ in range(draw(st.integers(1, 4))):
        feature = draw(st.sampled_from(["x", "y"]))
        kind = draw(st.sampled_from(["curve", "step", "table"]))
        if kind == "curve":
            fx = draw(st.sampled_from(["identity", "log", "log1p", "symlog1p"]))
            xs = draw(knots(above={"log": 0.0, "log1p": -1.0}.get(fx, -math.inf)))
            fx = fx if _transform_increasing(fx, xs) else "identity"
            terms.append(Curve(feature, xs, tuple(draw(values) for _ in xs), fx, draw(missing)))  # type: ignore[arg-type]
        elif kind == "step":
            edges = draw(knots())
            terms.append(Step(feature, edges, tuple(draw(values) for _ in range(len(edges) + 1)), draw(st.sampled_from(["upper", "lower"])), draw(missing)))
        else:
            keys = draw(st.lists(st.sampled_from(["a", "B", "b", " a", "a ", ""]), max_size=4, unique=True))
            terms.append(Table("c", tuple((k, draw(values)) for k in keys), draw(values), draw(missing)))
    if draw(st.booleans()):
        a = KnotAxis("x", draw(knots(3))) if draw(st.booleans()) else StepAxis("x", draw(knots(3)), draw(st.sampled_from(["upper", "lower"])))
        b = KnotAxis("y", draw(knots(3))) if draw(st.booleans()) else CategoryAxis("c", ("a", "b"))
        grid_values = tuple(tuple(draw(values) for _ in range(b.size)) for _ in range(a.size))
        terms.append(Grid(a, b, grid_values, draw(missing)))
    model = Model(inputs, tuple(terms), draw(st.sampled_from(["identity", "logistic", "exp"])))  # type: ignore[arg-type]
    return verify(model)


def rows(model: Model, seed: int = 0, count: int = 24) -> Columns:
    """The edge grid plus `count` random rows (uniform between and around the knots)."""
    columns = edge_grid(model)
    rng = np.random.default_rng(seed)
    for declared in model.inputs:
        present = [v for v in columns[declared.name] if isinstance(v, float) and math.isfinite(v)]
        if declared.kind == "categorical":
            extra: list[Any] = list(rng.choice(["a", "b", "B", "zz", ""], count))
        else:
            low, high = (min(present), max(present)) if present else (-1.0, 1.0)
            extra = [float(v) for v in rng.uniform(low, high, count)] if math.isfinite(high - low) else [float(v) for v in rng.normal(0, 1, count)]
        columns[declared.name] = columns[declared.name] + extra
    if not columns:
        return columns
    length = max(len(v) for v in columns.values())
    return {name: (column * (length // len(column) + 1))[:length] for name, column in columns.items()}


def reads_and_scores_as_the_evaluator_on_duckdb(text: str, model: Model) -> None:
    """`text` reads as `model`, and on DuckDB scores the edge grid and random rows (`rows`)
    as the evaluator does, bit for bit (the models these checks use have no transform)."""
    from pwlc.backends import sql

    assert sql.read(text) == model
    columns = rows(model)
    got = engines.run_sql_source(text, model, columns, "duckdb")
    expected = evaluate(model, columns, output="score")
    bad = np.flatnonzero(~same(got, expected))
    assert bad.size == 0, f"rows {bad[:5]}: {got[bad[:5]]} vs {expected[bad[:5]]}"


# --- where PostgreSQL stops --------------------------------------------------------------------


def postgres_stops(model: Model, columns: Columns) -> list[int]:
    """Rows on which PostgreSQL stops pwlc's query: where a bilinear grid's two interpolated
    rows differ by so little that their difference times the weight along `a` rounds to 0
    (the one underflow pwlc's SQL does not guard; README, "The emitted C and SQL"), and,
    with a linear term, where the sum overflows (`_linear_stops`).
    The arithmetic is the SQL's, guards included."""
    stops = []
    for row in range(engines.row_count(columns)):
        for term in model.terms:
            if isinstance(term, Grid) and isinstance(term.a, KnotAxis) and isinstance(term.b, KnotAxis) and _bilinear_stops(term, columns[term.a.feature][row], columns[term.b.feature][row]):
                stops.append(row)
                break
    if any(isinstance(term, Linear) for term in model.terms):
        stops = sorted(set(stops) | set(_linear_stops(model, columns)))
    return stops


def _linear_stops(model: Model, columns: Columns) -> list[int]:
    """Rows where the sum of finite terms overflows (a linear term's value is unbounded):
    PostgreSQL stops the query there (README, "The emitted C and SQL"). A linear term's own
    product never stops it: where it would overflow or round to 0 the SQL gives ±inf or ±0
    without multiplying (`guards.product_limits`)."""
    with np.errstate(all="ignore"):
        terms = semantics.evaluate_terms(model, columns)
    stops = []
    for row in range(terms.shape[0]):
        total = terms[row, 0] if terms.shape[1] else 0.0
        for value in terms[row, 1:]:
            if math.isfinite(total) and math.isfinite(value) and math.isinf(total + value):
                stops.append(row)
                break
            total += value
    return stops


def _cell(knots: tuple[float, ...], x: float, difference_of: Any) -> tuple[int, int, float] | None:
    """(lower, upper, weight) as the SQL's CASE computes them; None off the knots' inside."""
    if x is None or math.isnan(x) or x <= knots[0] or x >= knots[-1]:
        return None
    i = max(k for k in range(len(knots) - 1) if knots[k] <= x) if x > knots[0] else 0
    low, high = knots[i], knots[i + 1]
    limit = guards.weight_limit("identity", low, high, difference_of(i))
    weight = 0.0 if limit is not None and x <= limit else (x - low) / (high - low)
    return i, i + 1, weight


def _bilinear_stops(grid: Grid, a: Any, b: Any) -> bool:
    values = grid.values
    a_cell = _cell(grid.a.knots, a, lambda i: None)  # type: ignore[union-attr]
    if a_cell is None:
        return False
    i0, i1, wa = a_cell
    b_cell = _cell(grid.b.knots, b, lambda j: values[i0][j + 1] - values[i0][j])  # type: ignore[union-attr]
    if b_cell is None:
        return False  # rows at one knot of b: their difference is a constant, guarded
    j0, j1, _ = b_cell

    def along(row: tuple[float, ...]) -> float:
        cell = _cell(grid.b.knots, b, lambda j: row[j + 1] - row[j])  # type: ignore[union-attr]
        assert cell is not None
        return row[j0] + (row[j1] - row[j0]) * cell[2]

    difference = along(values[i1]) - along(values[i0])
    return difference != 0.0 and wa != 0.0 and difference * wa == 0.0
