"""Loading the lark grammars kept in the top-level `grammars/` folder.

In a checkout (editable install) they are read from `grammars/` beside the package; a
wheel carries them inside the package as `pwlc/grammars/` (see pyproject.toml).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from pwlc.errors import ParseError, Source, Span

_INSTALLED = Path(__file__).resolve().parent / "grammars"  # in a wheel: package data pwlc.grammars
_CHECKOUT = Path(__file__).resolve().parent.parent / "grammars"  # in a checkout or editable install


@cache
def grammar_dir() -> Path:
    """The folder holding the .lark files, in an installed wheel or a checkout."""
    return _INSTALLED if _INSTALLED.is_dir() else _CHECKOUT


def load_grammar(name: str) -> str:
    """The text of grammar file `name` (e.g. "pwl.lark")."""
    return (grammar_dir() / name).read_text(encoding="utf-8")


@cache
def parser(name: str, start: str = "start") -> Lark:
    """A position-tracking LALR parser for grammar file `name`, built once per process."""
    return Lark(
        load_grammar(name),
        parser="lalr",
        start=start,
        propagate_positions=True,
        maybe_placeholders=False,
        import_paths=[str(grammar_dir())],  # grammars share terminals via `%import lexical`
    )


def syntax_error(exc: UnexpectedInput, source: Source) -> ParseError:
    """A positioned, human-worded error for a lark syntax error."""
    if isinstance(exc, UnexpectedEOF) or (isinstance(exc, UnexpectedToken) and exc.token.type == "$END"):
        expected = _describe_expected(getattr(exc, "accepts", None) or getattr(exc, "expected", None) or set())
        return ParseError(f"unexpected end of file; expected {expected}", source.span_at(len(source.text.rstrip())))
    span = source.span(exc.line, exc.column)
    if isinstance(exc, UnexpectedCharacters):
        return ParseError(f"unexpected character {source.text[exc.pos_in_stream or 0]!r}", span)
    assert isinstance(exc, UnexpectedToken)
    expected = _describe_expected(getattr(exc, "accepts", None) or exc.expected)
    return ParseError(f"unexpected {exc.token.value!r}; expected {expected}", span)


_READABLE_TERMINALS = {
    "NUMBER": "a number", "SIGN": "a number", "DQ_STRING": "a quoted string", "STRING": "a string", "NAME": "a name",
    "LBRACE": "'{'", "RBRACE": "'}'", "LSQB": "'['", "RSQB": "']'", "LPAR": "'('", "RPAR": "')'",
    "COMMA": "','", "COLON": "':'", "SEMICOLON": "';'", "EQUAL": "'='", "PLUS": "'+'", "MINUS": "'-'", "ADD_OP": "'+' or '-'",
}


def _describe_expected(names: set[str]) -> str:
    words = sorted({_READABLE_TERMINALS.get(n, repr(n.lower()) if n.isupper() else repr(n)) for n in names if not n.startswith("__")})
    if len(words) > 6:
        return ", ".join(words[:6]) + ", ..."
    return " or ".join(words) if words else "something else"


class TreeReader:
    """Base of the readers that walk a lark tree: positions and errors for its nodes."""

    def __init__(self, text: str, filename: str):
        self.source = Source(text, filename)

    def span(self, node: Tree | Token) -> Span:
        if isinstance(node, Token):
            return self.source.span(node.line or 1, node.column or 1)
        return self.source.span(node.meta.line, node.meta.column)

    def fail(self, message: str, node: Tree | Token) -> ParseError:
        return ParseError(message, self.span(node))
