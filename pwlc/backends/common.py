"""Helpers shared by the backends.

- `identifier`: a feature name mapped to a safe identifier in a language with ASCII
  identifiers, distinct from every other name already taken.
- `quoted`: a name as a JSON string, for comments and name lists that a reader parses back.
- `trailer_lines`: the "how to read this back" paragraph every emitted file starts with.
- `sum_stages`: a long sum of terms cut into stages that are added up one after another.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Sequence
from typing import TypeVar

from pwlc.errors import UnsupportedError

TRAILER = (
    "Compiled by pwlc. Edit the numbers freely, then read this file back with",
    "`pwlc compile FILE{suffix} -t pwl` (pwlc parses it; it never runs it).",
)


# Terms added up in one expression. Compilers and engines cap how deep an expression may
# nest (CPython's compiler, SQLite and DuckDB at 1000), and `a + b + c` nests one level a
# term: a longer sum goes on in a next statement, from the total so far (still in order).
SUM_STAGE = 250
T = TypeVar("T")


def sum_stages(summands: Sequence[T]) -> list[list[T]]:
    """`summands` in consecutive runs of at most SUM_STAGE (one empty run when none)."""
    return [list(summands[start : start + SUM_STAGE]) for start in range(0, len(summands), SUM_STAGE)] or [[]]


def trailer_lines(suffix: str) -> list[str]:
    """The paragraph, one string a line, saying how the emitted file is read back."""
    return [line.format(suffix=suffix) for line in TRAILER]


def identifier(name: str, taken: Collection[str], reserved: Collection[str] = ()) -> str:
    """`name` as an ASCII identifier `[A-Za-z_][A-Za-z0-9_]*`, not in `taken` or `reserved`.

    Other characters become `_`; a leading digit gets an `x_` prefix; clashes get `_2`, `_3`.
    Names starting with `_` get the `x` prefix as well (C reserves `_X` and `__x`).
    """
    base = re.sub(r"[^A-Za-z0-9_]", "_", name) or "input"
    if not (base[0].isalpha()):
        base = "x" + (base if base[0] == "_" else "_" + base)
    if base in reserved:
        base += "_"
    candidate, n = base, 2
    while candidate in taken or candidate in reserved:
        candidate, n = f"{base}_{n}", n + 1
    return candidate


def quoted(text: str) -> str:
    """`text` as a double-quoted JSON string (non-ASCII kept as is)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise UnsupportedError(f"name {text!r} is not valid Unicode text (it holds a lone surrogate)") from None
    return json.dumps(text, ensure_ascii=False)
