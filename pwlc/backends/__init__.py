"""Backends print a model as code; each readable backend also reads that code back.

A backend is a module with

    SUFFIX: str                                   # file suffix of what it prints, e.g. ".py"
    def emit(model: Model, dialect: str | None = None) -> str
    def read(text: str, filename: str = "<string>", dialect: str | None = None) -> Model

registered by name in `BACKENDS` below (imported only when used). A target is a backend
name with an optional dialect after a colon: "python", "c", "sql:duckdb".
"""

from __future__ import annotations

import importlib
from types import ModuleType

from pwlc.errors import UnsupportedError

BACKENDS: dict[str, str] = {
    "pwl": "pwlc.backends.pwl",
    "python": "pwlc.backends.python",
    "c": "pwlc.backends.c",
    "sql": "pwlc.backends.sql",
}

# File suffix -> backend that reads it.
SUFFIXES: dict[str, str] = {".pwl": "pwl", ".py": "python", ".c": "c", ".sql": "sql"}


def parse_target(target: str) -> tuple[str, str | None]:
    """Split "sql:duckdb" into ("sql", "duckdb"); "python" into ("python", None)."""
    name, _, dialect = target.partition(":")
    if name not in BACKENDS:
        known = ", ".join(sorted(BACKENDS))
        raise UnsupportedError(f"unknown target {target!r} (known: {known})")
    return name, dialect or None


def backend(name: str) -> ModuleType:
    """The backend module called `name`."""
    if name not in BACKENDS:
        raise UnsupportedError(f"unknown backend {name!r} (known: {', '.join(sorted(BACKENDS))})")
    try:
        return importlib.import_module(BACKENDS[name])
    except ModuleNotFoundError as exc:
        if exc.name == BACKENDS[name]:
            raise UnsupportedError(f"backend {name!r} is not available yet") from None
        raise
