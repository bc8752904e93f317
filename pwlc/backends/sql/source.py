"""The text of a query as the reader sees it: tokens, the parse, and where a node stands.

Positions: sqlglot positions names, literals and function names; `Source.position` finds a
node's first one and moves back over the keyword and parentheses that open the node, so a
caret stands on `CASE`, `CAST(`, `WHEN`, not inside them. Text that does not tokenize is
reported where the failing token (or the string that ran on over a line) starts; nesting
deeper than MAX_DEPTH (parentheses and CASEs) is refused where it gets that deep, before
sqlglot's recursive parser would give up without a position.
"""

from __future__ import annotations

import gc
import logging
import sys
from bisect import bisect_left
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pwlc.backends.sql.dialects import Expr, rules, sqlglot_exp
from pwlc.backends.sql.header import read_header
from pwlc.backends.sql.printer import DEFAULT_DIALECT
from pwlc.errors import ParseError, Span, UnsupportedError

# Parentheses and CASEs nested deeper are refused: sqlglot's parser recurses about 25
# Python frames a level. pwlc's own output nests at most about 16 deep.
MAX_DEPTH = 40
# The dialects whose engines read past a byte order mark at the start of a query (tested).
_SKIP_BOM = ("duckdb", "sqlite")


class Source:
    """A query's text, file name, dialect (named by the call, the header, or duckdb) and tokens."""

    def __init__(self, text: str, filename: str, dialect: str | None):
        self.text = text
        self.filename = filename
        self.header = read_header(text)
        self.dialect = dialect or self.header.dialect or DEFAULT_DIALECT
        self.tokens: list[Any] = []
        self.starts: list[int] = []  # each token's offset, for bisecting
        self.table: str | None = None

    # -- positions --

    def position(self, node: Expr) -> int:
        """The text offset where `node` starts: its first positioned descendant (sqlglot
        positions names and literals), moved back over the keyword and parentheses that
        open the node (`CASE WHEN (`, `LN(`, `CAST(`); or the nearest positioned ancestor's."""
        exp = sqlglot_exp()
        if node._meta and "start" in node._meta:
            return int(node._meta["start"])  # sqlglot positions functions at their name
        positioned = self._positioned(node)
        if not positioned:
            return self.unpositioned(node)
        if isinstance(node, exp.Array):
            return self._opening_bracket(node, positioned)
        offset = min(int(sub._meta["start"]) for sub in positioned)
        opening = {exp.Case: ("CASE", {"(", "WHEN"}), exp.If: ("WHEN", {"("}), exp.Cast: ("CAST", {"("}), exp.Paren: ("(", set()), exp.Neg: ("-", {"("})}
        keyword, passed = next((rule for kind, rule in opening.items() if isinstance(node, kind)), (None, set()))
        if keyword is None and isinstance(node, exp.Func) and not isinstance(node, (exp.Binary, exp.Connector)):
            keyword, passed = "", {"("}  # a function: its name, before the parenthesis
        if keyword is None:
            return offset
        index = bisect_left(self.starts, offset)
        while index > 0:
            text = self.tokens[index - 1].text.upper()
            if text == keyword or (keyword == "" and text not in passed):
                return int(self.tokens[index - 1].start)
            if text not in passed:
                return offset
            index -= 1
        return offset

    @staticmethod
    def _positioned(node: Expr) -> list[Expr]:
        """`node` and its descendants that sqlglot gave an offset. A type's parameters can be
        sqlglot's own (DuckDB's DECIMAL is DECIMAL(18, 3)), positioned in a text of their
        own: never where the node is."""
        exp = sqlglot_exp()
        typed = node.walk(prune=lambda sub: isinstance(sub, exp.DataType))
        return [sub for sub in typed if getattr(sub, "_meta", None) and "start" in sub._meta]

    def _opening_bracket(self, array: Expr, positioned: list[Expr]) -> int:
        """Where the `[` that opens `array` is: back from its first positioned item (the
        items before it, a NULL or a TRUE, are not positioned), over as many unclosed `[`
        as there are lists from that item up to `array`."""
        exp = sqlglot_exp()
        first = min(positioned, key=lambda sub: int(sub._meta["start"]))
        levels, up = 0, first
        while up is not None and up is not array.parent:
            levels += isinstance(up, exp.Array)
            up = up.parent
        index, closed = bisect_left(self.starts, int(first._meta["start"])), 0
        while index > 0:
            index -= 1
            text = self.tokens[index].text
            if text == "]":
                closed += 1
            elif text == "[" and closed:
                closed -= 1
            elif text == "[":
                levels -= 1
                if levels == 0:
                    return int(self.tokens[index].start)
        return int(first._meta["start"])

    def unpositioned(self, node: Expr) -> int:
        """Where a node sqlglot did not position starts (a NULL, a `*`): the token after the
        end of the sibling before it, or its parent's position."""
        parent = node.parent
        if parent is None:
            return 0
        siblings = list(parent.iter_expressions())
        at = next((k for k, child in enumerate(siblings) if child is node), 0)
        before = siblings[:at]
        ends = [int(sub._meta["end"]) for sibling in before for sub in sibling.walk() if getattr(sub, "_meta", None) and "end" in sub._meta]
        if not ends:
            start = self.position(parent)
            if isinstance(parent, sqlglot_exp().Array):  # the first item: the token after the `[`
                index = bisect_left(self.starts, start) + 1
                return int(self.tokens[index].start) if index < len(self.tokens) else start
            return start
        index = bisect_left(self.starts, max(ends) + 1)
        while index < len(self.tokens) and self.tokens[index].text in (",", "(", ")", "]"):  # (closing the sibling)
            index += 1
        return int(self.tokens[index].start) if index < len(self.tokens) else self.position(parent)

    def span(self, node: Expr) -> Span:
        return Span.at(self.text, self.filename, self.position(node))

    def keyword_before(self, node: Expr, word: str) -> int:
        """The offset of the last token `word` (or starting with it: GROUP BY) before
        `node`: the WHERE of a WHERE clause. The node's own offset if there is none."""
        offset = self.position(node)
        for index in range(bisect_left(self.starts, offset) - 1, -1, -1):
            if self.tokens[index].text.upper().split()[0] == word:
                return int(self.tokens[index].start)
        return offset

    def fail(self, message: str, offset: int) -> ParseError:
        return ParseError(message, Span.at(self.text, self.filename, offset))

    # -- parsing --

    def parse(self) -> Expr:
        from sqlglot.dialects.dialect import Dialect
        from sqlglot.errors import ParseError as SqlglotParseError
        from sqlglot.errors import TokenError

        try:
            found = Dialect.get_or_raise(self.dialect)
        except ValueError as exc:
            raise UnsupportedError(f"unknown SQL dialect {self.dialect!r}: {exc}") from None
        named = "" if self.header.dialect or self.dialect != DEFAULT_DIALECT else " (no `-- Dialect: NAME` header line, so read as duckdb)"
        tokenizer = found.tokenizer_class(dialect=found)
        text = self.text
        if text.startswith("\ufeff"):  # a byte order mark: DuckDB and SQLite skip it, PostgreSQL stops on it
            if self.dialect not in _SKIP_BOM:
                raise self.fail(f"{self.dialect} may not read the byte order mark the file starts with: save it without one (plain UTF-8)", 0)
            text = " " + text[1:]  # the same offsets
        try:
            self.tokens = tokenizer.tokenize(text)
            self.starts = [token.start for token in self.tokens]
        except TokenError:
            raise self.unterminated(tokenizer.tokens, named) from None
        self.check_tokens()
        try:
            with _sqlglot_quiet(), deep_enough():
                # a comment after the last `;` comes as a statement of its own (a Semicolon): it computes nothing
                statements = [s for s in found.parser().parse(self.tokens, text) if s is not None and not isinstance(s, sqlglot_exp().Semicolon)]
        except SqlglotParseError as exc:
            error = exc.errors[0] if exc.errors else {}
            line, col = int(error.get("line") or 1), int(error.get("col") or 1)
            message = str(error.get("description") or exc).splitlines()[0]
            raise ParseError(f"not valid {self.dialect} SQL{named}: {message}", Span.of_line(self.text, self.filename, line, col)) from None
        if len(statements) != 1:
            second = statements[1] if len(statements) > 1 else None
            offset = 0 if second is None else self.keyword_before(second, "SELECT") if isinstance(second, sqlglot_exp().Select) else self.position(second)
            raise self.fail(f"expected one SELECT statement, found {len(statements)}", offset)
        return statements[0]

    def unterminated(self, tokens: list[Any], named: str) -> ParseError:
        """The error for text that does not tokenize: at the token that does not end, or,
        when a string before it runs over a line end (a quote deleted there made it take
        the next one), at that string."""
        offset = self.tokens_end(tokens)
        what = {"'": "string", '"': "quoted name", "`": "quoted name", "/": "comment"}.get(self.text[offset : offset + 1], "token")
        for token in tokens:
            quote = self.text[token.start : token.start + 1]
            if quote in ("'", '"', "`") and "\n" in self.text[token.start : token.end + 1]:
                line = self.text.count("\n", 0, token.end) + 1
                return self.fail(f"not valid {self.dialect} SQL{named}: this text in quotes runs to line {line}, where a quote is left unmatched: is its closing {quote} missing?", token.start)
        return self.fail(f"not valid {self.dialect} SQL{named}: this {what} does not end", offset)

    def tokens_end(self, tokens: list[Any]) -> int:
        """Where the token after `tokens` starts (past spaces and whole comments)."""
        offset = tokens[-1].end + 1 if tokens else 0
        text = self.text
        while offset < len(text):
            if text[offset].isspace():
                offset += 1
            elif text.startswith("--", offset) and "\n" in text[offset:]:
                offset = text.index("\n", offset) + 1
            elif text.startswith("/*", offset) and "*/" in text[offset + 2 :]:
                offset = text.index("*/", offset + 2) + 2
            else:
                break
        return offset

    def check_tokens(self) -> None:
        """Refuse nesting deeper than MAX_DEPTH, a number with `_` in it (sqlglot drops the
        `_`, but SQLite before 3.46 and Spark do not read `1_000` as a number), and a `::`
        cast where the engine has none."""
        from sqlglot.tokens import TokenType

        opening, closing = {TokenType.L_PAREN, TokenType.CASE}, {TokenType.R_PAREN, TokenType.END}
        depth = 0
        for token in self.tokens:
            if token.token_type == TokenType.NUMBER and "_" in self.text[token.start : token.end + 1]:
                raise self.fail("engines disagree on `_` in a number (SQLite before 3.46 refuses it): write the number without it", token.start)
            if token.token_type == TokenType.DCOLON and not rules(self.dialect).colon_casts:
                raise self.fail(f"{self.dialect} has no `x::type` cast (sqlglot reads one, the engine does not): write CAST(x AS type)", token.start)
            if token.token_type in opening:
                depth += 1
                if depth > MAX_DEPTH:
                    raise self.fail(f"nested more than {MAX_DEPTH} deep (parentheses and CASEs): pwlc reads no deeper; write it flatter", token.start)
            elif token.token_type in closing:
                depth -= 1

    # -- the query --

    def cast_type(self, cast: Expr) -> str:
        """The type of a CAST as written (sqlglot gives 4- and 8-byte floats one name in
        some dialects): the tokens after `AS` (or `::`) up to the closing parenthesis."""
        inner_end = max(int(sub._meta["end"]) for sub in cast.this.walk() if getattr(sub, "_meta", None) and "end" in sub._meta)
        index = bisect_left(self.starts, inner_end + 1)
        while index < len(self.tokens) and self.tokens[index].token_type.name == "R_PAREN":
            index += 1  # CAST(("x") AS ...)
        first = index + 1
        depth, index = 0, first
        while index < len(self.tokens):
            kind = self.tokens[index].token_type.name
            if kind == "L_PAREN":
                depth += 1
            elif kind == "R_PAREN":
                if depth == 0:
                    break
                depth -= 1
            elif depth == 0 and kind in ("ALIAS", "COMMA", "FROM"):
                break
            index += 1
        if index <= first:
            return cast.to.sql(dialect=self.dialect)
        return self.text[self.tokens[first].start : self.tokens[index - 1].end + 1]

    def case_comment(self, case: Expr) -> str | None:
        """The comment right after a CASE keyword (sqlglot may attach it to another node)."""
        if case.comments:
            return " ".join(c.strip() for c in case.comments)
        index = bisect_left(self.starts, self.position(case))
        if self.tokens[index].token_type.name == "CASE" and self.tokens[index].comments:
            return " ".join(c.strip() for c in self.tokens[index].comments)
        return None



@contextmanager
def _sqlglot_quiet() -> Iterator[None]:
    """sqlglot logs a warning for text it cannot parse; pwlc reports that itself, once."""
    logger = logging.getLogger("sqlglot")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


@contextmanager
def collection_paused() -> Iterator[None]:
    """No cyclic garbage collection while sqlglot builds the tree: each one would walk the
    tree built so far (what parsing drops, refcounting frees)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def deep_enough() -> Iterator[None]:
    """Room for sqlglot's recursion over a tree nested MAX_DEPTH deep."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 40 * MAX_DEPTH + 2000))
    try:
        yield
    finally:
        sys.setrecursionlimit(limit)

