"""The `--` comment lines at the top of an emitted query: the model's description, how to
read the file back, and what the query reads and computes.

User text (the description, the table name) goes into `--` comments, which end at a line
break: PostgreSQL and DuckDB end them at `\\r` too, and other engines may at `\\x0b`,
`\\x0c`, `\\x85`, U+2028 or U+2029. So a comment line never holds a control character or a
Unicode line or paragraph separator (nor a lone surrogate): each is written `\\u000d`
(and a backslash `\\\\`), which `read_header` turns back. Text cannot leave its comment,
whatever it holds.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from pwlc.backends.common import quoted, trailer_lines

SUFFIX = ".sql"
DIALECT_LINE = re.compile(r"\s*Dialect:\s*([A-Za-z0-9_]+)")


def _unsafe(character: str) -> bool:
    return character == "\\" or (character != "\t" and unicodedata.category(character) in ("Cc", "Zl", "Zp", "Cs"))


def escape(text: str) -> str:
    """`text` with every character that could end a comment line written `\\uXXXX`."""
    return "".join(("\\\\" if c == "\\" else f"\\u{ord(c):04x}") if _unsafe(c) else c for c in text)


_ESCAPE = re.compile(r"\\(\\|u[0-9a-fA-F]{4})")


def unescape(text: str) -> str:
    return _ESCAPE.sub(lambda m: "\\" if m.group(1) == "\\" else chr(int(m.group(1)[1:], 16)), text)


def comment(line: str) -> str:
    """One `--` comment line holding `line`, which holds no line break."""
    return "-- " + escape(line) if line else "--"


NUMBER_NOTES = {
    "exponent": "Numbers end in e0 so that the engine computes in doubles, as the model does (it reads 0.5 as an exact DECIMAL).",
    "cast": "Numbers are cast ::float8 so that the engine computes in doubles, as the model does (it reads 0.5 as an exact NUMERIC).",
    "plain": "",
}


def header(doc: str, dialect: str, table: str, number_style: str, score: str, link: str, prediction: str | None, guarded: bool, guarded_products: bool = False) -> str:
    lines = [*doc.split("\n"), ""] if doc else []
    lines += trailer_lines(SUFFIX)
    lines += [
        "",
        f"Dialect: {dialect}. Reads table {quoted(table)}: one row per case, one column per input;",
        "a NULL input is missing (load NaN as NULL). Categorical inputs are compared as text.",
    ]
    if NUMBER_NOTES[number_style]:
        lines.append(NUMBER_NOTES[number_style])
    if guarded:
        lines.append("A weight written CASE WHEN x <= limit THEN 0 is the weight that rounds to 0 below the limit: the engine would stop there.")
    if guarded_products:
        lines.append("A product slope * x guarded by ABS(x) < limit (or > limit) gives the signed 0 (or infinity) the product rounds to there: the engine would stop on it.")
    if prediction is not None:
        lines.append(f"{score} is the {'log-odds' if link == 'logistic' else 'log of the prediction'}; {prediction} applies the link.")
    return "".join(comment(line) + "\n" for line in lines)


@dataclass(frozen=True)
class Header:
    """What the header of a query says: its description and its dialect (when named)."""

    doc: str
    dialect: str | None


_BLOCK = re.compile(r"/\*(.*?)\*/", re.S)


def _leading_comments(text: str) -> tuple[list[str], bool]:
    """The text of each comment that starts `text` (after blank space), one line each, and
    whether they were `/* */` comments: sqlglot's pretty printer turns each `--` line into
    `/* line */` (blank ones dropped, `*/` in a line written `* /`)."""
    lines: list[str] = []
    block = False
    rest = text.lstrip(" \t\r\n\ufeff")
    while True:
        if rest.startswith("--"):
            line, _, rest = rest.partition("\n")
            line = line.removesuffix("\r")
            lines.append(line[3:] if line.startswith("-- ") else line[2:])
        elif (found := _BLOCK.match(rest)) and "\n" not in found.group(1):
            lines.append(found.group(1).strip(" "))
            block, rest = True, rest[found.end() :]
        else:
            return lines, block
        rest = rest.lstrip(" \t\r\n") if block else rest


def read_header(text: str) -> Header:
    """The description and dialect named by the comment lines that start `text` (after blank
    lines). The description is everything above pwlc's own paragraph; a query without that
    paragraph has none."""
    lines, block = _leading_comments(text)
    first, second = trailer_lines(SUFFIX)
    # the last place pwlc's paragraph stands (a description may quote it)
    found = [
        i
        for i in range(len(lines) - 1)
        if lines[i] == first and lines[i + 1] == second and (i == 0 or block or lines[i - 1] == "")
    ]
    if not found:  # a hand-written header: no description, maybe a dialect
        named = [m.group(1) for line in lines if (m := DIALECT_LINE.match(line))]
        return Header("", named[0] if named else None)
    start = found[-1]
    doc = "\n".join(unescape(line) for line in lines[: start if block else max(start - 1, 0)])
    named = [m.group(1) for line in lines[start + 2 :] if (m := DIALECT_LINE.match(line))]
    return Header(doc, named[0] if named else None)
