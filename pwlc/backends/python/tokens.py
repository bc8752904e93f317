"""Python's own tokens of a file (the standard library's `tokenize`), one at a time.

Comments are set aside (with their positions), blank-line tokens dropped, and what the
tokenizer cannot read turned into a positioned ParseError, worded as Python would.
"""

from __future__ import annotations

import io
import tokenize
import unicodedata

from pwlc.errors import ParseError, Source


class Tokens:
    """Python's tokens of a text, with one token of lookahead; comments are set aside."""

    def __init__(self, text: str, filename: str):
        self.text = text
        self.filename = filename
        self.comments: list[tuple[int, int, str]] = []
        self._stream = tokenize.generate_tokens(io.StringIO(text).readline)
        self.last_line = 0  # the line where the last token taken ends (not counting dedents)
        self._open: list[tuple[int, int, str]] = []  # each bracket still open: where, which
        self.last_string: tokenize.TokenInfo | None = None  # the last string token read
        self.next = self._read()  # the token after the last one taken (one token of lookahead)

    def error(self, message: str, line: int, column: int) -> ParseError:
        return ParseError(message, Source(self.text, self.filename).span(line, column))

    def open_bracket(self) -> tuple[int, int] | None:
        """Where the innermost bracket still open was opened, if any."""
        return self._open[-1][:2] if self._open else None

    def take(self) -> tokenize.TokenInfo:
        token = self.next
        if token.type != tokenize.DEDENT:
            self.last_line = token.end[0]
        if token.type != tokenize.ENDMARKER:
            self.next = self._read()
        return token

    def _read(self) -> tokenize.TokenInfo:
        while True:
            try:
                token = next(self._stream)
            except tokenize.TokenError as error:
                if "string" in error.args[0]:
                    line, column = error.args[1]
                    raise self.error("this string is never closed", line, column + 1) from None
                line, column = self._open[-1][:2] if self._open else (self.text.count("\n") + 1, 1)
                raise self.error("this bracket is never closed: close it", line, column) from None
            except IndentationError as error:
                raise self.error(f"{error.msg}: indent each block by the same spaces", error.lineno or 1, error.offset or 1) from None
            except StopIteration:
                raise self.error("unexpected end of file", self.text.count("\n") + 1, 1) from None
            if token.type == tokenize.COMMENT:
                self.comments.append((token.start[0], token.start[1] + 1, token.string))
            elif token.type == tokenize.ERRORTOKEN:
                # tokenize reports the blank before what it cannot read as an error too
                if token.string not in (" ", "\t", "\f"):
                    problem = "a string that is not closed: close it" if token.string in "'\"" else f"the character {token.string!r}: remove it"
                    raise self.error(f"Python cannot read {problem}", token.start[0], token.start[1] + 1)
            elif token.type == tokenize.NAME and not (token.string.isidentifier() and unicodedata.normalize("NFKC", token.string) == token.string):
                problem = "is not a Python name" if not token.string.isidentifier() else f"is read by Python as {unicodedata.normalize('NFKC', token.string)!r}"
                raise self.error(f"{token.string!r} {problem}: write names in the form Python reads them", token.start[0], token.start[1] + 1)
            elif token.type != tokenize.NL:
                if token.type == tokenize.STRING:
                    self.last_string = token
                if token.type == tokenize.OP and token.string in "([{":
                    self._open.append((token.start[0], token.start[1] + 1, token.string))
                elif token.type == tokenize.OP and token.string in ")]}" and self._open:
                    line, column, opening = self._open.pop()
                    if "([{"[")]}".index(token.string)] != opening:
                        where = f"line {line}" if line != token.start[0] else f"column {column}"
                        raise self.error(f"{token.string!r} does not close the {opening!r} opened on {where}: a bracket is missing, add it", token.start[0], token.start[1] + 1)
                return token

    def cut_short(self, error: ParseError) -> ParseError:
        """`error` where a string that runs over lines up to the error's line most likely
        lost its closing quote: on the first line inside it that ends in that quote (cut
        short, so the string swallowed the code up to the next quote). Otherwise `error`."""
        string, span = self.last_string, error.span
        if string is None or span is None or string.start[0] == string.end[0] or string.end[0] != span.line:
            return error
        opened = len(string.string) - len(string.string.lstrip("rRbBuUfF"))
        quote = string.string[opened : opened + 3] if string.string[opened : opened + 3] in ('"""', "'''") else string.string[opened]
        for k, line in enumerate(string.string.split("\n")[:-1]):
            base = string.start[1] + opened + len(quote) if k == 0 else 0
            inside = line[opened + len(quote) :].rstrip() if k == 0 else line.rstrip()
            if inside.endswith(quote[0]):
                column = base + len(inside.rstrip(quote[0])) + 1
                return self.error(
                    f"this string's closing {quote} is cut short, so the string runs on to line {string.end[0]}, where Python stops"
                    f" ({error.message}): write the closing {quote} whole",
                    string.start[0] + k,
                    column,
                )
        return error
