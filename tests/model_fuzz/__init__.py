"""The model fuzz (issue 15): random valid models through every backend on every engine,
compared with the reference evaluator in ulps, and read back from every readable target.

    python -m tests.model_fuzz --models 5000 [--seed S] [--engines python,c,sqlite,...]

Models come from `tests.strategies.wide_models`, drawn in a child process
(`tests.model_fuzz.draw`) so that a seed's i-th model is the same in every run. Each is
scored on its edge grid (`pwlc.testing.edge_grid`) plus random rows
(`tests.differential.random_columns`) by:

- python: the emitted module in a worker subprocess, one row a call and as numpy batches;
- c: gcc and clang, each at -O2 and -O3 -march=native (ISO C99, -Werror) and in GNU mode,
  through the single-row function and the batch function (`tests.isolated`);
- sqlite, duckdb, postgres, spark: the emitted query on a fresh table.

The slow engines run on every `EVERY[name]`-th model of a run only (Spark, the C builds
other than -O2, the read-back of the SQL dialects that share the DuckDB reader's code):
a compile or a JVM query costs more than the rest of a model's checks together. A quick
run (one model at a time, index 0) runs everything.

A row is off when its score or prediction lies more than `TOLERANCE_ULPS` outside the
evaluator's envelope (`tests.differential`). What fails is grouped into classes by engine
and kind; `tests.model_fuzz.shrink` reduces one model of each class to a small reproducer.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any

import numpy as np

import pwlc
from pwlc.ir import Model
from tests.differential import (
    TOLERANCE_ULPS,
    Columns,
    FloatArray,
    as_text,
    concat,
    expected,
    nul_free,
    random_columns,
    take_rows,
    ulps_outside,
)

RANDOM_ROWS = 48
EVERY = {"spark": 20, "O3 native": 2, "gnu O3 native": 2, "sql:spark": 4, "sql:bigquery": 4, "sql:snowflake": 4, "sql:postgres": 2}
Outputs = dict[tuple[str, str], FloatArray]  # (mode, output) -> one value per row; output "score" or the link's
Errors = dict[str, str]  # mode -> what its calls raised (the other modes' results still count)


@dataclass(frozen=True)
class FuzzEngine:
    """One engine the models are run on: `run` emits the model for it and returns each
    path's results (mode "row"/"batch" for Python and C, "" for SQL)."""

    name: str
    family: str  # what --engines selects: python, c, gcc, clang, sqlite, duckdb, postgres, spark
    run: Callable[[Model, Columns], tuple[Outputs, Errors]]
    nul_free: bool = False  # takes only categories without NUL (C strings, PostgreSQL text)
    every: int = 1

    def unavailable(self) -> str | None:
        from tests.engines import unavailable

        return unavailable(self.family if self.family in ("gcc", "clang", "sqlite", "duckdb", "postgres", "spark") else "python")


def _by_mode(results: dict[str, FloatArray]) -> Outputs:
    return {tuple(path.split(" ", 1)): values for path, values in results.items()}  # type: ignore[misc]


def _python(model: Model, columns: Columns) -> tuple[Outputs, Errors]:
    from tests.isolated import python_worker

    results, errors = python_worker().run(pwlc.emit(model, "python"), model, columns)
    return _by_mode(results), {path.split(" ", 1)[0]: error for path, error in errors.items()}


def _c(compiler: str, flags: tuple[str, ...]) -> Callable[[Model, Columns], tuple[Outputs, Errors]]:
    def run(model: Model, columns: Columns) -> tuple[Outputs, Errors]:
        from tests.isolated import CConfig, run_c_program

        return _by_mode(run_c_program(pwlc.emit(model, "c"), model, columns, CConfig(compiler, flags))), {}

    return run


def _sql(engine: str) -> Callable[[Model, Columns], tuple[Outputs, Errors]]:
    def run(model: Model, columns: Columns) -> tuple[Outputs, Errors]:
        from tests.engines import emit_sql, row_count, run_sql_query, sql_outputs

        names, rows = run_sql_query(emit_sql(model, engine), model, columns, engine)
        return {("", output): values for output, values in sql_outputs(model, names, rows, row_count(columns)).items()}, {}

    return run


def all_engines() -> list[FuzzEngine]:
    from tests.isolated import MODEL_FLAGS

    engines = [FuzzEngine("python", "python", _python)]
    for compiler in ("gcc", "clang"):
        engines += [
            FuzzEngine(f"c {compiler} {label}", compiler, _c(compiler, flags), nul_free=True, every=EVERY.get(label, 1)) for label, flags in MODEL_FLAGS.items()
        ]
    engines += [FuzzEngine(name, name, _sql(name), nul_free=name == "postgres") for name in ("sqlite", "duckdb", "postgres")]
    engines.append(FuzzEngine("spark", "spark", _sql("spark"), every=EVERY["spark"]))
    return engines


def select_engines(wanted: str | None) -> list[FuzzEngine]:
    """The engines named in a comma-separated list of families (c = gcc and clang), all by default."""
    engines = all_engines()
    if not wanted:
        return engines
    families = {w.strip() for w in wanted.split(",")}
    if "c" in families:
        families |= {"gcc", "clang"}
    unknown = families - {e.family for e in engines} - {"c", "read"}
    if unknown:
        raise SystemExit(f"unknown engines {sorted(unknown)}; choose from python, c, gcc, clang, sqlite, duckdb, postgres, spark, read")
    return [e for e in engines if e.family in families]


def readable_targets() -> list[str]:
    from tests.fuzzing import readable_targets as targets

    return targets()


# --- one model -------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What one engine path did with the models it was given."""

    models: int = 0
    rows: int = 0
    bad_models: int = 0
    bad_rows: int = 0
    nan_rows: int = 0  # of bad_rows: NaN/NULL or an infinity where the evaluator disagrees
    worst: float = 0.0  # the largest finite distance outside the envelope, in ulps
    crashes: int = 0
    refusals: int = 0
    stops: int = 0  # rows left out where the README says PostgreSQL stops (checked to stop it)

    def add(self, other: Outcome) -> None:
        for f in fields(self):
            value = getattr(other, f.name)
            setattr(self, f.name, max(getattr(self, f.name), value) if f.name == "worst" else getattr(self, f.name) + value)


@dataclass(frozen=True)
class Failure:
    """One way one model failed on one path: `kind` names the class, `detail` the instance."""

    label: str
    kind: str
    detail: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.label, self.kind)


@dataclass
class ModelReport:
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)


def model_columns(model: Model, seed: int) -> Columns:
    """The rows a model is scored on: its edge grid, then RANDOM_ROWS random rows."""
    from pwlc.testing import edge_grid

    return concat(edge_grid(model), random_columns(model, random.Random(seed), RANDOM_ROWS, typed_categories=True))


def check_model(model: Model, engines: list[FuzzEngine], targets: list[str], index: int, seed: int = 0) -> ModelReport:
    """Run `model` (the index-th of a run) on the engines and read it back from the targets;
    the random rows are drawn from (seed, index)."""
    report = ModelReport()
    columns = model_columns(model, seed * 1_000_003 + index)
    want = expected(model, columns)
    for engine in engines:
        if index % engine.every == 0:
            _run_engine(engine, model, columns, want, report)
    for target in targets:
        if index % EVERY.get(target, 1) == 0:
            _read_back(model, target, report)
    report.failures = [_flag_specific(f, report.failures) for f in report.failures]
    return report


def _flag_specific(failure: Failure, failures: list[Failure]) -> Failure:
    """A C failure under other flags that the same compiler's -O2 build does not show is
    its own class ("... not at -O2"): the flags (FP contraction) cause it, not the code."""
    match = re.fullmatch(r"c (\w+) (.+?)( row| batch)?", failure.label)
    if match is None or match.group(2) == "O2":
        return failure
    baseline = f"c {match.group(1)} O2{match.group(3) or ''}"
    if any(f.label == baseline and f.kind == failure.kind for f in failures):
        return failure
    return Failure(failure.label, f"{failure.kind} (not at -O2)", failure.detail)


def baseline_engine(label: str) -> str | None:
    """For a C path under other flags, the -O2 engine of the same compiler."""
    match = re.fullmatch(r"c (\w+) .*", label)
    return f"c {match.group(1)} O2" if match else None


def _run_engine(engine: FuzzEngine, model: Model, all_columns: Columns, want: Any, report: ModelReport) -> None:
    if engine.family != "python":  # only Python takes a category that is not a string
        all_columns = as_text(model, all_columns)
    keep = nul_free(model, all_columns) if engine.nul_free else np.ones(len(want.score), dtype=bool)
    columns, want = take_rows(all_columns, keep), want.take(keep)
    if engine.family == "postgres":
        columns, want = _without_documented_stops(engine, model, columns, want, report)
    try:
        results, errors = engine.run(model, columns)
    except pwlc.PwlcError as refusal:
        outcome = report.outcomes.setdefault(engine.name, Outcome())
        outcome.models, outcome.refusals = 1, 1
        report.failures.append(Failure(engine.name, "refused", _one_line(refusal)))  # counted, not a failure
        return
    except Exception as error:  # noqa: BLE001 - whatever the engine raised is the finding
        outcome = report.outcomes.setdefault(engine.name, Outcome())
        outcome.models, outcome.crashes = 1, 1
        report.failures.append(Failure(engine.name, f"crash: {crash_class(error)}", _one_line(error)))
        return
    for mode, error in errors.items():
        label = f"{engine.name} {mode}"
        outcome = report.outcomes.setdefault(label, Outcome())
        outcome.models, outcome.crashes = 1, 1
        report.failures.append(Failure(label, f"crash: {_message_class(error)}", error[:300]))
    modes = sorted({mode for mode, _ in results})
    for mode in modes:
        label = f"{engine.name} {mode}".strip()
        outcome = report.outcomes.setdefault(label, Outcome())
        outcome.models, outcome.rows = 1, len(want.score)
        bad = np.zeros(len(want.score), dtype=bool)
        for (m, output), got in results.items():
            if m != mode:
                continue
            value, low, high = (want.score, want.score_low, want.score_high) if output == "score" else (want.prediction, want.prediction_low, want.prediction_high)
            distance = ulps_outside(got, value, low, high, want.nan_allowed)
            off = distance > TOLERANCE_ULPS
            if not off.any():
                continue
            bad |= off
            finite = distance[off & np.isfinite(distance)]
            outcome.worst = max(outcome.worst, float(finite.max(initial=0.0)))
            nan_like = off & ~np.isfinite(distance)
            outcome.nan_rows += int(nan_like.sum())
            row = int(np.flatnonzero(off)[0])
            kind = f"{output}: {_mismatch_kind(got[row], value[row])}"
            detail = f"row {_row_text(model, columns, row)}: got {got[row]!r}, expected {value[row]!r} (envelope [{low[row]!r}, {high[row]!r}], {distance[row]:.3g} ulps outside)"
            report.failures.append(Failure(label, kind, detail))
        outcome.bad_rows = int(bad.sum())
        outcome.bad_models = int(bad.any())


def _without_documented_stops(engine: FuzzEngine, model: Model, columns: Columns, want: Any, report: ModelReport) -> tuple[Columns, Any]:
    """The rows but those the README says PostgreSQL stops the query on (a sum of finite
    terms that overflows; a bilinear cell's underflow: `tests.sql_support.postgres_stops`),
    the first three each run alone to check that it stops; a row that runs is a finding."""
    from tests.sql_support import postgres_stops

    stops = postgres_stops(model, columns)
    if not stops:
        return columns, want
    outcome = report.outcomes.setdefault(engine.name, Outcome())
    outcome.stops = len(stops)
    for row in stops[:3]:
        try:
            engine.run(model, {name: [values[row]] for name, values in columns.items()})
        except pwlc.PwlcError:
            return columns, want  # the model is refused: the run itself records that
        except Exception as error:  # noqa: BLE001 - the stop the README describes, or another finding
            if "out of range" in str(error):
                continue
            raise
        report.failures.append(Failure(engine.name, "a row the README says PostgreSQL stops on ran", _row_text(model, columns, row)))
    keep = np.ones(len(want.score), dtype=bool)
    keep[stops] = False
    return take_rows(columns, keep), want.take(keep)


def _mismatch_kind(got: float, want: float) -> str:
    if np.isnan(got) != np.isnan(want):
        return "NaN/NULL where the evaluator has a number" if np.isnan(got) else "a number where the evaluator has NaN"
    if not (np.isfinite(got) and np.isfinite(want)):
        return "infinity where the evaluator disagrees"
    return f"off by more than {TOLERANCE_ULPS} ulps"


def _row_text(model: Model, columns: Columns, row: int) -> str:
    return "{" + ", ".join(f"{i.name!r}: {columns[i.name][row]!r}" for i in model.inputs) + "}"


def _read_back(model: Model, target: str, report: ModelReport) -> None:
    label = f"read {target}"
    outcome = report.outcomes.setdefault(label, Outcome())
    outcome.models = 1
    try:
        text = pwlc.emit(model, target)
    except pwlc.PwlcError as refusal:
        outcome.refusals = 1
        report.failures.append(Failure(label, "refused", _one_line(refusal)))
        return
    except Exception as error:  # noqa: BLE001
        outcome.crashes = 1
        report.failures.append(Failure(label, f"emit crash: {crash_class(error)}", _one_line(error)))
        return
    try:
        back = pwlc.read(text, format=target)
    except pwlc.PwlcError as error:
        outcome.bad_models = 1
        report.failures.append(Failure(label, "its own output refused", _one_line(error)))
        return
    except Exception as error:  # noqa: BLE001
        outcome.crashes = 1
        report.failures.append(Failure(label, f"read crash: {crash_class(error)}", _one_line(error)))
        return
    if back != model:
        outcome.bad_models = 1
        where, ours, theirs = first_difference(model, back)
        field_path = re.sub(r"\[\d+\]", "[]", where)
        report.failures.append(Failure(label, f"reads back different: {field_path}", f"{where}: {ours} became {theirs}"))


def first_difference(a: Any, b: Any, where: str = "model") -> tuple[str, str, str]:
    """The path of the first field where two IR values differ, and both values (shortened)."""
    if type(a) is not type(b):
        return where, _short(a), _short(b)
    if is_dataclass(a):
        for f in fields(a):
            if f.compare and getattr(a, f.name) != getattr(b, f.name):
                return first_difference(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")
    elif isinstance(a, tuple) and len(a) == len(b):
        for k, (x, y) in enumerate(zip(a, b)):
            if x != y:
                return first_difference(x, y, f"{where}[{k}]")
    return where, _short(a), _short(b)


def _short(value: Any, limit: int = 160) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _one_line(error: BaseException, limit: int = 300) -> str:
    text = " | ".join(line.strip() for line in str(error).strip().splitlines()[:4]) or type(error).__name__
    return f"{type(error).__name__}: {text}"[:limit]


def crash_class(error: BaseException) -> str:
    """A crash's class: its type and the first words of its message, with numbers, quoted
    text and file names taken out so that one cause gives one class."""
    message = str(error).strip().splitlines()[0] if str(error).strip() else ""
    if type(error).__name__ == "TableError" and message.count(": ") > 1:
        message = message.rsplit(": ", 1)[0]  # the rest names the column
    return _message_class(f"{type(error).__name__}: {message}")


def _message_class(message: str) -> str:
    message = re.sub(r"(/[\w.\-]+)+", "FILE", message.strip().splitlines()[0] if message.strip() else "")
    message = re.sub(r"<[^>]*\.py>", "<MODULE>", message)
    message = re.sub(r"'[^']*'|\"[^\"]*\"", "'…'", message)
    message = re.sub(r"\d+(\.\d+)?(e[-+]?\d+)?", "N", message)
    return message[:110]
