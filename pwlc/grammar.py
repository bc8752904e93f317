"""Loading the lark grammars kept in the top-level `grammars/` folder.

In a checkout (editable install) they are read from `grammars/` beside the package; a
wheel carries them inside the package as `pwlc/grammars/` (see pyproject.toml).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from lark import Lark

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
