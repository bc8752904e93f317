"""Multiclass models in C: compiled by gcc and clang (warning-free under the project's
flags), the gathering function, the softmax and the n x K batch scoring every probe as the
evaluator does; the file read back exactly; hand edits read back and run as read, or
refused at the offending token."""

from __future__ import annotations

import math
import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pwlc
from pwlc.backends import c
from pwlc.ir import Multiclass, all_terms
from pwlc.semantics import softmax
from pwlc.testing import edge_grid, mismatches
from tests import differential, engines
from tests.c_harness import check_refused, random_rows, require_compiler, run_multiclass
from tests.strategies import multiclass_models
from tests.test_c_edit_property import FLAGS as EDIT_FLAGS
from tests.test_c_edit_property import OPERATORS as EDIT_OPERATORS

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")
ROOT = Path(__file__).resolve().parent.parent
SPECIES = ROOT / "golden" / "multiclass" / "species.pwl"


def probes(model: Multiclass, seed: int = 0) -> dict[str, list[Any]]:
    """The edge grid (every class's knots), then random rows around every class's edges."""
    grid = edge_grid(model)
    extra: dict[str, list[Any]] = {name: [] for name in grid}
    for k in range(len(model.classes)):
        rows = random_rows(model.class_model(k), 40, seed + k)
        for name in grid:
            extra[name] += rows[name]
    return {name: grid[name] + extra[name] for name in grid}


def check_runs_as_evaluated(text: str, model: Multiclass, compilers: tuple[str, ...] = ("gcc", "clang"), flags: tuple[str, ...] = ()) -> int:
    """Every function of the compiled file against the evaluator on the probes; the rows compared."""
    columns = probes(model)
    scores = pwlc.evaluate(model, columns, output="score")
    # numpy's and glibc's log/log1p may differ in the last bit, which knots close together
    # enlarge: a class's score must lie within the evaluator's envelope for that (exact
    # without transforms), and the probabilities must be the evaluator's softmax of C's scores
    envelopes = [differential.expected(model.class_model(k), columns) for k in range(len(model.classes))]
    for compiler in compilers:
        require_compiler(compiler)
        results = run_multiclass(text, model, columns, compiler, flags)
        for function, got in results.items():
            if function == "probabilities":
                expected = softmax(np.asarray(results["scores"], dtype=np.float64).reshape(scores.shape))
                bad = mismatches(got, expected)
            else:
                expected = scores
                found = np.asarray(got, dtype=np.float64).reshape(scores.shape)
                outside = [differential.ulps_outside(found[:, k], e.score, e.score_low, e.score_high, e.nan_allowed) for k, e in enumerate(envelopes)]
                bad = [int(i) for i in np.flatnonzero((np.stack(outside, axis=1) > differential.TOLERANCE_ULPS).ravel())]
            assert not bad, f"{compiler} {function}: entries {bad[:5]} give {got.ravel()[bad[:5]]}, the evaluator {expected.ravel()[bad[:5]]}"
    return len(scores)


def test_the_golden_multiclass_model_compiles_runs_and_reads_back() -> None:
    model = pwlc.read(SPECIES)
    text = pwlc.emit(model, "c")
    assert check_runs_as_evaluated(text, model) > 100
    assert pwlc.read(text, format="c") == model
    assert "void species(const struct species_input *row, double out[3]);" in c.emit_header(model)
    require_compiler("clang")  # clang's static analyzer (its lint) finds nothing, as on every golden file
    import subprocess

    done = subprocess.run(["clang", "--analyze", "-std=c99", "-x", "c", "-", "-o", "/dev/null"], input=text, capture_output=True, text=True)
    assert done.returncode == 0 and done.stderr == "", done.stderr


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(multiclass_models(max_terms=3, max_classes=4))
def test_random_multiclass_models_run_as_the_evaluator_in_gcc_and_clang_and_read_back(model: Multiclass) -> None:
    try:
        text = pwlc.emit(model, "c")
    except pwlc.UnsupportedError as refusal:  # a NUL in a category or class name: C strings end there
        assert "NUL" in str(refusal)
        return
    check_runs_as_evaluated(text, model)
    again = pwlc.read(text, format="c")
    assert again == model
    assert pwlc.emit(again, "c") == text


def test_softmax_of_huge_infinite_and_missing_scores_in_c() -> None:
    """Rules M2-M4 at their edges: constants of ±2**1022 summed to ±inf, NaN from a missing input."""
    text = """model big
input x : numeric
class "a"
constant 4.4e307
constant 4.4e307
constant 4.4e307
constant 4.4e307
step x { -4.4e307, 0.5: 4.4e307 }
class "b"
curve x { 0: 0, 1: 4e307 }
class "c"
constant -4.4e307
constant -4.4e307
constant -4.4e307
constant -4.4e307
constant -4.4e307
"""
    model = pwlc.read(text)
    columns = {"x": [0.0, 0.25, 0.5, 1.0, math.nan, -math.inf, math.inf]}
    scores, probabilities = pwlc.evaluate(model, columns, output="score"), pwlc.evaluate(model, columns)
    assert scores[0, 0] == 1.32e308 and scores[2, 0] == math.inf and (scores[:, 2] == -math.inf).all()
    assert probabilities[0].tolist() == [1.0, 0.0, 0.0]  # no overflow: exp(s - max)
    assert np.isnan(probabilities[2:5]).all()  # +inf (M4), missing (M3)
    require_compiler("gcc")
    got = run_multiclass(pwlc.emit(model, "c"), model, columns, "gcc")
    for function, expected in (("batch", scores), ("scores", scores), ("probabilities", probabilities)):
        assert not mismatches(got[function], expected), function


# --- hand edits -------------------------------------------------------------------------


def test_an_edited_number_in_one_class_reads_back_and_runs_as_read() -> None:
    model = pwlc.read(SPECIES)
    text = pwlc.emit(model, "c")
    edited = text.replace("{{0.75, 0.5}, {1.75, -1.0}}", "{{0.75, 0.625}, {1.75, -1.0}}")
    assert edited != text
    # the batch reads the same term function, so one edit changes both
    read = pwlc.read(edited, format="c")
    assert isinstance(read, Multiclass)
    assert read.scores[0] == model.scores[0] and read.scores[2] == model.scores[2]
    assert read.scores[1][2].values == (-0.5, 0.625, -1.0)  # type: ignore[union-attr]
    check_runs_as_evaluated(edited, read)


@pytest.mark.parametrize(
    ("old", "new", "where", "message"),
    [
        ("    out[1] = species_class_versicolor(row);", "    out[1] = species_class_virginica(row);", "species_class_virginica(row);\n    out[2]", "species differs from what pwlc writes"),
        ('{"setosa", "versicolor", "virginica", NULL}', '{"setosa", "versicolor", "setosa", NULL}', "species_classes[]", "species_classes names a class twice"),
        ('{"setosa", "versicolor", "virginica", NULL}', '{"setosa", "versicolor", "virginica"}', "species_classes[]", "species_classes lists one name per class, then NULL"),
        ('{"setosa", "versicolor", "virginica", NULL}', '{"setosa", "versicolor", "iris virginica", NULL}', "species(const struct species_input *row, double out[3])\n{",
         "the score of class 'iris virginica' is not defined: pwlc names it `static double species_class_iris_virginica(const struct species_input *row)`"),
        ("    pwlc_constant_rows(m, sum, 0.5);", "    pwlc_constant_rows(m, sum, 0.75);", "pwlc_constant_rows(m, sum, 0.75)", c.BATCH_MISMATCH),
        ("    pwlc_softmax(3, out);", "    pwlc_softmax(2, out);", "2, out);", "species_probabilities differs from what pwlc writes: expected `3`"),
        ("static double species_class_setosa(const struct", "double species_class_setosa(const struct", "species_class_setosa(const struct species_input *row)\n{",
         "the score of class 'setosa' is `static double species_class_setosa(const struct species_input *row)`"),
    ],
)
def test_edits_of_the_multiclass_parts_are_refused_where_they_are(old: str, new: str, where: str, message: str) -> None:
    text = pwlc.emit(pwlc.read(SPECIES), "c")
    assert old in text
    edited = text.replace(old, new, 1)
    check_refused(edited, where, message, text)


def test_the_cli_writes_the_header_beside_a_multiclass_file_and_they_compile_together(tmp_path: Path) -> None:
    import subprocess
    import sys

    require_compiler("gcc")
    done = subprocess.run([sys.executable, "-m", "pwlc", "compile", str(SPECIES), "-O2", "-o", str(tmp_path / "species.c")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    main = tmp_path / "main.c"
    main.write_text(
        '#include <stdio.h>\n#include "species.h"\nint main(void)\n{\n    struct species_input row = {1.4, 0.2, "clay"};\n'
        "    double p[3];\n    species_probabilities(&row, p);\n    printf(\"%.17g %.17g %.17g\\n\", p[0], p[1], p[2]);\n    return 0;\n}\n"
    )
    binary = tmp_path / "main"
    subprocess.run(["gcc", *engines.C_FLAGS[:-3], "-Wno-missing-prototypes", "-o", str(binary), str(main), str(tmp_path / "species.c"), "-lm"], check=True)
    printed = [float(v) for v in subprocess.run([str(binary)], capture_output=True, text=True, check=True).stdout.split()]
    model = pwlc.read(tmp_path / "species.c")
    expected = pwlc.evaluate(model, {"petal_length": [1.4], "petal_width": [0.2], "soil type": ["clay"]})[0]
    assert not mismatches(printed, expected)


# --- the whole path ---------------------------------------------------------------------


@pytest.mark.parametrize("library", ["interpret", "lightgbm"])
def test_a_3_class_teacher_through_distill_o2_every_backend_and_back(library: str) -> None:
    """distill -> -O2 -> each backend that prints a multiclass model -> read back -> run
    (C under gcc and clang, Python row by row and batched, SQL on SQLite, DuckDB and
    PostgreSQL) -> 0 mismatches against the evaluator; a backend that does not print one
    refuses it with advice. (benchmarks/multiclass.py: the full-size run.)"""
    from pwlc.backends import BACKENDS, backend
    from pwlc.datasets import compas_risk
    from tests.frontend_checks import require_library
    from tests.real_data import load
    from tests.test_multiclass_python_sql import check_python, check_sql, require_engine

    require_library(library)
    data = load(compas_risk)
    X, y = data.X.iloc[:1500], data.y[:1500].astype(int)
    if library == "interpret":
        from interpret.glassbox import ExplainableBoostingClassifier

        teacher = ExplainableBoostingClassifier(interactions=[(0, 1)], outer_bags=1, max_rounds=100, random_state=0).fit(X, y)
        raw = teacher.decision_function(X)
    else:
        import lightgbm

        teacher = lightgbm.LGBMClassifier(objective="multiclass", n_estimators=30, max_depth=1, verbose=-1).fit(X[["age", "priors_count", "length_of_stay"]], y)
        X = X[["age", "priors_count", "length_of_stay"]]
        raw = teacher.predict(X, raw_score=True)
    student, _ = pwlc.optimize(pwlc.distill(teacher, X), "O2", data=X, teacher=raw)
    assert isinstance(student, Multiclass)
    printed = 0
    for target in sorted(BACKENDS):
        if not getattr(backend(target), "MULTICLASS", False):
            with pytest.raises(pwlc.UnsupportedError, match="cannot print a multiclass model yet"):
                pwlc.emit(student, target)
            continue
        text = pwlc.emit(student, target)
        read = pwlc.read(text, format=target)
        assert read == student
        if target == "c":
            check_runs_as_evaluated(text, read)
        elif target == "python":
            check_python(text, read)  # row by row and batched, bit for bit
        elif target == "sql":
            for engine in ("sqlite", "duckdb", "postgres"):
                require_engine(engine)
                query = engines.emit_sql(read, engine)
                assert pwlc.read(query, format=f"sql:{engine}") == student
                check_sql(query, read, engine)
        printed += 1
    assert printed == 4  # .pwl, C, Python and SQL


# --- random hand edits ------------------------------------------------------------------


def edited_multiclass(model: Multiclass, operators: list[str], seed: int) -> str:
    """The operators of tests/test_c_edit_property.py applied to the emitted file; "accepted"
    (and it then compiles and runs as read) or "refused" (at a position)."""
    rng = random.Random(seed)
    text = c.emit(model)
    for name in operators:
        text = EDIT_OPERATORS[name](text, rng)
    try:
        read = pwlc.read(text, format="c")
    except pwlc.PwlcError as error:
        assert error.span is not None and 1 <= error.span.line <= text.count("\n") + 1, str(error)
        printed = str(error).splitlines()
        assert len(printed) == 3 and printed[0].startswith(f"<string>:{error.span.line}:{error.span.column}: ") and printed[2].strip() == "^", str(error)
        return "refused"
    assert isinstance(read, Multiclass)
    check_runs_as_evaluated(text, read, flags=EDIT_FLAGS)
    return "accepted"


def _no_nul(model: Multiclass) -> bool:
    texts = [*model.classes] + [k for t in all_terms(model) for k, _ in getattr(t, "entries", ())]
    texts += [k for t in all_terms(model) for axis in (getattr(t, "a", None), getattr(t, "b", None)) for k in getattr(axis, "categories", ())]
    return not any("\x00" in text for text in texts)


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.just(SPECIES).map(pwlc.read) | multiclass_models(max_terms=3, max_classes=4).filter(_no_nul),
       st.lists(st.sampled_from(sorted(EDIT_OPERATORS)), min_size=1, max_size=3), st.integers(0, 2**32))
def test_random_edits_of_multiclass_files_run_as_read_or_are_refused_at_a_position(model: Multiclass, operators: list[str], seed: int) -> None:
    edited_multiclass(model, operators, seed)
