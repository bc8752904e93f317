"""DuckDB's long step (issue 18): a step of more than SEARCH_OVER edges is written as a binary
search over the list of its edges (`search.py`), which DuckDB scores 3-4x faster than the
grouped CASE on Lending Club's 1,021-edge EBM steps. The tests run it on DuckDB against the
evaluator bit for bit (every edge +-1 ulp, NULL, +-inf, random rows), read it back, read the
grouped CASE of earlier files too, and refuse edited lists that no longer make a step, at
the edit; other dialects keep the grouped CASE and refuse the search.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pwlc.backends import sql
from pwlc.backends.sql import search, terms
from pwlc.errors import ParseError
from pwlc.ir import Constant, Input, Model, Step, verify
from pwlc.semantics import evaluate
from pwlc.testing import mismatches
from tests import engines
from tests.conftest import require_engine
from tests.sql_support import reads_and_scores_as_the_evaluator_on_duckdb
from tests.strategies import missing, values
from tests.test_sql_reader import refused

DIALECTS = ["duckdb", "sqlite", "postgres", "spark", "bigquery", "snowflake"]


def _duckdb() -> None:
    reason = engines.unavailable("duckdb")
    if reason is not None:
        require_engine("duckdb", reason)


@st.composite
def long_steps(draw: st.DrawFn) -> Model:
    """A constant and a step just over the threshold or far over it (every stride used): the
    edges at one of several scales, drawn by numpy from a drawn seed (hypothesis drawing
    hundreds of floats is slow), a few values from the shared strategy, the rest random."""
    count = draw(st.sampled_from([search.SEARCH_OVER + 1, search.SEARCH_OVER + 2, 300, 513, 1021]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    scale = draw(st.sampled_from([1e-300, 1e-3, 1.0, 1e6, 1e300]))
    edges = np.unique(rng.normal(0.0, 1.0, 2 * count) * scale)[:count]
    numbers = rng.normal(0.0, 10.0, count + 1)
    for k in draw(st.lists(st.integers(0, count), max_size=4)):
        numbers[k] = draw(values)
    step = Step("x", tuple(map(float, edges)), tuple(map(float, numbers)), draw(st.sampled_from(["upper", "lower"])), draw(missing))
    return verify(Model((Input("x"),), (Constant(draw(values)), step)))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(long_steps())
def test_random_long_steps_are_searches_that_score_as_the_evaluator(model: Model) -> None:
    _duckdb()
    text = engines.emit_sql(model, "duckdb")
    assert "LIST_REDUCE(" in text and "THEN CASE" not in text
    reads_and_scores_as_the_evaluator_on_duckdb(text, model)
    for dialect in DIALECTS[1:]:
        other = sql.emit(model, dialect)
        assert "LIST_REDUCE" not in other and sql.read(other, dialect=dialect) == model, dialect


def _step(count: int = search.SEARCH_OVER + 1, at_edge: str = "upper") -> Model:
    edges = tuple(k * 0.5 for k in range(count))
    step = Step("x", edges, tuple(float(k) for k in range(count + 1)), at_edge, -1.0)  # type: ignore[arg-type]
    return verify(Model((Input("x"),), (step,)))


@pytest.mark.parametrize("at_edge", ["upper", "lower"])
def test_a_value_on_an_edge_takes_the_side_of_the_step(at_edge: str) -> None:
    """On each edge and one ulp either side the search picks the evaluator's cell: `>=`
    counts an edge a value sits on for `upper`, `>` does not for `lower`."""
    _duckdb()
    model = _step(at_edge=at_edge)
    text = engines.emit_sql(model, "duckdb")
    assert (">= LIST_EXTRACT(" if at_edge == "upper" else "> LIST_EXTRACT(") in text
    edges = model.terms[0].edges  # type: ignore[union-attr]
    xs = [v for e in edges for v in (np.nextafter(e, -np.inf), e, np.nextafter(e, np.inf))] + [None, -np.inf, np.inf]
    columns = {"x": xs}
    got = engines.run_sql_source(text, model, columns, "duckdb")
    assert mismatches(got, evaluate(model, columns, output="score")) == []


def test_the_grouped_case_of_earlier_files_still_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Before the search, DuckDB had the grouped CASE other dialects have; and a short step
    written as a search by hand reads too."""
    _duckdb()
    model = _step()
    monkeypatch.setattr(search, "SEARCH_OVER", 10_000)
    monkeypatch.setattr(terms, "SEARCH_OVER", 10_000)
    grouped = engines.emit_sql(model, "duckdb")
    short = _step(20)
    monkeypatch.setattr(terms.Printing, "searches", lambda self, step: terms.rules(self.dialect).lists)
    searched = engines.emit_sql(short, "duckdb")
    monkeypatch.undo()
    assert "LIST_REDUCE" not in grouped and "THEN CASE" in grouped and "LIST_REDUCE" in searched
    reads_and_scores_as_the_evaluator_on_duckdb(grouped, model)
    reads_and_scores_as_the_evaluator_on_duckdb(searched, short)


def test_edited_values_and_edges_read_as_written_and_score_so() -> None:
    _duckdb()
    text = engines.emit_sql(_step(), "duckdb")
    edited = text.replace("[0.0e0, 1.0e0, 2.0e0,", "[0.0e0, 1.5e0, 2.0e0,", 1).replace("[0.0e0, 0.5e0, 1.0e0,", "[0.0e0, 0.25e0, 1.0e0,", 1)
    model = sql.read(edited)
    step = model.terms[0]
    assert isinstance(step, Step) and step.values[:3] == (0.0, 1.5, 2.0) and step.edges[:3] == (0.0, 0.25, 1.0)
    reads_and_scores_as_the_evaluator_on_duckdb(edited, model)


def test_the_edge_side_reads_as_written() -> None:
    text = engines.emit_sql(_step(), "duckdb")
    assert sql.read(text.replace('"x" >= LIST_EXTRACT', '"x" > LIST_EXTRACT', 1)) == _step(at_edge="lower")


@pytest.mark.parametrize(
    ("before", "after", "where", "message"),
    [
        ("[0.0e0, 1.0e0, 2.0e0,", "[1.0e0, 2.0e0,", "LIST_EXTRACT(\n", "this step has 257 edges and 257 values: give it one value more than edges"),
        ("[0.0e0, 1.0e0, 2.0e0,", '[0.0e0, "x", 2.0e0,', '"x", 2.0e0', "each value and edge of a step's lists is a number"),
        ("[0.0e0, 0.5e0, 1.0e0, 1.5e0,", "[0.0e0, 0.5e0, 1.0e0, 0.75e0,", "0.75e0", "must increase from branch to branch: 1.0 then 0.75"),
        ("<= 257 AND", "<= 256 AND", "256 AND", "has `257` here"),
    ],
    ids=["value-removed", "not-a-number", "edges-out-of-order", "edge-count"],
)
def test_lists_that_no_longer_make_a_step_are_refused_at_the_edit(before: str, after: str, where: str, message: str) -> None:
    text = engines.emit_sql(_step(), "duckdb")
    assert before in text
    refused(text.replace(before, after, 1), where, message)


@pytest.mark.parametrize("dialect", DIALECTS[1:])
def test_other_dialects_refuse_the_search_at_its_lambda(dialect: str) -> None:
    """No other dialect parses DuckDB's lambda: the file is refused there, pointing at it
    (the reader's own refusal of the form, for a dialect that would parse it, says so)."""
    text = engines.emit_sql(_step(), "duckdb")
    with pytest.raises(ParseError) as caught:
        sql.read(text, "edited.sql", dialect=dialect)
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "LAMBDA" in row)
    assert caught.value.span is not None and caught.value.span.line == line, str(caught.value)
    assert f"not valid {dialect} SQL" in caught.value.message
