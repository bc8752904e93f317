"""The Python API: `read`, `emit`, `evaluate` (re-exported at the top of `pwlc`)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from numpy.typing import NDArray

from pwlc.backends import BACKENDS, SUFFIXES, backend, parse_target
from pwlc.errors import ParseError, PwlcError, Span, UnsupportedError
from pwlc.ir import AnyModel, Multiclass, verify
from pwlc.semantics import evaluate as _evaluate


def read(source: str | os.PathLike[str], format: str | None = None) -> AnyModel:
    """Read a model from a path or from text.

    `format` is a target such as "pwl", "python", "c" or "sql:duckdb"; by default it comes
    from the file's suffix, and text that is not a path is read as `.pwl`. Nothing is ever
    executed: every format is parsed. The model is verified before it is returned: a
    `Model`, or a `Multiclass` when the source scores several classes.
    """
    text, filename = _load(source)
    if format is None:
        suffix = Path(filename).suffix.lower()
        if filename != "<string>" and suffix not in SUFFIXES:
            raise UnsupportedError(f"{filename}: cannot tell the format from suffix {suffix!r}: pwlc reads {', '.join(SUFFIXES)} files (or pass format=, one of {', '.join(sorted(BACKENDS))})")
        format = SUFFIXES.get(suffix, "pwl")
    name, dialect = parse_target(format)
    return verify(backend(name).read(text, filename, dialect))


# The largest source `read` takes. Every reader is linear in time and memory up to it; a
# model pwlc wrote is far smaller (10,000 terms of 8 knots at full precision print as 3.3 MiB).
MAX_SOURCE_BYTES = 16 << 20


def _load(source: str | os.PathLike[str]) -> tuple[str, str]:
    if isinstance(source, os.PathLike) or ("\n" not in source and Path(source).suffix.lower() in SUFFIXES):
        return read_source(Path(source)), str(source)
    text = str(source)
    if len(text) > MAX_SOURCE_BYTES // 4 and len(text.encode("utf-8", "surrogatepass")) > MAX_SOURCE_BYTES:
        raise _too_large("<string>", len(text.encode("utf-8", "surrogatepass")))
    return text, "<string>"


def read_source(path: Path) -> str:
    """The text of a source file: UTF-8, lines ending in \n (\r\n and \r become \n, as
    Python reads text), at most MAX_SOURCE_BYTES. Errors name the path; a byte that is not
    UTF-8 is shown at its line and column."""
    try:
        size = path.stat().st_size
        if size > MAX_SOURCE_BYTES:
            raise _too_large(str(path), size)
        data = path.read_bytes()
    except FileNotFoundError:
        raise PwlcError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise PwlcError(f"{path}: is a folder, not a file") from None
    except OSError as exc:
        raise PwlcError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    if len(data) > MAX_SOURCE_BYTES:  # (it grew since stat, or it is not a regular file)
        raise _too_large(str(path), len(data))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _not_utf8(str(path), data, exc) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _too_large(name: str, size: int) -> PwlcError:
    return PwlcError(
        f"{name}: {size:,} bytes, over the {MAX_SOURCE_BYTES >> 20} MiB ({MAX_SOURCE_BYTES:,} bytes) pwlc reads as a"
        " model; a model this large is not one to read as code: make it smaller where it is produced (fewer"
        " knots: distill --segments or --tol, compile -O2) or split it into several models"
    )


def _not_utf8(name: str, data: bytes, exc: UnicodeDecodeError) -> PwlcError:
    """The position of the first byte that is not UTF-8, as a line and column."""
    before = data[: exc.start].replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    line_start = before.rfind(b"\n") + 1
    line = before.count(b"\n") + 1
    column = len(before[line_start:].decode("utf-8")) + 1
    end = data.find(b"\n", exc.start)
    shown = (before[line_start:] + data[exc.start : len(data) if end < 0 else end]).decode("utf-8", "replace")
    span = Span.in_line(shown, name, line, 0, column - 1)
    return ParseError(
        f"not UTF-8 text: byte 0x{data[exc.start]:02x} ({exc.reason}); save the file as UTF-8", span
    )


def emit(model: AnyModel, target: str = "python", **options: Any) -> str:
    """Print `model` as code for `target` ("pwl", "python", "c", "sql:DIALECT").

    `options` go to the backend: for SQL, `table` (the input table) and `keys` (columns
    carried through to the output). A `Multiclass` model goes to the backends that print
    one (those whose module sets `MULTICLASS = True`)."""
    name, dialect = parse_target(target)
    module = backend(name)
    if isinstance(model, Multiclass) and not getattr(module, "MULTICLASS", False):
        printers = ", ".join(n for n in sorted(BACKENDS) if getattr(backend(n), "MULTICLASS", False))
        raise UnsupportedError(
            f"target {target!r} cannot print a multiclass model yet ({len(model.classes)} classes); emit it to"
            f" one of {printers} instead (`pwlc compile FILE -t pwl`), or print one class's score with"
            " `pwlc.emit(model.class_model(k), target)`"
        )
    return str(module.emit(verify(model), dialect, **options))


def evaluate(model: AnyModel, data: Any, *, output: str = "prediction") -> NDArray[Any]:
    """The reference evaluator (`pwlc.semantics.evaluate`) on a mapping or DataFrame; for a
    `Multiclass` model, (rows, K) arrays of scores or probabilities."""
    return _evaluate(model, data, output=output)


def targets() -> list[str]:
    """Names of the backends that can be emitted."""
    return sorted(BACKENDS)
