"""Finding the structure of an emitted file that edits work on: knot pairs, the summands of
a sum, a parameter list. Shared by the language operator modules."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tests.edit_fuzz.lexer import Token, matching, tokens

NUMBER = r"(?:\d[\d_]*\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)"
SIGNED = rf"\(?-?\s*{NUMBER}\)?"


@dataclass(frozen=True)
class Pair:
    """A literal (x, y) pair: `(18, 0.61)` in Python, `{18.0, 0.61}` in C."""

    start: int
    end: int
    x: str
    y: str
    x_start: int
    x_end: int


def pairs(text: str, open_: str, close: str, start: int = 0, end: int | None = None) -> list[Pair]:
    pattern = re.compile(rf"{re.escape(open_)}\s*({SIGNED})\s*,\s*({SIGNED})\s*{re.escape(close)}")
    return [Pair(m.start(), m.end(), m.group(1), m.group(2), m.start(1), m.end(1)) for m in pattern.finditer(text, start, len(text) if end is None else end)]


def same_list(text: str, a: Pair, b: Pair) -> bool:
    """Whether pair b follows pair a in the same list (only a comma and space between)."""
    return re.fullmatch(r"\s*,\s*", text[a.end : b.start]) is not None


def number_of(text: str) -> float | None:
    try:
        return float(text.replace("(", "").replace(")", "").replace(" ", "").replace("_", ""))
    except ValueError:
        return None


@dataclass(frozen=True)
class Summand:
    sign: str  # "+", "-" or "" (the first)
    start: int  # where its sign (or, for the first, its text) starts
    body_start: int
    end: int


def summands(text: str, start: int, end: int, lang: str) -> list[Summand]:
    """The top-level summands of the expression text[start:end]: split at binary + and -
    outside brackets (strings and comments skipped)."""
    out: list[Summand] = []
    depth = 0
    previous: Token | None = None
    sign_at, sign, body_at = start, "", None
    for token in tokens(text[start:end], lang):
        at = start + token.start
        if token.kind in ("space", "comment"):
            continue
        if token.kind == "op" and token.text in "([{":
            depth += 1
        elif token.kind == "op" and token.text in ")]}":
            depth -= 1
        elif depth == 0 and token.kind == "op" and token.text in "+-" and previous is not None and not (previous.kind == "op" and previous.text in "+-*/(,=<>"):
            if body_at is not None:
                out.append(Summand(sign, sign_at, body_at, _trimmed_end(text, at)))
            sign_at, sign, body_at = at, token.text, None
            previous = token
            continue
        if body_at is None:
            body_at = at
        previous = token
    if body_at is not None:
        out.append(Summand(sign, sign_at, body_at, _trimmed_end(text, end)))
    return out


def _trimmed_end(text: str, end: int) -> int:
    while end > 0 and text[end - 1] in " \t\r\n":
        end -= 1
    return end


def split_top(text: str, start: int, end: int, lang: str, separator: str = ",") -> list[tuple[int, int]]:
    """The spans of the items of text[start:end] separated by top-level `separator`."""
    items, depth, item_start = [], 0, start
    for token in tokens(text[start:end], lang):
        at = start + token.start
        if token.kind != "op":
            continue
        if token.text in "([{":
            depth += 1
        elif token.text in ")]}":
            depth -= 1
        elif token.text == separator and depth == 0:
            items.append((item_start, at))
            item_start = at + 1
    items.append((item_start, end))
    return [(a, b) for a, b in items if text[a:b].strip()]


def bracketed(text: str, open_at: int, lang: str) -> tuple[int, int] | None:
    """The inside of the bracket opening at `open_at`."""
    close = matching(text, open_at, lang)
    return None if close is None else (open_at + 1, close)
