"""Just enough lexing of Python, C and SQL to edit emitted files the way a person would:
find the numbers, strings, comments and names, and where pwlc's runtime section is.

Approximate on purpose (an edit may leave the file invalid; the reader and the compiler
are what judge it), but exact on pwlc's own output.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pwlc.backends import c as c_backend
from pwlc.backends import python as python_backend

_PY = re.compile(
    r"""(?P<comment>\#[^\n]*)
    |(?P<string>(?:[rRbBuUfF]{1,2})?(?:'''[\s\S]*?'''|\"\"\"[\s\S]*?\"\"\"|'(?:\\.|[^\\'\n])*'|"(?:\\.|[^\\"\n])*"))
    |(?P<number>0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?[jJ]?)
    |(?P<name>[^\W\d]\w*)
    |(?P<space>\s+)
    |(?P<op>.)""",
    re.VERBOSE,
)
_C = re.compile(
    r"""(?P<comment>/\*[\s\S]*?\*/|//[^\n]*)
    |(?P<preprocessor>(?<![^\n])[ \t]*\#[^\n]*)
    |(?P<string>(?:L|u8|u|U)?"(?:\\.|[^\\"\n])*"|'(?:\\.|[^\\'\n])+')
    |(?P<number>0[xX][0-9a-fA-F]*\.?[0-9a-fA-F]*(?:[pP][+-]?\d+)?[fFlLuU]*|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[fFlLuU]*)
    |(?P<name>[A-Za-z_]\w*)
    |(?P<space>\s+)
    |(?P<op>.)""",
    re.VERBOSE,
)
_SQL = re.compile(
    r"""(?P<comment>--[^\n]*|/\*[\s\S]*?\*/)
    |(?P<string>'(?:[^']|'')*')
    |(?P<quoted>"(?:[^"]|"")*"|`(?:[^`]|``)*`)
    |(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
    |(?P<name>[^\W\d]\w*)
    |(?P<space>\s+)
    |(?P<op>.)""",
    re.VERBOSE,
)
_LEXERS = {"python": _PY, "c": _C, "sql": _SQL}


@dataclass(frozen=True)
class Token:
    kind: str  # comment, string, quoted (SQL identifier), number, name, space, op, preprocessor (C)
    start: int
    end: int
    text: str


def language(target: str) -> str:
    return "sql" if target.startswith("sql") else target


def tokens(text: str, lang: str) -> list[Token]:
    return [Token(m.lastgroup or "op", m.start(), m.end(), m.group()) for m in _LEXERS[lang].finditer(text)]


def runtime_span(text: str, lang: str) -> tuple[int, int] | None:
    """Where pwlc's runtime (not read back) lies in an emitted file, if it has one."""
    if lang == "python":
        start = text.find(python_backend.RUNTIME_MARKER)
        return (start, len(text)) if start >= 0 else None
    if lang == "c":
        start, end = text.find(c_backend.RUNTIME_START), text.find(c_backend.RUNTIME_END)
        return (start, end + len(c_backend.RUNTIME_END)) if 0 <= start < end else None
    return None


def in_runtime(token: Token, span: tuple[int, int] | None) -> bool:
    return span is not None and span[0] <= token.start < span[1]


def replace(text: str, start: int, end: int, new: str) -> str:
    return text[:start] + new + text[end:]


def line_span(text: str, offset: int) -> tuple[int, int]:
    """The line holding `offset`: its start and the offset just past its newline."""
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    return start, (len(text) if end < 0 else end + 1)


def matching(text: str, open_at: int, lang: str) -> int | None:
    """The offset of the bracket closing the one at `open_at` (strings and comments skipped)."""
    pairs = {"(": ")", "[": "]", "{": "}"}
    opener = text[open_at]
    depth = 0
    for token in tokens(text[open_at:], lang):
        if token.kind != "op":
            continue
        if token.text == opener:
            depth += 1
        elif token.text == pairs[opener]:
            depth -= 1
            if depth == 0:
                return open_at + token.start
    return None
