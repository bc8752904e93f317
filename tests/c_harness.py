"""Running a (maybe hand-edited) C file as it is deployed and comparing it with what pwlc
reads from it: the batch, the one-row function and the link function, compiled by gcc and
clang, against `pwlc.evaluate(pwlc.read(file))` on the model's edge grid and random rows.
"""

from __future__ import annotations

import ctypes
import math
import random
import shutil
from collections.abc import Sequence
from typing import Any

import numpy as np

import pwlc
from pwlc.backends import c
from pwlc.errors import PwlcError
from pwlc.ir import Model, Multiclass, verify
from pwlc.semantics import evaluate
from pwlc.testing import edge_grid, mismatches
from tests import engines
from tests.conftest import require_engine

COMPILERS = ("gcc", "clang")
# Style warnings that an accepted edit may bring: C reads a brace-elided array and a
# struct missing a member as pwlc does, but -Wall and -Wextra name them.
EDIT_FLAGS = ("-Wno-missing-braces", "-Wno-missing-field-initializers")


def require_compiler(name: str) -> None:
    """Skip locally, fail in CI, when a tool is missing (`bash .ci/compilers.sh` installs it)."""
    if shutil.which(name) is None:
        require_engine(name, f"{name} is not on PATH (bash .ci/compilers.sh installs it)")


def random_rows(model: Model, n: int, seed: int) -> dict[str, list[Any]]:
    """n rows around the model's edges: values between and beyond them, categories it
    lists and others, missing ones."""
    rng = random.Random(seed)
    grid = edge_grid(model)
    out: dict[str, list[Any]] = {}
    for declared in model.inputs:
        seen = [v for v in grid[declared.name] if v is not None and not (isinstance(v, float) and math.isnan(v))]
        column: list[Any] = []
        for _ in range(n):
            pick = rng.random()
            if pick < 0.05:
                column.append(None)
            elif declared.kind == "categorical":
                column.append(rng.choice(seen) if seen else "x")
            else:
                finite = [v for v in seen if math.isfinite(v)] or [0.0]
                low, high = min(finite), max(finite)
                column.append(rng.uniform(low - 1.0, high + 1.0) if pick < 0.8 else rng.choice(finite))
        out[declared.name] = column
    return out


def probes(model: Model, seed: int = 0, n: int = 200) -> dict[str, list[Any]]:
    """The edge grid followed by random rows."""
    grid, extra = edge_grid(model), random_rows(model, n, seed)
    return {name: grid[name] + extra[name] for name in grid} if model.inputs else grid


def run_rows(text: str, model: Model, columns: dict[str, list[Any]], compiler: str, flags: Sequence[str] = ()) -> dict[str, np.ndarray]:
    """The file compiled, then scored by `NAME_batch`, by `NAME(&row)` one row at a time and
    (with a link) by the link function: one array per function."""
    library = ctypes.CDLL(str(engines.compile_c(text, compiler, flags)[0]))
    out = {"batch": engines.run_c_batch(library, model, columns)}
    names = c.c_names(model)
    fields: list[tuple[str, Any]] = [(names.fields[i.name], ctypes.c_char_p if i.kind == "categorical" else ctypes.c_double) for i in model.inputs]
    row_type = type("Row", (ctypes.Structure,), {"_fields_": fields or [("unused", ctypes.c_char)]})
    functions = {"row": model.name}
    if model.link != "identity":
        functions["link"] = f"{model.name}_{'probability' if model.link == 'logistic' else 'prediction'}"
    count = engines.row_count(columns)
    for key, symbol in functions.items():
        function = getattr(library, symbol)
        function.argtypes, function.restype = [ctypes.POINTER(row_type)], ctypes.c_double
        values = []
        for k in range(count):
            row = {}
            for declared in model.inputs:
                value = columns[declared.name][k]
                if declared.kind == "categorical":
                    row[names.fields[declared.name]] = None if value is None else str(value).encode("utf-8")
                else:
                    row[names.fields[declared.name]] = math.nan if value is None else float(value)
            values.append(function(ctypes.byref(row_type(**row))))
        out[key] = np.array(values, dtype=np.float64)
    return out


def run_multiclass(text: str, model: Multiclass, columns: dict[str, list[Any]], compiler: str, flags: Sequence[str] = ()) -> dict[str, np.ndarray]:
    """The compiled file's batch, its `NAME(row, out)` and `NAME_probabilities(row, out)`,
    one (n, K) array each."""
    library = ctypes.CDLL(str(engines.compile_c(text, compiler, flags)[0]))
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


def check_runs_as_read(text: str, compilers: Sequence[str] = COMPILERS, flags: Sequence[str] = EDIT_FLAGS, seed: int = 0) -> Model:
    """Read `text`; compile it with each compiler; its batch and row functions must score
    the probes as the evaluator scores the model read (the link function: the prediction).
    Returns the model read."""
    model = pwlc.read(text, format="c")
    columns = probes(model, seed)
    score, prediction = evaluate(model, columns, output="score"), evaluate(model, columns)
    for compiler in compilers:
        require_compiler(compiler)
        for function, got in run_rows(text, model, columns, compiler, flags).items():
            expected = prediction if function == "link" else score
            bad = mismatches(got, expected)
            assert not bad, f"{compiler} {function}: rows {bad[:5]} give {got[bad[:5]]}, pwlc read {expected[bad[:5]]}"
    return model


def check_refused(text: str, where: str, message: str, original: str = "", filename: str = "edited.c") -> PwlcError:
    """Reading `text` must fail with `message` in the error, the caret where `where` starts
    (its first place from the line of the first difference with `original` on), and the
    error printed as `file:line:col: message`, the line, a caret."""
    try:
        verify(c.read(text, filename))
    except PwlcError as error:
        assert message in error.message, error.message
        assert error.span is not None, error.message
        differs = next((k for k, (a, b) in enumerate(zip(text, original)) if a != b), min(len(text), len(original)))
        offset = text.index(where, max(0, text.rfind("\n", 0, differs) + 1 - len(where)))
        line = text.count("\n", 0, offset) + 1
        column = offset - (text.rfind("\n", 0, offset) + 1) + 1
        assert (error.span.line, error.span.column) == (line, column), f"caret at {error.span.line}:{error.span.column}, wanted {line}:{column}\n{error}"
        printed = str(error).splitlines()
        assert printed[0].startswith(f"{filename}:{line}:{column}: ") and printed[2].strip() == "^", str(error)
        return error
    raise AssertionError(f"the reader accepted the edit at {where!r}")
