"""DuckDB's grid matrix (issue 18): a grid without knot axes is written as its values indexed
by the two bin numbers, `LIST_EXTRACT(LIST_EXTRACT([[...]], bin of a), bin of b)`, which
DuckDB scores 7-15x faster than a CASE over b's cells in each of a's. The tests run it on
DuckDB against the evaluator, read it back (any grouping of the bins, the nested CASE of
earlier files too) and refuse an edited matrix that no longer fits its bins, at the edit.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pwlc.backends import sql
from pwlc.backends.sql import terms
from pwlc.errors import ParseError
from pwlc.ir import CategoryAxis, Grid, Input, Model, StepAxis, verify
from pwlc.semantics import evaluate
from tests import engines
from tests.conftest import require_engine
from tests.sql_support import knots, reads_and_scores_as_the_evaluator_on_duckdb, rows, values
from tests.test_sql_reader import refused


def _duckdb() -> None:
    reason = engines.unavailable("duckdb")
    if reason is not None:
        require_engine("duckdb", reason)


@st.composite
def _edges(draw: st.DrawFn) -> tuple[float, ...]:
    """No edge, a few (random-generator knots) or many (over the grouping threshold)."""
    size = draw(st.sampled_from(["none", "few", "many"]))
    if size == "none":
        return ()
    if size == "few":
        return draw(knots())
    start, gaps = draw(st.floats(-1e6, 1e6)), draw(st.lists(st.floats(1e-3, 1e3), min_size=17, max_size=70))
    return tuple(sorted({start + sum(gaps[:k]) for k in range(len(gaps))}))


@st.composite
def step_grids(draw: st.DrawFn) -> Model:
    """A model of one grid with step and category axes, missing rows and columns or not."""
    a = StepAxis("x", draw(_edges()), draw(st.sampled_from(["upper", "lower"])))  # type: ignore[arg-type]
    if draw(st.booleans()):
        b: Any = CategoryAxis("c", tuple(draw(st.lists(st.sampled_from(["a", "B", "b", " a", ""]), max_size=4, unique=True))))
    else:
        b = StepAxis("y", draw(_edges()), draw(st.sampled_from(["upper", "lower"])))
    cells = tuple(tuple(draw(values) for _ in range(b.size)) for _ in range(a.size))
    line = st.none() | st.just(None)
    missing_a = draw(line | st.tuples(*[values] * b.size))
    missing_b = draw(line | st.tuples(*[values] * a.size))
    grid = Grid(a, b, cells, draw(st.none() | values), missing_a, missing_b)
    return verify(Model((Input("x"), Input("y"), Input("c", "categorical")), (grid,)))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(step_grids())
def test_random_step_grids_are_matrices_that_score_as_the_evaluator(model: Model) -> None:
    _duckdb()
    text = engines.emit_sql(model, "duckdb")
    assert "LIST_EXTRACT(" in text
    reads_and_scores_as_the_evaluator_on_duckdb(text, model)


def test_any_grouping_of_the_bins_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bins over 16 edges are grouped as a long step's; written in one flat CASE (or any
    other grouping) they read the same and pick the same cells."""
    _duckdb()
    edges = tuple(float(k) for k in range(40))
    model = verify(Model((Input("x"), Input("y")), (Grid(StepAxis("x", edges), StepAxis("y", edges[:20], "lower"), tuple(tuple(float(i * 100 + j) for j in range(21)) for i in range(41))),)))
    grouped = engines.emit_sql(model, "duckdb")
    monkeypatch.setattr(terms, "STEP_GROUPS_OVER", 1000)
    flat = engines.emit_sql(model, "duckdb")
    assert grouped.count("CASE") > flat.count("CASE")
    for text in (grouped, flat):
        reads_and_scores_as_the_evaluator_on_duckdb(text, model)


def test_the_nested_case_of_earlier_files_still_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Before the matrix, DuckDB had the nested CASE other dialects have: such a file reads
    back the same model."""
    _duckdb()
    model = _grid()
    monkeypatch.setattr(terms.Printing, "matrices", property(lambda self: False))
    nested = engines.emit_sql(model, "duckdb")
    monkeypatch.undo()
    assert "LIST_EXTRACT" not in nested
    reads_and_scores_as_the_evaluator_on_duckdb(nested, model)


def _grid() -> Model:
    grid = Grid(StepAxis("x", (30.0, 45.5)), CategoryAxis("c", ("north", "south")), ((1.0, 2.0, 3.0), (4.0, 5.0, 6.0), (7.0, 8.0, 9.5)), 0.0, (0.1, 0.2, 0.3))
    return verify(Model((Input("x"), Input("c", "categorical")), (grid,)))


def test_an_edited_cell_and_edge_read_as_written_and_score_so() -> None:
    _duckdb()
    text = engines.emit_sql(_grid(), "duckdb")
    assert "[4.0e0, 5.0e0, 6.0e0]" in text
    edited = text.replace("[4.0e0, 5.0e0, 6.0e0]", "[4.0e0, 5.25e0, 6.0e0]").replace('"x" < 45.5e0', '"x" < 45.0e0')
    model = sql.read(edited)
    assert isinstance(model.terms[0], Grid) and model.terms[0].values[1] == (4.0, 5.25, 6.0)
    assert model.terms[0].a == StepAxis("x", (30.0, 45.0))
    reads_and_scores_as_the_evaluator_on_duckdb(edited, model)


@pytest.mark.parametrize(
    ("before", "after", "where", "message"),
    [
        ("[4.0e0, 5.0e0, 6.0e0],\n", "", "[\n", "this matrix has 2 rows, and the bins of 'x' below it number 3"),
        ("[4.0e0, 5.0e0, 6.0e0]", "[4.0e0, 5.0e0]", "[4.0e0, 5.0e0]", "this row has 2 values, and the bins of 'c' number 3"),
        ("[4.0e0, 5.0e0, 6.0e0]", "[4.0e0, 5.0e0, 6.0e0, 7.0e0]", "[4.0e0, 5.0e0, 6.0e0, 7.0e0]", "this row has 4 values"),
        ('WHEN "x" < 45.5e0 THEN 2', 'WHEN "x" <= 45.5e0 THEN 2', '"x" <= 45.5e0', 'has `"x" < 45.5e0` here'),
        ("WHEN \"c\" = 'south' THEN 2", "WHEN \"c\" = 'south' THEN 3", "3\n      ELSE 3", "has `2` here (the bins of a grid's axis are numbered"),
        ("[4.0e0, 5.0e0, 6.0e0]", "[4.0e0, 5.0e0, \"x\"]", '"x"]', "each cell of a grid's matrix is a number"),
    ],
    ids=["row-removed", "value-removed", "value-added", "edge-side", "bin-number", "not-a-number"],
)
def test_a_matrix_that_no_longer_fits_its_bins_is_refused_at_the_edit(before: str, after: str, where: str, message: str) -> None:
    text = engines.emit_sql(_grid(), "duckdb")
    assert before in text
    edited = text.replace(before, after, 1)
    refused(edited, where, message)


@pytest.mark.parametrize("number", ["(3.0 - 1.0)", "2.0", "2e0", "CAST(2 AS DOUBLE)"])
def test_a_bin_number_written_as_another_number_is_refused_as_duckdb_refuses_it(number: str) -> None:
    """DuckDB indexes a list by an integer only: a bin number that is the same double but
    not an integer literal stops the query (the edit fuzz found `(22.0 - 21.0)` accepted)."""
    _duckdb()
    model = _grid()
    text = engines.emit_sql(model, "duckdb")
    before = 'WHEN "x" < 45.5e0 THEN 2'
    assert before in text
    edited = text.replace(before, f'WHEN "x" < 45.5e0 THEN {number}', 1)
    with pytest.raises(ParseError) as caught:
        sql.read(edited, "edited.sql")
    error = caught.value
    assert "has `2` here (the bins of a grid's axis are numbered 1, 2, ... in order, as integers" in error.message, str(error)
    assert error.span is not None
    line = edited.splitlines()[error.span.line - 1]
    start = line.index(number) + 1
    assert line.endswith(f"45.5e0 THEN {number}") and start <= error.span.column < start + len(number), str(error)
    with pytest.raises(Exception, match="list_extract|LIST_EXTRACT|index"):
        engines.run_sql_source(edited, model, rows(model), "duckdb")


def test_every_cell_is_the_evaluators_value_on_its_bins_edges() -> None:
    """Each row's bin picks the cell the evaluator picks, on the edges themselves and one
    ulp either side (the matrix and the CASE it replaces compare the same way)."""
    _duckdb()
    model = _grid()
    xs = [v for e in (30.0, 45.5) for v in (math.nextafter(e, -math.inf), e, math.nextafter(e, math.inf))]
    columns = {"x": xs * 4, "c": ["north"] * 6 + ["south"] * 6 + ["west"] * 6 + [None] * 6}
    got = engines.run_sql_source(engines.emit_sql(model, "duckdb"), model, columns, "duckdb")
    assert list(got) == list(evaluate(model, columns, output="score"))
