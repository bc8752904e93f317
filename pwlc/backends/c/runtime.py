"""The C runtime (`runtime.h` beside this module), cut into the pieces a file may need.

Each emitted file holds, between RUNTIME_START and RUNTIME_END, the prelude and the
pieces its terms call (with the pieces those need), in the order of runtime.h. The reader
does not read that section; it checks it is such a selection (see `read.check_runtime`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

RUNTIME_START = "/* --- pwlc runtime (not read back) --- */"
RUNTIME_END = "/* --- end of pwlc runtime --- */"
# The marker comments as the reader finds them: any spacing and dashes around the words.
START_MARKER = re.compile(r"/\*[\s-]*pwlc runtime \(not read back\)[\s-]*\*/\Z")
END_MARKER = re.compile(r"/\*[\s-]*end of pwlc runtime[\s-]*\*/\Z")

_PIECE = re.compile(r"^/\* @piece (\w+)(?: needs ([\w ]+))? \*/\n", re.MULTILINE)
_NAMES = re.compile(r"\b(?:pwlc|PWLC)_\w+")
_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)


@dataclass(frozen=True)
class Piece:
    name: str
    needs: tuple[str, ...]
    text: str
    defines: frozenset[str]  # the pwlc_ / PWLC_ names this piece is the first to mention


def runtime_file() -> Path:
    return Path(__file__).with_name("runtime.h")


@cache
def pieces() -> dict[str, Piece]:
    """The pieces of runtime.h by name, in file order (the prelude first)."""
    text = runtime_file().read_text(encoding="utf-8")
    found = list(_PIECE.finditer(text))
    out: dict[str, Piece] = {}
    seen: set[str] = set()
    for k, match in enumerate(found):
        end = found[k + 1].start() if k + 1 < len(found) else len(text)
        body = text[match.end() : end].strip("\n")
        names = set(_NAMES.findall(_COMMENT.sub(" ", body))) - seen
        seen |= names
        out[match.group(1)] = Piece(match.group(1), tuple((match.group(2) or "").split()), body, frozenset(names))
    return out


def closure(names: set[str]) -> set[str]:
    """`names` with every piece they need, and the prelude."""
    wanted: set[str] = set()
    todo = [*names, "prelude"]
    while todo:
        name = todo.pop()
        if name not in wanted:
            wanted.add(name)
            todo.extend(pieces()[name].needs)
    return wanted


def runtime_section(needed: set[str]) -> str:
    """The runtime section of a file whose terms call the pieces `needed`."""
    wanted = closure(needed)
    body = "\n\n".join(piece.text for name, piece in pieces().items() if name in wanted)
    return f"{RUNTIME_START}\n\n{body}\n\n{RUNTIME_END}"


def piece_defining(name: str) -> str | None:
    """The piece that defines runtime name `name` (a `pwlc_` or `PWLC_` name), if any."""
    for piece in pieces().values():
        if name in piece.defines:
            return piece.name
    return None
