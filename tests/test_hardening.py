"""Hardening (issue 9): hostile names cannot inject code into any target, extreme doubles
score exactly like the evaluator, a huge model passes every stage without recursion, and
user mistakes at the front door are one pwlc message.

Every score is checked against `pwlc.semantics.evaluate` with `pwlc.testing.mismatches`.
PostgreSQL skips locally when unreachable and fails when CI=true (tests.conftest).
Known gaps found here are `xfail(strict=True)` with the reason; they pass once fixed.
"""

from __future__ import annotations

import math
import re
import sqlite3
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import pwlc
from pwlc.backends import c as c_backend
from pwlc.backends import pwl as pwl_backend
from pwlc.backends import python as python_backend
from pwlc.backends import sql as sql_backend
from pwlc.backends.sql.printer import quote
from pwlc.errors import DataError, PwlcError, UnsupportedError
from pwlc.ir import CategoryAxis, Constant, Curve, Grid, Input, KnotAxis, Model, Step, StepAxis, Table, verify
from pwlc.semantics import evaluate
from pwlc.testing import edge_grid, mismatches
from tests import engines
from tests.conftest import require_engine

ROOT = Path(__file__).resolve().parent.parent
RECIDIVISM = ROOT / "golden" / "models" / "recidivism.pwl"

# --- 1. injection canary ------------------------------------------------------------------

# Names meant to break out of a quoted identifier, a string literal or a comment in some
# target, plus names that are reserved or unusual there. A name with a newline followed by
# code attacks line comments (`#`, `//`, `--`): if it escaped, the code would run.
HOSTILE = [
    'x"; DROP TABLE t; --',
    "'; DROP TABLE t; --",
    "*/",
    "/*",
    "*/ DROP TABLE t; /*",
    "a\\b",
    "\\",
    "ends with backslash \\",
    "line1\nline2",
    "cr\r\nlf",
    "\nDROP TABLE t;\n",
    "\nraise SystemExit('injected')\n",
    '"); raise SystemExit("injected"); ("',
    "\n#error injected\n",
    "a??/",
    "??=",
    "naïve",
    "数据",
    "🙂",
    "zero\u200bwidth",
    "select",
    "from",
    "table",
    "NULL",
    "end",
    "case",
    "return",
    "def",
    "None",
    "lambda",
    "__import__",
    "int",
    "double",
    "%s",
    "%(x)s",
    "?",
    "$1",
    "{x}",
    '"""',
    "'''",
    "`",
]
EMPTY = ""
LONG = "n" * 10_000
NUL = "a\x00b"
BIDI = "\u202eevil"  # RIGHT-TO-LEFT OVERRIDE (Trojan Source, CVE-2021-42574)
# Names each engine takes besides HOSTILE. Not listed, with the reason:
# - NUL: SQLite's Python driver and PostgreSQL refuse it in query text (engine rules).
# - empty: only SQLite has an empty quoted identifier; the others refuse it (test below).
EXTRA_NAMES = {
    "python": [EMPTY, LONG, NUL, BIDI],
    "c": [EMPTY, LONG, NUL, BIDI],
    "sqlite": [EMPTY, LONG, BIDI],
    "duckdb": [LONG, NUL, BIDI],
    "postgres": [LONG, BIDI],
    "spark": [LONG, NUL, BIDI],
}
# Categories are string literals, not identifiers: the empty string is fine everywhere.
EXTRA_CATEGORIES = {
    "python": [EMPTY, LONG, NUL, BIDI],
    "c": [EMPTY, LONG, BIDI],  # a C string ends at its first NUL
    "sqlite": [EMPTY, LONG, BIDI],
    "duckdb": [EMPTY, LONG, NUL, BIDI],
    "postgres": [EMPTY, LONG, BIDI],
    "spark": [EMPTY, LONG, NUL, BIDI],
}
CANARY = ("t", "intact")


def hostile_model(names: Sequence[str], categories: Sequence[str]) -> Model:
    """A model whose every input is named by `names` (every third one categorical, with
    `categories` as its table keys) plus a grid over two hostile inputs; values differ per
    input so a mixed-up column shows as a wrong score."""
    inputs: list[Input] = []
    terms: list[Any] = [Constant(0.5)]
    for i, name in enumerate(names):
        if i % 3 == 2:
            inputs.append(Input(name, "categorical"))
            terms.append(Table(name, tuple((key, float(i + j + 1)) for j, key in enumerate(categories)), default=-1.0, missing=0.25))
        else:
            inputs.append(Input(name))
            terms.append(Curve(name, (0.0, 1.0 + i), (float(i), -i / 3.0), missing=0.125))
    numeric, categorical = names[0], names[2]
    cells = ((1.0,) * (len(categories) + 1), tuple(float(k) for k in range(len(categories) + 1)))
    terms.append(Grid(StepAxis(numeric, (0.5,)), CategoryAxis(categorical, tuple(categories)), cells, missing=-0.5))
    return verify(Model(tuple(inputs), tuple(terms), doc="hostile: " + " | ".join(names[:5])))


def model_for(engine: str) -> Model:
    return hostile_model(HOSTILE + EXTRA_NAMES[engine], HOSTILE + EXTRA_CATEGORIES[engine])


def check_scores(got: np.ndarray, model: Model, columns: engines.Columns, label: str) -> None:
    expected = evaluate(model, columns, output="score")
    bad = mismatches(got, expected)
    assert not bad, f"{label}: rows {bad[:10]} differ: {got[bad[:10]]} vs {expected[bad[:10]]}"


@pytest.mark.parametrize("target", ["pwl", "python", "c", "sql"])
def test_hostile_names_read_back_unchanged(target: str) -> None:
    model = model_for("python") if target in ("pwl", "python") else model_for("c" if target == "c" else "duckdb")
    backend = {"pwl": pwl_backend, "python": python_backend, "c": c_backend, "sql": sql_backend}[target]
    assert backend.read(backend.emit(model)) == model


def test_hostile_names_in_python() -> None:
    """The module defines its functions and nothing runs on import; scores match."""
    model = model_for("python")
    namespace: dict[str, Any] = {}
    exec(compile(python_backend.emit(model), "<hostile>", "exec"), namespace)  # noqa: S102  (it would raise if a name escaped)
    assert callable(namespace[model.name])
    columns = edge_grid(model)
    check_scores(engines.run_python(model, columns), model, columns, "python")


def test_hostile_names_on_spark() -> None:
    """Spark SQL quotes with backticks: the same names score right there too."""
    reason = engines.unavailable("spark")
    if reason is not None:
        require_engine("spark", reason)
    model = model_for("spark")
    columns = edge_grid(model)
    check_scores(engines.run_sql(model, columns, "spark"), model, columns, "spark")


@pytest.mark.parametrize("compiler", ["gcc", "clang"])
def test_hostile_names_in_c(compiler: str) -> None:
    """Compiles clean under -Werror -pedantic (an escaped `#error` would stop it); scores match."""
    reason = engines.unavailable(compiler)
    if reason is not None:
        require_engine(compiler, reason)
    model = model_for("c")
    columns = edge_grid(model)
    check_scores(engines.run_c(model, columns, compiler), model, columns, compiler)


def _canary_rows(cursor: Any) -> list[tuple[Any, ...]]:
    cursor.execute(f"SELECT secret FROM {CANARY[0]}")
    return [tuple(row) for row in cursor.fetchall()]


def run_with_canary(engine: str, model: Model, columns: engines.Columns) -> np.ndarray:
    """Like `engines.run_sql`, but with a canary table `t` beside the input table, and the
    query run so that a second statement smuggled in by a name WOULD execute (SQLite's
    executescript; DuckDB and PostgreSQL run every statement of a parameterless query).
    Fails unless the canary and the input table are intact afterwards."""
    query = engines.emit_sql(model, engine)
    rows = engines._rows(model, columns, set())
    create, insert = engines._create_table(model, engine, set())
    table = quote(engines.TABLE, engines.DIALECTS[engine])
    connection: Any
    if engine == "sqlite":
        connection = sqlite3.connect(":memory:")
        engines._ensure_math_functions(connection)
    elif engine == "duckdb":
        import duckdb

        connection = duckdb.connect(":memory:")
    else:
        connection = engines._postgres_connection()
    with _transaction(engine, connection):
        cursor = connection.cursor()
        temporary = "TEMPORARY " if engine == "postgres" else ""
        cursor.execute(create.replace("CREATE TABLE", f"CREATE {temporary}TABLE", 1))
        cursor.executemany(insert, rows)
        cursor.execute(f"CREATE {temporary}TABLE {CANARY[0]} (secret TEXT)")
        cursor.execute(f"INSERT INTO {CANARY[0]} VALUES ('{CANARY[1]}')")
        if engine == "sqlite":
            connection.executescript(query)  # runs every statement in the text
            assert _canary_rows(cursor) == [(CANARY[1],)], f"{engine}: the canary table changed"
        cursor.execute(query)
        result = cursor.fetchall()
        assert _canary_rows(cursor) == [(CANARY[1],)], f"{engine}: the canary table changed"
        cursor.execute(f"SELECT COUNT(*) FROM {table}")
        assert cursor.fetchone()[0] == len(rows), f"{engine}: the input table changed"
    by_key = {int(row[0]): row[1] for row in result}
    return engines._results([by_key[i] for i in range(len(rows))])


class _transaction:
    """PostgreSQL: everything rolls back (temporary tables, shared server); others: close."""

    def __init__(self, engine: str, connection: Any) -> None:
        self.engine, self.connection = engine, connection

    def __enter__(self) -> None:
        if self.engine == "postgres":
            self.block = self.connection.transaction(force_rollback=True)
            self.block.__enter__()

    def __exit__(self, *exc: object) -> None:
        if self.engine == "postgres":
            self.block.__exit__(*exc)
        else:
            self.connection.close()


@pytest.mark.parametrize("engine", ["sqlite", "duckdb", "postgres"])
def test_hostile_names_in_sql_leave_the_canary_intact(engine: str) -> None:
    reason = engines.unavailable(engine)
    if reason is not None:
        require_engine(engine, reason)
    model = model_for(engine)
    columns = edge_grid(model)
    check_scores(run_with_canary(engine, model, columns), model, columns, engine)


def _single(name: str, category: str = "a") -> Model:
    return hostile_model([name, "b", "c"], [category])


def test_c_escapes_bidi_controls() -> None:
    model = _single(BIDI, BIDI)
    assert "\u202e" not in c_backend.emit(model)
    columns = edge_grid(model)
    check_scores(engines.run_c(model, columns), model, columns, "gcc")


def test_c_compiles_a_10k_char_name() -> None:
    reason = engines.unavailable("gcc")
    if reason is not None:
        require_engine("gcc", reason)
    model = _single(LONG)
    columns = edge_grid(model)
    check_scores(engines.run_c(model, columns), model, columns, "gcc")


@pytest.mark.parametrize("dialect", ["duckdb", "postgres", "spark", "bigquery", "snowflake"])
def test_sql_refuses_an_empty_name_it_cannot_quote(dialect: str) -> None:
    with pytest.raises(UnsupportedError, match="no empty quoted name"):
        sql_backend.emit(_single(EMPTY), dialect)
    with pytest.raises(UnsupportedError, match="no empty quoted name"):
        sql_backend.emit(_single("x"), dialect, keys=[EMPTY])


@pytest.mark.parametrize("engine", ["sqlite", "duckdb", "postgres"])
def test_the_canary_notices_a_smuggled_statement(engine: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The check above can fail: a query with a second statement appended trips it."""
    reason = engines.unavailable(engine)
    if reason is not None:
        require_engine(engine, reason)
    model = _single("x")
    emit_sql = engines.emit_sql
    monkeypatch.setattr(engines, "emit_sql", lambda m, e: emit_sql(m, e).rstrip().rstrip(";") + f";\nDROP TABLE {CANARY[0]};\n")
    with pytest.raises(Exception, match="canary|no such table|does not exist|Catalog Error"):
        run_with_canary(engine, model, edge_grid(model))


# --- 2. edge inputs -------------------------------------------------------------------------

DOUBLE_MAX, DOUBLE_MIN_NORMAL, SUBNORMAL = sys.float_info.max, sys.float_info.min, 5e-324


def as_float32(value: float) -> float:
    """What a value becomes when it passed through a float32 column (±inf past its range)."""
    with np.errstate(over="ignore"):
        return float(np.float32(value))


EXTREMES = [0.0, -0.0, 1e308, -1e308, DOUBLE_MAX, -DOUBLE_MAX, SUBNORMAL, -SUBNORMAL, 2 * SUBNORMAL, DOUBLE_MIN_NORMAL, -DOUBLE_MIN_NORMAL]
EXTREMES += [as_float32(v) for v in (0.1, 1 / 3, 1e30, -2.5e-38, 16777217.0, 3.4e38, 1e-45)]
EXTREMES += [float(np.finfo(np.float32).max), float(np.finfo(np.float32).tiny), math.inf, -math.inf, math.nan]
EDGE_MODELS = {
    "subnormal_knots": Model((Input("x"),), (Curve("x", (-SUBNORMAL, 0.0, SUBNORMAL), (1.0, 2.0, 3.0)),)),
    # the widest knots a curve interpolates between in raw units (rule 9 of pwlc.semantics)
    "huge_knots": Model((Input("x"),), (Curve("x", (-(2.0**1022), 2.0**1022), (-1.0, 1.0)),)),
    "max_edges": Model((Input("x"),), (Step("x", (-DOUBLE_MAX, 0.0, DOUBLE_MAX), (1.0, -1.0, 1.0, 2.0)),)),
    "huge_values": Model(  # at the edge of the range a value may hold, 2**1022 (rule 8 of pwlc.semantics)
        (Input("x"), Input("y")), (Constant(2.0**1022), Curve("x", (0.0, 1.0), (2.0**1022, -(2.0**1022))), Step("y", (0.0,), (2.0**1022, -(2.0**1022))))
    ),
    "signed_zero_edges": Model(
        (Input("x"), Input("y")), (Step("x", (-0.0,), (1.0, 2.0), at_edge="upper"), Step("y", (0.0,), (3.0, 4.0), at_edge="lower"))
    ),
    "float32_knots": Model(
        (Input("x"),), (Curve("x", tuple(sorted({as_float32(v) for v in (0.1, 0.2, 0.3, 1 / 3, 2 / 3, 1e-3)})), (0.5, -0.25, 1.5, 3.0, -2.0, 0.0)),)
    ),
    "float32_edges": Model((Input("x"),), (Step("x", tuple(sorted({as_float32(v) for v in (0.1, 0.7, 1e-7, 3.4e38)})), (1.0, 2.0, 3.0, 4.0, 5.0)),)),
    "log_subnormal": Model((Input("x"),), (Curve("x", (SUBNORMAL, DOUBLE_MIN_NORMAL, 1.0, 1e308), (0.0, 1.0, 2.0, 3.0), fx="log"),)),
    "log1p_subnormal": Model((Input("x"),), (Curve("x", (-0.5, SUBNORMAL, 1e308), (0.0, 1.0, 2.0), fx="log1p"),)),
    "symlog_extremes": Model((Input("x"),), (Curve("x", (-DOUBLE_MAX, -SUBNORMAL, 0.0, SUBNORMAL, DOUBLE_MAX), (0.0, 1.0, 2.0, 3.0, 4.0), fx="symlog1p"),)),
    "grid_extremes": Model(
        (Input("x"), Input("y")), (Grid(KnotAxis("x", (-SUBNORMAL, SUBNORMAL)), KnotAxis("y", (-(2.0**1022), 2.0**1022)), ((1.0, 2.0), (3.0, 4.0))),)
    ),
}


def edge_columns(model: Model) -> engines.Columns:
    """The edge grid, then every extreme value for every input (rotated so inputs meet
    different extremes on a row), then float32-rounded copies of the grid and of normals."""
    grid = edge_grid(model)
    columns: engines.Columns = {}
    for shift, declared in enumerate(model.inputs):
        extra = [EXTREMES[(k + 3 * shift) % len(EXTREMES)] for k in range(2 * len(EXTREMES))]
        extra += [as_float32(v) for v in np.random.default_rng(shift).normal(0.0, 1.0, 20)]
        extra += [as_float32(v) for v in grid[declared.name] if v is not None]
        columns[declared.name] = grid[declared.name] + extra
    rows = max(len(v) for v in columns.values())
    return {name: (values * (rows // len(values) + 1))[:rows] for name, values in columns.items()}


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # numpy notes the inf/NaN the evaluator defines
@pytest.mark.parametrize("engine", ["python", "gcc", "duckdb", "sqlite"])
@pytest.mark.parametrize("name", sorted(EDGE_MODELS))
def test_extreme_doubles_score_like_the_evaluator(name: str, engine: str) -> None:
    """PostgreSQL is left out: it stops a query where a sum or a knot span overflows, so pwlc
    refuses some of these models for it (see tests/test_sql_numbers.py)."""
    model = verify(EDGE_MODELS[name])
    columns = edge_columns(model)
    if engine == "python":
        got = engines.run_python(model, columns)
    elif engine == "gcc":
        reason = engines.unavailable("gcc")
        if reason is not None:
            require_engine("gcc", reason)
        got = engines.run_c(model, columns)
    else:
        got = engines.run_sql(model, columns, engine)
    check_scores(got, model, columns, engine)


# --- 3. a huge model --------------------------------------------------------------------------

HUGE_TERMS, KNOTS_PER_TERM = 2_000, 10  # 20,000 knots: the CI size the issue asks for
# The Python backend black-formats its output: at the full size emit + read take ~20 s
# (longer than this whole file may), so Python runs a quarter of it; the full size was
# checked by hand (read back equal, scores equal) and is reported in the hardening notes.
PYTHON_TERMS = 500


def wide_model(terms: int, knots: int) -> Model:
    """`terms` curves on as many inputs, `knots` knots each, with values that vary."""
    xs = tuple(float(k) for k in range(knots))
    curves = tuple(Curve(f"x{i}", xs, tuple(float((7 * i + 3 * k) % 11 - 5) for k in range(knots))) for i in range(terms))
    return verify(Model(tuple(Input(f"x{i}") for i in range(terms)), (Constant(0.25), *curves)))


def huge_rows(model: Model, rows: int = 4) -> engines.Columns:
    rng = np.random.default_rng(9)
    return {declared.name: [float(v) for v in rng.uniform(-1.0, KNOTS_PER_TERM + 1.0, rows)] for declared in model.inputs}


@pytest.fixture(scope="module")
def huge() -> Model:
    return wide_model(HUGE_TERMS, KNOTS_PER_TERM)


def test_huge_model_pwl_round_trip(huge: Model) -> None:
    assert pwl_backend.read(pwl_backend.emit(huge)) == huge


def test_large_model_python_round_trip_and_scores() -> None:
    model = wide_model(PYTHON_TERMS, KNOTS_PER_TERM)
    source = python_backend.emit(model)
    assert python_backend.read(source) == model
    namespace: dict[str, Any] = {}
    exec(compile(source, "<large>", "exec"), namespace)  # noqa: S102
    columns = huge_rows(model)
    got = [namespace[model.name](*(columns[i.name][row] for i in model.inputs)) for row in range(4)]
    check_scores(np.array(got), model, columns, "python")


def test_huge_model_compiles_in_c_and_scores(huge: Model) -> None:
    reason = engines.unavailable("gcc")
    if reason is not None:
        require_engine("gcc", reason)
    columns = huge_rows(huge)
    check_scores(engines.run_c(huge, columns), huge, columns, "gcc")


def test_huge_model_optimizes(huge: Model) -> None:
    optimized, report = pwlc.optimize(huge, "O2", data=huge_rows(huge, 64))
    assert verify(optimized).inputs == huge.inputs
    assert report is not None


# A sum of this many terms is enough for both gaps below, and quicker to emit than HUGE_TERMS.
DEEP_SUM_TERMS = 1_200


def test_c_reads_back_a_long_sum() -> None:
    model = wide_model(DEEP_SUM_TERMS, 2)
    assert c_backend.read(c_backend.emit(model)) == model


def test_python_compiles_and_reads_back_a_long_sum() -> None:
    """CPython cannot compile a sum nested thousands deep: it is added up in stages."""
    model = wide_model(DEEP_SUM_TERMS, 2)
    source = python_backend.emit(model)
    assert source.count("total = (") == DEEP_SUM_TERMS // 250
    assert python_backend.read(source) == model
    namespace: dict[str, Any] = {}
    exec(compile(source, "<long sum>", "exec"), namespace)  # noqa: S102
    columns = huge_rows(model)
    got = [namespace[model.name](*(columns[i.name][row] for i in model.inputs)) for row in range(4)]
    check_scores(np.array(got), model, columns, "python")


@pytest.mark.parametrize("engine", ["sqlite", "duckdb", "postgres"])
def test_sql_runs_and_reads_back_a_long_sum(engine: str) -> None:
    """SQLite and DuckDB refuse expressions over 1000 deep: the sum goes on in stages."""
    reason = engines.unavailable(engine)
    if reason is not None:
        require_engine(engine, reason)
    wide = wide_model(DEEP_SUM_TERMS, 2)
    # terms share 8 inputs: a PostgreSQL row holds at most ~1,000 DOUBLE columns
    inputs = wide.inputs[:8]
    terms = tuple(replace(term, feature=inputs[k % 8].name) if isinstance(term, Curve) else term for k, term in enumerate(wide.terms))
    model = verify(Model(inputs, terms))
    assert sql_backend.read(engines.emit_sql(model, engine)) == model
    columns = huge_rows(model)
    check_scores(engines.run_sql(model, columns, engine), model, columns, engine)


# --- 4. the front door ------------------------------------------------------------------------


class Forest:
    """A model type pwlc has no frontend for."""

    def predict(self, X: Any) -> Any:
        return np.zeros(len(X))


def recidivism_data(rows: int = 50) -> Any:
    import pandas as pd

    rng = np.random.default_rng(3)
    return pd.DataFrame(
        {
            "age": rng.integers(18, 70, rows).astype(float),
            "priors_count": rng.integers(0, 20, rows).astype(float),
            "length_of_stay": rng.uniform(0, 400, rows),
            "sex": rng.choice(["Male", "Female"], rows),
            "c_charge_degree": rng.choice(["F", "M"], rows),
        }
    )


def test_unsupported_model_type_lists_what_is_supported() -> None:
    from pwlc.frontends import supported

    class Unknown:
        """No frontend and no predictions: nothing to distill either."""

    for attempt in (lambda: pwlc.lower(Forest()), lambda: pwlc.distill(Unknown(), recidivism_data())):
        with pytest.raises(UnsupportedError) as caught:
            attempt()
        message = str(caught.value)
        assert ("Forest" in message or "Unknown" in message) and "\n" not in message
        assert all(name in message for name in supported())
        assert message.endswith("through its predictions: pwlc.distill(model, X)")
    # A model with predictions but no frontend is distilled through them (it predicts 0), as advised.
    student = pwlc.distill(Forest(), recidivism_data())
    assert np.all(pwlc.evaluate(student, recidivism_data()) == 0.0)


def bad_data() -> dict[str, Any]:
    """Data with one mistake each: a missing column, text in a numeric column, nothing."""
    import pandas as pd

    good = recidivism_data()
    wrong = good.copy()
    wrong["age"] = ["old"] * len(wrong)
    return {"missing column": good.drop(columns=["age"]), "wrong dtype": wrong, "empty": pd.DataFrame()}


MESSAGES = {"missing column": "no column for input(s) 'age'", "wrong dtype": "'age' is numeric", "empty": "no column for input(s)"}


@pytest.mark.parametrize("mistake", sorted(MESSAGES))
def test_evaluate_and_distill_name_the_data_mistake(mistake: str) -> None:
    model = pwlc.read(RECIDIVISM)
    data = bad_data()[mistake]
    for attempt in (lambda: pwlc.evaluate(model, data), lambda: pwlc.distill(model, data, segments=2)):
        with pytest.raises(DataError, match=re.escape(MESSAGES[mistake])) as caught:
            attempt()
        assert "\n" not in str(caught.value)


def test_distill_on_zero_rows_is_a_data_error() -> None:
    with pytest.raises(DataError, match="no finite value"):
        pwlc.distill(pwlc.read(RECIDIVISM), recidivism_data().iloc[:0])


def test_evaluate_on_zero_rows_gives_zero_scores() -> None:
    assert pwlc.evaluate(pwlc.read(RECIDIVISM), recidivism_data().iloc[:0]).shape == (0,)


def write_bad_files(folder: Path) -> dict[str, Path]:
    files = {}
    for mistake, frame in bad_data().items():
        files[mistake] = folder / f"{mistake.replace(' ', '_')}.csv"
        frame.to_csv(files[mistake], index=False)
    files["empty"].write_text("")  # a zero-byte file, not even a header
    return files


@pytest.fixture(scope="module")
def teacher_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small LightGBM model file on the numeric recidivism columns."""
    import lightgbm

    data = recidivism_data(200)[["age", "priors_count", "length_of_stay"]]
    target = data["age"] * 0.1 + data["priors_count"] * 0.1  # every tree reads age
    booster = lightgbm.LGBMRegressor(n_estimators=5, num_leaves=4, min_child_samples=5, verbose=-1).fit(data, target)
    path = tmp_path_factory.mktemp("teacher") / "teacher.txt"
    booster.booster_.save_model(str(path))
    return path


@pytest.mark.parametrize("mistake", sorted(MESSAGES))
@pytest.mark.parametrize("verb", ["report", "compile", "distill"])
def test_cli_data_mistake_is_one_line_and_exit_1(
    verb: str, mistake: str, tmp_path: Path, teacher_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from pwlc.cli import main

    data = write_bad_files(tmp_path)[mistake]
    argv = {
        "report": ["report", str(RECIDIVISM), "--data", str(data), "-o", str(tmp_path / "r.html")],
        "compile": ["compile", str(RECIDIVISM), "-O2", "--data", str(data)],
        "distill": ["distill", str(teacher_file), "--data", str(data), "--segments", "2"],
    }[verb]
    assert main(argv) == 1
    errors = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(errors) == 1 and (str(data) in errors[0] or "'age'" in errors[0]), errors


LABEL_MISTAKES = {
    "words": (["yes", "no"], "the labels must be numbers"),
    "not 0/1": ([0.0, 1.0, 2.0], "a logistic model's labels must be 0 or 1, found 2"),
    "all missing": ([math.nan], "the labels are all missing"),
    "refit, words": (["yes", "no"], "label column 'y' holds non-numbers"),
    "refit, not 0/1": ([0.0, 1.0, 2.0], "refit: logistic loss needs labels that are 0 or 1"),
}


@pytest.mark.parametrize("mistake", sorted(LABEL_MISTAKES))
def test_cli_labels_of_the_wrong_kind_are_one_line_and_exit_1(mistake: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from pwlc.cli import main

    values, message = LABEL_MISTAKES[mistake]
    data = recidivism_data()
    data["y"] = [values[k % len(values)] for k in range(len(data))]
    path = tmp_path / "data.csv"
    data.to_csv(path, index=False)
    if mistake.startswith("refit"):
        argv = ["compile", str(RECIDIVISM), "-p", "refit{target=labels,label=y}", "--data", str(path)]
    else:
        argv = ["report", str(RECIDIVISM), "--data", str(path), "--labels", "y", "-o", str(tmp_path / "r.html")]
    assert main(argv) == 1
    errors = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(errors) == 1 and message in errors[0], errors


def test_cli_unsupported_model_file_exit_1_without_traceback(tmp_path: Path) -> None:
    """Through the real entry point: status 1, one line naming what pwlc reads."""
    model = tmp_path / "forest.txt"
    model.write_text("not a model\n")
    data = write_bad_files(tmp_path)["wrong dtype"]
    done = subprocess.run([sys.executable, "-m", "pwlc", "distill", str(model), "--data", str(data)], capture_output=True, text=True)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        f"{model}: not a model pwlc can read; save it as an EBM JSON export (json.dump(ebm.to_jsonable(), file)), a LightGBM model text "
        "(booster.save_model('model.txt')), an XGBoost JSON model (model.save_model('model.json')), or a pickle/joblib file (with allow_pickle=True)"
    ]


# --- found by `python -m tests.fuzzing --cases 100000` (seed 0) --------------------------------

KNOT_ARRAY = "static const double length_of_stay_curve_knots[][2] = {{0.0, -0.1}, {30.0, 0.3}, {400.0, 0.52}};"


def test_c_reader_rejects_a_non_integer_array_size() -> None:
    source = c_backend.emit(pwlc.read(RECIDIVISM))
    assert KNOT_ARRAY in source
    with pytest.raises(PwlcError):
        c_backend.read(source.replace(KNOT_ARRAY, KNOT_ARRAY.replace("[2]", "[1e308]")))


def test_c_reader_rejects_a_lone_surrogate() -> None:
    source = c_backend.emit(pwlc.read(RECIDIVISM))
    with pytest.raises(PwlcError):
        c_backend.read(source.replace('"length_of_stay",', '"length_of_st\ud800ay",', 1))
