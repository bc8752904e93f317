"""Reading .pwl text: a hand-written reader of the language `grammars/pwl.lark` defines.

It reads one token at a time from a position in the text, builds the model's numbers as
it goes and keeps nothing else, so a file takes time linear in its size and memory bounded
by the model (pwlc reads sources up to 16 MiB: see `pwlc.api`). Lines are counted as the
reader skips whitespace (only whitespace and comments hold line breaks), so every node's
span costs O(1). A mistake is a `ParseError` at the offending token: "unexpected X;
expected Y" for the syntax, a plain message for a wrong word, option or number.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable

from pwlc.errors import ParseError, Span
from pwlc.ir import (
    EDGE_SIDES,
    INPUT_KINDS,
    LINKS,
    TRANSFORMS,
    Axis,
    CategoryAxis,
    Constant,
    Curve,
    Grid,
    Input,
    KnotAxis,
    Linear,
    Model,
    Multiclass,
    Step,
    StepAxis,
    Table,
    Term,
)

_SPACE = re.compile(r"[ \t\f\r\n]+")
_NUMBER = re.compile(r"(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d+)?")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# What a message calls the token at a position (a string is shown by its start only).
_TOKEN = re.compile(r'[A-Za-z_][A-Za-z0-9_]*|(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d+)?|"[^"\n]{0,30}"?|[{}\[\]():,=+-]')
# The next item of a list, when it is written simply, on the same line: ", 3: -0.5",
# ", 2.5", ', "F": 1' (a string without escapes). A list of a million knots is read
# through these, one match an item; anything else goes the token by token way.
_SEP = r"[ \t]*,[ \t]*"
_SIGNED = r"([+-]?)((?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d+)?)"
_NEXT_NUMBER = re.compile(_SEP + _SIGNED)
_NEXT_PAIR = re.compile(_SEP + _SIGNED + r"[ \t]*:[ \t]*" + _SIGNED)
_NEXT_ENTRY = re.compile(_SEP + r'"([^"\\\x00-\x1f]*)"[ \t]*:[ \t]*' + _SIGNED)
_DECLARATIONS = ("input", "constant", "curve", "step", "table", "grid", "linear", "class")
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}

Option = tuple[str, float | str, Span]  # (the text written, its value, where)
Fast = tuple[re.Pattern[str], Callable[[re.Match[str]], bool]]


def _value(sign: str, digits: str) -> float:
    """A number token's value (`1_000` is 1000, as in Python)."""
    try:
        value = float(digits)
    except ValueError:  # underscores float() does not take, as in 1__0 or 1_
        value = float(digits.replace("_", ""))
    return -value if sign == "-" else value


def read(text: str, filename: str = "<string>", dialect: str | None = None) -> Model | Multiclass:
    """Parse .pwl text into a model (not yet verified; `pwlc.read` verifies)."""
    return _Reader(text, filename).model()


def comments(text: str, filename: str = "<string>") -> list[tuple[Span, str]]:
    """Every `#` comment of .pwl text (which must read), with where it starts."""
    reader = _Reader(text, filename, keep_comments=True)
    reader.model()
    return reader.comments


class _Reader:
    def __init__(self, text: str, filename: str, keep_comments: bool = False):
        self.text, self.file = text, filename
        self.pos, self.line, self.line_start = 0, 1, 0
        self.keep_comments = keep_comments
        self.comments: list[tuple[Span, str]] = []

    # -- the model and its declarations --

    def model(self) -> Model | Multiclass:
        span = self.span(0)
        name, link, link_at, doc = "score", "identity", span, ""
        if self.at_word("model"):
            name, link, link_at, doc = self.header()
        inputs: list[Input] = []
        terms: list[Term] = []
        # A multiclass model: each `class NAME` line starts the terms of one more class.
        classes: dict[str, Span] = {}
        scores: list[list[Term]] = []
        while self.more():
            at = self.span(self.pos)
            keyword = self.keyword(_DECLARATIONS, "a declaration (input, constant, curve, step, table, grid, linear or class)")
            if keyword == "input":
                inputs.append(self.input(at))
            elif keyword == "class":
                self.class_header(at, classes, terms, link, link_at)
                scores.append([])
            else:
                (scores[-1] if scores else terms).append(self.term(keyword, at))
        if classes:
            return Multiclass(tuple(inputs), tuple(classes), tuple(map(tuple, scores)), name, doc, span=span, class_spans=tuple(classes.values()))
        return Model(tuple(inputs), tuple(terms), link, name, doc, span=span)  # type: ignore[arg-type]

    def header(self) -> tuple[str, str, Span, str]:
        self.keyword(("model",), "'model'")
        name = self.name()
        opts = self.options({"link"}) if self.peek() == "(" else {}
        link = self.word_option(opts, "link", LINKS, "link") or "identity"
        link_at = opts["link"][2] if "link" in opts else self.span(self.pos)
        doc = self.string() if self.peek() == '"' else ""
        return name, link, link_at, doc

    def class_header(self, at: Span, classes: dict[str, Span], terms: list[Term], link: str, link_at: Span) -> None:
        """`class NAME`, checked against what came before it."""
        label = self.name()
        if terms:
            raise ParseError("this term is in no class: in a model with `class` lines, every term comes after the line of its class", terms[0].span)
        if link != "identity":
            raise ParseError(f"a model with classes has the softmax for its link: remove `link = {link}`", link_at)
        if label in classes:
            first = classes[label]
            raise ParseError(f"class {label!r} is given twice (first on line {first.line}); class names must be distinct", at)
        classes[label] = at

    def input(self, at: Span) -> Input:
        name = self.name()
        self.expect(":")
        kind_at = self.span(self.skip())
        kind = self.word("an input kind")
        if kind not in INPUT_KINDS:
            raise ParseError(f"unknown input kind {kind!r} (expected {', '.join(INPUT_KINDS)})", kind_at)
        return Input(name, kind, span=at)  # type: ignore[arg-type]

    def term(self, keyword: str, at: Span) -> Term:
        if keyword == "constant":
            return Constant(self.number(), span=at)
        if keyword == "grid":
            return self.grid(at)
        if keyword == "linear":
            return self.linear(at)
        feature = self.name()
        allowed = {"curve": {"fx", "missing"}, "step": {"at_edge", "missing"}, "table": {"default", "missing"}}[keyword]
        opts = self.options(allowed) if self.peek() == "(" else {}
        missing = self.number_option(opts, "missing")
        if keyword == "curve":
            xs: list[float] = []
            ys: list[float] = []
            self.items("{", "}", lambda: self.pair(xs, ys), _pairs(xs, ys))
            fx = self.word_option(opts, "fx", TRANSFORMS, "transform") or "identity"
            return Curve(feature, tuple(xs), tuple(ys), fx, missing, span=at)  # type: ignore[arg-type]
        if keyword == "step":
            self.expect("{")
            edges: list[float] = []
            values = [self.number()]
            self.more_items("}", lambda: self.pair(edges, values), _pairs(edges, values))
            at_edge = self.word_option(opts, "at_edge", EDGE_SIDES, "at_edge") or "upper"
            return Step(feature, tuple(edges), tuple(values), at_edge, missing, span=at)  # type: ignore[arg-type]
        entries: list[tuple[str, float]] = []
        self.items("{", "}", lambda: entries.append(self.entry()), _entries(entries))
        default = self.number_option(opts, "default")
        return Table(feature, tuple(entries), 0.0 if default is None else default, missing, span=at)

    def grid(self, at: Span) -> Grid:
        a_name = self.name()
        self.keyword(("x",), "'x'")
        b_name = self.name()
        opts = self.options({"missing"}) if self.peek() == "(" else {}
        self.expect("{")
        a = self.axis(a_name, (a_name, b_name))
        self.expect(",")
        b = self.axis(b_name, (a_name, b_name))
        self.expect(",")
        self.keyword(("values",), "'values'")
        values: list[tuple[float, ...]] = []
        self.items("[", "]", lambda: values.append(self.numbers()))
        lines: dict[str, tuple[float, ...]] = {}

        def missing_line() -> None:
            line_at = self.span(self.skip())
            self.keyword(("missing",), "'missing'")
            feature = self.name()
            if feature not in (a_name, b_name):
                raise ParseError(f"`missing {feature}` names no axis of this grid ({a_name!r} x {b_name!r})", line_at)
            if feature in lines:
                raise ParseError(f"`missing {feature}` is given twice", line_at)
            lines[feature] = self.numbers()

        self.more_items("}", missing_line)
        missing = self.number_option(opts, "missing")
        return Grid(a, b, tuple(values), missing, lines.get(a_name), lines.get(b_name), span=at)

    def linear(self, at: Span) -> Linear:
        """`linear NAME (missing = M)? SLOPE`."""
        feature = self.name()
        opts = self.options({"missing"}) if self.peek() == "(" else {}
        return Linear(feature, self.number(), self.number_option(opts, "missing"), span=at)

    def axis(self, wanted: str, features: tuple[str, str]) -> Axis:
        at = self.span(self.skip())
        feature = self.name()
        if feature != wanted:
            raise ParseError(f"axis names {feature!r} but this grid is over {features[0]!r} x {features[1]!r}", at)
        self.expect(":")
        kind_at = self.span(self.skip())
        kind = self.word("'steps', 'knots' or 'categories'")
        if kind == "categories":
            categories: list[str] = []
            self.items("[", "]", lambda: categories.append(self.string()))
            return CategoryAxis(feature, tuple(categories))
        if kind not in ("steps", "knots"):
            raise ParseError(f"unknown axis kind {kind!r} (expected steps, knots or categories)", kind_at)
        options: dict[str, Option] = {}
        if self.peek() == "(":  # one option, for a steps axis
            option_at = self.span(self.skip())
            self.expect("(")
            key, option = self.option({"at_edge"})
            self.expect(")")
            if kind == "knots":
                raise ParseError("a knots axis takes no options", option_at)
            options[key] = option
        values = self.numbers()
        if kind == "knots":
            return KnotAxis(feature, values)
        at_edge = self.word_option(options, "at_edge", EDGE_SIDES, "at_edge") or "upper"
        return StepAxis(feature, values, at_edge)  # type: ignore[arg-type]

    # -- pieces --

    def pair(self, first: list[float], second: list[float]) -> None:
        first.append(self.number())
        self.expect(":")
        second.append(self.number())

    def entry(self) -> tuple[str, float]:
        key = self.string()
        self.expect(":")
        return key, self.number()

    def numbers(self) -> tuple[float, ...]:
        found: list[float] = []
        self.items("[", "]", lambda: found.append(self.number()), _numbers(found))
        return tuple(found)

    def items(self, open: str, close: str, item: Callable[[], object], fast: Fast | None = None) -> None:
        """`open [item ("," item)* ","?] close`; `item` reads one (and keeps it)."""
        self.expect(open)
        if not self.accept(close):
            item()
            self.more_items(close, item, fast)

    def more_items(self, close: str, item: Callable[[], object], fast: Fast | None = None) -> None:
        """`("," item)* ","? close`, after a first item. `fast`: a pattern of the next item
        written simply (`_NEXT_PAIR`, ...) and what keeps it; it may decline one (an
        infinite number: the token by token way says where)."""
        text = self.text
        while True:
            if fast is not None:
                pattern, take = fast
                found = pattern.match(text, self.pos)
                while found is not None and take(found):
                    self.pos = found.end()
                    found = pattern.match(text, self.pos)
            if self.accept(","):
                if self.accept(close):
                    return
                item()
            elif self.accept(close):
                return
            else:
                raise self.unexpected(f"',' or '{close}'")

    def options(self, allowed: set[str]) -> dict[str, Option]:
        """`( key = value, ... )`: each key once, and one of `allowed`."""
        found: dict[str, Option] = {}
        self.expect("(")
        while True:
            key_at = self.span(self.skip())
            key, value = self.option(allowed)
            if key in found:
                raise ParseError(f"option {key!r} given twice", key_at)
            found[key] = value
            if self.accept(","):
                if self.accept(")"):
                    return found
            elif self.accept(")"):
                return found
            else:
                raise self.unexpected("',' or ')'")

    def option(self, allowed: set[str]) -> tuple[str, Option]:
        key_at = self.span(self.skip())
        key = self.word("an option name")
        if key not in allowed:
            raise ParseError(f"unknown option {key!r} (expected {' or '.join(sorted(allowed))})", key_at)
        self.expect("=")
        value_at = self.span(self.skip())
        if _NAME.match(self.text, self.pos):
            word = self.word("a value")
            return key, (word, word, value_at)
        start = self.pos
        value = self.number()
        return key, (self.text[start : self.pos], value, value_at)

    def word_option(self, options: dict[str, Option], key: str, allowed: tuple[str, ...], what: str) -> str | None:
        if key not in options:
            return None
        text, value, at = options[key]
        if not isinstance(value, str) or value not in allowed:
            raise ParseError(f"unknown {what} {text!r} (expected {', '.join(allowed)})", at)
        return value

    def number_option(self, options: dict[str, Option], key: str) -> float | None:
        if key not in options:
            return None
        text, value, at = options[key]
        if isinstance(value, str):
            raise ParseError(f"expected a number, got {text!r}", at)
        return value

    # -- tokens --

    def skip(self) -> int:
        """Move past whitespace and comments, counting lines; the position reached."""
        text, pos = self.text, self.pos
        while True:
            space = _SPACE.match(text, pos)
            if space is not None:
                end = space.end()
                breaks = text.count("\n", pos, end)
                if breaks:
                    self.line += breaks
                    self.line_start = text.rfind("\n", pos, end) + 1
                pos = end
            if not text.startswith("#", pos):
                self.pos = pos
                return pos
            end = text.find("\n", pos)
            end = len(text) if end < 0 else end
            if self.keep_comments:
                self.comments.append((Span.in_line(text, self.file, self.line, self.line_start, pos), text[pos:end]))
            pos = end

    def more(self) -> bool:
        return self.skip() < len(self.text)

    def peek(self) -> str:
        pos = self.skip()
        return self.text[pos] if pos < len(self.text) else ""

    def accept(self, char: str) -> bool:
        if self.text.startswith(char, self.skip()):
            self.pos += 1
            return True
        return False

    def expect(self, char: str) -> None:
        if not self.accept(char):
            raise self.unexpected(repr(char))

    def at_word(self, word: str) -> bool:
        found = _NAME.match(self.text, self.skip())
        return found is not None and found.group() == word

    def word(self, expected: str) -> str:
        found = _NAME.match(self.text, self.skip())
        if found is None:
            raise self.unexpected(expected)
        self.pos = found.end()
        return found.group()

    def keyword(self, words: tuple[str, ...], expected: str) -> str:
        found = _NAME.match(self.text, self.skip())
        if found is None or found.group() not in words:
            raise self.unexpected(expected)
        self.pos = found.end()
        return found.group()

    def name(self) -> str:
        return self.string() if self.peek() == '"' else self.word("a name")

    def number(self) -> float:
        start = self.skip()
        sign = 1.0
        if self.text.startswith(("-", "+"), start):
            sign = -1.0 if self.text[start] == "-" else 1.0
            self.pos += 1
            self.skip()
        found = _NUMBER.match(self.text, self.pos)
        if found is None:
            raise self.unexpected("a number")
        self.pos = found.end()
        value = sign * _value("", found.group())
        if not math.isfinite(value):
            raise ParseError(f"number {found.group()} is too large for a double", self.span(start))
        return value

    def string(self) -> str:
        start = self.skip()
        if not self.text.startswith('"', start):
            raise self.unexpected("a quoted string")
        try:
            value, self.pos = json.decoder.scanstring(self.text, start + 1, True)  # type: ignore[attr-defined]
        except json.JSONDecodeError as exc:
            raise self._bad_string(start, exc) from None
        return str(value)

    def _bad_string(self, start: int, exc: json.JSONDecodeError) -> ParseError:
        char = self.text[exc.pos] if exc.pos < len(self.text) else ""
        if exc.msg.startswith("Unterminated") or char == "\n":
            return ParseError("unterminated string (a string ends on its line: write \\n for a line break)", self.span(start))
        if exc.msg.startswith("Invalid control"):
            escape = _ESCAPES.get(char, f"\\u{ord(char):04x}")
            return ParseError(f"a string cannot hold the control character {char!r} as it is: write {escape}", self.span(exc.pos))
        return ParseError(f"bad string escape ({exc.msg})", self.span(exc.pos))

    # -- positions and errors --

    def span(self, offset: int) -> Span:
        """The span of `offset`, on the line the reader is at."""
        return Span.in_line(self.text, self.file, self.line, self.line_start, offset)

    def unexpected(self, expected: str) -> ParseError:
        pos = self.skip()
        if pos >= len(self.text):
            return ParseError(f"unexpected end of file; expected {expected}", Span.at(self.text, self.file, len(self.text.rstrip())))
        token = _TOKEN.match(self.text, pos)
        if token is None:
            return ParseError(f"unexpected character {self.text[pos]!r}", self.span(pos))
        return ParseError(f"unexpected {token.group()!r}; expected {expected}", self.span(pos))


# What the fast patterns keep: each declines an infinite number (x - x is NaN only then).


def _pairs(first: list[float], second: list[float]) -> Fast:
    def take(found: re.Match[str]) -> bool:
        x, y = _value(found[1], found[2]), _value(found[3], found[4])
        if x - x != 0 or y - y != 0:
            return False
        first.append(x)
        second.append(y)
        return True

    return _NEXT_PAIR, take


def _numbers(values: list[float]) -> Fast:
    def take(found: re.Match[str]) -> bool:
        value = _value(found[1], found[2])
        if value - value != 0:
            return False
        values.append(value)
        return True

    return _NEXT_NUMBER, take


def _entries(entries: list[tuple[str, float]]) -> Fast:
    def take(found: re.Match[str]) -> bool:
        value = _value(found[2], found[3])
        if value - value != 0:
            return False
        entries.append((found[1], value))
        return True

    return _NEXT_ENTRY, take
