"""Multiclass models in C: compiled by gcc and clang (warning-free under the project's
flags), the gathering function, the softmax and the n x K batch scoring every probe as the
evaluator does; the file read back exactly; hand edits read back and run as read, or
refused at the offending token."""

from __future__ import annotations

import ctypes
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

import pwlc
from pwlc.backends import c
from pwlc.ir import Model, Multiclass
from pwlc.testing import edge_grid, mismatches
from tests import engines
from tests.c_harness import check_refused, random_rows, require_compiler
from tests.strategies import multiclass_models

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


def run(text: str, model: Multiclass, columns: dict[str, list[Any]], compiler: str) -> dict[str, np.ndarray]:
    """The compiled file's batch, its `NAME(row, out)` and `NAME_probabilities(row, out)`,
    one (n, K) array each."""
    library = ctypes.CDLL(str(engines.compile_c(text, compiler)[0]))
    k = len(model.classes)
    shape = Model(model.inputs, (), name=model.name)  # the structs: inputs and name
    out = {"batch": engines.run_c_batch(library, shape, columns, classes=k)}
    names = c.c_names(shape)
    fields: list[tuple[str, Any]] = [(names.fields[i.name], ctypes.c_char_p if i.kind == "categorical" else ctypes.c_double) for i in model.inputs]
    row_type = type("Row", (ctypes.Structure,), {"_fields_": fields or [("unused", ctypes.c_char)]})
    count = engines.row_count(columns)
    for key, symbol in (("scores", model.name), ("probabilities", f"{model.name}_probabilities")):
        function = getattr(library, symbol)
        function.argtypes, function.restype = [ctypes.POINTER(row_type), ctypes.POINTER(ctypes.c_double)], None
        found = np.empty((count, k))
        for r in range(count):
            row = {}
            for declared in model.inputs:
                value = columns[declared.name][r]
                if declared.kind == "categorical":
                    row[names.fields[declared.name]] = None if value is None else str(value).encode("utf-8")
                else:
                    row[names.fields[declared.name]] = math.nan if value is None else float(value)
            buffer = (ctypes.c_double * k)()
            function(ctypes.byref(row_type(**row)), buffer)
            found[r] = buffer[:]
        out[key] = found
    return out


def check_runs_as_evaluated(text: str, model: Multiclass, compilers: tuple[str, ...] = ("gcc", "clang")) -> int:
    """Every function of the compiled file against the evaluator on the probes; the rows compared."""
    columns = probes(model)
    scores, probabilities = pwlc.evaluate(model, columns, output="score"), pwlc.evaluate(model, columns)
    for compiler in compilers:
        require_compiler(compiler)
        for function, got in run(text, model, columns, compiler).items():
            expected = probabilities if function == "probabilities" else scores
            bad = mismatches(got, expected)
            assert not bad, f"{compiler} {function}: entries {bad[:5]} give {got.ravel()[bad[:5]]}, the evaluator {expected.ravel()[bad[:5]]}"
    return len(scores)


def test_the_golden_multiclass_model_compiles_runs_and_reads_back() -> None:
    model = pwlc.read(SPECIES)
    text = pwlc.emit(model, "c")
    assert check_runs_as_evaluated(text, model) > 100
    assert pwlc.read(text, format="c") == model
    assert "void species(const struct species_input *row, double out[3]);" in c.emit_header(model)


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
    got = run(pwlc.emit(model, "c"), model, columns, "gcc")
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
