"""pwlc's errors: every user mistake is a `PwlcError` that prints as

    file:line:col: message
        the source line
        ^

The CLI prints `str(error)` and exits 1; it never shows a traceback for these.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache

# A line longer than this is shown as a window of this many characters around the
# position, so that a message (and every node's span) stays small in a huge one-line file.
SHOWN = 500


@lru_cache(maxsize=4)
def _line_starts(text: str) -> array[int]:
    """The offset where each line of `text` starts ("\n" ends a line, as in every reader):
    a reader positions every node it builds, and counting newlines from the top each time
    is quadratic in a big file."""
    starts = array("q", [0])
    position = text.find("\n")
    while position >= 0:
        starts.append(position + 1)
        position = text.find("\n", position + 1)
    return starts


@dataclass(frozen=True)
class Span:
    """A position in a source file (1-based line and column) and the text of that line.

    `source_line` is the whole line, or for a line longer than SHOWN characters a window
    of it that starts at column `shown_from` (with "…" at its end when the line goes on).
    """

    file: str
    line: int
    column: int
    source_line: str = ""
    shown_from: int = 1

    @classmethod
    def at(cls, text: str, file: str, offset: int) -> Span:
        """The span of character `offset` in `text`."""
        starts = _line_starts(text)
        line = bisect_right(starts, offset)
        return cls.in_line(text, file, line, starts[line - 1], offset)

    @classmethod
    def of_line(cls, text: str, file: str, line: int, column: int) -> Span:
        """The span of a 1-based line and column of `text`."""
        starts = _line_starts(text)
        if not 0 < line <= len(starts):
            return cls(file, line, column)
        return cls.in_line(text, file, line, starts[line - 1], starts[line - 1] + column - 1)

    @classmethod
    def in_line(cls, text: str, file: str, line: int, line_start: int, offset: int) -> Span:
        """The span of `offset`, on line number `line` that starts at offset `line_start`
        (for a reader that counts lines as it goes); reads at most SHOWN characters."""
        column = offset - line_start + 1
        first = max(line_start, offset - SHOWN // 2) if offset - line_start >= SHOWN else line_start
        end = text.find("\n", first, first + SHOWN + 1)
        cut = end < 0 and first + SHOWN < len(text)
        shown = text[first : first + SHOWN] + "…" if cut else text[first : len(text) if end < 0 else end]
        return cls(file, line, column, shown, first - line_start + 1)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


class Source:
    """A text being read and its file name; makes spans without rescanning the text."""

    def __init__(self, text: str, file: str):
        self.text = text
        self.file = file

    def span(self, line: int, column: int) -> Span:
        return Span.of_line(self.text, self.file, line, column)

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
        shown = self.span.source_line
        if shown:
            # A window of a long line is marked at each cut end; tabs keep their width so
            # the caret lines up under the right character.
            lead = "…" if self.span.shown_from > 1 else ""
            caret = "".join(c if c == "\t" else " " for c in lead + shown[: self.span.column - self.span.shown_from])
            text += f"\n    {lead}{shown}\n    {caret}^"
        return text


class ParseError(PwlcError):
    """Text that is not in the language a reader accepts."""


class VerifyError(PwlcError):
    """A model that is not well formed (unsorted knots, undeclared inputs, ...)."""


class UnsupportedError(PwlcError):
    """A model, option or construct pwlc does not handle."""


class DataError(PwlcError):
    """Input data that does not fit the model (missing columns, wrong types, ...)."""
