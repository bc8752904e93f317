"""Reading edited SQL back (issue 14, SQL; issue 15, items 6 and 7): what the reader takes
it reads as the engine runs it, which the tests check by running the edited file on the
engines against the evaluator of what was read; anything else is refused at the edited
construct, with what to write instead.
"""

from __future__ import annotations

import random
import time
from dataclasses import replace

import numpy as np
import pytest
import sqlglot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pwlc
from pwlc.backends import sql
from pwlc.errors import ParseError, UnsupportedError
from pwlc.ir import Curve, Input, Model, verify
from tests import engines
from tests.conftest import require_engine
from tests.sql_edits import GOLDEN, OPERATORS, check_edit
from tests.sql_support import models, rows, same, sql_evaluate

RECIDIVISM = pwlc.read("golden/models/recidivism.pwl")
GRIDS = pwlc.read("golden/models/grids.pwl")
ENGINE_OF = {"duckdb": "duckdb", "sqlite": "sqlite", "postgres": "postgres"}
EDITABLE = [pwlc.read(path) for path in sorted(GOLDEN.glob("*.pwl")) if path.stem != "long_steps"]


def emitted(model: Model = RECIDIVISM, dialect: str = "duckdb") -> str:
    """The query as the engine runners take it (table "input", key "row_id")."""
    return engines.emit_sql(model, dialect)


def run_as_read(text: str, dialect: str = "duckdb") -> Model:
    """Read `text`, run it on the dialect's engine, and check it computes what the model
    read from it computes (score and prediction, every edge-grid and random row)."""
    model = sql.read(text, "edited.sql")
    engine = ENGINE_OF[dialect]
    reason = engines.unavailable(engine)
    if reason is not None:
        require_engine(engine, reason)
    columns = rows(model)
    for output in ("score", "prediction"):
        got = engines.run_sql_source(text, model, columns, engine, output=output)
        expected = sql_evaluate(model, columns, output)
        bad = np.flatnonzero(~same(got, expected))
        assert bad.size == 0, f"{output}: rows {bad[:5]}: {got[bad[:5]]} vs {expected[bad[:5]]}"
    return model


def refused(text: str, where: str, message: str) -> ParseError:
    """The reader refuses `text` with `message`, the caret on the first `where` in it."""
    with pytest.raises(ParseError) as caught:
        sql.read(text, "edited.sql")
    error = caught.value
    assert message in error.message, str(error)
    assert error.span is not None
    offset = text.index(where)
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    assert (error.span.line, error.span.column) == (line, column), f"expected {line}:{column}\n{error}"
    return error


# --- 8. the inputs step is a CAST of each column, or refused -----------------------------------


@pytest.mark.parametrize(
    ("before", "after", "where", "message"),
    [
        ('CAST("age" AS DOUBLE) AS "age"', 'COALESCE(CAST("age" AS DOUBLE), 0e0) AS "age"', "COALESCE", "not computed another way"),
        ('CAST("age" AS DOUBLE) AS "age"', 'LEAST(CAST("age" AS DOUBLE), 100e0) AS "age"', "LEAST", "not computed another way"),
        ('CAST("sex" AS TEXT) AS "sex"', 'UPPER(CAST("sex" AS TEXT)) AS "sex"', "UPPER", "not computed another way"),
        ('CAST("age" AS DOUBLE) AS "age"', 'CASE WHEN "age" > 90e0 THEN 90e0 ELSE CAST("age" AS DOUBLE) END AS "age"', 'CASE WHEN "age"', "not computed another way"),
        ('CAST("age" AS DOUBLE) AS "age"', 'CAST("priors_count" AS DOUBLE) AS "age"', '"priors_count" AS DOUBLE) AS "age"', "cast under its own name"),
        ('CAST("age" AS DOUBLE)', 'CAST("age" AS INTEGER)', 'CAST("age" AS INTEGER)', "not to INTEGER"),
        ('CAST("age" AS DOUBLE)', 'CAST("age" AS FLOAT)', 'CAST("age" AS FLOAT)', "not to FLOAT"),
        ('CAST("age" AS DOUBLE)', 'CAST("age" AS REAL)', 'CAST("age" AS REAL)', "not to REAL"),
        ('CAST("age" AS DOUBLE)', 'CAST("age" AS DECIMAL)', 'CAST("age" AS DECIMAL)', "not to DECIMAL"),
        ('CAST("age" AS DOUBLE)', 'CAST("age" AS NUMERIC(10, 2))', 'CAST("age" AS NUMERIC', "not to NUMERIC(10, 2)"),
        # the cast and the term disagree: at the cast (most likely the edit), naming the term's line
        ('CAST("sex" AS TEXT)', 'CAST("sex" AS DOUBLE)', 'CAST("sex" AS DOUBLE)', "is cast to a number here, and a table compares it with text on line 47"),
        ('CAST("age" AS DOUBLE)', 'CAST("age" AS TEXT)', 'CAST("age" AS TEXT)', "is cast to text here, and this term compares it with numbers on line 25"),
    ],
    ids=["coalesce", "least", "upper", "case", "swapped", "integer", "float", "real", "decimal", "numeric", "category-as-double", "number-as-text"],
)
def test_inputs_step_reads_casts_only(before: str, after: str, where: str, message: str) -> None:
    text = emitted()
    assert before in text
    refused(text.replace(before, after, 1), where, message)


def test_inputs_step_accepts_other_double_and_text_spellings() -> None:
    text = emitted().replace('CAST("age" AS DOUBLE)', 'CAST("age" AS DOUBLE PRECISION)').replace('CAST("sex" AS TEXT)', "CAST(\"sex\" AS VARCHAR)")
    assert run_as_read(text) == RECIDIVISM


def _without_term(text: str, feature: str) -> str:
    """`text` without the CASE of the term that reads `feature`."""
    start = text.index(f'      + CASE\n          WHEN "{feature}" IS NULL')
    end = text.index("      + CASE\n", start + 1) if text.find("      + CASE\n", start + 1) > 0 else text.index("      AS ", start)
    return text[:start] + text[end:]


@pytest.mark.parametrize("dialect", ["duckdb", "sqlite"])
def test_an_uncast_column_that_nothing_reads_is_refused_where_it_is_passed_on(dialect: str) -> None:
    """The long edit fuzz's accepted-but-invalid file (inputs.cast then term.delete): the
    cast of `sex` dropped and its term deleted. The query still reads a column `sex`, which
    the model it would be read as does not name: the engine stops on a table of that
    model's inputs. Refused where `sex` is passed on; each remedy the message names runs."""
    text = emitted(RECIDIVISM, dialect)
    edited = _without_term(text.replace('CAST("sex" AS TEXT) AS "sex"', '"sex"', 1), "sex")
    refused(edited, '"sex",', "'sex' is passed on without a cast, and neither a term nor the result reads it")
    without_sex = replace(RECIDIVISM, inputs=tuple(i for i in RECIDIVISM.inputs if i.name != "sex"), terms=tuple(t for t in RECIDIVISM.terms if getattr(t, "feature", "") != "sex"))
    # what accepting it would have meant: DuckDB stops (SQLite reads a double-quoted name
    # it cannot find as a string, so there the query runs)
    if dialect == "duckdb" and engines.unavailable(dialect) is None:
        with pytest.raises(Exception, match='"sex" not found'):
            engines.run_sql_source(edited, without_sex, rows(without_sex), dialect)
    assert run_as_read(edited.replace('    "sex",\n', "", 1), dialect) == without_sex  # removed
    kept = run_as_read(_without_term(text, "sex"), dialect)  # kept as an input: cast
    assert kept.terms == without_sex.terms and [i.name for i in kept.inputs] == [i.name for i in RECIDIVISM.inputs]


def test_a_key_the_result_drops_is_refused_at_the_last_step_that_passes_it() -> None:
    """The key dropped from the last SELECT: the caret on the step before, which still
    passes it on, and the message names the line it comes from."""
    text = emitted()
    edited = text.replace('SELECT\n  "row_id",\n  "score"', 'SELECT\n  "score"', 1)
    assert edited != text
    error = refused(edited, '"row_id",\n      (-0.35e0)', "'row_id' is passed on without a cast (since line")
    first = text[: text.index('"row_id"')].count("\n") + 1  # the inputs step's
    assert f"(since line {first})" in error.message


@pytest.mark.parametrize("name", ["recidivism", "steps"])  # two CTEs; one (no link)
def test_a_greatest_in_the_inputs_step_is_refused_there_not_read_as_a_multiclass_query(name: str) -> None:
    text = emitted(pwlc.read(f"golden/models/{name}.pwl"))
    column = {"recidivism": "age", "steps": "income"}[name]
    edited = text.replace(f'CAST("{column}" AS DOUBLE) AS "{column}"', f'GREATEST(CAST("{column}" AS DOUBLE), 0e0) AS "{column}"', 1)
    assert edited != text
    refused(edited, "GREATEST", "not computed another way")


@pytest.mark.parametrize("dialect", ["duckdb", "sqlite"])
def test_a_byte_order_mark_reads_where_the_engine_skips_it(dialect: str) -> None:
    assert run_as_read("\ufeff" + emitted(RECIDIVISM, dialect), dialect) == RECIDIVISM


def test_a_byte_order_mark_is_refused_at_it_where_the_engine_stops_on_it() -> None:
    """PostgreSQL stops on it ("syntax error at or near"): refused at 1:1, the BOM."""
    with pytest.raises(ParseError, match="byte order mark") as caught:
        sql.read("\ufeff" + emitted(RECIDIVISM, "postgres"), "edited.sql", dialect="postgres")
    assert caught.value.span is not None and (caught.value.span.line, caught.value.span.column) == (1, 1)


# --- 9. clauses that change which rows are scored --------------------------------------------


@pytest.mark.parametrize(
    ("before", "after", "where", "message"),
    [
        ('FROM "input"', 'FROM "input" WHERE "age" > 18', "WHERE", "does not read a WHERE"),
        ('FROM "scores"', 'FROM "scores" WHERE "score" > 0', "WHERE", "does not read a WHERE"),
        ('FROM "inputs"', 'FROM "inputs" WHERE "sex" = \'Male\'', "WHERE", "does not read a WHERE"),
        ('FROM "scores"', 'FROM "scores" GROUP BY "row_id", "score"', "GROUP BY", "GROUP BY"),
        ('FROM "scores"', 'FROM "scores" GROUP BY 1, 2 HAVING COUNT(*) > 0', "GROUP BY", "GROUP BY"),
        ('FROM "scores"', 'FROM "scores" LIMIT 10', "LIMIT", "LIMIT"),
        ('FROM "scores"', 'FROM "scores" ORDER BY 1', "ORDER BY", "ORDER BY"),
        ('SELECT\n  "row_id",\n  "score"', 'SELECT DISTINCT\n  "row_id",\n  "score"', "DISTINCT", "DISTINCT"),
        ('FROM "input"', 'FROM "input" JOIN "other" ON TRUE', "JOIN", "JOIN"),
        ('FROM "input"', 'FROM "input" AS "i"', '"i"', "without an alias"),
        ('FROM "scores";', 'FROM "scores" UNION ALL SELECT 1, 2e0, 3e0;', "UNION", "UNION"),
        ('FROM "scores";', 'FROM "scores" QUALIFY ROW_NUMBER() OVER (PARTITION BY "row_id") = 1;', "QUALIFY", "QUALIFY"),
        ('FROM "scores"', 'FROM (SELECT * FROM "scores")', "SELECT * FROM", "write a subquery as a CTE"),
        ('END AS "probability"', 'END AS "probability",\n  SUM("score") AS "total"', "SUM", "aggregate"),
        ('END AS "probability"', 'END AS "probability",\n  (SELECT MAX("age") FROM "input") AS "oldest"', "SELECT MAX", "subquery"),
        ('"scores" AS (', '"unused" AS (SELECT 1 AS "one" FROM "input"), "scores" AS (', '"unused"', "not used"),
    ],
    ids=["where-inputs", "where-final", "where-scores", "group-by", "having", "limit", "order-by", "distinct", "join", "alias", "union", "qualify", "subquery", "aggregate", "scalar-subquery", "unused-cte"],
)
def test_clauses_that_change_the_rows_are_refused_at_the_clause(before: str, after: str, where: str, message: str) -> None:
    text = emitted()
    assert before in text
    edited = text.replace(before, after, 1)
    refused(edited, where, message)


# --- 10. reasonable edits read with SQL's semantics ----------------------------------------------


def test_in_list_shares_a_value_among_categories() -> None:
    text = emitted().replace("WHEN \"sex\" = 'Female' THEN (-0.2e0)", "WHEN \"sex\" IN ('Female', 'F', 'woman') THEN (-0.2e0)")
    model = run_as_read(text)
    sex = next(t for t in model.terms if getattr(t, "feature", None) == "sex")
    assert sex.entries == (("Female", -0.2), ("F", -0.2), ("woman", -0.2), ("Male", 0.05))  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("after", "where", "message"),
    [
        ("WHEN \"sex\" IN ('Female', NULL) THEN (-0.2e0)", "NULL) THEN", "never matches"),
        ("WHEN \"sex\" IN ('Female', 'Male') THEN (-0.2e0)", "'Male' THEN 0.05e0", "matched by a branch above"),
    ],
    ids=["null", "duplicate"],
)
def test_in_list_refusals(after: str, where: str, message: str) -> None:
    refused(emitted().replace("WHEN \"sex\" = 'Female' THEN (-0.2e0)", after), where, message)


def test_score_alias_and_extra_columns() -> None:
    """The score column may be renamed in the last SELECT (the model takes that name) and
    other columns added; they are no part of the model, and `pwlc fmt` keeps them."""
    text = emitted().replace('  "score",\n  CASE', '  "score" AS "risk",\n  CASE').replace(
        'END AS "probability"\nFROM', "END AS \"probability\",\n  \"score\" * 100e0 AS \"percent\",\n  'v2' AS \"version\"\nFROM"
    )
    model = run_as_read(text)
    assert model == RECIDIVISM
    options = sql.query_options(text)
    assert options.extras == ('"score" * 100e0 AS "percent"', "'v2' AS \"version\"") and options.score_alias == "risk"
    again = sql.emit(model, **vars(options))
    assert sql.read(again) == model and sql.query_options(again) == options


def test_renamed_link_column_is_refused() -> None:
    refused(emitted().replace('END AS "probability"', 'END AS "p"'), '"p"', "names the link column")


def test_edited_link_is_refused_where_it_differs() -> None:
    refused(emitted().replace('ELSE 1.0e0 / (1.0e0 + EXP(-"score"))', 'ELSE 1.0e0 / (2.0e0 + EXP(-"score"))'), "2.0e0 + EXP", "does not read as the logistic link")


def test_simplified_literal_arithmetic_reads_as_the_engine_computes_it() -> None:
    """`(46.0e0 - 25.0e0)` written `21.0` (an exact DECIMAL in DuckDB, the same double) and
    `25.0` as `(20.0 + 5.0)` read back; `(0.3 - 0.1)` in exact decimals is 0.2, not the
    model's 0.19999999999999998: refused there."""
    text = emitted().replace("(46.0e0 - 25.0e0)", "21.0").replace('"age" < 25.0e0', '"age" < (20.0 + 5.0)')
    assert run_as_read(text) == RECIDIVISM
    base = sql.emit(verify(Model((Input("age"),), (Curve("age", (0.1, 0.3), (0.0, 1.0)),))), "duckdb")
    refused(base.replace("(0.3e0 - 0.1e0)", "(0.3 - 0.1)"), "0.3 - 0.1", "exact decimals")


@pytest.mark.parametrize("dialect", list(ENGINE_OF))
def test_sqlglot_pretty_and_comments_read_the_same(dialect: str) -> None:
    """sqlglot's pretty printer writes each `--` header line as `/* line */`: the dialect
    and the description are still read from them (a SQLite file read as DuckDB would be
    read with DuckDB's decimals, B-sql4), and the file runs as read."""
    text = emitted(GRIDS, dialect)
    for pretty in (True, False):
        formatted = sqlglot.transpile(text, read=dialect, write=dialect, pretty=pretty)[0]
        assert "/* Dialect: " in formatted and "--" not in formatted
        assert run_as_read(formatted, dialect) == GRIDS


def test_a_pretty_printed_description_keeps_what_sqlglot_kept() -> None:
    """sqlglot drops blank comment lines, a line's outer spaces and writes `*/` as `* /`;
    the rest of the description, escapes included, comes back."""
    model = verify(Model((Input("a"),), (Curve("a", (1.0, 2.0), (0.0, 1.0)),), doc="  it's */ a\n\nsecond -- line\\x \r y "))
    formatted = sqlglot.transpile(sql.emit(model, "sqlite"), read="sqlite", write="sqlite", pretty=True)[0]
    assert sql.read(formatted) == Model(model.inputs, model.terms, doc="it's * / a\nsecond -- line\\x \r y")


def test_commented_query_reads_the_same() -> None:
    for dialect in ENGINE_OF:
        text = emitted(GRIDS, dialect)
        commented = text.replace("WHEN", "/* why */ WHEN").replace(" + ", " /* plus */ + ")
        assert run_as_read(commented, dialect) == GRIDS


def test_a_comment_after_the_last_semicolon_is_a_comment() -> None:
    """sqlglot gives it as a statement of its own; it was refused at 1:1 as a second statement."""
    for dialect in ("duckdb", "sqlite"):
        for comment in ("  -- reviewed\n", "  --\n", " /* ok */\n"):
            assert run_as_read(emitted(RECIDIVISM, dialect).rstrip() + comment, dialect) == RECIDIVISM
    refused(emitted().rstrip() + " SELECT 1;", "SELECT 1;", "expected one SELECT statement, found 2")


def test_transpiled_to_another_dialect_is_read_as_that_dialect_runs_it() -> None:
    """sqlglot keeps DuckDB's `0.5e0` when it writes PostgreSQL, where it is an exact NUMERIC:
    the reader reads it so, and refuses where that makes another number than the model's."""
    text = sqlglot.transpile(emitted(), read="duckdb", write="postgres")[0]
    with pytest.raises(ParseError, match="exact decimals"):
        sql.read(text, dialect="postgres")


# --- 11. carets on the edited construct --------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after", "where", "message"),
    [
        ('WHEN "age" < 46.0e0', 'WHEN "age" <= 46.0e0', '"age" <= 46.0e0', 'has `"age" < 46.0e0` here'),
        ("'Female'", "'Female", "'Female", "closing ' missing"),
        ('"sex" = \'Male\'', '"sex" = \'Male', "'Male", "closing ' missing"),
        ("(0.2e0 - 0.61e0)", "(0.3e0 - 0.61e0)", "0.3e0", "has `0.2e0` here"),
        ('WHEN "age" < 25.0e0 THEN', 'WHEN "age" < 25.0e0 AND "sex" = \'Male\' THEN', '"age" < 25.0e0 AND', "expected a comparison"),
        ('(("age" - 18.0e0)', '(("agee" - 18.0e0)', '"agee"', "no column 'agee'"),
        ("EXP(-\"score\")", "EXP(\"score\")", 'EXP("score")', "does not read as the logistic link"),
        ("THEN 0.61e0", "THEN 0.6_1e0", "0.6_1e0", "`_` in a number"),
        ("THEN 0.61e0", "THEN ROUND(0.61e0, 3)", "ROUND", "pwlc does not read ROUND(...) in a term"),
        ('WHEN "age" < 25.0e0 THEN', 'WHEN "age" < 50.0e0 THEN', '"age" < 46.0e0', "must increase from branch to branch: 50.0 then 46.0"),
        ("THEN 0.61e0", "THEN COALESCE(\"age\", 0.61e0)", "COALESCE", "pwlc does not read COALESCE(...) in a term"),
        # a step renamed where it is defined, not where it is read: at the definition
        ('WITH "inputs" AS', 'WITH "prepared" AS', '"prepared" AS', "the step 'prepared' is read by no later step, and this one reads FROM 'inputs' (line 58)"),
        # a cast dropped in the inputs step: there, not at the term that reads the column
        ('CAST("age" AS DOUBLE) AS "age"', '"age" AS "age"', '"age" AS "age"', "the inputs step passes 'age' on without a cast, and a term reads it (line"),
    ],
    ids=["lte", "unterminated", "unterminated-2", "knot-once", "condition", "unknown-column", "link", "underscore", "function", "knot-past-the-next", "coalesce",
         "renamed-step", "uncast-input"],
)
def test_refusals_point_at_the_edit(before: str, after: str, where: str, message: str) -> None:
    text = emitted()
    assert before in text
    refused(text.replace(before, after, 1), where, message)


@pytest.mark.parametrize(("dialect", "accepted"), [("sqlite", False), ("duckdb", True), ("postgres", True)])
def test_a_colon_cast_reads_only_where_the_engine_has_one(dialect: str, accepted: bool) -> None:
    """sqlglot reads `x::DOUBLE` in every dialect; SQLite stops on it ("unrecognized token"),
    so it is refused there at the `::`; DuckDB and PostgreSQL run it as a cast."""
    knot = {"sqlite": "18.0", "duckdb": "18.0e0", "postgres": "18.0::float8"}[dialect]
    text = emitted(RECIDIVISM, dialect)
    edited = text.replace(f'("age" - {knot})', '("age" - 18.0::DOUBLE PRECISION)', 1)
    assert edited != text
    if accepted:
        assert run_as_read(edited, dialect) == RECIDIVISM
    else:
        refused(edited, "::DOUBLE", "sqlite has no `x::type` cast")


# --- 6. nesting and size -------------------------------------------------------------------------


@pytest.mark.parametrize("opening", ["(", "LN(", "CASE WHEN \"x\" IS NULL THEN 0e0 ELSE ", "-("])
def test_deep_nesting_is_refused_where_it_gets_too_deep(opening: str) -> None:
    closing = {"(": ")", "LN(": ")", "-(": ")"}.get(opening, " END")
    text = 'SELECT ' + opening * 100 + '"x"' + closing * 100 + ' AS "score" FROM "t"'
    with pytest.raises(ParseError, match="nested more than") as caught:
        sql.read(text, "deep.sql")
    assert caught.value.span is not None and caught.value.span.line == 1 and caught.value.span.column > 7


def test_a_long_flat_sum_reads() -> None:
    """3,000 terms in one sum (no stages): read in a loop, not by recursion."""
    terms = " + ".join(f'CASE WHEN "x" IS NULL THEN 0e0 WHEN "x" < {k}.5e0 THEN {k}e0 ELSE 0.5e0 END' for k in range(3000))
    model = sql.read(f'SELECT {terms} AS "score" FROM "t"')
    assert len(model.terms) == 3000


def test_reading_time_grows_linearly() -> None:
    """A 4x larger query takes well under 8x the CPU time (linear, with slack)."""
    from tests.test_hardening import wide_model

    small, large = (sql.emit(wide_model(n, 10)) for n in (50, 200))
    seconds = []
    for text in (small, large):
        start = time.process_time()
        sql.read(text)
        seconds.append(time.process_time() - start)
    assert seconds[1] < 8 * seconds[0], seconds


# --- random edits: read exactly, or refused with a position ------------------------------------


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(
    st.one_of(st.sampled_from(EDITABLE), models()),
    st.sampled_from(["duckdb", "sqlite", "postgres"]),
    st.lists(st.sampled_from(sorted(OPERATORS)), min_size=1, max_size=2),
    st.randoms(use_true_random=False),
)
def test_random_edits_read_exactly_or_are_refused_with_a_position(model: Model, dialect: str, edits: list[str], rng: random.Random) -> None:
    """Number changes, knots moved everywhere, inserted and deleted branches, terms deleted,
    duplicated and reordered, operators changed, IN lists, an aliased score, extra columns,
    sqlglot's pretty printer, comments, clauses, edited inputs: an accepted file computes
    on its engine what the evaluator computes from the model read; a refused one says
    where (tests/sql_edits.py)."""
    reason = engines.unavailable(dialect)
    if reason is not None:
        require_engine(dialect, reason)
    try:
        text = engines.emit_sql(model, dialect)
    except UnsupportedError:
        return  # (what PostgreSQL cannot run: tests/test_sql_numbers.py)
    for name in edits:
        text = OPERATORS[name](text, rng, dialect) or text
    check_edit(text, dialect)


@pytest.mark.parametrize("literal", ["NULL", "TRUE"])
def test_a_matrix_item_sqlglot_leaves_unpositioned_is_refused_at_it(literal: str) -> None:
    """sqlglot gives a NULL or a TRUE no offset, so the reader places it by its neighbours;
    first in a list, it asked the list, which asked its first item (a RecursionError, found
    by the multiclass edit fuzz). Each cell and each row of a grid's matrix replaced in turn
    is refused with the caret on the replacement."""
    from pwlc.ir import Grid, StepAxis

    cells = ((1.0, 2.0, 3.0), (4.0, 5.0, 6.0), (7.0, 8.0, 9.0))
    model = verify(Model((Input("a"), Input("b")), (Grid(StepAxis("a", (1.0, 2.0), "upper"), StepAxis("b", (1.0, 2.0), "upper"), cells),)))
    text = sql.emit(model, "duckdb")
    matrix = text.index("[\n")
    rows = [text.index(f"[{row[0]}e0", matrix) for row in cells]
    items = [*(text.index(f"{v}e0", matrix) for row in cells for v in row), *rows]
    for start in items:
        end = text.index("]", start) + 1 if text[start] == "[" else text.index("e0", start) + 2
        edited = text[:start] + literal + text[end:]
        with pytest.raises(ParseError) as caught:
            sql.read(edited, "edited.sql")
        span = caught.value.span
        line = edited.count("\n", 0, start) + 1
        column = start - (edited.rfind("\n", 0, start) + 1) + 1
        assert span is not None and (span.line, span.column) == (line, column), f"{edited[start:end + 8]!r}: {caught.value}"
