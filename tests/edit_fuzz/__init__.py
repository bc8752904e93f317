"""The edit fuzz (issue 14): random hand edits of emitted files; whatever pwlc reads back
must be what the edited file computes, in its own language.

    python -m tests.edit_fuzz --edits 10000 [--seed S] [--languages python,c,sql]

Seeds are the emitted Python, C and SQL (DuckDB and SQLite dialects) of every golden model
and of distilled real models (tests/edit_fuzz/seeds/*.pwl). Each edit applies one or two
operators (tests/edit_fuzz/operators.py and ops_*.py) and then `check` judges it:

- refused: pwlc raised its own error, with file:line:col and a caret (what a refusal must
  look like; one without a position, or an internal error, is a failure);
- accepted: the edited file is executed as it is — CPython in a worker subprocess with a
  timeout (row by row and as a numpy batch), gcc and clang at `-std=c99 -Wall -Wextra
  -pedantic` (single-row, batch and link functions), DuckDB or SQLite — on the read model's
  edge grid plus random rows, and compared with `pwlc.evaluate(read model)` in ulps
  (tests/differential.py). Any row off is a *mismatch* (a silent misread); a file pwlc
  accepted that does not compile, link or run is *invalid*.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

import pwlc
from pwlc.ir import Model
from tests.differential import (
    TOLERANCE_ULPS,
    Columns,
    concat,
    expected,
    nul_free,
    random_columns,
    take_rows,
    ulps_outside,
)

GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "models"
DISTILLED = Path(__file__).resolve().parent / "seeds"
TARGETS = {"python": ("python",), "c": ("c",), "sql": ("sql:duckdb", "sql:sqlite")}
SQL_ENGINES = {"sql:duckdb": "duckdb", "sql:sqlite": "sqlite"}
RANDOM_ROWS = 16
SEED_CHECK_ROWS = 500  # an unedited seed is checked on many more rows
OUTCOMES = ("refused", "matches", "mismatch", "invalid", "refusal without position", "internal error")
FAILURES = OUTCOMES[2:]


@dataclass(frozen=True)
class Seed:
    """An emitted file edits start from: `name` is the model's file stem."""

    name: str
    target: str
    text: str


@cache
def seed_models() -> dict[str, Model]:
    """The golden models and the distilled real ones, by name."""
    paths = sorted(GOLDEN.glob("*.pwl")) + sorted(DISTILLED.glob("*.pwl"))
    return {("" if path.parent == GOLDEN else "distilled/") + path.stem: pwlc.read(path) for path in paths}


def emitted(model: Model, target: str) -> str:
    if target in SQL_ENGINES:
        from tests.engines import emit_sql

        return emit_sql(model, SQL_ENGINES[target])  # over table "input", carrying the key column
    return pwlc.emit(model, target)


@cache
def all_seeds(lang: str) -> tuple[Seed, ...]:
    return tuple(Seed(name, target, emitted(model, target)) for target in TARGETS[lang] for name, model in seed_models().items())


@cache
def seeds(lang: str) -> tuple[tuple[Seed, ...], tuple[tuple[Seed, Verdict], ...]]:
    """The seeds edits start from, and those left out with why: a file that does not match
    the evaluator before any edit is a backend bug (the model fuzz's business), and every
    edit of it would be counted as a misread."""
    kept, left_out = [], []
    for seed in all_seeds(lang):
        verdict = check(seed.target, seed.text, 0, random_rows=SEED_CHECK_ROWS)
        if verdict.outcome == "matches":
            kept.append(seed)
        else:
            left_out.append((seed, verdict))
    return tuple(kept), tuple(left_out)


STACKED = 0.3  # how often an edit is two operators, one after the other


def make_edit(seed: Seed, rng: random.Random, tries: int = 20) -> tuple[list[str], str] | None:
    """One or two operators applied to the seed's text: their names and the edited text."""
    from tests.edit_fuzz import ops_c, ops_python, ops_sql  # noqa: F401 - they register their operators
    from tests.edit_fuzz.lexer import language
    from tests.edit_fuzz.operators import OPERATORS, Edit

    lang = language(seed.target)
    names = sorted(OPERATORS[lang])
    applied: list[str] = []
    text = seed.text
    wanted = 2 if rng.random() < STACKED else 1
    for _ in range(tries):
        if len(applied) == wanted:
            break
        name = rng.choice(names)
        new = OPERATORS[lang][name](Edit(text, lang, seed.target, rng))
        if new is not None and new != text:
            applied.append(name)
            text = new
    return (applied, text) if applied else None


@dataclass(frozen=True)
class Verdict:
    """What became of one edited file: an outcome of OUTCOMES, where (the path that
    disagreed or failed) and the first instance."""

    outcome: str
    path: str = ""
    detail: str = ""
    line: int = 0  # a refusal's line and column
    column: int = 0


def check(target: str, text: str, rows_seed: int, random_rows: int = RANDOM_ROWS) -> Verdict:
    """Read the edited file; when pwlc accepts it, run it and compare with the evaluator."""
    try:
        model = pwlc.read(text, format=target)
    except pwlc.PwlcError as error:
        if error.span is None or not error.span.source_line:
            return Verdict("refusal without position", "read", f"{type(error).__name__}: {error}")
        return Verdict("refused", "read", f"{type(error).__name__}: {error}", error.span.line, error.span.column)
    except Exception as error:  # noqa: BLE001 - anything but pwlc's own error is a bug
        return Verdict("internal error", "read", f"{type(error).__name__}: {error}")
    from pwlc.testing import edge_grid

    columns = concat(edge_grid(model), random_columns(model, random.Random(rows_seed), random_rows))
    return _run(target, text, model, columns)


def _run(target: str, text: str, model: Model, columns: Columns) -> Verdict:
    from tests.engines import ResultShapeError, TableError, run_sql_query, sql_outputs
    from tests.isolated import EDIT_FLAGS, CConfig, EngineError, python_worker, row_count, run_c_program

    runs: list[tuple[str, Columns]] = []
    if target == "python":
        runs.append(("python", columns))
    elif target == "c":
        keep = nul_free(model, columns)
        runs += [(f"c {compiler}", take_rows(columns, keep)) for compiler in ("gcc", "clang")]
    else:
        runs.append((SQL_ENGINES[target], columns))
    for engine, data in runs:
        try:
            if engine == "python":
                results, errors = python_worker().run(text, model, data, timeout=30)
                if errors:
                    path, error = next(iter(errors.items()))
                    return Verdict("invalid", f"python {path}", error)
            elif engine.startswith("c "):
                results = run_c_program(text, model, data, CConfig(engine[2:], EDIT_FLAGS), timeout=30)
            else:
                names, rows = run_sql_query(text, model, data, engine)
                results = {output: values for output, values in sql_outputs(model, names, rows, row_count(data)).items()}
        except (EngineError, TableError) as error:
            return Verdict("invalid", engine, str(error).strip())
        except ResultShapeError as error:  # the query's result lacks the score or some rows
            return Verdict("mismatch", engine, str(error))
        except Exception as error:  # noqa: BLE001 - the engine refused the query (or crashed on it)
            return Verdict("invalid", engine, f"{type(error).__name__}: {str(error).strip()[:500]}")
        verdict = _compare(model, data, engine, results)
        if verdict is not None:
            return verdict
    return Verdict("matches")


def _compare(model: Model, columns: Columns, engine: str, results: dict[str, np.ndarray]) -> Verdict | None:
    want = expected(model, columns)
    for path, got in results.items():
        output = path.split()[-1]
        value, low, high = (want.score, want.score_low, want.score_high) if output == "score" else (want.prediction, want.prediction_low, want.prediction_high)
        distance = ulps_outside(got, value, low, high, want.nan_allowed)
        off = np.flatnonzero(distance > TOLERANCE_ULPS)
        if len(off):
            row = int(off[0])
            inputs = ", ".join(f"{i.name}={columns[i.name][row]!r}" for i in model.inputs)
            detail = f"{len(off)} rows off; first: {inputs}: the file computes {got[row]!r}, pwlc read {value[row]!r}"
            return Verdict("mismatch", f"{engine} {path}".strip(), detail)
    return None
