"""Python's own tokens of a file (the standard library's `tokenize`), one at a time.

Comments are set aside (with their positions), blank-line tokens dropped, and what the
tokenizer cannot read turned into a positioned ParseError, worded as Python would.
"""

from __future__ import annotations

import io
import tokenize

from pwlc.errors import ParseError, Span


class Tokens:
    """Python's tokens of a text, with one token of lookahead; comments are set aside."""

    def __init__(self, text: str, filename: str):
        self.text = text
        self.filename = filename
        self.comments: list[tuple[int, int, str]] = []
        self._stream = tokenize.generate_tokens(io.StringIO(text).readline)
        self._next: tokenize.TokenInfo | None = None
        self.last_line = 0  # the line where the last token taken ends (not counting dedents)
        self._open: list[tuple[int, int]] = []  # where each bracket still open was opened

    def error(self, message: str, line: int, column: int) -> ParseError:
        return ParseError(message, span(self.text, self.filename, line, column))

    def open_bracket(self) -> tuple[int, int] | None:
        """Where the innermost bracket still open was opened, if any."""
        return self._open[-1] if self._open else None

    def peek(self) -> tokenize.TokenInfo:
        if self._next is None:
            self._next = self._read()
        return self._next

    def take(self) -> tokenize.TokenInfo:
        token = self.peek()
        self._next = None
        if token.type != tokenize.DEDENT:
            self.last_line = token.end[0]
        return token

    def _read(self) -> tokenize.TokenInfo:
        while True:
            try:
                token = next(self._stream)
            except tokenize.TokenError as error:
                if "string" in error.args[0]:
                    line, column = error.args[1]
                    raise self.error("this string is never closed", line, column + 1) from None
                line, column = self._open[-1] if self._open else (self.text.count("\n") + 1, 1)
                raise self.error("this bracket is never closed", line, column) from None
            except IndentationError as error:
                raise self.error(f"{error.msg}: indent each block by the same spaces", error.lineno or 1, error.offset or 1) from None
            except StopIteration:
                raise self.error("unexpected end of file", self.text.count("\n") + 1, 1) from None
            if token.type == tokenize.COMMENT:
                self.comments.append((token.start[0], token.start[1] + 1, token.string))
            elif token.type == tokenize.ERRORTOKEN:
                if not token.string.isspace():
                    what = "an unterminated string" if token.string in "'\"" else f"the character {token.string!r}"
                    raise self.error(f"Python cannot read {what} here", token.start[0], token.start[1] + 1)
            elif token.type != tokenize.NL:
                if token.type == tokenize.OP and token.string in "([{":
                    self._open.append((token.start[0], token.start[1] + 1))
                elif token.type == tokenize.OP and token.string in ")]}" and self._open:
                    self._open.pop()
                return token


def span(text: str, filename: str, line: int, column: int) -> Span:
    """The span of `line`:`column` in `text` (lines end at "\\n" only, as Python counts)."""
    start = 0
    for _ in range(line - 1):
        found = text.find("\n", start)
        if found < 0:
            break
        start = found + 1
    end = text.find("\n", start)
    return Span(filename, line, column, text[start : end if end >= 0 else len(text)])
