"""The Python API: `read`, `emit`, `evaluate` (re-exported at the top of `pwlc`)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from numpy.typing import NDArray

from pwlc.backends import BACKENDS, SUFFIXES, backend, parse_target
from pwlc.errors import PwlcError, UnsupportedError
from pwlc.ir import Model, verify
from pwlc.semantics import evaluate as _evaluate


def read(source: str | os.PathLike[str], format: str | None = None) -> Model:
    """Read a model from a path or from text.

    `format` is a target such as "pwl", "python", "c" or "sql:duckdb"; by default it comes
    from the file's suffix, and text that is not a path is read as `.pwl`. Nothing is ever
    executed: every format is parsed. The model is verified before it is returned.
    """
    text, filename = _load(source)
    if format is None:
        suffix = Path(filename).suffix.lower()
        if filename != "<string>" and suffix not in SUFFIXES:
            raise UnsupportedError(f"{filename}: cannot tell the format from suffix {suffix!r}; pass format= (one of {', '.join(sorted(BACKENDS))})")
        format = SUFFIXES.get(suffix, "pwl")
    name, dialect = parse_target(format)
    return verify(backend(name).read(text, filename, dialect))


def _load(source: str | os.PathLike[str]) -> tuple[str, str]:
    if isinstance(source, os.PathLike) or ("\n" not in source and Path(source).suffix.lower() in SUFFIXES):
        path = Path(source)
        try:
            return path.read_text(encoding="utf-8"), str(path)
        except FileNotFoundError:
            raise PwlcError(f"{path}: no such file") from None
        except UnicodeDecodeError as exc:
            raise PwlcError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    return str(source), "<string>"


def emit(model: Model, target: str = "python", **options: Any) -> str:
    """Print `model` as code for `target` ("pwl", "python", "c", "sql:DIALECT").

    `options` go to the backend: for SQL, `table` (the input table) and `keys` (columns
    carried through to the output)."""
    name, dialect = parse_target(target)
    return str(backend(name).emit(verify(model), dialect, **options))


def evaluate(model: Model, data: Any, *, output: str = "prediction") -> NDArray[Any]:
    """The reference evaluator (`pwlc.semantics.evaluate`) on a mapping or DataFrame."""
    return _evaluate(model, data, output=output)


def targets() -> list[str]:
    """Names of the backends that can be emitted."""
    return sorted(BACKENDS)
