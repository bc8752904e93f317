"""Runners that execute code in a separate process, so that code which crashes, hangs or
prints cannot take the fuzzers down with it (tests/model_fuzz, tests/edit_fuzz).

- `PythonWorker`: a CPython subprocess (`tests/python_worker.py`) that execs a module's
  source and calls its functions row by row and on numpy batches; a call that takes longer
  than its timeout kills the worker (a new one starts on the next call).
- `run_c_program`: a C file compiled on its own, with the flags given, and linked with a
  driver compiled from the header pwlc writes for the model (`emit_header`): the driver
  fills the input struct and the column arrays *by field name*, reads the rows from stdin
  and prints, for each row, the single-row function's score, the batch's score and the
  link function's result, as exact hex floats. The model's exported symbols are renamed
  in its object file before linking, so a model named `main` or `printf` cannot collide
  with the driver or the C library.
"""

from __future__ import annotations

import hashlib
import math
import os
import pickle
import re
import select
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from pwlc.ir import Model

Columns = dict[str, list[Any]]
FloatArray = NDArray[np.float64]

LINK_FUNCTIONS = {"logistic": "probability", "exp": "prediction"}  # the name after `NAME_` (C) or alone (Python)


class EngineError(Exception):
    """Code that does not compile, crashes, hangs or raises: the message says which."""


# --- Python ---------------------------------------------------------------------------------


class PythonWorker:
    """A CPython subprocess that runs modules sent to it (see tests/python_worker.py)."""

    def __init__(self) -> None:
        self._process: subprocess.Popen[bytes] | None = None

    def _start(self) -> subprocess.Popen[bytes]:
        if self._process is None or self._process.poll() is not None:
            script = Path(__file__).with_name("python_worker.py")
            self._process = subprocess.Popen(
                [sys.executable, "-I", str(script)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
            )
        return self._process

    def stop(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None

    def call(self, request: dict[str, Any], timeout: float) -> dict[str, Any]:
        process = self._start()
        assert process.stdin is not None and process.stdout is not None
        payload = pickle.dumps(request)
        try:
            process.stdin.write(struct.pack("<Q", len(payload)) + payload)
            process.stdin.flush()
            size = struct.unpack("<Q", self._receive(process, 8, timeout))[0]
            return dict(pickle.loads(self._receive(process, size, timeout)))
        except (BrokenPipeError, EOFError):
            self.stop()
            raise EngineError("the Python process died (the module crashed the interpreter)") from None
        except TimeoutError:
            self.stop()
            raise EngineError(f"the Python module ran longer than {timeout:g} s") from None

    @staticmethod
    def _receive(process: subprocess.Popen[bytes], size: int, timeout: float) -> bytes:
        assert process.stdout is not None
        deadline = time.monotonic() + timeout
        data = b""
        descriptor = process.stdout.fileno()
        while len(data) < size:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([descriptor], [], [], remaining)[0]:
                raise TimeoutError
            chunk = os.read(descriptor, size - len(data))
            if not chunk:
                raise EOFError
            data += chunk
        return data

    def run(
        self, source: str, model: Model, columns: Columns, *, batch: bool = True, timeout: float = 60.0
    ) -> tuple[dict[str, FloatArray], dict[str, str]]:
        """The module's `model.name` (and link function) on every row, called with one value
        per input in the model's order; with `batch`, also once on the whole columns (numpy
        arrays, lists for categorical inputs). Returns the results by path ("row score",
        "batch score", "row probability", ...) and, apart, the error of each path where a
        call raised. Raises EngineError when the module cannot run at all."""
        functions = [(model.name, "score")]
        if model.link in LINK_FUNCTIONS:
            functions.append((LINK_FUNCTIONS[model.link], LINK_FUNCTIONS[model.link]))
        request = {
            "source": source,
            "filename": f"<{model.name}.py>",
            "functions": functions,
            "args": [columns[i.name] for i in model.inputs],
            "kinds": [i.kind for i in model.inputs],
            "rows": row_count(columns),
            "batch": batch and bool(model.inputs),  # no inputs: nothing to pass arrays for
        }
        reply = self.call(request, timeout)
        if reply["error"] is not None:
            raise EngineError(reply["error"])
        out: dict[str, FloatArray] = {}
        errors: dict[str, str] = {}
        for path, result in reply["results"].items():
            if result["error"] is not None:
                errors[path] = result["error"] + (f" (and {result['errors'] - 1} more rows)" if result["errors"] > 1 else "")
            else:
                out[path] = np.array(result["values"], dtype=np.float64)
        return out, errors


@cache
def python_worker() -> PythonWorker:
    """One worker per process, shared by the runners."""
    return PythonWorker()


def row_count(columns: Columns) -> int:
    return len(next(iter(columns.values()))) if columns else 1


# --- C --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CConfig:
    """A compiler and the flags the model's file is compiled with."""

    compiler: str
    flags: tuple[str, ...]

    @property
    def label(self) -> str:
        return f"{self.compiler} {' '.join(f for f in self.flags if not f.startswith('-W') and f != '-pedantic')}"


COMPILE_SECONDS = 300  # a compiler that takes longer is stuck (the machine may be busy)
STRICT = ("-Wall", "-Wextra", "-Werror", "-pedantic")
# What the model fuzz builds emitted C with (issue 15): ISO C99 at -O2 and at -O3 for this
# machine (where clang fuses multiply-adds unless told not to), and GNU mode (where gcc does).
MODEL_FLAGS = {
    "O2": ("-std=c99", "-O2", *STRICT),
    "O3 native": ("-std=c99", "-O3", "-march=native", *STRICT),
    "gnu O3 native": ("-std=gnu11", "-O3", "-march=native", "-Wall", "-Wextra", "-Werror"),
}
# What the edit fuzz compiles an edited file with (issue 14): a warning is not a failure.
EDIT_FLAGS = ("-std=c99", "-Wall", "-Wextra", "-pedantic", "-O2")


@cache
def _work_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix="pwlc-isolated-"))


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:20]


def _compile(source: str, config: CConfig, stem: str) -> Path:
    folder = _work_dir()
    c_file, obj = folder / f"{stem}.c", folder / f"{stem}.o"
    c_file.write_text(source, encoding="utf-8", errors="surrogatepass")
    try:
        result = subprocess.run(
            [config.compiler, *config.flags, "-c", "-o", str(obj), str(c_file)], capture_output=True, text=True, errors="replace", timeout=COMPILE_SECONDS
        )
    except subprocess.TimeoutExpired:
        raise EngineError(f"does not compile: {config.label} ran longer than {COMPILE_SECONDS} s") from None
    finally:
        c_file.unlink()
    if result.returncode != 0:
        lines = result.stderr.splitlines()
        errors = [line.split(": ", 1)[1] for line in lines if ": error: " in line] or [line.split(": ", 1)[1] for line in lines if ": warning: " in line]
        raise EngineError(f"does not compile: {errors[0] if errors else 'error'}\n{config.label}:\n{_first_lines(result.stderr)}")
    return obj


def _first_lines(text: str, count: int = 6) -> str:
    return "\n".join(text.strip().splitlines()[:count])


def _exported(model: Model) -> list[str]:
    names = [model.name, f"{model.name}_batch", f"{model.name}_input_names"]
    return names + ([f"{model.name}_{LINK_FUNCTIONS[model.link]}"] if model.link in LINK_FUNCTIONS else [])


def _driver_source(model: Model) -> str:
    from pwlc.backends import c as c_backend

    names = c_backend.c_names(model)
    # The header's declarations of the exported names, renamed as in the object file (a
    # macro would also rename a struct field that shares the model's name).
    header = c_backend.emit_header(model)
    for k, name in enumerate(_exported(model)):
        header = re.sub(rf"^((?:extern )?[\w *]*?\b){re.escape(name)}(?=[(\[])", rf"\g<1>pwlc_fuzz_{k}", header, flags=re.M)
    read_inputs, set_columns, set_row = [], [], []
    for k, declared in enumerate(model.inputs):
        field = names.fields[declared.name]
        read = "pwlc_fuzz_categories" if declared.kind == "categorical" else "pwlc_fuzz_numbers"
        kind = "const char **" if declared.kind == "categorical" else "const double *"
        read_inputs.append(f"    {kind}in{k} = {read}(n);")
        set_columns.append(f"    columns.{field} = in{k};")
        set_row.append(f"        row.{field} = in{k}[i];")
    link = '        printf(" %a", pwlc_fuzz_3(&row));' if model.link in LINK_FUNCTIONS else ""
    return "\n".join([
        "#include <stdint.h>",
        "#include <stdio.h>",
        "#include <stdlib.h>",
        "#include <string.h>",
        header,
        DRIVER_RUNTIME,
        "int main(void)",
        "{",
        "    size_t n = (size_t)pwlc_fuzz_count(), i;",
        *read_inputs,
        f"    struct {model.name}_columns columns;",
        "    double *out = malloc(n ? n * sizeof *out : 1);",
        "    memset(&columns, 0, sizeof columns);",
        *set_columns,
        "    pwlc_fuzz_1(n, &columns, out);",
        "    for (i = 0; i < n; i++) {",
        f"        struct {names.struct} row;",
        "        memset(&row, 0, sizeof row);",
        *set_row,
        '        printf("%a %a", pwlc_fuzz_0(&row), out[i]);',
        link,
        '        putchar(\'\\n\');',
        "    }",
        "    return 0;",
        "}",
        "",
    ])


DRIVER_RUNTIME = r"""
/* `bytes` bytes of stdin, in a buffer one byte longer (for a string's terminating NUL). */
static char *pwlc_fuzz_read(size_t bytes)
{
    char *data = malloc(bytes + 1);
    if (data == NULL || fread(data, 1, bytes, stdin) != bytes) {
        fputs("driver: short input\n", stderr);
        exit(3);
    }
    return data;
}

static uint64_t pwlc_fuzz_count(void)
{
    uint64_t value;
    memcpy(&value, pwlc_fuzz_read(8), 8);
    return value;
}

static const double *pwlc_fuzz_numbers(size_t n)
{
    return (const double *)(void *)pwlc_fuzz_read(n * sizeof(double));
}

/* A table of distinct strings, then an index per row (-1 for NULL): equal categories share
   one address, as a column of repeated values does. */
static const char **pwlc_fuzz_categories(size_t n)
{
    size_t count = (size_t)pwlc_fuzz_count(), i;
    char **table = malloc(count ? count * sizeof *table : 1);
    const char **column = malloc(n ? n * sizeof *column : 1);
    for (i = 0; i < count; i++) {
        size_t length = (size_t)pwlc_fuzz_count();
        table[i] = pwlc_fuzz_read(length);
        table[i][length] = '\0';
    }
    for (i = 0; i < n; i++) {
        int64_t index;
        memcpy(&index, pwlc_fuzz_read(8), 8);
        column[i] = index < 0 ? NULL : table[index];
    }
    return column;
}
"""


def _input_bytes(model: Model, columns: Columns) -> bytes:
    n = row_count(columns)
    parts = [struct.pack("<Q", n)]
    for declared in model.inputs:
        values = columns[declared.name]
        if declared.kind == "numeric":
            parts.append(np.array([math.nan if v is None else float(v) for v in values], dtype="<f8").tobytes())
            continue
        table: dict[str, int] = {}
        for v in values:
            if v is not None:
                table.setdefault(str(v), len(table))
        parts.append(struct.pack("<Q", len(table)))
        for text in table:
            encoded = text.encode("utf-8", "surrogatepass")
            parts.append(struct.pack("<Q", len(encoded)) + encoded)
        parts.append(np.array([-1 if v is None else table[str(v)] for v in values], dtype="<i8").tobytes())
    return b"".join(parts)


def _driver_object(model: Model, compiler: str) -> Path:
    source = _driver_source(model)
    obj = _work_dir() / f"driver-{_digest(source, compiler)}.o"
    if not obj.exists():
        built = _compile(source, CConfig(compiler, ("-std=c99", "-O1", "-w")), f"driver-{_digest(source, compiler)}")
        assert built == obj
    return obj


def run_c_program(source: str, model: Model, columns: Columns, config: CConfig, timeout: float = 60.0) -> dict[str, FloatArray]:
    """Compile `source` with `config`, link it with the model's driver and run it on the rows.

    Returns {"row score": ..., "batch score": ..., "row probability" or "row prediction":
    ...} (the last with a link). Raises EngineError when the file does not compile or link,
    the program crashes or times out."""
    stem = _digest(source, config.compiler, *config.flags)
    obj = _compile(source, config, stem)
    exe = obj.with_suffix(".exe")
    try:
        renames = [f"--redefine-sym={name}=pwlc_fuzz_{k}" for k, name in enumerate(_exported(model))]
        subprocess.run(["objcopy", *renames, str(obj)], check=True, capture_output=True)
        linked = subprocess.run(
            [config.compiler, "-o", str(exe), str(_driver_object(model, config.compiler)), str(obj), "-lm"],
            capture_output=True, text=True, errors="replace", timeout=COMPILE_SECONDS,
        )
        if linked.returncode != 0:
            raise EngineError(f"{config.label}: the file does not link with {model.name}'s header:\n{_first_lines(linked.stderr)}")
        try:
            ran = subprocess.run([str(exe)], input=_input_bytes(model, columns), capture_output=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise EngineError(f"{config.label}: the program ran longer than {timeout:g} s") from None
        if ran.returncode != 0:
            raise EngineError(f"{config.label}: the program failed (exit status {ran.returncode}): {_first_lines(ran.stderr.decode(errors='replace'))}")
        return _parse_output(ran.stdout.decode(), model, row_count(columns))
    finally:
        obj.unlink(missing_ok=True)
        exe.unlink(missing_ok=True)


def _parse_output(text: str, model: Model, rows: int) -> dict[str, FloatArray]:
    lines = text.splitlines()
    if len(lines) != rows:
        raise EngineError(f"the program printed {len(lines)} lines for {rows} rows")
    table = np.array([[float.fromhex(v) for v in line.split()] for line in lines], dtype=np.float64).reshape(rows, -1)
    out = {"row score": table[:, 0], "batch score": table[:, 1]}
    if model.link in LINK_FUNCTIONS:
        out[f"row {LINK_FUNCTIONS[model.link]}"] = table[:, 2]
    return out
