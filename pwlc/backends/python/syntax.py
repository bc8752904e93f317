"""The part of Python the reader accepts, parsed from Python's own tokens.

Tokens come from the standard library's `tokenize` (CPython's rules for numbers, strings,
names, comments, line joining and indentation); this module builds a small syntax tree of
the statements and expressions listed below and refuses anything else where it starts.
Every node keeps its position. Binary operators of one precedence are kept as a flat
`Chain` (Python evaluates them left to right), so a long sum is not a deep tree, and
nesting deeper than CPython itself compiles is refused, so nothing here recurses deeply.

    module     := [docstring] (import | NAME "=" expr | def)* [runtime marker ...]
    import     := "import" NAME ("," NAME)* | "from" NAME "import" NAME ("," NAME)*
    def        := "def" NAME "(" [NAME [":" expr] ("," ...)*] ")" ["->" expr] ":" body
    body       := [docstring] (NAME "=" expr)* "return" expr
    expr       := sum ("|" sum)*          sum := product (("+" | "-") product)*
    product    := unary (("*" | "/") unary)*        unary := ("+" | "-")* primary
    primary    := atom ("(" args ")" | "[" expr "]" | "." NAME)*
    atom       := NUMBER | STRING+ | NAME | "(" ... ")" | "[" ... "]" | "{" key: value, ... "}"

What the nodes mean (and which are refused there) is `read.py`'s and `terms.py`'s business.
"""

from __future__ import annotations

import ast
import keyword
import tokenize
import warnings
from dataclasses import dataclass, field

from pwlc.backends.python.names import REGENERATE, RUNTIME_MARKER, RUNTIME_MARKER_LINE
from pwlc.backends.python.runtime_copy import definitions
from pwlc.backends.python.tokens import Tokens
from pwlc.errors import ParseError

# CPython refuses more than 200 nested brackets, and cannot compile a chain of about 3,000
# operators (fewer in some versions): pwlc refuses well before either, and its parser
# (about ten Python frames a level) stays far from Python's recursion limit.
MAX_DEPTH = 50
MAX_CHAIN = 1000
# The binary operators read, by how tightly they bind (Python's order).
_PRECEDENCE = {"|": 0, "+": 1, "-": 1, "*": 2, "/": 2}

_ADVICE = {
    "if": "pwlc reads one sum of terms: write a condition as a step() or table() term",
    "return": "a `return` belongs in a function",
    "else": "pwlc reads one sum of terms: write a condition as a step() or table() term",
    "elif": "pwlc reads one sum of terms: write a condition as a step() or table() term",
    "for": "pwlc reads one sum of terms, one term a line: write the terms out",
    "while": "pwlc reads one sum of terms, one term a line: write the terms out",
    "lambda": "write the value itself",
    "class": "pwlc reads only the functions it writes",
    "@": "decorators change what a function does, and pwlc does not read them: remove it",
    "global": "pwlc's functions use no global variables: remove it",
    "nonlocal": "remove it",
    "try": "pwlc reads one sum of terms: remove it",
    "with": "pwlc reads one sum of terms: remove it",
    "assert": "remove it (pwlc reads no checks)",
    "pass": "remove it",
    "del": "remove it",
    "raise": "remove it",
    "yield": "remove it",
    "await": "remove it",
    "async": "pwlc's functions are plain functions",
    "not": "pwlc reads numbers and terms only",
    "and": "pwlc reads numbers and terms only",
    "or": "pwlc reads numbers and terms only",
    "in": "pwlc reads numbers and terms only",
    "is": "pwlc reads numbers and terms only",
    ";": "write one statement a line",
    "**": "write the value itself (pwlc reads + - * / between numbers)",
    "//": "write the value itself (pwlc reads + - * / between numbers)",
    "%": "write the value itself (pwlc reads + - * / between numbers)",
    "@=": "remove it",
    "+=": "write `total = total + ...`",
    "-=": "write `total = total - ...`",
    ":=": "write the value itself",
}


@dataclass(slots=True)
class Node:
    line: int
    column: int


@dataclass(slots=True)
class Number(Node):
    value: int | float


@dataclass(slots=True)
class Text(Node):
    value: str


@dataclass(slots=True)
class Name(Node):
    id: str


@dataclass(slots=True)
class Unary(Node):
    op: str
    operand: Expr


@dataclass(slots=True)
class Chain(Node):
    """`first op1 x1 op2 x2 ...`, evaluated left to right; ops are of one precedence."""

    first: Expr
    rest: list[tuple[str, Expr, Node]]  # (operator, operand, operator's position)


@dataclass(slots=True)
class Keyword(Node):
    name: str
    value: Expr


@dataclass(slots=True)
class Call(Node):
    function: Expr
    args: list[Expr]
    keywords: list[Keyword]


@dataclass(slots=True)
class Subscript(Node):
    value: Expr
    index: Expr


@dataclass(slots=True)
class Attribute(Node):
    value: Expr
    attr: str


@dataclass(slots=True)
class Display(Node):
    """A list `[...]`, tuple `(a, b)` or dict `{k: v}` display."""

    kind: str  # "list", "tuple" or "dict"
    items: list[Expr]  # for a dict: key, value, key, value, ...


Expr = Number | Text | Name | Unary | Chain | Call | Subscript | Attribute | Display


@dataclass(slots=True)
class Parameter(Node):
    name: str
    annotation: Expr | None


@dataclass(slots=True)
class Assign(Node):
    target: Name
    value: Expr


@dataclass(slots=True)
class Import(Node):
    """`import a` (names ["a"]) or `from a import b, c` (module "a", names ["b", "c"])."""

    module: str | None
    names: list[Name]


@dataclass(slots=True)
class Function(Node):
    name: Name
    parameters: list[Parameter]
    returns: Expr | None
    docstring: Text | None
    assigns: list[Assign]
    result: Expr


@dataclass(slots=True)
class Module:
    docstring: Text | None
    statements: list[Import | Assign | Function]
    runtime_line: int | None  # the line of the runtime marker, None when there is none
    comments: list[tuple[int, int, str]] = field(default_factory=list)  # above the marker


def parse_module(text: str, filename: str) -> Module:
    """Parse `text` (newlines already "\\n") up to the runtime marker line."""
    tokens = Tokens(text, filename)
    try:
        return _Parser(tokens).module()
    except ParseError as error:
        raise tokens.cut_short(error) from None


class _Parser:
    def __init__(self, tokens: Tokens):
        self.tokens = tokens
        self.depth = 0
        self.scanned = 0  # comments looked at for the runtime marker
        self.end = 0  # the last line of the previous module-level statement

    # -- helpers --

    def fail(self, message: str, token: tokenize.TokenInfo) -> ParseError:
        return self.tokens.error(message, token.start[0], token.start[1] + 1)

    def unexpected(self, token: tokenize.TokenInfo, expected: str) -> ParseError:
        opened = self.tokens.open_bracket()
        if opened is not None and token.start[1] == 0 and token.start[0] > opened[0]:
            # a statement's start inside brackets: Python says the bracket is not closed
            return self.tokens.error("this bracket is never closed: close it", *opened)
        if token.type == tokenize.NEWLINE or token.type == tokenize.ENDMARKER:
            return self.fail(f"the line ends here; expected {expected}", token)
        if token.type in (tokenize.INDENT, tokenize.DEDENT):
            return self.fail(f"unexpected indentation; expected {expected}", token)
        advice = _ADVICE.get(token.string)
        written = "a string" if token.type == tokenize.STRING else repr(token.string)
        if advice is not None:
            return self.fail(f"pwlc does not read {written} here: {advice}", token)
        return self.fail(f"unexpected {written}; expected {expected}", token)

    def at(self, *strings: str) -> bool:
        """Whether the next token is one of these operators or names (a string or number
        token's text never equals one)."""
        return self.tokens.next.string in strings

    def expect(self, string: str) -> tokenize.TokenInfo:
        if not self.at(string):
            raise self.unexpected(self.tokens.next, repr(string))
        return self.tokens.take()

    def expect_type(self, kind: int, expected: str) -> tokenize.TokenInfo:
        if self.tokens.next.type != kind:
            raise self.unexpected(self.tokens.next, expected)
        return self.tokens.take()

    def name(self) -> Name:
        token = self.expect_type(tokenize.NAME, "a name")
        if keyword.iskeyword(token.string):
            raise self.unexpected(token, "a name")
        return Name(token.start[0], token.start[1] + 1, token.string)

    def end_of_statement(self) -> None:
        token = self.tokens.next
        if token.type == tokenize.NAME and keyword.iskeyword(token.string) and token.string not in ("if", "else", "for", "lambda"):
            # a statement starting on the line of another: Python's SyntaxError
            raise self.fail(f"Python reads one statement a line: put {token.string!r} on a line of its own", token)
        self.expect_type(tokenize.NEWLINE, "the end of the line")

    def enter(self, token: tokenize.TokenInfo) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(f"this is nested more than {MAX_DEPTH} levels deep; write the value itself", token)

    # -- statements --

    def module(self) -> Module:
        docstring = None
        statements: list[Import | Assign | Function] = []
        while True:
            token = self.tokens.next
            marker = self.runtime_marker(self.end, token)
            if marker is not None:
                return Module(docstring, statements, marker, self.comments_before(marker))
            if token.type == tokenize.ENDMARKER:
                return Module(docstring, statements, None, self.tokens.comments)
            self.check_indentation(token)
            if token.type == tokenize.STRING and not statements and docstring is None:
                docstring = self.docstring()
            else:
                statements.append(self.statement(token))
            self.end = self.tokens.last_line

    def comments_before(self, line: int) -> list[tuple[int, int, str]]:
        return [c for c in self.tokens.comments if c[0] < line]

    def runtime_marker(self, end: int, token: tokenize.TokenInfo) -> int | None:
        """The line of the runtime marker, when it stands between the last statement and
        `token`; a marker anywhere else is refused. Each comment is looked at once."""
        comments = self.tokens.comments
        while self.scanned < len(comments):
            line, column, text = comments[self.scanned]
            self.scanned += 1
            if text.startswith(RUNTIME_MARKER):
                if column != 1 or line <= end or (token.type != tokenize.ENDMARKER and line >= token.start[0]):
                    raise self.tokens.error("the runtime marker must start a line of its own, after the functions", line, column)
                return line
        return None

    def check_indentation(self, token: tokenize.TokenInfo) -> None:
        """A statement's line is indented with spaces only: Python's tokenizer and the
        `tokenize` module disagree about tabs mixed with spaces (TabError)."""
        if token.line[: token.start[1]].strip(" "):
            raise self.fail("indent with spaces only (Python reads tabs and form feeds in an indentation its own way)", token)
        if token.type == tokenize.INDENT:
            raise self.fail("unexpected indentation: indent only the body of a function", token)

    def docstring(self) -> Text:
        text = self.strings()
        self.end_of_statement()
        return text

    def unmarked_runtime(self, token: tokenize.TokenInfo, name: str) -> ParseError:
        """A runtime definition above (or without) the marker: the marker line was
        reworded or deleted. The caret goes on the comment that should be it, if any."""
        for line, column, _ in reversed(self.tokens.comments):
            if column == 1 and self.end < line < token.start[0]:
                return self.tokens.error(f"expected the runtime marker here (pwlc checks the runtime below it); write this line exactly: {RUNTIME_MARKER_LINE}", line, column)
        return self.fail(f"`{name}` belongs to pwlc's runtime, which must follow its marker line; put this line back above it: {RUNTIME_MARKER_LINE}", token)

    def statement(self, token: tokenize.TokenInfo) -> Import | Assign | Function:
        if token.type == tokenize.NAME and token.string in definitions():
            raise self.unmarked_runtime(token, token.string)
        if token.type == tokenize.NAME and token.string == "def":
            return self.function()
        if token.type == tokenize.NAME and token.string in ("import", "from"):
            return self.import_statement()
        if token.type == tokenize.NAME and not keyword.iskeyword(token.string):
            target = self.name()
            self.expect("=")
            value = self.expression()
            self.end_of_statement()
            return Assign(target.line, target.column, target, value)
        if token.type == tokenize.STRING:
            raise self.fail("a string here does nothing in Python, and pwlc reads only the first one (the docstring): make it a # comment", token)
        raise self.unexpected(token, "an import, a function definition or INPUT_NAMES = {...}")

    def import_statement(self) -> Import:
        first = self.tokens.take()
        module = None
        if first.string == "from":
            module = self.dotted()
            self.expect("import")
        names = [self.imported_name()]
        while self.at(","):
            self.tokens.take()
            names.append(self.imported_name())
        self.end_of_statement()
        return Import(first.start[0], first.start[1] + 1, module, names)

    def dotted(self) -> str:
        parts = [self.name().id]
        while self.at("."):
            self.tokens.take()
            parts.append(self.name().id)
        return ".".join(parts)

    def imported_name(self) -> Name:
        token = self.tokens.next
        name = Name(token.start[0], token.start[1] + 1, self.dotted())
        if self.at("as"):
            raise self.fail("pwlc reads imports without `as`: the runtime needs the modules under their own names", self.tokens.next)
        return name

    def function(self) -> Function:
        start = self.tokens.take()
        if self.tokens.next.string in definitions():
            raise self.unmarked_runtime(start, self.tokens.next.string)
        name = self.name()
        self.expect("(")
        parameters: list[Parameter] = []
        while not self.at(")"):
            if self.at("*", "**", "/"):
                raise self.fail("pwlc reads plain parameters only, one per input (no *, ** or /)", self.tokens.next)
            parameter = self.name()
            annotation = None
            if self.at(":"):
                self.tokens.take()
                annotation = self.expression()
            if self.at("="):
                raise self.fail("an input has no default value in pwlc: remove `= ...` (every call passes every input)", self.tokens.next)
            parameters.append(Parameter(parameter.line, parameter.column, parameter.id, annotation))
            if not self.at(")"):
                self.expect(",")
        self.tokens.take()
        returns = None
        if self.at("->"):
            self.tokens.take()
            returns = self.expression()
        self.expect(":")
        indented = self.tokens.next.type == tokenize.NEWLINE
        if indented:
            self.tokens.take()
            self.expect_type(tokenize.INDENT, "the indented body of the function")
        docstring, assigns, result = self.body(indented, name)
        return Function(start.start[0], start.start[1] + 1, name, parameters, returns, docstring, assigns, result)

    def body(self, indented: bool, function: Name) -> tuple[Text | None, list[Assign], Expr]:
        docstring = None
        assigns: list[Assign] = []
        while True:
            token = self.tokens.next
            if token.type == tokenize.DEDENT:
                raise self.tokens.error(f"`{function.id}` ends without returning the sum of its terms: end its body with `return` and the sum, indented as the rest of it", function.line, function.column)
            if indented:
                self.check_indentation(token)
            if token.type == tokenize.STRING and docstring is None and not assigns:
                docstring = self.docstring()
            elif token.type == tokenize.NAME and token.string == "return":
                self.tokens.take()
                result = self.expression()
                self.end_of_statement()
                break
            elif token.type == tokenize.NAME and not keyword.iskeyword(token.string):
                target = self.name()
                if not self.at("="):
                    raise self.unexpected(self.tokens.next, "'=' (pwlc reads `total = ...` and `return ...` in a function)")
                self.tokens.take()
                value = self.expression()
                self.end_of_statement()
                assigns.append(Assign(target.line, target.column, target, value))
            else:
                raise self.unexpected(token, "`return` and the sum of the terms")
            if not indented:
                raise self.unexpected(self.tokens.next, "`return` on the same line")
        if indented:
            after = self.tokens.next
            if after.type != tokenize.DEDENT:
                if any(text.startswith(RUNTIME_MARKER) and line < after.start[0] for line, _, text in self.tokens.comments[self.scanned :]):
                    raise self.fail(f"the runtime below the marker was edited: Python reads this indented line as part of `{function.id}`; {REGENERATE}", after)
                raise self.unexpected(after, "the end of the function (nothing after its `return` is run)")
            self.tokens.take()
        return docstring, assigns, result

    # -- expressions --

    def expression(self, level: int = 0) -> Expr:
        """An expression of binary operators binding as tight as `level` or tighter (0:
        `|`, 1: `+ -`, 2: `* /`), by precedence climbing; each run of operators of one
        precedence is one flat `Chain`, evaluated left to right as Python does."""
        left = self.unary()
        while True:
            token = self.tokens.next
            found = _PRECEDENCE.get(token.string) if token.type == tokenize.OP else None
            if found is None or found < level:
                return left
            rest: list[tuple[str, Expr, Node]] = []
            while token.type == tokenize.OP and _PRECEDENCE.get(token.string) == found:
                self.tokens.take()
                if len(rest) >= MAX_CHAIN:
                    raise self.fail(f"more than {MAX_CHAIN} operations in one expression (Python may not compile it): add up in stages, `total = total + ...`", token)
                rest.append((token.string, self.expression(found + 1), Node(token.start[0], token.start[1] + 1)))
                token = self.tokens.next
            left = Chain(left.line, left.column, left, rest)

    def unary(self) -> Expr:
        if self.tokens.next.type == tokenize.NUMBER:  # the common case, quickly
            return self.primary()
        signs: list[tokenize.TokenInfo] = []
        while self.at("+", "-", "~"):
            token = self.tokens.take()
            if token.string == "~":
                raise self.fail("pwlc reads + - * / between numbers; write the value itself", token)
            self.enter(token)
            signs.append(token)
        value = self.primary()
        for token in reversed(signs):
            value = Unary(token.start[0], token.start[1] + 1, token.string, value)
            self.depth -= 1
        return value

    def primary(self) -> Expr:
        value = self.atom()
        while self.at("(", "[", "."):
            token = self.tokens.take()
            if token.string == ".":
                value = Attribute(value.line, value.column, value, self.name().id)
            elif token.string == "[":
                self.enter(token)
                value = Subscript(value.line, value.column, value, self.expression())
                self.expect("]")
                self.depth -= 1
            else:
                self.enter(token)
                args, keywords = self.arguments()
                value = Call(value.line, value.column, value, args, keywords)
                self.depth -= 1
        return value

    def arguments(self) -> tuple[list[Expr], list[Keyword]]:
        args: list[Expr] = []
        keywords: list[Keyword] = []
        while not self.at(")"):
            token = self.tokens.next
            if self.at("*", "**"):
                raise self.fail("pwlc reads arguments written out, not unpacked with * or **", token)
            value = self.expression()
            if self.at("="):
                if not (isinstance(value, Name) and (value.line, value.column) == (token.start[0], token.start[1] + 1)):
                    raise self.fail("Python reads `name=` only after a bare name", self.tokens.next)
                self.tokens.take()
                keywords.append(Keyword(value.line, value.column, value.id, self.expression()))
            elif keywords:
                raise self.fail("a positional argument after a keyword argument (Python refuses it)", token)
            else:
                args.append(value)
            if not self.at(")"):
                self.expect_separator(")")
        self.tokens.take()
        return args, keywords

    def expect_separator(self, closing: str) -> None:
        token = self.tokens.next
        if token.type == tokenize.NAME and token.string in ("for", "async"):
            raise self.fail("pwlc does not read comprehensions: write the items out", token)
        self.expect(",")

    def atom(self) -> Expr:
        token = self.tokens.next
        line, column = token.start[0], token.start[1] + 1
        if token.type == tokenize.NUMBER:
            self.tokens.take()
            return Number(line, column, self.number(token))
        if token.type == tokenize.STRING:
            return self.strings()
        if token.type == tokenize.NAME and (not keyword.iskeyword(token.string) or token.string in ("None", "True", "False")):
            self.tokens.take()
            return Name(line, column, token.string)
        if self.at("(", "[", "{"):
            self.tokens.take()
            self.enter(token)
            display = self.display(token)
            self.depth -= 1
            return display
        raise self.unexpected(token, "a number, a name, a string or a bracket")

    def display(self, opening: tokenize.TokenInfo) -> Expr:
        closing = {"(": ")", "[": "]", "{": "}"}[opening.string]
        line, column = opening.start[0], opening.start[1] + 1
        items: list[Expr] = []
        trailing_comma = False
        while not self.at(closing):
            if opening.string == "{" and self.at("**"):
                raise self.fail("pwlc reads dict entries written out, not unpacked with **", self.tokens.next)
            items.append(self.expression())
            if opening.string == "{":
                if not self.at(":"):
                    raise self.unexpected(self.tokens.next, "':' (pwlc reads dicts, not sets)")
                self.tokens.take()
                items.append(self.expression())
            trailing_comma = False
            if not self.at(closing):
                self.expect_separator(closing)
                trailing_comma = True
        self.tokens.take()
        if opening.string == "(" and len(items) == 1 and not trailing_comma:
            items[0].line, items[0].column = line, column  # a message about it points at "("
            return items[0]  # parentheses around one expression group it, nothing more
        return Display(line, column, {"(": "tuple", "[": "list", "{": "dict"}[opening.string], items)

    def strings(self) -> Text:
        """Adjacent string literals, joined as Python joins them."""
        first = self.tokens.next
        parts = []
        while self.tokens.next.type == tokenize.STRING:
            token = self.tokens.take()
            prefix = token.string[: len(token.string) - len(token.string.lstrip("rRbBuUfF"))].lower()
            if "f" in prefix or "b" in prefix:
                raise self.fail(f"pwlc reads plain strings, not {'f-strings' if 'f' in prefix else 'bytes'}", token)
            try:
                with warnings.catch_warnings():  # an unknown escape such as "\d" only warns, in Python too
                    warnings.simplefilter("ignore")
                    value = ast.literal_eval(token.string)
            except (SyntaxError, ValueError) as error:
                raise self.fail(f"Python cannot read this string ({getattr(error, 'msg', error)})", token) from None
            parts.append(value)
        return Text(first.start[0], first.start[1] + 1, "".join(parts))

    def number(self, token: tokenize.TokenInfo) -> int | float:
        text = token.string
        after = self.tokens.next
        if after.start == token.end and after.type in (tokenize.NAME, tokenize.NUMBER):
            raise self.fail(f"Python cannot read the number {text + after.string!r}", token)
        if text[-1] in "jJ":
            raise self.fail("pwlc reads real numbers, not imaginary ones", token)
        try:
            if text.isdigit():  # tokenize never gives "01" as one token: Python refuses it
                return int(text)
            if text[:2].lower() not in ("0x", "0o", "0b") and ("." in text or "e" in text or "E" in text):
                return float(text)
            return int(text, 0)
        except ValueError as error:
            raise self.fail(f"Python cannot read the number {text!r} ({error})", token) from None
