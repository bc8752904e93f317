"""Linear terms in SQL: `SLOPE * x` (no CASE: a NULL input gives NULL, the missing score)
or `COALESCE(SLOPE * x, MISSING)`, read back in every dialect, and the query run on
SQLite, DuckDB and PostgreSQL against the reference evaluator to the bit, on edge grids and
random rows, edited queries too. PostgreSQL stops a query where a product of finite
numbers overflows or rounds to 0: those rows are checked to stop it, the others to agree."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

import pwlc
from pwlc import Constant, Curve, Input, Linear, Model, Table
from pwlc.backends import sql
from pwlc.semantics import evaluate
from pwlc.testing import edge_grid
from tests import engines
from tests.conftest import require_engine
from tests.sql_support import postgres_stops, same
from tests.strategies import models

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "models-linear" / "linear.pwl"
DIALECTS = ["duckdb", "sqlite", "postgres", "spark", "bigquery", "snowflake", "mysql", "tsql", "trino", "redshift", "databricks", "oracle"]


def usable(engine: str) -> None:
    reason = engines.unavailable(engine)
    if reason is not None:
        require_engine(engine, reason)


def with_random_rows(model: Model, seed: int = 0, rows: int = 200) -> dict[str, list]:
    """The edge grid, then random rows: numbers uniform over ±1e6 and log-uniform up to
    1e300 (either sign), categories drawn from the grid's."""
    grid = edge_grid(model)
    rng = np.random.default_rng(seed)
    out = {}
    for declared in model.inputs:
        column = list(grid[declared.name])
        if declared.kind == "categorical":
            column += [column[i] for i in rng.integers(0, len(column), rows)]
        else:
            huge = np.exp(rng.uniform(0, 690, rows // 2)) * rng.choice([-1.0, 1.0], rows // 2)
            column += [float(v) for v in (*rng.uniform(-1e6, 1e6, rows - rows // 2), *huge)]
        out[declared.name] = column
    return out


def check_runs(model: Model, columns: dict[str, list], engine: str, text: str | None = None) -> int:
    """The query (emitted, or `text`) on `engine` equals the evaluator on every row, but for
    the rows PostgreSQL stops on, which stop it (each on its own). Returns the rows compared."""
    usable(engine)
    query = engines.emit_sql(model, engine) if text is None else text
    stops = set(postgres_stops(model, columns)) if engine == "postgres" else set()
    keep = [i for i in range(engines.row_count(columns)) if i not in stops]
    kept = {name: [column[i] for i in keep] for name, column in columns.items()}
    got = engines.run_sql_source(query, model, kept, engine)
    expected = evaluate(model, kept, output="score")
    bad = np.flatnonzero(~same(got, expected))
    assert bad.size == 0, f"{engine}: rows {bad[:5]}: {got[bad[:5]]} vs {expected[bad[:5]]}"
    for i in sorted(stops)[:5]:
        with pytest.raises(Exception, match="out of range"):
            engines.run_sql_source(query, model, {name: [column[i]] for name, column in columns.items()}, engine)
    return len(keep)


def test_the_golden_linear_model_prints_no_case_for_a_linear_term() -> None:
    text = sql.emit(pwlc.read(GOLDEN), "duckdb")
    assert '+ 0.031e0 * "age"' in text and '+ COALESCE((-2.5e-05) * "income", 0.0e0)' in text


@pytest.mark.parametrize("engine", ["sqlite", "duckdb", "postgres"])
def test_the_golden_linear_model_runs_like_the_evaluator(engine: str) -> None:
    model = pwlc.read(GOLDEN)
    columns = with_random_rows(model)
    assert check_runs(model, columns, engine) >= (200 if engine != "postgres" else 150)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_dialect_reads_a_linear_term_back(dialect: str) -> None:
    model = pwlc.read(GOLDEN)
    text = sql.emit(model, dialect)
    assert sql.read(text, dialect=dialect) == model
    assert sql.emit(sql.read(text, dialect=dialect), dialect) == text


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models(linear=True))
def test_random_models_with_linear_terms_round_trip_and_run_like_the_evaluator(model: Model) -> None:
    for engine in ("duckdb", "sqlite", "postgres"):
        try:
            text = engines.emit_sql(model, engine)
        except pwlc.UnsupportedError as refusal:  # NUL (SQLite), TRUE/FALSE, one column, sums PostgreSQL stops on
            assert any(reason in refusal.message for reason in ("NUL", "boolean", "as one column", "overflow")), refusal.message
            continue
        assert sql.read(text, dialect=engine) == model
        if any(t.feature for t in model.terms if isinstance(t, Linear)):
            check_runs(model, with_random_rows(model, rows=40), engine, text)


MODEL = Model((Input("x"), Input("z"), Input("c", "categorical")), (Constant(0.5), Linear("x", 0.25), Linear("z", -3.0, missing=1.5), Curve("x", (0.0, 1.0), (0.0, 2.0)), Table("c", (("a", 1.0),))))


@pytest.mark.parametrize(
    ("old", "new", "term"),
    [
        ('0.25e0 * "x"', '"x" * 0.25e0', Linear("x", 0.25)),  # one product either way
        ('0.25e0 * "x"', '(0.25e0) * ("x")', Linear("x", 0.25)),
        ('0.25e0 * "x"', 'CAST(0.1 AS DOUBLE) * "x"', Linear("x", 0.1)),
        ('COALESCE((-3.0e0) * "z", 1.5e0)', 'COALESCE((-3.0e0) * "z", -7.0e0)', Linear("z", -3.0, missing=-7.0)),
        ('COALESCE((-3.0e0) * "z", 1.5e0)', '(-3.0e0) * "z"', Linear("z", -3.0)),
    ],
)
def test_edited_linear_terms_read_back_and_run_as_read(old: str, new: str, term: Linear) -> None:
    text = engines.emit_sql(MODEL, "duckdb")
    assert old in text, text
    edited = text.replace(old, new)
    model = sql.read(edited, dialect="duckdb")
    assert term in model.terms
    check_runs(model, with_random_rows(model, rows=40), "duckdb", edited)


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        ('0.25e0 * "x"', '0.25e0 * "x" * 2.0e0', "a linear term is `SLOPE * x`"),
        ('0.25e0 * "x"', '0.25e0 * "c"', "a linear term reads a numeric input"),
        ('0.25e0 * "x"', '"x" * "z"', "a number times one input column"),
        ('0.25e0 * "x"', '0.0e0 * "x"', "slope is 0, so the term is a constant"),
        ('COALESCE((-3.0e0) * "z", 1.5e0)', 'COALESCE((-3.0e0) * "z", 1.5e0, 2.0e0)', "one number after the product"),
        ('COALESCE((-3.0e0) * "z", 1.5e0)', 'COALESCE((-3.0e0) * "z", "x")', "one number after the product"),
    ],
)
def test_linear_edits_pwlc_does_not_read_are_refused_at_their_position(old: str, new: str, says: str) -> None:
    text = sql.emit(MODEL, "duckdb")
    edited = text.replace(old, new)
    with pytest.raises(pwlc.PwlcError) as caught:
        pwlc.read(edited, format="sql:duckdb")
    message = str(caught.value)
    assert says in message, message
    assert message.splitlines()[-1].strip().endswith("^")


def test_a_linear_product_that_overflows_or_rounds_to_zero_runs_everywhere() -> None:
    """PostgreSQL stops where a product of nonzero finite doubles overflows or rounds to 0:
    its linear terms give that ±inf or ±0 without multiplying, to the bit, signs included."""
    for slope in (3.0, -3.0, 0.25, -0.25, 0.5, 1e-300, -2.0**1022, 1.0 + 2.0**-52, 0.75):
        model = pwlc.verify(Model((Input("x"),), (Constant(1.0), Linear("x", slope, missing=0.0))))
        low, high = sql.guards.product_limits(slope)
        near = [v for limit in (low, high) if limit is not None for v in (math.nextafter(limit, 0.0), limit, math.nextafter(limit, math.inf))]
        xs = [*near, *(-v for v in near), 1.0, -2.0, 1e300, 7e307, -7e307, 5e-324, -5e-324, 1e-320, math.inf, -math.inf, math.nan, None, 0.0, -0.0]
        lone = pwlc.verify(Model((Input("x"),), (Linear("x", slope),)))  # the sign of a zero product shows
        for engine in ("postgres", "duckdb", "sqlite"):
            assert check_runs(model, {"x": xs}, engine) == len(xs)
            assert check_runs(lone, {"x": xs}, engine) == len(xs)
        assert (low is not None) == (abs(slope) <= 0.5) and (high is not None) == (abs(slope) > 1.0)
        assert sql.read(sql.emit(model, "postgres"), dialect="postgres") == model


def test_postgres_stops_where_a_sum_overflows_and_agrees_elsewhere() -> None:
    model = pwlc.verify(Model((Input("x"),), (Constant(4e307), Linear("x", 4.0))))
    columns = {"x": [1.0, 4e307, -4e307, 3e307, 4.4e307, 5e307, math.inf, None]}
    assert postgres_stops(model, columns) == [1, 4]  # 4e307 + 1.76e308 overflows; 4 * 5e307 is inf already
    assert check_runs(model, columns, "postgres") == 6
    for engine in ("duckdb", "sqlite"):  # IEEE: infinities, as the evaluator
        assert check_runs(model, columns, engine) == 8


@pytest.mark.parametrize("link", ["logistic", "exp"])
@pytest.mark.parametrize("engine", ["sqlite", "duckdb", "postgres"])
def test_a_nan_score_has_a_nan_prediction(engine: str, link: str) -> None:
    """Two linear terms at opposite infinities sum to NaN; DuckDB and PostgreSQL order NaN
    above every number, so the link's guards are written to let it through to the formula."""
    usable(engine)
    model = pwlc.verify(Model((Input("x"), Input("z")), (Linear("x", 1.0), Linear("z", 2.0)), link))  # type: ignore[arg-type]
    columns = {"x": [math.inf, -math.inf, 800.0, -800.0, 1.0], "z": [-math.inf, math.inf, 0.0, 0.0, 2.0]}
    for output in ("score", "prediction"):
        got = engines.run_sql(model, columns, engine, output=output)
        expected = evaluate(model, columns, output=output)
        assert same(got, expected).all(), (output, got, expected)
    assert np.isnan(evaluate(model, columns)[:2]).all()
