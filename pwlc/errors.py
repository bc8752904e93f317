"""pwlc's errors: every user mistake is a `PwlcError` that prints as

    file:line:col: message
        the source line
        ^

The CLI prints `str(error)` and exits 1; it never shows a traceback for these.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache


@lru_cache(maxsize=4)
def _line_starts(text: str) -> list[int]:
    """The offset where each line of `text` starts: a reader positions every node it
    builds, and counting newlines from the top each time is quadratic in a big file."""
    starts = [0]
    position = text.find("\n")
    while position >= 0:
        starts.append(position + 1)
        position = text.find("\n", position + 1)
    return starts


@dataclass(frozen=True)
class Span:
    """A position in a source file (1-based line and column) and the text of that line
    (of a very long line, a window of it: `source_start` is the column it starts at)."""

    file: str
    line: int
    column: int
    source_line: str = ""
    source_start: int = 1

    @classmethod
    def at(cls, text: str, file: str, offset: int) -> Span:
        """The span of character `offset` in `text`."""
        starts = _line_starts(text)
        line = bisect_right(starts, offset)
        start = starts[line - 1]
        end = text.find("\n", offset)
        return cls(file, line, offset - start + 1, text[start : end if end >= 0 else len(text)])

    @classmethod
    def of_line(cls, text: str, file: str, line: int, column: int) -> Span:
        lines = text.splitlines()
        source = lines[line - 1] if 0 < line <= len(lines) else ""
        return cls(file, line, column, source)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


class Source:
    """A text being read and its file name; makes spans without rescanning the text."""

    def __init__(self, text: str, file: str):
        self.text = text
        self.file = file
        self._lines: list[str] | None = None

    def span(self, line: int, column: int) -> Span:
        if self._lines is None:
            self._lines = self.text.splitlines()
        source = self._lines[line - 1] if 0 < line <= len(self._lines) else ""
        return Span(self.file, line, column, source)

    def span_at(self, offset: int) -> Span:
        """The span of character `offset`."""
        return Span.at(self.text, self.file, offset)


class PwlcError(Exception):
    """A mistake in pwlc's input, reported with its position when one is known."""

    def __init__(self, message: str, span: Span | None = None):
        super().__init__(message)
        self.message = message
        self.span = span

    def __str__(self) -> str:
        if self.span is None:
            return self.message
        text = f"{self.span}: {self.message}"
        if self.span.source_line:
            # Tabs keep their width so the caret lines up under the right character.
            prefix = "".join(c if c == "\t" else " " for c in self.span.source_line[: self.span.column - self.span.source_start])
            text += f"\n    {self.span.source_line}\n    {prefix}^"
        return text


class ParseError(PwlcError):
    """Text that is not in the language a reader accepts."""


class VerifyError(PwlcError):
    """A model that is not well formed (unsorted knots, undeclared inputs, ...)."""


class UnsupportedError(PwlcError):
    """A model, option or construct pwlc does not handle."""


class DataError(PwlcError):
    """Input data that does not fit the model (missing columns, wrong types, ...)."""
