"""User text in emitted SQL (issue 15, items 2, 5 and 7): names the engine cannot tell
apart are refused; no text can leave its comment, string or identifier, whatever it holds;
descriptions and models without terms come back exactly, in every dialect.
"""

from __future__ import annotations

import re
import sqlite3
from typing import Any

import numpy as np
import pytest

from pwlc.backends import sql
from pwlc.backends.sql.dialects import rules
from pwlc.backends.sql.printer import quote
from pwlc.errors import UnsupportedError
from pwlc.ir import CategoryAxis, Constant, Curve, Grid, Input, Model, StepAxis, Table, verify
from pwlc.semantics import evaluate
from pwlc.testing import edge_grid, mismatches
from tests import engines
from tests.conftest import require_engine
from tests.sql_support import same

DIALECTS = ["duckdb", "sqlite", "postgres", "spark", "bigquery", "snowflake", "mysql", "tsql", "trino", "redshift", "databricks", "oracle"]
# Characters that end a line or a comment somewhere, quotes of every dialect, escapes.
HOSTILE_CHARACTERS = ["\r", "\n", "\r\n", "\x0b", "\x0c", "\x85", "\u2028", "\u2029", "\x00", "'", '"', "`", "\\", "*/", "/*", "--", "]", ";", "$$", "\t", "\x1b", "\u202e"]
CANARY = "canary"


def _engine(name: str) -> None:
    reason = engines.unavailable(name)
    if reason is not None:
        require_engine(name, reason)


# --- 2. names the engine reads as one column --------------------------------------------------


@pytest.mark.parametrize("dialect", DIALECTS)
def test_names_differing_only_by_case_are_refused_where_the_engine_merges_them(dialect: str) -> None:
    model = verify(Model((Input("Age"), Input("age")), (Curve("Age", (0.0, 1.0), (0.0, 1.0)), Curve("age", (0.0, 1.0), (5.0, 7.0)))))
    if dialect in ("postgres", "snowflake", "oracle"):
        assert sql.read(sql.emit(model, dialect)) == model  # quoted names keep their case there
        return
    with pytest.raises(UnsupportedError, match="reads the names 'Age' and 'age' as one column"):
        sql.emit(model, dialect)


@pytest.mark.parametrize(
    ("model", "keys"),
    [
        (Model((Input("x"),), (Curve("x", (0.0, 1.0), (0.0, 1.0)),), name="score"), ["SCORE"]),
        (Model((Input("x"),), (Curve("x", (0.0, 1.0), (0.0, 1.0)),), link="logistic", name="Probability"), []),
        (Model((Input("ID"),), (Curve("ID", (0.0, 1.0), (0.0, 1.0)),)), ["id"]),
    ],
    ids=["key-vs-score", "score-vs-probability", "key-vs-input"],
)
def test_keys_and_outputs_differing_only_by_case_are_refused(model: Model, keys: list[str]) -> None:
    with pytest.raises(UnsupportedError, match="as one column"):
        sql.emit(verify(model), "duckdb", keys=keys)


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize(("link", "name"), [("exp", "prediction"), ("logistic", "probability")])
def test_a_model_named_like_its_link_column_is_refused(dialect: str, link: str, name: str) -> None:
    """The score column is named like the model: the query would have two columns of one name
    (the model fuzz found `prediction` twice in PostgreSQL's result)."""
    model = verify(Model((Input("x"),), (Curve("x", (0.0, 1.0), (0.0, 1.0)),), link=link, name=name))  # type: ignore[arg-type]
    with pytest.raises(UnsupportedError, match=f"the model is named '{name}', as the column its {link} link's value goes to"):
        sql.emit(model, dialect)
    renamed = verify(Model(model.inputs, model.terms, link=link, name=f"{name}_score"))  # type: ignore[arg-type]
    assert sql.read(sql.emit(renamed, dialect), dialect=dialect) == renamed


def test_postgres_reads_names_differing_by_case_as_two_columns() -> None:
    _engine("postgres")
    model = verify(Model((Input("Age"), Input("age")), (Curve("Age", (0.0, 1.0), (0.0, 1.0)), Curve("age", (0.0, 1.0), (5.0, 7.0)))))
    columns = {"Age": [0.25, 0.5, None], "age": [0.75, 0.0, 1.0]}
    assert mismatches(engines.run_sql(model, columns, "postgres"), evaluate(model, columns, output="score")) == []


@pytest.mark.parametrize("engine", ["sqlite", "duckdb"])
def test_names_differing_in_non_ascii_case_are_two_columns_in_duckdb_and_sqlite(engine: str) -> None:
    """SQLite and DuckDB ignore ASCII case only: 'É' and 'é' are two columns there."""
    _engine(engine)
    model = verify(Model((Input("É"), Input("é")), (Curve("É", (0.0, 1.0), (0.0, 1.0)), Curve("é", (0.0, 1.0), (5.0, 7.0)))))
    columns = {"É": [0.25, 0.5], "é": [0.75, 0.0]}
    assert mismatches(engines.run_sql(model, columns, engine), evaluate(model, columns, output="score")) == []


@pytest.mark.parametrize("engine", ["sqlite", "duckdb"])
def test_a_table_named_like_a_step_gets_other_step_names(engine: str) -> None:
    """A table "Inputs" is the CTE "inputs" to SQLite and DuckDB: the CTE takes another name."""
    _engine(engine)
    model = verify(Model((Input("x"),), (Curve("x", (0.0, 1.0), (0.0, 1.0)),), link="logistic"))
    text = sql.emit(model, engine, table="Inputs", keys=["id"])
    assert '"inputs_2" AS' in text and sql.read(text) == model
    got = _run(engine, text, "Inputs", "id", model, {"x": [0.5, None]})
    assert mismatches(got, evaluate(model, {"x": [0.5, None]}, output="score")) == []


def test_the_reader_looks_names_up_as_the_engine_does() -> None:
    """DuckDB reads "AGE" as the column "age": so does pwlc."""
    model = verify(Model((Input("age"),), (Curve("age", (0.0, 1.0), (0.0, 2.0)),)))
    text = engines.emit_sql(model, "duckdb").replace('WHEN "age" <', 'WHEN "AGE" <')
    assert sql.read(text) == model
    columns = {"age": [0.25, 0.5]}
    assert list(engines.run_sql_source(text, model, columns, "duckdb")) == list(evaluate(model, columns, output="score"))


def test_postgres_keeps_quoted_case_apart_in_the_reader() -> None:
    model = verify(Model((Input("age"),), (Curve("age", (0.0, 1.0), (0.0, 2.0)),)))
    with pytest.raises(Exception, match="no column 'AGE'"):
        sql.read(sql.emit(model, "postgres").replace('WHEN "age" <', 'WHEN "AGE" <', 1))


# --- 5. no text leaves its comment, string or identifier ---------------------------------


def hostile_model(dialect: str) -> tuple[Model, str, str]:
    """A model, a table name and a key name holding every hostile character, in the
    description, input names, categories; with SQL after each, that would run if it escaped."""
    holds_nul = rules(dialect).holds_nul
    characters = [c for c in HOSTILE_CHARACTERS if c != "\x00" or holds_nul]
    doc = "".join(f"doc{c} SELECT 1/0; DROP TABLE {CANARY}; --{c}" for c in characters) + " trailing  "
    inputs: list[Input] = []
    terms: list[Any] = [Constant(0.5)]
    for k, c in enumerate(characters):
        name = f"in{c}put{k}; DROP TABLE {CANARY}; --"
        if k % 2:
            inputs.append(Input(name, "categorical"))
            terms.append(Table(name, ((f"cat{c}'; DROP TABLE {CANARY}; --", float(k)), (f"{c}", -float(k))), default=0.125, missing=0.25))
        else:
            inputs.append(Input(name))
            terms.append(Curve(name, (0.0, 1.0 + k), (float(k), -1.0), missing=0.5))
    numeric, categorical = inputs[0].name, inputs[1].name
    terms.append(Grid(StepAxis(numeric, (0.5,)), CategoryAxis(categorical, (f"g{characters[0]}", "h")), ((1.0, 2.0, 3.0), (4.0, 5.0, 6.0))))
    table = "".join(f"t{c}" for c in characters if c != "\x00")  # a table name holds no NUL anywhere
    key = "".join(f"k{c}" for c in characters if c != "\x00")
    if dialect == "bigquery":
        table = table.replace(".", "")
    return verify(Model(tuple(inputs), tuple(terms), doc=doc)), table.replace(".", "_"), key


@pytest.mark.parametrize("dialect", DIALECTS)
def test_hostile_text_reads_back_in_every_dialect(dialect: str) -> None:
    model, table, key = hostile_model(dialect)
    text = sql.emit(model, dialect, table=table, keys=[key])
    assert sql.read(text) == model and sql.read(text).doc == model.doc
    assert sql.query_options(text) == sql.QueryOptions(dialect, table, (key,))
    for line in text.split("\n"):
        if line.startswith("--"):  # a comment line holds no character that could end it
            assert not any(c in line for c in "\r\x0b\x0c\x85\u2028\u2029\x00"), repr(line)


@pytest.mark.parametrize("dialect", ["postgres", "sqlite"])
def test_nul_is_refused_where_the_engine_refuses_it(dialect: str) -> None:
    model = verify(Model((Input("a\x00b"),), (Curve("a\x00b", (0.0, 1.0), (0.0, 1.0)),)))
    with pytest.raises(UnsupportedError, match="NUL"):
        sql.emit(model, dialect)


@pytest.mark.parametrize(
    ("name", "refused_by", "message"),
    [
        ("", ["duckdb", "postgres", "spark", "snowflake"], "no empty quoted name"),
        ("TRUE", ["sqlite"], "SQLite reads a column named 'TRUE' as a boolean"),
        ("a.b", ["bigquery"], "BigQuery reads a `.` in a quoted name as a path"),
    ],
    ids=["empty", "true", "dot"],
)
def test_names_an_engine_cannot_hold_are_refused_for_it_and_run_elsewhere(name: str, refused_by: list[str], message: str) -> None:
    """The README's list of names refused per dialect: each refused with its reason where
    the engine cannot hold it, and scored like the evaluator where it can (SQLite, DuckDB)."""
    model = verify(Model((Input(name),), (Curve(name, (0.0, 1.0), (0.0, 1.0)),)))
    for dialect in refused_by:
        with pytest.raises(UnsupportedError, match=re.escape(message)):
            sql.emit(model, dialect)
    for engine in ("sqlite", "duckdb"):
        if engine in refused_by or engines.unavailable(engine) is not None:
            continue
        columns = edge_grid(model)
        assert same(engines.run_sql(model, columns, engine), evaluate(model, columns, output="score")).all()


@pytest.mark.parametrize("name", ["true", "False"])
def test_a_model_named_true_or_false_is_refused_for_sqlite_and_runs_elsewhere(name: str) -> None:
    """SQLite names a bare `"true"` result column with its quotes: the score column would be
    missing (fuzz finding A13)."""
    model = verify(Model((Input("a"),), (Curve("a", (0.0, 1.0), (1.0, 2.0)),), "exp", name=name))
    with pytest.raises(UnsupportedError, match=f"SQLite reads a column named {name!r} as a boolean: rename that input, key or model"):
        sql.emit(model, "sqlite")
    if engines.unavailable("duckdb") is None:
        columns = edge_grid(model)
        assert same(engines.run_sql(model, columns, "duckdb"), evaluate(model, columns, output="score")).all()


def _run(engine: str, text: str, table: str, key: str, model: Model, columns: engines.Columns) -> np.ndarray:
    """Run `text` over a table named `table` (key column `key`) beside a canary table,
    executing every statement the text holds; fail unless the canary is intact."""
    dialect = engines.DIALECTS[engine]
    rows = engines._rows(model, columns, set())
    definitions = [f"{quote(key, dialect)} BIGINT"] + [f"{quote(i.name, dialect)} {engines._sql_type(engine, i.kind, False)}" for i in model.inputs]
    create = f"CREATE TEMPORARY TABLE {quote(table, dialect)} ({', '.join(definitions)})"
    insert = f"INSERT INTO {quote(table, dialect)} VALUES ({', '.join(['%s' if engine == 'postgres' else '?'] * len(definitions))})"
    connection: Any
    if engine == "sqlite":
        connection = sqlite3.connect(":memory:")
        engines._ensure_math_functions(connection)
    elif engine == "duckdb":
        import duckdb

        connection = duckdb.connect(":memory:")
    else:
        connection = engines._postgres_connection()
    block = connection.transaction(force_rollback=True) if engine == "postgres" else None
    if block is not None:
        block.__enter__()
    try:
        cursor = connection.cursor()
        cursor.execute(create)
        cursor.executemany(insert, rows)
        cursor.execute(f"CREATE TEMPORARY TABLE {CANARY} (secret TEXT)")
        cursor.execute(f"INSERT INTO {CANARY} VALUES ('intact')")
        if engine == "sqlite":
            connection.executescript(text)  # runs every statement in the text
        cursor.execute(text)
        result = cursor.fetchall()
        cursor.execute(f"SELECT secret FROM {CANARY}")
        assert cursor.fetchall() == [("intact",)]
    finally:
        if block is not None:
            block.__exit__(None, None, None)
        elif engine != "postgres":
            connection.close()
    by_key = {int(row[0]): row[1] for row in result}
    return np.array([np.nan if by_key[i] is None else by_key[i] for i in range(len(rows))], dtype=np.float64)


@pytest.mark.parametrize("engine", ["sqlite", "duckdb", "postgres"])
def test_hostile_text_runs_and_scores_on_the_engines(engine: str) -> None:
    """Every character that ends a line or a comment somewhere, every quote, in the doc,
    the names, the categories, the table and the key: the query runs as one statement,
    the canary table is intact, and the scores are the evaluator's."""
    _engine(engine)
    model, table, key = hostile_model(engine)
    text = sql.emit(model, engine, table=table, keys=[key])
    columns = edge_grid(model)
    got = _run(engine, text, table, key, model, columns)
    assert mismatches(got, evaluate(model, columns, output="score")) == []


def test_hostile_text_runs_on_spark() -> None:
    _engine("spark")
    model, _, _ = hostile_model("spark")
    columns = edge_grid(model)
    assert mismatches(engines.run_sql(model, columns, "spark"), evaluate(model, columns, output="score")) == []


@pytest.mark.parametrize("engine", ["duckdb", "postgres"])
def test_a_carriage_return_in_the_doc_would_run_as_sql(engine: str) -> None:
    """What the escaping prevents: DuckDB and PostgreSQL end a `--` comment at a raw `\r`,
    so a description `x\rDROP TABLE canary; --` would drop the canary. Escaped, it stays."""
    _engine(engine)
    model = verify(Model((Input("x"),), (Constant(1.0),), doc=f"x\rDROP TABLE {CANARY}; --"))
    text = sql.emit(model, engine, keys=["id"])
    assert "\r" not in text and "\\u000d" in text
    columns = {"x": [1.0]}
    assert list(_run(engine, text, "input", "id", model, columns)) == [1.0]
    with pytest.raises(Exception, match=f"{CANARY}|DROP TABLE"):  # the injected statement ran
        _run(engine, text.replace("\\u000d", "\r"), "input", "id", model, columns)


# --- 7. round trips ---------------------------------------------------------------------------

DOCS = ["  leading and trailing spaces  ", "cr\rlf\r\nlf\n", "\n\nblank lines\n\n", "tab\tand \\ backslash \\u000d", "Dialect: sqlite.", "-- looks like a comment", "ends with a backslash \\"]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_descriptions_and_empty_models_come_back_exactly(dialect: str) -> None:
    from pwlc.backends.common import trailer_lines

    for doc in [*DOCS, "\n".join(trailer_lines(".sql")) + "\n\nafter pwlc's own paragraph"]:
        model = verify(Model((Input("x"),), (Curve("x", (0.0, 1.0), (0.0, 1.0)),), doc=doc))
        assert sql.read(sql.emit(model, dialect)).doc == doc
    empty = verify(Model((Input("x"), Input("c", "categorical")), (), link="logistic", doc="no terms"))
    text = sql.emit(empty, dialect)
    assert sql.read(text) == empty and sql.emit(sql.read(text), dialect) == text


@pytest.mark.parametrize("engine", ["sqlite", "duckdb", "postgres"])
def test_a_model_without_terms_scores_zero(engine: str) -> None:
    _engine(engine)
    empty = verify(Model((Input("x"),), (), link="logistic"))
    assert list(engines.run_sql(empty, {"x": [1.0, None]}, engine, output="prediction")) == [0.5, 0.5]
