"""DuckDB's long step (issue 18): a step of more than SEARCH_OVER edges is written as a binary
search over its edges in rounds, each round a list of the edges it tests (`search.py`), which
DuckDB scores ~2x faster than a search of one list of the edges and 3-6x faster than the
grouped CASE on Lending Club's 1,021-edge EBM steps. The tests run it on DuckDB against the
evaluator bit for bit (every edge +-1 ulp, NULL, +-inf, random rows; every edge count up to
70, so every padding), read it back, read the grouped CASE of earlier files too, and refuse
edited lists that no longer make a step (or edits of the padding), at the edit; other
dialects keep the grouped CASE and refuse the search.
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
    """On each edge and one ulp either side the search picks the evaluator's cell: `<` sends
    a value on an edge up for `upper`, `<=` down for `lower`."""
    _duckdb()
    model = _step(at_edge=at_edge)
    text = engines.emit_sql(model, "duckdb")
    assert ('"x" < LIST_EXTRACT(r, b)' if at_edge == "upper" else '"x" <= LIST_EXTRACT(r, b)') in text
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


def test_every_edge_count_pads_and_searches_as_the_evaluator(monkeypatch: pytest.MonkeyPatch) -> None:
    """Steps of 1 to 70 edges (rounds of every size, 2^k - 1 edges with no padding and 2^k
    with the most), each on its own input, all searched in one query: the padding (the last
    edge and value repeated) never changes a cell."""
    _duckdb()
    rng = np.random.default_rng(18)
    steps = []
    for count in range(1, 71):
        edges = np.unique(rng.normal(0.0, 1.0, 2 * count))[:count]
        steps.append(Step(f"x{count}", tuple(map(float, edges)), tuple(map(float, rng.normal(0.0, 1.0, count + 1))), "upper" if count % 2 else "lower", None if count % 3 else 0.5))  # type: ignore[arg-type]
    model = verify(Model(tuple(Input(s.feature) for s in steps), tuple(steps)))
    monkeypatch.setattr(terms.Printing, "searches", lambda self, step: terms.rules(self.dialect).lists and bool(step.edges))
    text = engines.emit_sql(model, "duckdb")
    monkeypatch.undo()
    assert text.count("LIST_REDUCE(") == 70
    reads_and_scores_as_the_evaluator_on_duckdb(text, model)


@pytest.mark.parametrize("name", ["b", "B", "r", "R", "b_", "x"])
def test_an_input_named_like_the_lambdas_arguments_is_not_read_as_one(name: str) -> None:
    """DuckDB reads a name inside a lambda as its argument first (quoted or not, any case):
    the arguments are renamed away from the input's name (an input "B" scored the bin number's
    cell values before, "r" stopped the query)."""
    _duckdb()
    model = verify(Model((Input(name),), (Step(name, tuple(k * 0.5 for k in range(300)), tuple(float(k) for k in range(301)), "upper", -1.0),)))
    text = engines.emit_sql(model, "duckdb")
    assert "LIST_REDUCE(" in text
    reads_and_scores_as_the_evaluator_on_duckdb(text, model)


def test_the_rounds_hold_the_padded_edges_once_each() -> None:
    """Round k lists the 2^k edges at the middles of its bins; together the rounds list each
    of the 2^K - 1 padded edges once (an independent count, not search.in_order)."""
    for count in (1, 2, 3, 7, 8, 257, 1021):
        edges = [float(k) for k in range(count)]
        rounds = search.rounds(edges)
        assert [len(line) for line in rounds] == [1 << k for k in range(count.bit_length())]
        listed = sorted(e for line in rounds for e in line)
        assert listed == edges + [edges[-1]] * ((1 << count.bit_length()) - 1 - count)
        assert rounds[0] == [edges[min(count, 1 << (count.bit_length() - 1)) - 1]]


def test_edited_values_and_edges_read_as_written_and_score_so() -> None:
    _duckdb()
    text = engines.emit_sql(_step(), "duckdb")
    # the values' list comes first; the last round (the odd positions: 0.0, 1.0, 2.0, ...) after
    edited = text.replace("[0.0e0, 1.0e0, 2.0e0,", "[0.0e0, 1.5e0, 2.0e0,", 1).replace("[0.0e0, 1.0e0, 2.0e0,", "[-0.25e0, 1.0e0, 2.0e0,", 1)
    model = sql.read(edited)
    step = model.terms[0]
    assert isinstance(step, Step) and step.values[:3] == (0.0, 1.5, 2.0) and step.edges[:3] == (-0.25, 0.5, 1.0)
    reads_and_scores_as_the_evaluator_on_duckdb(edited, model)


def test_the_edge_side_reads_as_written() -> None:
    text = engines.emit_sql(_step(), "duckdb")
    assert sql.read(text.replace('"x" < LIST_EXTRACT', '"x" <= LIST_EXTRACT', 1)) == _step(at_edge="lower")


@pytest.mark.parametrize(
    ("before", "after", "where", "message"),
    [
        ("[0.0e0, 1.0e0, 2.0e0,", "[1.0e0, 2.0e0,", "[1.0e0, 2.0e0,", "a search in 9 rounds picks one of 512 values: list that many"),
        ("[0.0e0, 1.0e0, 2.0e0,", '[0.0e0, "x", 2.0e0,', '"x", 2.0e0', "each value and edge of a step's lists is a number"),
        ("[0.0e0, 1.0e0, 2.0e0, 3.0e0, 4.0e0, 5.0e0, 6.0e0, 7.0e0, 8.0e0, 9.0e0, 10.0e0, 11.0e0, 12.0e0, 13.0e0",
         "[0.0e0, 0.25e0, 2.0e0, 3.0e0, 4.0e0, 5.0e0, 6.0e0, 7.0e0, 8.0e0, 9.0e0, 10.0e0, 11.0e0, 12.0e0, 13.0e0", "0.25e0", "must increase from branch to branch: 0.5 then 0.25"),
        ("[63.5e0, 128.0e0]", "[63.5e0]", "[63.5e0]", "round 2 of a search lists 2 edges"),
        ("[63.5e0, 128.0e0]", "[63.5e0, 129.0e0]", "129.0e0]", "this edge is padding: it repeats the last edge, 128.0"),
        ("257.0e0, 257.0e0, 257.0e0]", "257.0e0, 258.0e0, 257.0e0]", "258.0e0", "this value is padding, never picked: it repeats the last value, 257.0"),
        ("2 * b - CAST", "3 * b - CAST", "3 * b", "which has `2` here (a search starts in bin 1 and halves it"),
    ],
    ids=["value-removed", "not-a-number", "edges-out-of-order", "round-size", "padded-edge", "padded-value", "halving"],
)
def test_lists_that_no_longer_make_a_step_are_refused_at_the_edit(before: str, after: str, where: str, message: str) -> None:
    text = engines.emit_sql(_step(), "duckdb")
    occurrence = 2 if before.startswith("[0.0e0, 1.0e0, 2.0e0, 3.0e0") else 1  # the last round's list, after the values'
    assert text.count(before) >= occurrence
    at = text.index(before, text.index(before) + 1) if occurrence == 2 else text.index(before)
    refused(text[:at] + text[at:].replace(before, after, 1), where, message)


def test_the_one_list_search_of_earlier_files_is_refused_at_its_strides() -> None:
    """pwlc searched one list of the edges by strides before the rounds: such a file is
    refused at the strides, saying to emit the model again."""
    old = (
        'WITH "inputs" AS (SELECT CAST("x" AS DOUBLE) AS "x" FROM "input")\n'
        'SELECT CASE WHEN "x" IS NULL THEN NULL ELSE LIST_EXTRACT([1.0e0, 2.0e0, 3.0e0],\n'
        '  LIST_REDUCE([2, 1], LAMBDA b, s : b + s * CAST((b + s <= 2 AND "x" >= LIST_EXTRACT([0.0e0, 1.0e0], b + s)) AS INT), 0) + 1) END AS "score"\n'
        'FROM "inputs";\n'
    )
    refused(old, "2, 1]", "emit the model again")


@pytest.mark.parametrize("dialect", DIALECTS[1:])
def test_other_dialects_refuse_the_search_at_its_lambda(dialect: str) -> None:
    """No other dialect parses DuckDB's nested lists and lambda: the file is refused there,
    pointing into the search (the reader's own refusal of the form, for a dialect that would
    parse it, says so)."""
    text = engines.emit_sql(_step(), "duckdb")
    with pytest.raises(ParseError) as caught:
        sql.read(text, "edited.sql", dialect=dialect)
    lines = text.splitlines()
    start = next(i for i, row in enumerate(lines, 1) if "LIST_REDUCE(" in row)
    end = next(i for i, row in enumerate(lines, 1) if "LAMBDA" in row)
    assert caught.value.span is not None and start <= caught.value.span.line <= end, str(caught.value)
    assert f"not valid {dialect} SQL" in caught.value.message
