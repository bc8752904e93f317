"""DuckDB's bins step (issue 18, `pwlc/backends/sql/bins.py`): each grid axis's bin number is
computed once, in a column of a step after the inputs, and every grid over that axis indexes
its matrix by the column. The tests check the sharing (pairs over one input read one column),
run random models with several grids over shared inputs on DuckDB against the evaluator,
read them back (and the inline form of earlier files), follow a hand edit of a bin column
into every grid that reads it, and refuse bin columns the terms would not read as written.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pwlc.backends import sql
from pwlc.backends.sql.bins import BINS_CTE
from pwlc.backends.sql.terms import Printing, term_expression
from pwlc.ir import CategoryAxis, Grid, Input, Model, Step, StepAxis, verify
from tests import engines
from tests.sql_support import knots, reads_and_scores_as_the_evaluator_on_duckdb, values
from tests.test_sql_matrix import _duckdb
from tests.test_sql_reader import refused


def _pairs() -> Model:
    """Three pairs over x (two on the same cuts), one over c twice, and a step over x."""
    x, x_other, c = StepAxis("x", (30.0, 45.5)), StepAxis("x", (40.0,), "lower"), CategoryAxis("c", ("north", "south"))
    terms = (
        Grid(x, c, ((1.0, 2.0, 3.0), (4.0, 5.0, 6.0), (7.0, 8.0, 9.5)), 0.0),
        Grid(StepAxis("y", (1.0,)), x, ((0.5, 0.25, 0.125), (-1.0, -2.0, -3.0))),
        Grid(x_other, c, ((1.5, 2.5, 3.5), (-4.0, -5.0, -6.0)), 1.0, (0.1, 0.2, 0.3)),
        Step("x", (10.0,), (-1.0, 1.0), missing=0.0),
    )
    return verify(Model((Input("x"), Input("y"), Input("c", "categorical")), terms))


def test_pairs_over_one_input_read_one_bin_column() -> None:
    _duckdb()
    text = engines.emit_sql(_pairs(), "duckdb")
    defined = re.findall(r'END AS "(\w+)"', text)
    assert defined == ["x_bin", "c_bin", "y_bin", "x_bin_2"]  # x's cuts (30, 45.5) are one column, x at 40 (lower) another
    assert text.count('"x_bin"') == 3 and text.count('"c_bin"') == 3 and text.count('"x_bin_2"') == 2
    assert f'FROM "{BINS_CTE}"' in text and '"x" < 10.0e0' in text  # the step keeps its own CASE
    reads_and_scores_as_the_evaluator_on_duckdb(text, _pairs())


def test_other_dialects_and_the_inline_form_keep_reading() -> None:
    """SQLite has no lists (nested CASEs, no bins step); a DuckDB file written before the bins
    step, each bin CASE inline, reads as the same model."""
    _duckdb()
    model = _pairs()
    assert BINS_CTE not in sql.emit(model, "sqlite")
    summands = [sql.printer.render_sql(term_expression(term, Printing("duckdb")), "duckdb") for term in model.terms]
    inputs = f'"{engines.KEY}", CAST("x" AS DOUBLE) AS "x", CAST("y" AS DOUBLE) AS "y", CAST("c" AS TEXT) AS "c"'
    inline = f'WITH "inputs" AS (SELECT {inputs} FROM "{engines.TABLE}") SELECT "{engines.KEY}", {" + ".join(summands)} AS "score" FROM "inputs"'
    assert "_bin" not in inline
    reads_and_scores_as_the_evaluator_on_duckdb(inline, model)


def test_an_edited_bin_column_moves_the_cut_of_every_grid_that_reads_it() -> None:
    _duckdb()
    text = engines.emit_sql(_pairs(), "duckdb")
    edited = text.replace('WHEN "x" < 45.5e0 THEN 2', 'WHEN "x" < 44.0e0 THEN 2', 1)
    assert edited != text
    model = sql.read(edited)
    grids = [term for term in model.terms if isinstance(term, Grid)]
    assert grids[0].a == StepAxis("x", (30.0, 44.0)) and grids[1].b == StepAxis("x", (30.0, 44.0))
    assert grids[2].a == StepAxis("x", (40.0,), "lower")
    reads_and_scores_as_the_evaluator_on_duckdb(edited, model)


def test_a_step_passing_the_bin_columns_on_changes_nothing() -> None:
    _duckdb()
    text = engines.emit_sql(_pairs(), "duckdb")
    between = text.replace('  FROM "inputs"\n)\nSELECT', '  FROM "inputs"\n), "passed" AS (\n  SELECT * FROM "bins"\n)\nSELECT', 1)
    between = between.replace('FROM "bins";', 'FROM "passed";', 1)
    assert between.count('"passed"') == 2
    reads_and_scores_as_the_evaluator_on_duckdb(between, _pairs())


@pytest.mark.parametrize(
    ("before", "after", "where", "message"),
    [
        ('WHEN "x" < 45.5e0 THEN 2', 'WHEN "y" < 45.5e0 THEN 2', '"y" < 45.5e0', 'which has `"x"` here'),
        ('  "x_bin_2"\n', '  "x_bin"\n', "[\n                [1.5e0", "this matrix has 2 rows, and the bins of 'x' below it number 3"),
        ('  "c_bin"\n', '  "c_bin" + 0\n', "[1.0e0, 2.0e0, 3.0e0]", "this row has 3 values, and the bins of 'c' number 1"),  # not a bin CASE
    ],
    ids=["other-input", "other-bin-column", "bin-arithmetic"],
)
def test_an_edited_bin_column_that_no_longer_fits_is_refused_at_the_edit(before: str, after: str, where: str, message: str) -> None:
    text = engines.emit_sql(_pairs(), "duckdb")
    assert before in text
    refused(text.replace(before, after, 1), where, message)


_CELLS = "[[1.0e0, 2.0e0, 3.0e0], [4.0e0, 5.0e0, 6.0e0], [7.0e0, 8.0e0, 9.5e0]]"
_BINS = """    CASE WHEN "x" < 30.0e0 THEN 1 WHEN "x" < 45.5e0 THEN 2 ELSE 3 END AS "x_bin",
    CASE WHEN "c" = 'north' THEN 1 WHEN "c" = 'south' THEN 2 ELSE 3 END AS "c_bin"
"""
_SCORE = f"""SELECT CASE WHEN "x" IS NULL OR "c" IS NULL THEN 0.0e0
  ELSE LIST_EXTRACT(LIST_EXTRACT({_CELLS}, "x_bin"), "c_bin") END AS "score"
"""


def test_a_bin_column_of_the_raw_table_column_is_refused() -> None:
    """Computed before the cast, a bin column compares the table's own `"x"`, not the DOUBLE
    the grid's `"x" IS NULL` reads: refused at that column; computed after it, read."""
    raw = f"""WITH "raw" AS (
  SELECT "x", "c",
{_BINS}  FROM "input"
), "inputs" AS (
  SELECT "x_bin", "c_bin", CAST("x" AS DOUBLE) AS "x", CAST("c" AS TEXT) AS "c" FROM "raw"
)
{_SCORE}FROM "inputs";
"""
    refused(raw, "\"c\" = 'north'", "this bin number reads 'c' as the terms do not")
    cast = f"""WITH "inputs" AS (
  SELECT CAST("x" AS DOUBLE) AS "x", CAST("c" AS TEXT) AS "c" FROM "input"
), "bins" AS (
  SELECT *,
{_BINS}  FROM "inputs"
)
{_SCORE}FROM "bins";
"""
    grid = Grid(StepAxis("x", (30.0, 45.5)), CategoryAxis("c", ("north", "south")), ((1.0, 2.0, 3.0), (4.0, 5.0, 6.0), (7.0, 8.0, 9.5)), 0.0)
    assert sql.read(cast).terms == (grid,)


def test_a_bin_number_in_the_inputs_step_is_refused() -> None:
    """The inputs step only casts: a bin CASE there is refused as any computed input."""
    text = f"""WITH "inputs" AS (
  SELECT CAST("x" AS DOUBLE) AS "x", CAST("c" AS TEXT) AS "c",
{_BINS}  FROM "input"
)
{_SCORE}FROM "inputs";
"""
    refused(text, 'CASE WHEN "x" < 30.0e0', "pwlc reads an input as CAST")


@st.composite
def shared_grids(draw: st.DrawFn) -> Model:
    """Two to four grids over three inputs, each input's cuts drawn once (EBM's pairs share
    them) or per grid."""
    inputs = (Input("a"), Input("b"), Input("c", "categorical"))
    cuts = {"a": draw(knots()), "b": draw(knots())}
    categories = tuple(draw(st.lists(st.text("xyz", min_size=1, max_size=2), min_size=1, max_size=3, unique=True)))

    def axis(name: str) -> StepAxis | CategoryAxis:
        if name == "c":
            return CategoryAxis("c", categories)
        own = draw(st.booleans())
        return StepAxis(name, draw(knots()) if own else cuts[name], draw(st.sampled_from(["upper", "lower"])) if own else "upper")

    terms = []
    for _ in range(draw(st.integers(2, 4))):
        first, second = draw(st.sampled_from([("a", "b"), ("a", "c"), ("b", "c"), ("b", "a")]))
        a, b = axis(first), axis(second)
        grid_values = tuple(tuple(draw(values) for _ in range(b.size)) for _ in range(a.size))
        terms.append(Grid(a, b, grid_values, draw(st.one_of(st.none(), values))))
    return verify(Model(inputs, tuple(terms)))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(shared_grids())
def test_random_grids_over_shared_inputs_score_as_the_evaluator(model: Model) -> None:
    _duckdb()
    text = engines.emit_sql(model, "duckdb")
    distinct = {(axis.feature, getattr(axis, "edges", None), getattr(axis, "at_edge", None)) for term in model.terms if isinstance(term, Grid) for axis in (term.a, term.b)}
    with_cuts = {d for d in distinct if d[1] != ()}
    assert len(re.findall(r'END AS "\w+_bin(?:_\d+)?"', text)) == len(with_cuts)
    reads_and_scores_as_the_evaluator_on_duckdb(text, model)


def test_terms_that_are_list_items_add_up_in_doubles() -> None:
    """A grid's matrix item or a long step's searched value with a NULL missing value is a
    DOUBLE (its list's type): two of them in a row read back (before, the second was refused
    as an exact-decimal sum)."""
    _duckdb()
    grid = Grid(StepAxis("a", (1.0,)), StepAxis("b", (2.0,)), ((0.0, 0.5), (1.5, -2.0)))
    edges = tuple(float(k) for k in range(300))
    step = Step("a", edges, tuple(float(k) / 7 for k in range(301)))
    model = verify(Model((Input("a"), Input("b")), (grid, step, grid)))
    text = engines.emit_sql(model, "duckdb")
    assert "LIST_REDUCE" in text and text.count('"a_bin"') == 3
    reads_and_scores_as_the_evaluator_on_duckdb(text, model)


@pytest.mark.parametrize("dialect", ["duckdb", "sqlite", "postgres"])
def test_a_score_that_is_one_case_is_no_bin_column(dialect: str) -> None:
    """A step computing the score as one grid's CASE (first branch `"a" IS NULL OR "b" IS
    NULL`) or one guarded linear term is the score, not a bin number (the model fuzz found
    the grid read as a bin column at seed 7)."""
    from pwlc.ir import KnotAxis, Linear

    grid = Grid(KnotAxis("b", (1.0000000000000007,)), KnotAxis("a", (1.0000000000000004,)), ((1.0,),))
    for model in (Model((Input("a"), Input("b")), (grid,), "exp"), Model((Input("x"),), (Linear("x", 1e300),), "exp")):
        assert sql.read(sql.emit(model, dialect)) == model
